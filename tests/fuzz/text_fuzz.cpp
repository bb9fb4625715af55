// Fuzz target 2: the text cleaner (pleno::text::clean), which every citizen
// text passes once before anyone sees it. Checked on every input, for a post
// body (280 code points, line breaks kept) and for a name (40, on one line):
//   - is_valid_utf8 agrees with utf8proc's own decoder (a second opinion);
//   - invalid UTF-8 is refused as such, and nothing else is;
//   - a cleaned text is valid UTF-8, in NFC (utf8proc says so), not empty, at
//     most the limit in code points (and the count it reports is right), has
//     no control character (but the line feeds a post may keep), no
//     bidirectional control, no zero-width space, no space at either end and
//     no two spaces in a row;
//   - cleaning is idempotent: a cleaned text comes back unchanged;
//   - fold_for_matching takes any cleaned text and gives valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <pleno/text.hpp>
#include <utf8proc.h>

namespace {

void require(bool condition)
{
    if (!condition)
        std::abort();  // a finding: libFuzzer keeps the input
}

bool utf8proc_accepts(std::string_view text)
{
    auto const* bytes = reinterpret_cast<utf8proc_uint8_t const*>(text.data());
    utf8proc_ssize_t offset = 0;
    auto const size = static_cast<utf8proc_ssize_t>(text.size());
    while (offset < size) {
        utf8proc_int32_t code_point = 0;
        utf8proc_ssize_t const used = utf8proc_iterate(bytes + offset, size - offset, &code_point);
        if (used <= 0)
            return false;
        offset += used;
    }
    return true;
}

bool is_nfc(std::string const& text)
{
    utf8proc_uint8_t* normal = utf8proc_NFC(reinterpret_cast<utf8proc_uint8_t const*>(text.c_str()));
    if (normal == nullptr)
        return false;
    bool const same = text == reinterpret_cast<char const*>(normal);
    std::free(normal);
    return same;
}

bool forbidden(utf8proc_int32_t c, bool line_feed_allowed)
{
    if (c == '\n')
        return !line_feed_allowed;
    if (utf8proc_category(c) == UTF8PROC_CATEGORY_CC)
        return true;  // C0, DEL, C1 (tab included: it becomes a space)
    bool const bidi = (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F ||
                      c == 0x061C;
    bool const zero_width = c == 0x200B || c == 0xFEFF || c == 0x2060;
    return bidi || zero_width;
}

void check(std::string_view input, std::size_t limit, pleno::text::line_breaks policy)
{
    using pleno::text::text_error;
    auto const result = pleno::text::clean(input, limit, policy);
    bool const valid = pleno::text::is_valid_utf8(input);
    require(valid == (result.error != text_error::invalid_utf8));
    if (result.error != text_error::none) {
        require(result.text.empty());
        return;
    }
    std::string const& text = result.text;
    require(!text.empty());
    require(utf8proc_accepts(text));
    require(is_nfc(text));
    require(result.code_points == pleno::text::count_code_points(text));
    require(result.code_points <= limit);
    require(text.front() != ' ' && text.back() != ' ');
    require(text.find("  ") == std::string::npos);
    auto const* bytes = reinterpret_cast<utf8proc_uint8_t const*>(text.data());
    utf8proc_ssize_t offset = 0;
    auto const size = static_cast<utf8proc_ssize_t>(text.size());
    while (offset < size) {
        utf8proc_int32_t c = 0;
        offset += utf8proc_iterate(bytes + offset, size - offset, &c);
        require(!forbidden(c, policy == pleno::text::line_breaks::keep));
    }
    auto const again = pleno::text::clean(text, limit, policy);
    require(again.error == text_error::none);
    require(again.text == text);
    require(pleno::text::is_valid_utf8(pleno::text::fold_for_matching(text)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const input(reinterpret_cast<char const*>(data), size);
    require(pleno::text::is_valid_utf8(input) == utf8proc_accepts(input));
    check(input, 280, pleno::text::line_breaks::keep);
    check(input, 40, pleno::text::line_breaks::to_spaces);
    return 0;
}
