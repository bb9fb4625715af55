#include <pleno/text.hpp>

#include <utf8proc.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

namespace pleno::text {
namespace {

using code_point = utf8proc_int32_t;
using code_points = std::vector<code_point>;

constexpr code_point tab = 0x09;
constexpr code_point line_feed = 0x0A;
constexpr code_point line_tabulation = 0x0B;
constexpr code_point form_feed = 0x0C;
constexpr code_point carriage_return = 0x0D;
constexpr code_point space = 0x20;
constexpr code_point delete_character = 0x7F;
constexpr code_point next_line = 0x85;
constexpr code_point braille_pattern_blank = 0x2800;
constexpr code_point zero_width_joiner = 0x200D;
constexpr code_point line_separator = 0x2028;
constexpr code_point paragraph_separator = 0x2029;
constexpr code_point variation_selector_16 = 0xFE0F;
constexpr code_point waving_black_flag = 0x1F3F4;
constexpr code_point cancel_tag = 0xE007F;

// UTS #51 allows tag sequences only as subdivision flags (England, Scotland,
// Wales): a black flag, a lower-case CLDR subdivision id of 3 to 7 letters or
// digits written in tag characters, and CANCEL TAG. Anything longer is a way to
// hide invisible ASCII in a post, so it is removed.
constexpr std::size_t shortest_subdivision_id = 3;
constexpr std::size_t longest_subdivision_id = 7;

// More than one blank line in a row only pushes the other posts off the wall.
constexpr std::size_t most_line_feeds_in_a_row = 2;

bool in_range(code_point value, code_point first, code_point last) {
    return value >= first && value <= last;
}

utf8proc_option_t options(int flags) {
    return static_cast<utf8proc_option_t>(flags);
}

// UAX #14 mandatory breaks (BK, CR, LF, NL): anything a renderer would start
// a new line for must obey the line-break policy rather than be dropped,
// otherwise the words on either side would be glued together.
bool is_line_break(code_point value) {
    return value == line_feed || value == line_tabulation || value == form_feed ||
           value == carriage_return || value == next_line || value == line_separator ||
           value == paragraph_separator;
}

// C0, DEL and C1.
bool is_control(code_point value) {
    return value < space || in_range(value, delete_character, 0x9F);
}

bool is_variation_selector(code_point value) {
    return in_range(value, 0xFE00, 0xFE0F) ||     // standardised and emoji variation sequences
           in_range(value, 0xE0100, 0xE01EF) ||   // ideographic variation sequences (Japanese names)
           in_range(value, 0x180B, 0x180D) || value == 0x180F;  // Mongolian free variation selectors
}

bool is_emoji_modifier(code_point value) {
    return in_range(value, 0x1F3FB, 0x1F3FF);
}

bool is_tag(code_point value) {
    return in_range(value, 0xE0020, cancel_tag);
}

bool is_subdivision_tag(code_point value) {
    return in_range(value, 0xE0030, 0xE0039) || in_range(value, 0xE0061, 0xE007A);
}

bool is_pictographic(code_point value) {
    auto const* property = utf8proc_get_property(value);
    if (property->boundclass == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC) {
        return true;
    }
    // utf8proc only knows the emoji of its own Unicode version. Unicode reserves
    // these blocks for future pictographs, so a ZWJ sequence built with an emoji
    // newer than the library is still kept whole.
    return property->category == UTF8PROC_CATEGORY_CN &&
           (in_range(value, 0x1F000, 0x1FAFF) || in_range(value, 0x1FC00, 0x1FFFD));
}

// Invisible characters that carry no meaning on a projected wall and can hide
// text from the moderator: every Default_Ignorable_Code_Point (zero-width
// characters, bidirectional controls and marks, soft hyphen, BOM, Hangul
// fillers, tag characters, ...) plus the interlinear annotation controls.
bool is_invisible(code_point value) {
    if (utf8proc_get_property(value)->ignorable) {
        return true;
    }
    if (in_range(value, 0xFFF9, 0xFFFB)) {
        return true;  // interlinear annotations: format controls, not default-ignorable
    }
    // utf8proc flags only assigned code points as ignorable; these ranges are
    // reserved as default-ignorable, so future characters there are invisible too.
    return value == 0x2065 || in_range(value, 0xFFF0, 0xFFF8) || in_range(value, 0xE0000, 0xE0FFF);
}

// Spaces other than U+0020 count as blanks so that they cannot be used to pad
// a post or to make an empty one look non-empty. The braille blank is a
// symbol, not a space, but it renders as nothing and is the usual trick for
// "blank" display names.
bool is_blank(code_point value) {
    return value == braille_pattern_blank ||
           utf8proc_get_property(value)->category == UTF8PROC_CATEGORY_ZS;
}

// A variation selector only means something right after the character it
// varies; anywhere else (at the start, after a space, after another selector)
// it is an invisible payload. Blanks never carry one, because trimming could
// remove the blank and leave the selector stranded.
bool can_carry_variation_selector(code_point value) {
    if (is_blank(value)) {
        return false;
    }
    switch (utf8proc_get_property(value)->category) {
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
        return false;
    default:
        return true;
    }
}

// Length of the subdivision flag tag sequence starting at input[start], or 0
// when the tags there do not form one. Only the tag right after the flag may
// start one; otherwise the tail of an overlong, refused sequence would be
// accepted on a later try.
std::size_t flag_tag_sequence_length(code_points const& input, std::size_t start) {
    if (start == 0 || input[start - 1] != waving_black_flag) {
        return 0;
    }
    std::size_t end = start;
    while (end < input.size() && end - start <= longest_subdivision_id && is_subdivision_tag(input[end])) {
        ++end;
    }
    std::size_t const id_length = end - start;
    if (id_length < shortest_subdivision_id || id_length > longest_subdivision_id || end == input.size() ||
        input[end] != cancel_tag) {
        return 0;
    }
    return id_length + 1;
}

struct decode_result {
    code_points text;
    text_error error = text_error::none;
};

// Decodes UTF-8 that is known to be valid into NFC code points. utf8proc does
// both in one pass and into our own buffer, so nothing has to be freed.
decode_result decode_nfc(std::string_view valid_utf8) {
    auto const* bytes = reinterpret_cast<utf8proc_uint8_t const*>(valid_utf8.data());
    auto const byte_count = static_cast<utf8proc_ssize_t>(valid_utf8.size());
    auto const nfc = options(UTF8PROC_STABLE | UTF8PROC_COMPOSE);

    decode_result result;
    // Canonical decomposition rarely makes text longer than its byte count;
    // when it does, utf8proc reports the size it needs and we decode again.
    result.text.resize(valid_utf8.size());
    for (;;) {
        auto const buffer_size = static_cast<utf8proc_ssize_t>(result.text.size());
        auto const decomposed = utf8proc_decompose(bytes, byte_count, result.text.data(), buffer_size, nfc);
        if (decomposed < 0) {
            // Only reachable if utf8proc disagreed with is_valid_utf8, or for an
            // input too large to index, which is certainly over any limit.
            result.error = decomposed == UTF8PROC_ERROR_INVALIDUTF8 ? text_error::invalid_utf8 : text_error::too_long;
            result.text.clear();
            return result;
        }
        result.text.resize(static_cast<std::size_t>(decomposed));
        if (decomposed <= buffer_size) {
            break;
        }
    }
    auto const composed =
        utf8proc_normalize_utf32(result.text.data(), static_cast<utf8proc_ssize_t>(result.text.size()), nfc);
    if (composed < 0) {
        result.error = text_error::too_long;
        result.text.clear();
        return result;
    }
    result.text.resize(static_cast<std::size_t>(composed));
    return result;
}

std::string encode(code_points const& text) {
    std::string output;
    output.reserve(text.size());
    for (code_point const value : text) {
        utf8proc_uint8_t bytes[4];
        auto const length = utf8proc_encode_char(value, bytes);
        output.append(reinterpret_cast<char const*>(bytes), static_cast<std::size_t>(length));
    }
    return output;
}

// Removes controls and invisible characters and applies the line-break policy.
// Every ZWJ is kept here; resolve_joiners decides once both its neighbours
// are known.
code_points remove_invisible(code_points const& input, line_breaks policy) {
    code_point const line_break_replacement = policy == line_breaks::keep ? line_feed : space;
    code_points output;
    output.reserve(input.size());
    for (std::size_t index = 0; index < input.size(); ++index) {
        code_point const current = input[index];
        if (current == carriage_return && index + 1 < input.size() && input[index + 1] == line_feed) {
            continue;  // CR LF is one line break, emitted for the LF
        }
        if (is_line_break(current)) {
            output.push_back(line_break_replacement);
        } else if (current == tab) {
            output.push_back(space);
        } else if (is_control(current)) {
            continue;
        } else if (is_tag(current)) {
            std::size_t const length = flag_tag_sequence_length(input, index);
            if (length > 0) {
                auto const first = input.begin() + static_cast<std::ptrdiff_t>(index);
                output.insert(output.end(), first, first + static_cast<std::ptrdiff_t>(length));
                index += length - 1;
            }
        } else if (is_variation_selector(current)) {
            if (!output.empty() && can_carry_variation_selector(output.back())) {
                output.push_back(current);
            }
        } else if (current == zero_width_joiner) {
            output.push_back(current);
        } else if (!is_invisible(current)) {
            output.push_back(current);
        }
    }
    return output;
}

// True when the text so far ends with an emoji that a ZWJ may extend: a
// pictograph, optionally followed by VS16 or by a skin-tone modifier.
bool ends_with_pictograph(code_points const& text) {
    auto position = text.rbegin();
    if (position != text.rend() && (*position == variation_selector_16 || is_emoji_modifier(*position))) {
        ++position;
    }
    return position != text.rend() && is_pictographic(*position);
}

// Keeps a ZWJ only between two pictographs, where it builds an emoji such as
// a family or the rainbow flag. Elsewhere it is invisible and only serves to
// defeat word matching.
code_points resolve_joiners(code_points const& input) {
    code_points output;
    output.reserve(input.size());
    for (std::size_t index = 0; index < input.size(); ++index) {
        code_point const current = input[index];
        if (current == zero_width_joiner) {
            bool const joins_emoji =
                index + 1 < input.size() && is_pictographic(input[index + 1]) && ends_with_pictograph(output);
            if (!joins_emoji) {
                continue;
            }
        }
        output.push_back(current);
    }
    return output;
}

// Collapses each run of blanks to one (a lone blank keeps its identity so that
// a no-break space in "100 €" or before "!" in French survives; a longer run
// becomes U+0020), drops blanks at the start and end of every line, drops
// leading and trailing line breaks and keeps at most one blank line.
code_points collapse_whitespace(code_points const& input) {
    code_points output;
    output.reserve(input.size());
    std::size_t pending_line_feeds = 0;
    std::size_t pending_blanks = 0;
    code_point first_pending_blank = space;
    for (code_point const current : input) {
        if (current == line_feed) {
            pending_blanks = 0;
            ++pending_line_feeds;
            continue;
        }
        if (is_blank(current)) {
            if (pending_blanks == 0) {
                first_pending_blank = current;
            }
            ++pending_blanks;
            continue;
        }
        if (!output.empty()) {
            if (pending_line_feeds > 0) {
                output.insert(output.end(), std::min(pending_line_feeds, most_line_feeds_in_a_row), line_feed);
            } else if (pending_blanks > 0) {
                output.push_back(pending_blanks == 1 ? first_pending_blank : space);
            }
        }
        pending_line_feeds = 0;
        pending_blanks = 0;
        output.push_back(current);
    }
    return output;
}

bool is_continuation(unsigned char byte) {
    return (byte & 0xC0U) == 0x80U;
}

struct free_deleter {
    void operator()(utf8proc_uint8_t* pointer) const {
        std::free(pointer);
    }
};

}  // namespace

// Follows the well-formed byte sequences of Unicode table 3-7 exactly: the
// second byte's range is narrowed after E0, ED, F0 and F4 so that overlong
// forms, surrogates and code points above U+10FFFF are all refused.
bool is_valid_utf8(std::string_view input) {
    std::size_t index = 0;
    while (index < input.size()) {
        auto const lead = static_cast<unsigned char>(input[index]);
        if (lead < 0x80U) {
            ++index;
            continue;
        }
        std::size_t continuation_count = 0;
        unsigned char second_low = 0x80U;
        unsigned char second_high = 0xBFU;
        if (lead >= 0xC2U && lead <= 0xDFU) {
            continuation_count = 1;
        } else if (lead >= 0xE0U && lead <= 0xEFU) {
            continuation_count = 2;
            if (lead == 0xE0U) {
                second_low = 0xA0U;  // below is an overlong two-byte form
            } else if (lead == 0xEDU) {
                second_high = 0x9FU;  // above are the UTF-16 surrogates
            }
        } else if (lead >= 0xF0U && lead <= 0xF4U) {
            continuation_count = 3;
            if (lead == 0xF0U) {
                second_low = 0x90U;  // below is an overlong three-byte form
            } else if (lead == 0xF4U) {
                second_high = 0x8FU;  // above is beyond U+10FFFF
            }
        } else {
            return false;  // stray continuation byte, C0/C1 overlong lead, or F5..FF
        }
        if (input.size() - index <= continuation_count) {
            return false;  // truncated at the end
        }
        auto const second = static_cast<unsigned char>(input[index + 1]);
        if (second < second_low || second > second_high) {
            return false;
        }
        for (std::size_t offset = 2; offset <= continuation_count; ++offset) {
            if (!is_continuation(static_cast<unsigned char>(input[index + offset]))) {
                return false;
            }
        }
        index += continuation_count + 1;
    }
    return true;
}

std::size_t count_code_points(std::string_view valid_utf8) {
    return static_cast<std::size_t>(std::count_if(valid_utf8.begin(), valid_utf8.end(), [](char byte) {
        return !is_continuation(static_cast<unsigned char>(byte));
    }));
}

clean_result clean(std::string_view input, std::size_t max_code_points, line_breaks policy) {
    clean_result result;
    if (!is_valid_utf8(input)) {
        result.error = text_error::invalid_utf8;
        return result;
    }
    decode_result normalised = decode_nfc(input);
    if (normalised.error != text_error::none) {
        result.error = normalised.error;
        return result;
    }
    code_points visible = resolve_joiners(remove_invisible(normalised.text, policy));
    if (visible.size() != normalised.text.size()) {
        // Removing a character can bring a base and a combining mark together
        // ("e", ZWSP, U+0301), so the text must be composed again to stay NFC.
        normalised = decode_nfc(encode(visible));
        if (normalised.error != text_error::none) {
            result.error = normalised.error;
            return result;
        }
        visible = std::move(normalised.text);
    }
    code_points const collapsed = collapse_whitespace(visible);
    if (collapsed.empty()) {
        result.error = text_error::empty;
        return result;
    }
    if (collapsed.size() > max_code_points) {
        result.error = text_error::too_long;
        return result;
    }
    result.text = encode(collapsed);
    result.code_points = collapsed.size();
    return result;
}

// NFKC with case folding, accents stripped, default-ignorables removed, and
// look-alike punctuation lumped together (’ matches ', – matches -), so that
// a word list matches however a citizen typed the word.
std::string fold_for_matching(std::string_view valid_utf8) {
    utf8proc_uint8_t* folded = nullptr;
    auto const length = utf8proc_map(reinterpret_cast<utf8proc_uint8_t const*>(valid_utf8.data()),
                                     static_cast<utf8proc_ssize_t>(valid_utf8.size()), &folded,
                                     options(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                                             UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE |
                                             UTF8PROC_LUMP));
    std::unique_ptr<utf8proc_uint8_t, free_deleter> const owner(folded);
    if (length < 0 || folded == nullptr) {
        return {};  // not valid UTF-8 after all, or out of memory: nothing to match
    }
    return std::string(reinterpret_cast<char const*>(folded), static_cast<std::size_t>(length));
}

}  // namespace pleno::text
