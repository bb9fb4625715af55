#include <doctest/doctest.h>

#include "layout.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <string>
#include <vector>

using namespace pleno::display;

namespace {

std::size_t code_points(std::string_view text)
{
    std::size_t count = 0;
    for (char c : text)
        count += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u ? 1 : 0;
    return count;
}

// A font where every code point is 0.55 of the size wide and lines are 1.25
// of the size apart: enough to check the layout without SDL.
class fake_metrics final : public font_metrics {
public:
    explicit fake_metrics(font_sizes sizes) : sizes_(sizes) {}
    static fake_metrics uniform(int size)
    {
        return fake_metrics(font_sizes{size, size, size, size, size, size, size, size});
    }

    int text_width(font_role role, std::string_view text) const override
    {
        return static_cast<int>(std::lround(static_cast<double>(code_points(text)) * sizes_.size_of(role) * 0.55));
    }
    int line_height(font_role role) const override
    {
        return static_cast<int>(std::lround(sizes_.size_of(role) * 1.25));
    }

private:
    font_sizes sizes_;
};

// With size 20 every code point is exactly 11 pixels wide.
constexpr int character = 11;
fake_metrics const metrics = fake_metrics::uniform(20);

bool is_valid_utf8(std::string_view text)
{
    std::size_t at = 0;
    while (at < text.size()) {
        auto const lead = static_cast<unsigned char>(text[at]);
        std::size_t const length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
        if (length == 0 || at + length > text.size())
            return false;
        for (std::size_t index = 1; index < length; ++index)
            if ((static_cast<unsigned char>(text[at + index]) & 0xC0u) != 0x80u)
                return false;
        at += length;
    }
    return true;
}

// The lines are the text in order, with only the spaces and line feeds at the
// breaks taken out: nothing else is lost, doubled or reordered.
bool lines_keep_every_character(std::string_view text, std::vector<std::string> const& lines)
{
    std::size_t at = 0;
    for (std::size_t index = 0; index < lines.size(); ++index) {
        // Between two lines: the spaces of the break, or one line feed.
        if (index > 0 && at < text.size() && text[at] == '\n')
            ++at;
        if (text.substr(at, lines[index].size()) != lines[index]) {
            while (at < text.size() && text[at] == ' ')
                ++at;
            if (index > 0 && at < text.size() && text[at] == '\n')
                ++at;
            if (text.substr(at, lines[index].size()) != lines[index])
                return false;
        }
        at += lines[index].size();
    }
    while (at < text.size() && text[at] == ' ')
        ++at;
    return at == text.size();
}

std::vector<std::string> wrap(std::string_view text, int characters)
{
    return wrap_text(metrics, font_role::body, text, characters * character);
}

std::string repeated(std::string_view piece, int times)
{
    std::string result;
    for (int index = 0; index < times; ++index)
        result += piece;
    return result;
}

struct resolution {
    int width;
    int height;
};

// The list, 800x600, and the 16:10, 5:4 and ultra-wide shapes.
std::vector<resolution> const resolutions{
    {1920, 1080}, {1280, 720}, {1366, 768}, {1024, 768}, {3840, 2160}, {800, 600},
    {1920, 1200}, {1280, 800}, {1280, 1024}, {2560, 1080},
};

millis local_time(int hour, int minute)
{
    std::tm moment{};
    moment.tm_year = 2025 - 1900;
    moment.tm_mon = 4;
    moment.tm_mday = 14;
    moment.tm_hour = hour;
    moment.tm_min = minute;
    moment.tm_isdst = -1;
    return static_cast<millis>(std::mktime(&moment)) * 1000 + 123;
}

std::vector<agenda_entry> const agenda{
    {11, 1, "Aprobación del acta anterior", ""},
    {12, 2, "Presupuesto municipal 2026", "Debate y votación"},
    {13, 3, "Ruegos y preguntas", ""},
};

wall_post post_with(std::string text, std::string author = "Lucía M.", std::int64_t item = 12)
{
    wall_post post;
    post.id = 42;
    post.item_id = item;
    post.author = std::move(author);
    post.text = std::move(text);
    post.submitted_at = local_time(18, 42);
    post.approved_at = local_time(18, 43);
    return post;
}

}  // namespace

TEST_CASE("rect contains and overlaps mean what they say")
{
    rect const outer{0, 0, 100, 50};
    CHECK(outer.contains({0, 0, 100, 50}));
    CHECK(outer.contains({10, 10, 20, 20}));
    CHECK_FALSE(outer.contains({90, 10, 20, 20}));
    CHECK_FALSE(outer.contains({-1, 0, 10, 10}));
    CHECK(outer.overlaps({99, 49, 10, 10}));
    CHECK_FALSE(outer.overlaps({100, 0, 10, 10}));  // touching edges is not overlapping
    CHECK_FALSE(outer.overlaps({0, 50, 10, 10}));
    CHECK_FALSE(outer.overlaps({10, 10, 0, 0}));     // an empty rect overlaps nothing
    CHECK(outer.right() == 100);
    CHECK(outer.bottom() == 50);
}

TEST_CASE("font sizes follow the theme and body text never rounds below 1/28 of the height")
{
    theme look;
    font_sizes const sizes = font_sizes_for(look, 1080);
    CHECK(sizes.body == 42);  // 1080 / 26
    CHECK(sizes.header == 49);
    CHECK(sizes.overlay == 90);
    CHECK(sizes.size_of(font_role::body) == sizes.body);
    CHECK(sizes.size_of(font_role::meta) == sizes.meta);
    CHECK(sizes.size_of(font_role::footer) == sizes.footer);

    look.body_size = 1.0 / 28.0;
    for (int const height : {600, 720, 768, 1080, 2160, 1001}) {
        CAPTURE(height);
        CHECK(font_sizes_for(look, height).body * 28 >= height);
    }
}

TEST_CASE("short text stays on one line")
{
    CHECK(wrap("Hola", 10) == std::vector<std::string>{"Hola"});
    CHECK(wrap("", 10).empty());
}

TEST_CASE("a line that fits exactly is not broken, one pixel less breaks it")
{
    CHECK(wrap_text(metrics, font_role::body, "abc def", 7 * character) == std::vector<std::string>{"abc def"});
    CHECK(wrap_text(metrics, font_role::body, "abc def", 7 * character - 1) == std::vector<std::string>{"abc", "def"});
}

TEST_CASE("wrapping is greedy at spaces and drops the spaces at the breaks")
{
    CHECK(wrap("uno dos tres cuatro", 8) == std::vector<std::string>{"uno dos", "tres", "cuatro"});
    CHECK(wrap("uno    dos", 5) == std::vector<std::string>{"uno", "dos"});
    CHECK(wrap("uno dos   ", 7) == std::vector<std::string>{"uno dos"});
}

TEST_CASE("a word wider than the line is broken and the next word can follow its last piece")
{
    CHECK(wrap(repeated("a", 25), 10) == std::vector<std::string>{repeated("a", 10), repeated("a", 10), repeated("a", 5)});
    CHECK(wrap(repeated("a", 15) + " bb", 10) == std::vector<std::string>{repeated("a", 10), "aaaaa bb"});
    CHECK(wrap("hola " + repeated("b", 12), 10) == std::vector<std::string>{"hola", repeated("b", 10), "bb"});
}

TEST_CASE("a line feed always starts a new line and a blank line is kept")
{
    CHECK(wrap("uno\ndos", 40) == std::vector<std::string>{"uno", "dos"});
    CHECK(wrap("uno\n\ndos", 40) == std::vector<std::string>{"uno", "", "dos"});
    CHECK(wrap("uno dos\ntres", 4) == std::vector<std::string>{"uno", "dos", "tres"});
}

TEST_CASE("accented text is never cut inside a UTF-8 sequence")
{
    std::string const text = "Això és una pregunta sobre el pressupost: per què s’ha retallat la partida de l’escola bressol? "
                             "ñññññññññññññññññññññññññ €€€€€€€€€€€€€€€€€ 漢字漢字漢字漢字漢字漢字漢字漢字";
    for (int width = 1; width <= 30; ++width) {
        CAPTURE(width);
        auto const lines = wrap(text, width);
        for (auto const& line : lines) {
            CAPTURE(line);
            CHECK(is_valid_utf8(line));
            CHECK(static_cast<int>(code_points(line)) <= width);
        }
        CHECK(lines_keep_every_character(text, lines));
    }
}

TEST_CASE("emoji sequences, flags, keycaps and skin tones are never split across lines")
{
    std::vector<std::string> const clusters{
        "👨‍👩‍👧‍👦",  // family: four people joined by ZWJ
        "🇪🇸",         // flag: two regional indicators
        "👍🏽",         // thumbs up with a skin tone
        "1️⃣",         // keycap: digit, VS16, combining enclosing keycap
        "🏳️‍🌈",       // rainbow flag: VS16 and ZWJ
        "🏴󠁧󠁢󠁣󠁴󠁿",       // Scotland: tag sequence
        "❤️",          // heart with VS16
        "é",          // e with a combining acute accent
        "👩🏾‍💻",       // technologist with a skin tone
        "🇫🇷",
        "a",
        "👨‍👩‍👧‍👦",
    };
    std::string text;
    std::vector<std::size_t> boundaries{0};
    for (int round = 0; round < 3; ++round) {
        for (auto const& cluster : clusters) {
            text += cluster;
            boundaries.push_back(text.size());
        }
    }
    std::size_t const families = 3 * 2;
    for (int width = 1; width <= 40; ++width) {
        CAPTURE(width);
        auto const lines = wrap(text, width);
        std::size_t end = 0;
        std::size_t families_seen = 0;
        for (auto const& line : lines) {
            CAPTURE(line);
            CHECK_FALSE(line.empty());
            end += line.size();
            // Every break falls between two whole clusters.
            CHECK(std::find(boundaries.begin(), boundaries.end(), end) != boundaries.end());
            // Only a single cluster may be wider than the line.
            if (static_cast<int>(code_points(line)) > width)
                CHECK(std::find(clusters.begin(), clusters.end(), line) != clusters.end());
            for (auto at = line.find(clusters[0]); at != std::string::npos; at = line.find(clusters[0], at + 1))
                ++families_seen;
        }
        CHECK(families_seen == families);
        CHECK(lines_keep_every_character(text, lines));
    }
}

TEST_CASE("a single cluster wider than the line gets a line of its own instead of being lost")
{
    auto const lines = wrap_text(metrics, font_role::body, "ab👨‍👩‍👧‍👦cd", 3 * character);
    CHECK(lines == std::vector<std::string>{"ab", "👨‍👩‍👧‍👦", "cd"});
    auto const nothing_fits = wrap_text(metrics, font_role::body, "ab c", 0);
    CHECK(nothing_fits == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("malformed UTF-8 is wrapped without losing or splitting anything")
{
    std::string const text = "abc\xff\xfe" "def\xe2\x82" "ghi\xc3\xb1jk";
    for (int width = 1; width <= 6; ++width) {
        CAPTURE(width);
        auto const lines = wrap(text, width);
        CHECK(lines_keep_every_character(text, lines));
        for (auto const& line : lines) {
            CHECK(line.back() != '\xc3');   // the ñ is never cut after its lead byte
            CHECK(line.front() != '\xb1');
        }
    }
}

TEST_CASE("no character is lost whatever the width")
{
    std::string const text = "  Bon dia a tothom!  Quan es votarà el pla d’urbanisme? 🏗️🏘️\n"
                             "Gràcies 🙏🏼🙏🏼🙏🏼 https://exemple.cat/una/adreça/molt/llarga/que/no/cap/enlloc\n\n"
                             "Fin.  ";
    for (int width = 0; width <= 70; ++width) {
        CAPTURE(width);
        auto const lines = wrap_text(metrics, font_role::body, text, width * character);
        CHECK(lines_keep_every_character(text, lines));
        for (std::size_t index = 0; index < lines.size(); ++index) {
            if (index > 0 && !lines[index].empty())
                CHECK(lines[index].front() != ' ');  // a wrapped line never starts with the break's spaces
        }
    }
}

TEST_CASE("a card has padding, an author line, a meta line and the wrapped text, and its height adds up")
{
    theme const look;
    fake_metrics const card_metrics(font_sizes_for(look, 1080));
    card_layout const card = layout_card(card_metrics, look, post_with("Hola a todos"), 900, 12, agenda, 1080);
    CHECK(card.post_id == 42);
    CHECK(card.width == 900);
    CHECK(card.padding > 0);
    CHECK(card.author == "Lucía M.");
    CHECK(card.meta == "18:42");
    CHECK(card.lines == std::vector<std::string>{"Hola a todos"});
    CHECK(card.height == card.padding * 2 + card_metrics.line_height(font_role::author) +
                             card_metrics.line_height(font_role::meta) + card_metrics.line_height(font_role::body));
}

TEST_CASE("a card about another item says which one, in the theme's language")
{
    theme look;
    fake_metrics const card_metrics(font_sizes_for(look, 1080));
    CHECK(layout_card(card_metrics, look, post_with("¿Y el parque?"), 900, 13, agenda, 1080).meta == "18:42 · Sobre el punto 2");
    look.language = "ca";
    CHECK(layout_card(card_metrics, look, post_with("I el parc?"), 900, 13, agenda, 1080).meta == "18:42 · Sobre el punt 2");
    // No item, or an item no longer on the agenda: only the time.
    CHECK(layout_card(card_metrics, look, post_with("Hola", "Pau", 0), 900, 13, agenda, 1080).meta == "18:42");
    CHECK(layout_card(card_metrics, look, post_with("Hola", "Pau", 99), 900, 13, agenda, 1080).meta == "18:42");
}

TEST_CASE("card heights grow with the text and are equal for equal input")
{
    theme const look;
    fake_metrics const card_metrics(font_sizes_for(look, 1080));
    int previous = 0;
    for (int const words : {1, 10, 20, 40, 56}) {
        CAPTURE(words);
        card_layout const card = layout_card(card_metrics, look, post_with(repeated("hola ", words)), 700, 12, agenda, 1080);
        CHECK(card.height >= previous);
        previous = card.height;
        card_layout const again = layout_card(card_metrics, look, post_with(repeated("hola ", words)), 700, 12, agenda, 1080);
        CHECK(again.height == card.height);
        CHECK(again.lines == card.lines);
    }
    card_layout const short_card = layout_card(card_metrics, look, post_with("hola"), 700, 12, agenda, 1080);
    card_layout const long_card = layout_card(card_metrics, look, post_with(repeated("hola ", 56)), 700, 12, agenda, 1080);
    CHECK(long_card.height > short_card.height);
    // The current item changes the meta line, never the height: cached cards stay valid.
    card_layout const other_item = layout_card(card_metrics, look, post_with(repeated("hola ", 56)), 700, 11, agenda, 1080);
    CHECK(other_item.height == long_card.height);
}

TEST_CASE("an author name too wide for the card is shortened with an ellipsis between characters")
{
    theme const look;
    fake_metrics const card_metrics(font_sizes_for(look, 1080));
    card_layout const card = layout_card(card_metrics, look, post_with("Hola", repeated("Ñ", 40)), 300, 12, agenda, 1080);
    CHECK(card_metrics.text_width(font_role::author, card.author) <= 300 - 2 * card.padding);
    CHECK(card.author.size() > 3);
    CHECK(card.author.substr(card.author.size() - 3) == "…");
    CHECK(is_valid_utf8(card.author));
}

TEST_CASE("every listed resolution keeps each region inside the screen and the panels apart")
{
    theme look;
    for (bool const with_logo : {false, true}) {
        look.logo = with_logo ? "escut.png" : "";
        for (resolution const size : resolutions) {
            CAPTURE(size.width);
            CAPTURE(size.height);
            CAPTURE(with_logo);
            screen_layout const screen = layout_screen(look, size.width, size.height);
            rect const whole{0, 0, size.width, size.height};
            CHECK(screen.width == size.width);
            CHECK(screen.height == size.height);
            for (rect const& region : {screen.header, screen.logo, screen.agenda, screen.wall, screen.footer, screen.qr,
                                       screen.status, screen.overlay})
                CHECK(whole.contains(region));

            std::vector<rect> const panels{screen.header, screen.agenda, screen.wall, screen.footer};
            for (std::size_t first = 0; first < panels.size(); ++first) {
                CHECK(panels[first].w > 0);
                CHECK(panels[first].h > 0);
                for (std::size_t second = first + 1; second < panels.size(); ++second) {
                    CAPTURE(first);
                    CAPTURE(second);
                    CHECK_FALSE(panels[first].overlaps(panels[second]));
                }
            }
            CHECK(screen.header.contains(screen.logo));
            CHECK(screen.header.contains(screen.status));
            CHECK_FALSE(screen.logo.overlaps(screen.status));
            CHECK(screen.status.x >= screen.logo.right());
            CHECK(screen.status.w > 0);
            CHECK(screen.logo.w == (with_logo ? screen.logo.h : 0));
            if (with_logo)
                CHECK(screen.logo.w > 0);

            // Agenda on the left, wall on the right, both between the bands.
            CHECK(screen.agenda.x < screen.wall.x);
            CHECK(screen.agenda.y >= screen.header.bottom());
            CHECK(screen.wall.bottom() <= screen.footer.y);
            CHECK(screen.wall.w > screen.agenda.w);

            // The QR code: square, in the footer, big enough to scan from a seat.
            CHECK(screen.footer.contains(screen.qr));
            CHECK(screen.qr.w == screen.qr.h);
            CHECK(screen.qr.h * 10 >= size.height);
            // Room for the URL and the call to action beside it.
            CHECK(screen.footer.right() - screen.qr.right() >= size.width / 2);

            CHECK(font_sizes_for(look, size.height).body * 28 >= size.height);

            // The overlay is centred.
            CHECK(std::abs((screen.overlay.x + screen.overlay.right()) - size.width) <= 1);
            CHECK(std::abs((screen.overlay.y + screen.overlay.bottom()) - size.height) <= 1);
            CHECK(screen.overlay.w > size.width / 2);
        }
    }
}

TEST_CASE("a 4:3 projector gives the agenda a smaller share of the width than a 16:9 screen")
{
    theme const look;
    screen_layout const narrow = layout_screen(look, 1024, 768);
    screen_layout const wide = layout_screen(look, 1920, 1080);
    CHECK(static_cast<double>(narrow.agenda.w) / 1024 < static_cast<double>(wide.agenda.w) / 1920);
    CHECK(static_cast<double>(narrow.wall.w) / 1024 > static_cast<double>(wide.wall.w) / 1920);
}

TEST_CASE("a card of 280 W fits the wall's width and height at every listed resolution")
{
    theme const look;
    std::string const widest = repeated("W", 280);
    for (resolution const size : resolutions) {
        CAPTURE(size.width);
        CAPTURE(size.height);
        screen_layout const screen = layout_screen(look, size.width, size.height);
        fake_metrics const screen_metrics(font_sizes_for(look, size.height));
        card_layout const card = layout_card(screen_metrics, look, post_with(widest), screen.wall.w, 12, agenda, size.height);
        CHECK(card.width == screen.wall.w);
        CHECK(lines_keep_every_character(widest, card.lines));
        for (auto const& line : card.lines)
            CHECK(screen_metrics.text_width(font_role::body, line) <= screen.wall.w - 2 * card.padding);
        CHECK(card.height <= screen.wall.h);
    }
}

TEST_CASE("a portrait screen still keeps every region inside and the panels apart")
{
    theme const look;
    screen_layout const screen = layout_screen(look, 1080, 1920);
    rect const whole{0, 0, 1080, 1920};
    for (rect const& region : {screen.header, screen.logo, screen.agenda, screen.wall, screen.footer, screen.qr, screen.status,
                               screen.overlay})
        CHECK(whole.contains(region));
    std::vector<rect> const panels{screen.header, screen.agenda, screen.wall, screen.footer};
    for (std::size_t first = 0; first < panels.size(); ++first)
        for (std::size_t second = first + 1; second < panels.size(); ++second)
            CHECK_FALSE(panels[first].overlaps(panels[second]));
    CHECK(screen.footer.contains(screen.qr));
}

TEST_CASE("degenerate screen sizes give an empty layout instead of negative rectangles")
{
    theme const look;
    screen_layout const none = layout_screen(look, 0, 0);
    CHECK(none.wall.w == 0);
    CHECK(none.header.h == 0);
    screen_layout const tiny = layout_screen(look, 40, 30);
    rect const whole{0, 0, 40, 30};
    for (rect const& region : {tiny.header, tiny.logo, tiny.agenda, tiny.wall, tiny.footer, tiny.qr, tiny.status, tiny.overlay}) {
        CHECK(whole.contains(region));
        CHECK(region.w >= 0);
        CHECK(region.h >= 0);
    }
}

TEST_CASE("the clock shows local hours and minutes")
{
    CHECK(clock_text(local_time(18, 42)) == "18:42");
    CHECK(clock_text(local_time(9, 5)) == "09:05");
    CHECK(clock_text(local_time(0, 0)) == "00:00");
}
