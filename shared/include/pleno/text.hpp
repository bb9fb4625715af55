#pragma once
// The text rules: what the server does once to every citizen text at submission,
// so that moderators, displays and the archive all see the same cleaned text.

#include <cstddef>
#include <string>
#include <string_view>

namespace pleno::text {

enum class text_error {
    none,
    invalid_utf8,  // not well-formed UTF-8 (overlong forms, surrogates, truncated sequences, > U+10FFFF)
    empty,         // nothing visible left after cleaning
    too_long,      // more than the allowed code points after cleaning
};

// How line breaks in the input are treated.
enum class line_breaks {
    keep,       // post bodies: CR LF / CR / LS / PS become LF; runs of blank lines collapse to one blank line
    to_spaces,  // single-line fields such as display names: every line break becomes one space
};

struct clean_result {
    std::string text;             // the cleaned, NFC-normalised text (empty when error != none)
    text_error error = text_error::none;
    std::size_t code_points = 0;  // length of text in code points
};

// Validates and cleans. Steps, in order: reject invalid UTF-8; normalise to NFC;
// remove C0/C1 controls except line breaks and tab (tab becomes a space); remove
// bidirectional overrides/embeddings/isolates/marks, zero-width and other
// default-ignorable code points, except ZWJ (U+200D) and variation selectors
// inside emoji sequences so that emoji stay intact; apply the line-break policy;
// collapse runs of spaces; trim; then check empty and the code point limit.
clean_result clean(std::string_view input, std::size_t max_code_points, line_breaks policy);

bool is_valid_utf8(std::string_view input);

// Number of code points in a string that is already valid UTF-8.
std::size_t count_code_points(std::string_view valid_utf8);

// Folds a cleaned text for matching: lower case, accents removed ("Ávila" -> "avila").
std::string fold_for_matching(std::string_view valid_utf8);

}  // namespace pleno::text
