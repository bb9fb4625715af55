#include <doctest/doctest.h>
#include <pleno/text.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

using namespace std::string_literals;
using pleno::text::clean;
using pleno::text::clean_result;
using pleno::text::count_code_points;
using pleno::text::fold_for_matching;
using pleno::text::is_valid_utf8;
using pleno::text::line_breaks;
using pleno::text::text_error;

// Every expectation below is written with escapes so that an editor cannot
// normalise it silently; this guard makes sure the compiler encodes them as
// UTF-8, otherwise none of the byte comparisons would mean anything.
static_assert(std::string_view("\u00E9") == std::string_view("\xC3\xA9"));
static_assert(std::string_view("\U0001F469") == std::string_view("\xF0\x9F\x91\xA9"));

namespace {

constexpr std::size_t post_limit = 280;
constexpr std::size_t name_limit = 50;

clean_result clean_post(std::string_view input) {
    return clean(input, post_limit, line_breaks::keep);
}

clean_result clean_name(std::string_view input) {
    return clean(input, name_limit, line_breaks::to_spaces);
}

std::string repeat(std::string_view piece, std::size_t times) {
    std::string output;
    for (std::size_t index = 0; index < times; ++index) {
        output += piece;
    }
    return output;
}

struct text_sample {
    char const* name;
    std::string input;
};

// Emoji whose sequences must reach the wall exactly as typed, with their
// length in code points.
struct emoji_sample {
    char const* name;
    std::string text;
    std::size_t code_points;
};

std::vector<emoji_sample> const emoji_samples{
    {"family: woman, woman, girl", "\U0001F469\u200D\U0001F469\u200D\U0001F467", 5},
    {"rainbow flag", "\U0001F3F3\uFE0F\u200D\U0001F308", 4},
    {"transgender flag", "\U0001F3F3\uFE0F\u200D\u26A7\uFE0F", 5},
    {"kiss: woman, man", "\U0001F469\u200D\u2764\uFE0F\u200D\U0001F48B\u200D\U0001F468", 8},
    {"technologist, medium skin tone", "\U0001F9D1\U0001F3FD\u200D\U0001F4BB", 4},
    {"woman running", "\U0001F3C3\u200D\u2640\uFE0F", 4},
    {"woman, red hair", "\U0001F469\u200D\U0001F9B0", 3},
    {"heart on fire", "\u2764\uFE0F\u200D\U0001F525", 4},
    {"waving hand, medium skin tone", "\U0001F44B\U0001F3FD", 2},
    {"flag of Spain", "\U0001F1EA\U0001F1F8", 2},
    {"flags of Canada and the EU side by side", "\U0001F1E8\U0001F1E6\U0001F1EA\U0001F1FA", 4},
    {"keycap 1", "1\uFE0F\u20E3", 3},
    {"keycap #", "#\uFE0F\u20E3", 3},
    {"red heart, emoji presentation", "\u2764\uFE0F", 2},
    {"smiling face, text presentation", "\u263A\uFE0E", 2},
    {"flag of Scotland", "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", 7},
    {"flag of England", "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 7},
    {"flag of Wales", "\U0001F3F4\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F", 7},
};

}  // namespace

TEST_CASE("is_valid_utf8 accepts the first and last code point of every encoding length") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("\x00"s));
    CHECK(is_valid_utf8("\x7F"));
    CHECK(is_valid_utf8("\xC2\x80"));          // U+0080
    CHECK(is_valid_utf8("\xDF\xBF"));          // U+07FF
    CHECK(is_valid_utf8("\xE0\xA0\x80"));      // U+0800
    CHECK(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    CHECK(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above the surrogates
    CHECK(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
    CHECK(is_valid_utf8("\xF0\x90\x80\x80"));  // U+10000
    CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
    CHECK(is_valid_utf8("Pl\u00E8 \U0001F469\u200D\U0001F469\u200D\U0001F467"));
}

TEST_CASE("invalid UTF-8 is refused, not repaired, under both line-break policies") {
    std::vector<text_sample> const samples{
        {"overlong '/' (C0 AF)", "\xC0\xAF"},
        {"overlong NUL (C0 80)", "a\xC0\x80z"},
        {"overlong two-byte lead C1", "\xC1\xBF"},
        {"overlong three-byte '/' (E0 80 AF)", "\xE0\x80\xAF"},
        {"overlong three-byte just below U+0800 (E0 9F BF)", "\xE0\x9F\xBF"},
        {"overlong four-byte '/' (F0 80 80 AF)", "\xF0\x80\x80\xAF"},
        {"overlong four-byte just below U+10000 (F0 8F BF BF)", "\xF0\x8F\xBF\xBF"},
        {"high surrogate U+D800 (ED A0 80)", "\xED\xA0\x80"},
        {"low surrogate U+DFFF (ED BF BF)", "\xED\xBF\xBF"},
        {"surrogate pair encoded separately (CESU-8)", "\xED\xA0\xBD\xED\xB8\x80"},
        {"U+110000 (F4 90 80 80)", "\xF4\x90\x80\x80"},
        {"lead byte F5", "\xF5\x80\x80\x80"},
        {"five-byte form", "\xF8\x88\x80\x80\x80"},
        {"byte FE", "a\xFE" "b"},
        {"byte FF", "a\xFF" "b"},
        {"two-byte sequence cut at the end", "abc\xC3"},
        {"euro sign cut at the end", "abc\xE2\x82"},
        {"emoji cut at the end", "\xF0\x9F\x91"},
        {"three-byte sequence cut in the middle", "\xE2\x82" "x"},
        {"four-byte sequence with ASCII inside", "\xF0\x9F" "a" "\xA9"},
        {"lone continuation byte 80", "\x80"},
        {"lone continuation byte BF inside text", "Hola \xBF" " adeu"},
        {"continuation byte after a complete character", "\xC3\xA9\xA9"},
    };
    for (auto const& sample : samples) {
        CAPTURE(sample.name);
        CHECK_FALSE(is_valid_utf8(sample.input));
        for (auto const policy : {line_breaks::keep, line_breaks::to_spaces}) {
            clean_result const result = clean(sample.input, post_limit, policy);
            CHECK(result.error == text_error::invalid_utf8);
            CHECK(result.text.empty());
            CHECK(result.code_points == 0);
        }
    }
}

TEST_CASE("count_code_points counts code points, not bytes") {
    CHECK(count_code_points("") == 0);
    CHECK(count_code_points("abc") == 3);
    CHECK(count_code_points("\u00E9t\u00E9") == 3);
    CHECK(count_code_points("\u20AC") == 1);
    CHECK(count_code_points("\U0001F469\u200D\U0001F469\u200D\U0001F467") == 5);
    CHECK(count_code_points("a\x00"s "b") == 3);
}

TEST_CASE("C0 control characters are removed") {
    CHECK(clean_post("a\x00"s "b").text == "ab");
    CHECK(clean_post("a\x01" "b\x07" "c\x08" "d").text == "abcd");
    CHECK(clean_post("\x1B[31mred\x1B[0m").text == "[31mred[0m");
    CHECK(clean_post("a\x1F" "b").text == "ab");
    CHECK(clean_post("a\x1C" "b\x1D" "c\x1E" "d").text == "abcd");
}

TEST_CASE("tab becomes a space and collapses with the spaces around it") {
    CHECK(clean_post("a\tb").text == "a b");
    CHECK(clean_post("a\t\t\tb").text == "a b");
    CHECK(clean_post("a \t b").text == "a b");
    CHECK(clean_post("\ta\t").text == "a");
}

TEST_CASE("DEL is removed") {
    CHECK(clean_post("a\x7F" "b").text == "ab");
    CHECK(clean_post("\x7F" "abc\x7F").text == "abc");
}

TEST_CASE("C1 control characters are removed") {
    CHECK(clean_post("a\u0080b").text == "ab");
    CHECK(clean_post("a\u009B31mb").text == "a31mb");  // CSI, the one-byte escape for terminals
    CHECK(clean_post("a\u009Fb").text == "ab");
    CHECK(clean_post("a\u0084b\u0086c").text == "abc");
}

TEST_CASE("bidirectional overrides, embeddings and isolates are removed") {
    std::vector<text_sample> const samples{
        {"LRE", "\u202A"}, {"RLE", "\u202B"}, {"PDF", "\u202C"}, {"LRO", "\u202D"}, {"RLO", "\u202E"},
        {"LRI", "\u2066"}, {"RLI", "\u2067"}, {"FSI", "\u2068"}, {"PDI", "\u2069"},
    };
    for (auto const& sample : samples) {
        CAPTURE(sample.name);
        clean_result const result = clean_post("abc" + sample.input + "def");
        CHECK(result.text == "abcdef");
        CHECK(result.code_points == 6);
    }
    // The classic trick: an override makes "txt.exe" display as "exe.txt".
    CHECK(clean_post("invoice\u202Etxt.exe").text == "invoicetxt.exe");
    CHECK(clean_post("\u2067\u0645\u0631\u062D\u0628\u0627\u2069 hola").text ==
          "\u0645\u0631\u062D\u0628\u0627 hola");
}

TEST_CASE("bidirectional marks LRM, RLM and ALM are removed") {
    CHECK(clean_post("a\u200Eb").text == "ab");
    CHECK(clean_post("a\u200Fb").text == "ab");
    CHECK(clean_post("\u0661\u061C\u0662").text == "\u0661\u0662");
}

TEST_CASE("zero-width and other default-ignorable characters are removed") {
    std::vector<text_sample> const samples{
        {"zero width space", "\u200B"},
        {"zero width non-joiner", "\u200C"},
        {"word joiner", "\u2060"},
        {"function application", "\u2061"},
        {"invisible times", "\u2062"},
        {"invisible separator", "\u2063"},
        {"invisible plus", "\u2064"},
        {"unassigned default-ignorable U+2065", "\u2065"},
        {"Mongolian vowel separator", "\u180E"},
        {"combining grapheme joiner", "\u034F"},
        {"interlinear annotation anchor", "\uFFF9"},
        {"interlinear annotation separator", "\uFFFA"},
        {"interlinear annotation terminator", "\uFFFB"},
        {"Hangul filler", "\u3164"},
        {"halfwidth Hangul filler", "\uFFA0"},
        {"Hangul choseong filler", "\u115F"},
        {"Hangul jungseong filler", "\u1160"},
        {"Khmer inherent vowel", "\u17B4"},
        {"musical symbol begin beam", "\U0001D173"},
        {"language tag", "\U000E0001"},
        {"reserved U+E0000", "\U000E0000"},
    };
    for (auto const& sample : samples) {
        CAPTURE(sample.name);
        CHECK(clean_post("ab" + sample.input + "cd").text == "abcd");
        CHECK(clean_post("ab" + repeat(sample.input, 20) + "cd").code_points == 4);
    }
}

TEST_CASE("soft hyphen is removed") {
    CHECK(clean_post("Ajunta\u00ADment").text == "Ajuntament");
    CHECK(clean_post("\u00AD").error == text_error::empty);
}

TEST_CASE("byte order mark is removed at the start and inside the text") {
    CHECK(clean_post("\uFEFFBon dia").text == "Bon dia");
    CHECK(clean_post("Bon\uFEFF dia\uFEFF").text == "Bon dia");
}

TEST_CASE("tag characters outside a subdivision flag are removed") {
    // "ignore" written in tag characters: invisible ASCII hidden after a word.
    std::string const hidden = "\U000E0069\U000E0067\U000E006E\U000E006F\U000E0072\U000E0065";
    CHECK(clean_post("Hello" + hidden).text == "Hello");
    CHECK(clean_post("\U0001F600" + hidden + "\U000E007F").text == "\U0001F600");

    std::string const black_flag = "\U0001F3F4";
    std::string const scotland_tags = "\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074";
    SUBCASE("a flag tag sequence without CANCEL TAG") {
        CHECK(clean_post(black_flag + scotland_tags).text == black_flag);
    }
    SUBCASE("a flag tag sequence that is too long to be a subdivision") {
        std::string const eight_tags = scotland_tags + "\U000E0061\U000E0062\U000E0063";
        CHECK(clean_post(black_flag + eight_tags + "\U000E007F").text == black_flag);
    }
    SUBCASE("a flag tag sequence that is too short to be a subdivision") {
        CHECK(clean_post(black_flag + "\U000E0067\U000E0062\U000E007F").text == black_flag);
    }
    SUBCASE("a flag tag sequence in upper-case tag letters") {
        CHECK(clean_post(black_flag + "\U000E0047\U000E0042\U000E0053\U000E0043\U000E0054\U000E007F").text ==
              black_flag);
    }
    SUBCASE("a valid subdivision sequence after something other than the black flag") {
        CHECK(clean_post("\U0001F3F3" + scotland_tags + "\U000E007F").text == "\U0001F3F3");
    }
    SUBCASE("a lone CANCEL TAG") {
        CHECK(clean_post("a\U000E007F").text == "a");
    }
}

TEST_CASE("emoji sequences, skin tones, flags and keycaps are kept byte for byte") {
    for (auto const& sample : emoji_samples) {
        CAPTURE(sample.name);
        clean_result const alone = clean_post(sample.text);
        CHECK(alone.error == text_error::none);
        CHECK(alone.text == sample.text);
        CHECK(alone.code_points == sample.code_points);

        std::string const sentence = "Bon dia " + sample.text + " a tothom!";
        CHECK(clean_post(sentence).text == sentence);
        CHECK(clean_name(sentence).text == sentence);
    }
}

TEST_CASE("a ZWJ sequence with an emoji newer than utf8proc's Unicode data is kept") {
    // U+1FAE9 (face with bags under the eyes) is from Unicode 16, in a block
    // Unicode reserves for pictographs.
    std::string const newer = "\U0001FAE9\u200D\U0001F525";
    CHECK(clean_post(newer).text == newer);
}

TEST_CASE("a ZWJ that does not join two pictographs is removed") {
    std::string const woman = "\U0001F469";
    CHECK(clean_post("a\u200Db").text == "ab");
    CHECK(clean_post("\u200D" + woman).text == woman);
    CHECK(clean_post(woman + "\u200D").text == woman);
    CHECK(clean_post(woman + "\u200Da").text == woman + "a");
    CHECK(clean_post("a\u200D" + woman).text == "a" + woman);
    CHECK(clean_post(woman + "\u200D " + woman).text == woman + " " + woman);
    CHECK(clean_post("1\u200D" + woman).text == "1" + woman);
    // Two joiners in a row cannot both join; one is enough to build the pair.
    CHECK(clean_post(woman + "\u200D\u200D" + woman).text == woman + "\u200D" + woman);
    // Flags and skin tones are emoji, but not pictographs a ZWJ can join.
    CHECK(clean_post("\U0001F1EA\U0001F1F8\u200D" + woman).text == "\U0001F1EA\U0001F1F8" + woman);
    CHECK(clean_post("\U0001F3FD\u200D" + woman).text == "\U0001F3FD" + woman);
    // Indic conjunct control is not an emoji either, so it goes as well.
    CHECK(clean_post("\u0915\u094D\u200D\u0937").text == "\u0915\u094D\u0937");
}

TEST_CASE("variation selectors are kept only right after a character they can vary") {
    CHECK(clean_post("\u2764\uFE0F").text == "\u2764\uFE0F");
    CHECK(clean_post("\u845B\U000E0100").text == "\u845B\U000E0100");  // ideographic variant of a name
    CHECK(clean_post("\uFE0Fabc").text == "abc");
    CHECK(clean_post("a \uFE0F" "b").text == "a b");
    CHECK(clean_post("a\n\uFE0F" "b").text == "a\nb");
    CHECK(clean_post("\u2800\uFE0F" "b").text == "b");  // the braille blank is trimmed, so it cannot carry one
    CHECK(clean_post("x\u0301\uFE0E").text == "x\u0301");  // x has no precomposed form, so the mark stays the base
    // A trail of selectors can smuggle data behind one visible character.
    CHECK(clean_post("A\uFE0F\uFE0F\uFE0F").text == "A\uFE0F");
    CHECK(clean_post("\U0001F600\U000E0100\U000E0101\U000E0102\uFE01").text == "\U0001F600\U000E0100");
}

TEST_CASE("NFD input is composed to NFC") {
    clean_result const acute = clean_post("e\u0301");
    CHECK(acute.text == "\u00E9");
    CHECK(acute.code_points == 1);
    CHECK(clean_post("man\u0303ana").text == "ma\u00F1ana");
    CHECK(clean_post("N\u0303").text == "\u00D1");
    CHECK(clean_post("Ame\u0301lie Poulain").text == "Am\u00E9lie Poulain");
    CHECK(clean_post("\u1100\u1161").text == "\uAC00");                // Hangul jamo into a syllable
    CHECK(clean_post("\u212B").text == "\u00C5");                      // ANGSTROM SIGN is a singleton
    CHECK(clean_post("a\u0301\u0316").text == "\u00E1\u0316");         // marks reordered, then composed
    CHECK(clean_post("\u1E9B\u0323").text == "\u1E9B\u0323");          // already NFC stays as it is
}

TEST_CASE("Catalan, Spanish and French letters pass through unchanged") {
    for (std::string const text : {"Col\u00B7legi", "il\u00B7lusi\u00F3", "\u0140l", "A\u00F1o nuevo", "\u0153uvre",
                                   "\u0152dipe", "gar\u00E7on", "na\u00EFf", "\u00E0 l'\u00E9cole"}) {
        CAPTURE(text);
        CHECK(clean_post(text).text == text);
    }
}

TEST_CASE("NFC leaves compatibility characters alone") {
    for (std::string const text : {"\uFB01", "\u2460", "\uFF21\uFF22\uFF23", "x\u00B2", "\u2163"}) {
        CAPTURE(text);
        CHECK(clean_post(text).text == text);
    }
}

TEST_CASE("removing an invisible character between a letter and its accent still yields NFC") {
    clean_result const result = clean_post("e\u200B\u0301");
    CHECK(result.text == "\u00E9");
    CHECK(result.code_points == 1);
    CHECK(clean_post("n\u202E\u0303").text == "\u00F1");
}

TEST_CASE("280 code points are accepted and 281 refused") {
    SUBCASE("two-byte letters") {
        std::string const allowed = repeat("\u00E9", 280);
        REQUIRE(allowed.size() == 560);
        clean_result const accepted = clean_post(allowed);
        CHECK(accepted.error == text_error::none);
        CHECK(accepted.text == allowed);
        CHECK(accepted.code_points == 280);

        clean_result const refused = clean_post(allowed + "\u00E9");
        CHECK(refused.error == text_error::too_long);
        CHECK(refused.text.empty());
        CHECK(refused.code_points == 0);
    }
    SUBCASE("three- and four-byte characters") {
        std::string const allowed = repeat("\u20AC", 140) + repeat("\U0001F600", 140);
        REQUIRE(allowed.size() == 140 * 3 + 140 * 4);
        CHECK(clean_post(allowed).code_points == 280);
        CHECK(clean_post(allowed + "!").error == text_error::too_long);
    }
    SUBCASE("an emoji sequence counts every code point") {
        std::string const family = "\U0001F469\u200D\U0001F469\u200D\U0001F467";
        std::string const allowed = repeat(family, 56);  // 5 * 56 = 280
        CHECK(clean_post(allowed).code_points == 280);
        CHECK(clean_post(allowed + "a").error == text_error::too_long);
    }
}

TEST_CASE("the length limit is checked after cleaning") {
    // 560 code points in NFD, 280 in NFC.
    clean_result const decomposed = clean_post(repeat("e\u0301", 280));
    CHECK(decomposed.error == text_error::none);
    CHECK(decomposed.code_points == 280);
    CHECK(clean_post(repeat("e\u0301", 281)).error == text_error::too_long);

    CHECK(clean_post(repeat("a\u200B", 280)).code_points == 280);
    CHECK(clean_post("   " + repeat("a", 280) + "\n\n\n").code_points == 280);
    CHECK(clean_post(repeat("a", 140) + repeat(" ", 500) + repeat("b", 139)).code_points == 280);
    CHECK(clean_post(repeat("a", 140) + repeat(" ", 500) + repeat("b", 140)).error == text_error::too_long);
}

TEST_CASE("the length limit is the one the caller passes") {
    std::string const fifty = repeat("\u00F1", 50);
    CHECK(clean_name(fifty).code_points == 50);
    CHECK(clean_name(fifty + "\u00F1").error == text_error::too_long);
    CHECK(clean("a", 0, line_breaks::keep).error == text_error::too_long);
    CHECK(clean("", 0, line_breaks::keep).error == text_error::empty);
}

TEST_CASE("text with nothing visible left after cleaning is refused as empty") {
    std::vector<text_sample> const samples{
        {"nothing", ""},
        {"spaces", "     "},
        {"tabs and line breaks", "\t\n\r\n \t\u2028\u2029"},
        {"control characters", "\x01\x02\x1B\x7F"},
        {"NUL", "\x00\x00"s},
        {"zero-width characters", "\u200B\u200C\u2060\uFEFF"},
        {"a lone ZWJ", "\u200D"},
        {"a lone variation selector", "\uFE0F"},
        {"bidirectional controls", "\u202E\u2066\u200F"},
        {"no-break and ideographic spaces", "\u00A0\u3000\u202F"},
        {"Hangul filler, the usual blank name", "\u3164"},
        {"braille blank", "\u2800\u2800"},
        {"tag characters", "\U000E0061\U000E0062\U000E007F"},
        {"a mixture", " \u200B\t\u00AD\r\n\u202E\u3164 "},
    };
    for (auto const& sample : samples) {
        CAPTURE(sample.name);
        for (auto const policy : {line_breaks::keep, line_breaks::to_spaces}) {
            clean_result const result = clean(sample.input, post_limit, policy);
            CHECK(result.error == text_error::empty);
            CHECK(result.text.empty());
            CHECK(result.code_points == 0);
        }
    }
}

TEST_CASE("line_breaks::keep turns CR LF, CR, LS, PS, VT, FF and NEL into LF") {
    CHECK(clean_post("a\r\nb").text == "a\nb");
    CHECK(clean_post("a\rb").text == "a\nb");
    CHECK(clean_post("a\nb").text == "a\nb");
    CHECK(clean_post("a\u2028b").text == "a\nb");
    CHECK(clean_post("a\u2029b").text == "a\nb");
    CHECK(clean_post("a\vb").text == "a\nb");
    CHECK(clean_post("a\fb").text == "a\nb");
    CHECK(clean_post("a\u0085b").text == "a\nb");
    CHECK(clean_post("a\r\r\nb").text == "a\n\nb");  // a lone CR, then CR LF: two breaks
    CHECK(clean_post("a\n\rb").text == "a\n\nb");    // LF CR is two breaks, not one
}

TEST_CASE("line_breaks::keep allows at most one blank line") {
    CHECK(clean_post("a\n\nb").text == "a\n\nb");
    CHECK(clean_post("a\n\n\nb").text == "a\n\nb");
    CHECK(clean_post("a\n\n\n\n\n\n\n\nb").text == "a\n\nb");
    CHECK(clean_post("a\r\n\r\n\r\n\r\nb").text == "a\n\nb");
    CHECK(clean_post("a\u2029\u2029\u2029b").text == "a\n\nb");
    // Lines holding only spaces or invisible characters are blank lines too.
    CHECK(clean_post("a\n \n\t\n\u200B\nb").text == "a\n\nb");
    CHECK(clean_post("a\n\n\nb\n\n\nc").text == "a\n\nb\n\nc");
}

TEST_CASE("line_breaks::keep trims spaces around line breaks and breaks at the ends") {
    CHECK(clean_post("a   \n   b").text == "a\nb");
    CHECK(clean_post("a\u00A0\nb").text == "a\nb");
    CHECK(clean_post("\n\n\na\nb\n\n\n").text == "a\nb");
    CHECK(clean_post(" \r\n a \r\n ").text == "a");
}

TEST_CASE("line_breaks::to_spaces turns every line break into one space") {
    CHECK(clean_name("Joan\nGarcia").text == "Joan Garcia");
    CHECK(clean_name("Joan\r\n\r\n\r\nGarcia").text == "Joan Garcia");
    CHECK(clean_name("Joan \n Garcia").text == "Joan Garcia");
    CHECK(clean_name("Joan\u2028Garcia\u2029i\rPuig").text == "Joan Garcia i Puig");
    CHECK(clean_name("\nJoan\n").text == "Joan");
    CHECK(clean_name("Joan\nGarcia").text.find('\n') == std::string::npos);
}

TEST_CASE("runs of spaces collapse to one and the ends are trimmed") {
    CHECK(clean_post("a    b").text == "a b");
    CHECK(clean_post("   a b   ").text == "a b");
    CHECK(clean_post("a  b  c").text == "a b c");
    CHECK(clean_post("\u3000a").text == "a");
    CHECK(clean_post("a\u2003\u2003b").text == "a b");
    CHECK(clean_post("a \u00A0 b").text == "a b");
    CHECK(clean_post("a\u200B \u200B b").text == "a b");  // spaces separated only by invisible characters
}

TEST_CASE("a single no-break or narrow space is kept as typed") {
    CHECK(clean_post("100\u00A0\u20AC").text == "100\u00A0\u20AC");
    CHECK(clean_post("Bonjour\u202F!").text == "Bonjour\u202F!");
    CHECK(clean_post("\u6771\u4EAC\u3000\u5927\u962A").text == "\u6771\u4EAC\u3000\u5927\u962A");
}

TEST_CASE("clean leaves already cleaned text unchanged") {
    std::vector<std::string> const samples{
        " Bon  dia\r\n\r\n\r\na tothom ",
        "e\u0301\u200B\u202Etext\u00AD",
        "\U0001F469\u200D\U0001F469\u200D\U0001F467 \u200D a\uFE0F\uFE0F",
        "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F\U000E0061",
        "\u00A0x\u00A0\u00A0y\u2800z",
    };
    for (auto const& sample : samples) {
        CAPTURE(sample);
        for (auto const policy : {line_breaks::keep, line_breaks::to_spaces}) {
            clean_result const once = clean(sample, post_limit, policy);
            REQUIRE(once.error == text_error::none);
            CHECK(is_valid_utf8(once.text));
            CHECK(once.code_points == count_code_points(once.text));
            clean_result const twice = clean(once.text, post_limit, policy);
            CHECK(twice.text == once.text);
        }
    }
}

TEST_CASE("fold_for_matching lowers case and strips accents") {
    CHECK(fold_for_matching("\u00C1vila") == "avila");
    CHECK(fold_for_matching("\u00C0\u00C9\u00CE\u00D5\u00DC") == "aeiou");
    CHECK(fold_for_matching("\u00D1and\u00FA") == "nandu");
    CHECK(fold_for_matching("Gar\u00C7on") == "garcon");
    CHECK(fold_for_matching("\u0386\u039B\u03A6\u0391") == "\u03B1\u03BB\u03C6\u03B1");
    CHECK(fold_for_matching("\u0141\u00F3d\u017A") == "\u0142odz");  // a stroke is part of the letter, not an accent
}

TEST_CASE("fold_for_matching folds compatibility forms and special cases") {
    CHECK(fold_for_matching("Stra\u00DFe") == "strasse");
    CHECK(fold_for_matching("\uFB01ns") == "fins");
    CHECK(fold_for_matching("\u2460") == "1");
    CHECK(fold_for_matching("\uFF21\uFF22\uFF23") == "abc");
    CHECK(fold_for_matching("\u0152uvre") == "\u0153uvre");
    CHECK(fold_for_matching("\u0140l") == "l\u00B7l");               // Catalan ŀ is l + middle dot
    CHECK(fold_for_matching("Col\u00B7legi") == "col\u00B7legi");  // the middle dot itself survives
}

TEST_CASE("fold_for_matching gives NFD and NFC spellings the same result") {
    CHECK(fold_for_matching("A\u0301vila") == fold_for_matching("\u00C1vila"));
    CHECK(fold_for_matching("man\u0303ana") == fold_for_matching("ma\u00F1ana"));
}

TEST_CASE("fold_for_matching ignores invisible characters and lumps look-alike punctuation") {
    CHECK(fold_for_matching("Ajunta\u00ADment") == "ajuntament");
    CHECK(fold_for_matching("a\u200Bb") == "ab");
    CHECK(fold_for_matching("l\u2019Ajuntament") == "l'ajuntament");
    CHECK(fold_for_matching("pre\u2010acord") == "pre-acord");
}

TEST_CASE("fold_for_matching is idempotent and safe on invalid input") {
    for (std::string const text : {"\u00C1vila", "Stra\u00DFe", "\uFB01", "\u0140l", "\u1E9B\u0323", "\u2126"}) {
        CAPTURE(text);
        std::string const once = fold_for_matching(text);
        CHECK(fold_for_matching(once) == once);
    }
    CHECK(fold_for_matching("\xC0\xAF").empty());
    CHECK(fold_for_matching("").empty());
}
