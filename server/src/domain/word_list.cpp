#include "domain/word_list.hpp"

#include <pleno/text.hpp>

#include <utf8proc.h>

#include <algorithm>

namespace pleno::domain {

namespace {

// Letters, marks and numbers make up words in every script; everything else
// (spaces, punctuation such as the apostrophe in "l'imbècil", symbols, emoji)
// separates them. Marks count so that scripts whose vowels are combining marks
// are not cut inside a word.
bool is_word_character(utf8proc_int32_t code_point)
{
    switch (utf8proc_category(code_point)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

// The words of a folded text, as views into it.
std::vector<std::string_view> split_words(std::string_view folded)
{
    std::vector<std::string_view> words;
    std::size_t word_start = std::string_view::npos;
    std::size_t position = 0;
    while (position < folded.size()) {
        utf8proc_int32_t code_point = -1;
        utf8proc_ssize_t const length
            = utf8proc_iterate(reinterpret_cast<utf8proc_uint8_t const*>(folded.data() + position),
                               static_cast<utf8proc_ssize_t>(folded.size() - position), &code_point);
        // The text is valid UTF-8 by contract; should a byte be bad anyway it
        // is stepped over as a separator rather than looping on it.
        bool const inside_word = length > 0 && is_word_character(code_point);
        if (inside_word && word_start == std::string_view::npos) {
            word_start = position;
        } else if (!inside_word && word_start != std::string_view::npos) {
            words.push_back(folded.substr(word_start, position - word_start));
            word_start = std::string_view::npos;
        }
        position += length > 0 ? static_cast<std::size_t>(length) : 1;
    }
    if (word_start != std::string_view::npos) {
        words.push_back(folded.substr(word_start));
    }
    return words;
}

std::string join_words(std::vector<std::string_view> const& words)
{
    std::string joined;
    for (std::string_view const word : words) {
        if (!joined.empty()) {
            joined += ' ';
        }
        joined += word;
    }
    return joined;
}

std::string_view trim_spaces(std::string_view value)
{
    constexpr std::string_view spaces = " \t\r\n";
    auto const first = value.find_first_not_of(spaces);
    if (first == std::string_view::npos) {
        return {};
    }
    auto const last = value.find_last_not_of(spaces);
    return value.substr(first, last - first + 1);
}

// Whether the phrase (folded words joined by single spaces) occurs in
// `text_words` starting at `start`. With `prefix`, the last word of the phrase
// only has to begin the text's word.
bool phrase_at(std::vector<std::string_view> const& text_words, std::size_t start, std::string_view phrase,
               bool prefix)
{
    std::size_t index = start;
    while (index < text_words.size()) {
        auto const space = phrase.find(' ');
        std::string_view const word = phrase.substr(0, space);
        if (space == std::string_view::npos) {
            return prefix ? text_words[index].starts_with(word) : text_words[index] == word;
        }
        if (text_words[index] != word) {
            return false;
        }
        phrase.remove_prefix(space + 1);
        ++index;
    }
    return false;
}

}  // namespace

// Entries are folded once here so that matching a post only folds the post.
// An entry that is not valid UTF-8 or holds no letter or digit (an empty line,
// a lone "*") is skipped: it would otherwise match nothing or everything.
// Only a trailing '*' means "prefix"; any other '*' separates words like any
// punctuation. Two entries that fold the same are kept once, the first.
word_list::word_list(std::vector<std::string> const& words)
{
    for (std::string const& word : words) {
        std::string_view const original = trim_spaces(word);
        if (!text::is_valid_utf8(original)) {
            continue;
        }
        std::string_view body = original;
        bool const prefix = body.ends_with('*');
        if (prefix) {
            body.remove_suffix(1);
        }
        std::string const folded_body = text::fold_for_matching(body);
        std::string folded = join_words(split_words(folded_body));
        if (folded.empty()) {
            continue;
        }
        bool const duplicate = std::any_of(words_.begin(), words_.end(), [&](entry const& existing) {
            return existing.prefix == prefix && existing.folded == folded;
        });
        if (!duplicate) {
            words_.push_back(entry{std::string{original}, std::move(folded), prefix});
        }
    }
}

std::vector<std::string> word_list::matches(std::string_view text) const
{
    std::vector<std::string> found;
    // Texts reach the word list after text::clean, so they are valid UTF-8;
    // anything else is not folded (fold_for_matching requires valid input).
    if (words_.empty() || !text::is_valid_utf8(text)) {
        return found;
    }
    std::string const folded = text::fold_for_matching(text);
    std::vector<std::string_view> const text_words = split_words(folded);
    for (entry const& listed : words_) {
        for (std::size_t start = 0; start < text_words.size(); ++start) {
            if (phrase_at(text_words, start, listed.folded, listed.prefix)) {
                found.push_back(listed.original);
                break;
            }
        }
    }
    return found;
}

}  // namespace pleno::domain
