#include <doctest/doctest.h>

#include "theme.hpp"

#include <atomic>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

using namespace pleno::display;

namespace {

std::filesystem::path const assets{PLENO_SOURCE_ASSETS};

// A folder of its own under the system's temporary folder, removed at the end.
class temporary_folder {
public:
    temporary_folder()
    {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("pleno-theme-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    ~temporary_folder()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temporary_folder(temporary_folder const&) = delete;
    temporary_folder& operator=(temporary_folder const&) = delete;

    std::filesystem::path const& path() const { return path_; }

    std::filesystem::path write(std::string const& name, std::string const& content) const
    {
        auto const file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file) << content;
        return file;
    }

private:
    std::filesystem::path path_;
};

// The message load_theme throws for a file with this content.
std::string refusal_of(std::string const& content)
{
    temporary_folder folder;
    auto const file = folder.write("theme.json", content);
    try {
        (void)load_theme(file);
    } catch (std::runtime_error const& error) {
        return error.what();
    }
    return "accepted";
}

bool same_colour(colour a, colour b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

double relative_luminance(colour c)
{
    auto const channel = [](std::uint8_t value) {
        double const fraction = value / 255.0;
        return fraction <= 0.03928 ? fraction / 12.92 : std::pow((fraction + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double contrast(colour a, colour b)
{
    double const lighter = std::max(relative_luminance(a), relative_luminance(b));
    double const darker = std::min(relative_luminance(a), relative_luminance(b));
    return (lighter + 0.05) / (darker + 0.05);
}

std::vector<label> const every_label{
    label::live,          label::offline,        label::reconnecting,     label::item_of,  label::call_to_action,
    label::waiting_title, label::starts_at,      label::posting_opens_at, label::session_closed, label::no_session,
    label::on_hold,       label::about_item,     label::quit_confirm,     label::no_posts_yet,   label::paused,
};

}  // namespace

TEST_CASE("the default theme uses the bundled fonts and readable sizes")
{
    theme const look = default_theme(assets / "fonts");
    CHECK(std::filesystem::is_regular_file(look.font_regular));
    CHECK(std::filesystem::is_regular_file(look.font_bold));
    REQUIRE(look.font_fallbacks.size() == 1);
    CHECK(look.font_fallbacks[0].filename() == "Symbola.ttf");
    CHECK(std::filesystem::is_regular_file(look.font_fallbacks[0]));
    CHECK(look.body_size >= 1.0 / 28.0);
    CHECK(look.language == "es");
    // High contrast: white text on the dark background, dark text on the cards.
    CHECK(contrast(look.text, look.background) >= 7.0);
    CHECK(contrast(look.card_text, look.card_background) >= 7.0);
}

TEST_CASE("parse_colour reads #rrggbb and #rrggbbaa in either case")
{
    colour const opaque = parse_colour("#0B1422");
    CHECK(same_colour(opaque, colour{0x0b, 0x14, 0x22, 0xff}));
    colour const translucent = parse_colour("#ff00aa80");
    CHECK(same_colour(translucent, colour{0xff, 0x00, 0xaa, 0x80}));
}

TEST_CASE("parse_colour refuses anything that is not #rrggbb or #rrggbbaa")
{
    for (std::string const text : {"", "red", "#fff", "#ffff", "0b1422", "#0b142", "#0b14223", "#0b1422ff0", "#0g1422", " #0b1422",
                                   "#0b1422 ", "rgb(0,0,0)"}) {
        CAPTURE(text);
        CHECK_THROWS_AS(parse_colour(text), std::runtime_error);
    }
}

TEST_CASE("the example theme file restates every built-in default")
{
    theme const loaded = load_theme(assets / "themes" / "default.json");
    theme const built_in = default_theme(assets / "fonts");
    CHECK(same_colour(loaded.background, built_in.background));
    CHECK(same_colour(loaded.header_background, built_in.header_background));
    CHECK(same_colour(loaded.text, built_in.text));
    CHECK(same_colour(loaded.muted_text, built_in.muted_text));
    CHECK(same_colour(loaded.accent, built_in.accent));
    CHECK(same_colour(loaded.card_background, built_in.card_background));
    CHECK(same_colour(loaded.card_text, built_in.card_text));
    CHECK(same_colour(loaded.card_author, built_in.card_author));
    CHECK(same_colour(loaded.pinned_background, built_in.pinned_background));
    CHECK(same_colour(loaded.live, built_in.live));
    CHECK(same_colour(loaded.offline, built_in.offline));
    CHECK(same_colour(loaded.overlay_background, built_in.overlay_background));
    CHECK(same_colour(loaded.overlay_text, built_in.overlay_text));
    CHECK(same_colour(loaded.qr_dark, built_in.qr_dark));
    CHECK(same_colour(loaded.qr_light, built_in.qr_light));
    CHECK(std::filesystem::equivalent(loaded.font_regular, built_in.font_regular));
    CHECK(std::filesystem::equivalent(loaded.font_bold, built_in.font_bold));
    REQUIRE(loaded.font_fallbacks.size() == built_in.font_fallbacks.size());
    CHECK(std::filesystem::equivalent(loaded.font_fallbacks[0], built_in.font_fallbacks[0]));
    CHECK(loaded.body_size == doctest::Approx(built_in.body_size));
    CHECK(loaded.author_size == doctest::Approx(built_in.author_size));
    CHECK(loaded.meta_size == doctest::Approx(built_in.meta_size));
    CHECK(loaded.header_size == doctest::Approx(built_in.header_size));
    CHECK(loaded.agenda_title_size == doctest::Approx(built_in.agenda_title_size));
    CHECK(loaded.agenda_body_size == doctest::Approx(built_in.agenda_body_size));
    CHECK(loaded.footer_size == doctest::Approx(built_in.footer_size));
    CHECK(loaded.overlay_size == doctest::Approx(built_in.overlay_size));
    CHECK(loaded.header_height == doctest::Approx(built_in.header_height));
    CHECK(loaded.footer_height == doctest::Approx(built_in.footer_height));
    CHECK(loaded.agenda_width == doctest::Approx(built_in.agenda_width));
    CHECK(loaded.margin == doctest::Approx(built_in.margin));
    CHECK(loaded.logo.empty());
    CHECK(loaded.town_name == built_in.town_name);
    CHECK(loaded.public_url == built_in.public_url);
    CHECK(loaded.call_to_action == built_in.call_to_action);
    CHECK(loaded.language == built_in.language);
    CHECK(loaded.reduced_motion == built_in.reduced_motion);
    CHECK(loaded.seconds_per_character == doctest::Approx(built_in.seconds_per_character));
}

TEST_CASE("the light theme for bright rooms loads and puts dark text on white")
{
    theme const look = load_theme(assets / "themes" / "high-contrast-light.json", default_theme(assets / "fonts"));
    CHECK(relative_luminance(look.background) > 0.9);
    CHECK(contrast(look.text, look.background) >= 7.0);
    CHECK(contrast(look.text, look.header_background) >= 7.0);
    CHECK(contrast(look.muted_text, look.background) >= 7.0);
    CHECK(contrast(look.card_text, look.card_background) >= 7.0);
    CHECK(contrast(look.card_author, look.card_background) >= 7.0);
    CHECK(contrast(look.card_author, look.pinned_background) >= 7.0);
    CHECK(contrast(look.overlay_text, look.overlay_background) >= 7.0);
    CHECK(std::filesystem::is_regular_file(look.font_regular));
}

TEST_CASE("a theme file overrides only the keys it names and reads paths from its own folder")
{
    temporary_folder folder;
    folder.write("brand/fonts/Council.ttf", "not really a font, but a file");
    folder.write("brand/escut.png", "not really an image, but a file");
    auto const file = folder.write("brand/theme.json", R"({
        "town_name": "Ajuntament de Vilanova",
        "public_url": "https://ple.vilanova.cat",
        "call_to_action": "Digues la teva",
        "language": "ca",
        "logo": "escut.png",
        "colours": {"background": "#202020", "overlay_background": "#00000080"},
        "fonts": {"regular": "fonts/Council.ttf", "fallbacks": []},
        "sizes": {"body": 0.04, "overlay": "1/10"},
        "layout": {"agenda_width": 0.3, "margin": 0},
        "motion": {"reduced_motion": true, "seconds_per_character": 0.08}
    })");
    theme const base = default_theme(assets / "fonts");
    theme const look = load_theme(file, base);

    CHECK(look.town_name == "Ajuntament de Vilanova");
    CHECK(look.public_url == "https://ple.vilanova.cat");
    CHECK(look.call_to_action == "Digues la teva");
    CHECK(look.language == "ca");
    CHECK(std::filesystem::equivalent(look.logo, folder.path() / "brand" / "escut.png"));
    CHECK(same_colour(look.background, colour{0x20, 0x20, 0x20, 0xff}));
    CHECK(same_colour(look.overlay_background, colour{0, 0, 0, 0x80}));
    CHECK(std::filesystem::equivalent(look.font_regular, folder.path() / "brand" / "fonts" / "Council.ttf"));
    CHECK(look.font_fallbacks.empty());
    CHECK(look.body_size == doctest::Approx(0.04));
    CHECK(look.overlay_size == doctest::Approx(0.1));
    CHECK(look.agenda_width == doctest::Approx(0.3));
    CHECK(look.margin == doctest::Approx(0.0));
    CHECK(look.reduced_motion);
    CHECK(look.seconds_per_character == doctest::Approx(0.08));

    // Untouched keys keep the base's values.
    CHECK(look.font_bold == base.font_bold);
    CHECK(same_colour(look.text, base.text));
    CHECK(look.meta_size == doctest::Approx(base.meta_size));
    CHECK(look.header_height == doctest::Approx(base.header_height));
}

TEST_CASE("an unknown key is refused with its full name")
{
    CHECK(refusal_of(R"({"colours": {"backgroud": "#000000"}})").find("colours.backgroud") != std::string::npos);
    CHECK(refusal_of(R"({"colors": {}})").find("colors") != std::string::npos);
    CHECK(refusal_of(R"({"sizes": {"body": "1/26", "bodysize": 0.04}})").find("sizes.bodysize") != std::string::npos);
    std::string const refusal = refusal_of(R"({"layout": {"qr_side": "left"}})");
    CHECK(refusal.find("layout.qr_side") != std::string::npos);
    CHECK(refusal.find("unknown key") != std::string::npos);
    CHECK(refusal.find("theme.json") != std::string::npos);
}

TEST_CASE("body text smaller than 1/28 of the screen height is refused with a clear message")
{
    for (std::string const size : {"0.03", "\"1/30\"", "0.0350"}) {
        CAPTURE(size);
        std::string const refusal = refusal_of(R"({"sizes": {"body": )" + size + "}}");
        CHECK(refusal.find("sizes.body") != std::string::npos);
        CHECK(refusal.find("1/28") != std::string::npos);
        CHECK(refusal.find("too small") != std::string::npos);
    }
    CHECK(refusal_of(R"({"sizes": {"body": "1/28"}})") == "accepted");
    CHECK(refusal_of(R"({"sizes": {"body": 0.0357}})") == "accepted");
}

TEST_CASE("a theme file with a wrong value is refused naming the key")
{
    struct refused {
        char const* content;
        char const* key;
    };
    for (refused const& example : {
             refused{R"({"language": "de"})", "language"},
             refused{R"({"language": "ES"})", "language"},
             refused{R"({"colours": {"text": "white"}})", "colours.text"},
             refused{R"({"colours": {"text": 16777215}})", "colours.text"},
             refused{R"({"colours": []})", "colours"},
             refused{R"({"fonts": {"regular": "missing.ttf"}})", "fonts.regular"},
             refused{R"({"fonts": {"fallbacks": ["missing.ttf"]}})", "fonts.fallbacks[0]"},
             refused{R"({"fonts": {"fallbacks": "missing.ttf"}})", "fonts.fallbacks"},
             refused{R"({"fonts": {"bold": ""}})", "fonts.bold"},
             refused{R"({"logo": "missing.png"})", "logo"},
             refused{R"({"town_name": 7})", "town_name"},
             refused{R"({"sizes": {"meta": 0.5}})", "sizes.meta"},
             refused{R"({"sizes": {"overlay": "1/0"}})", "sizes.overlay"},
             refused{R"({"sizes": {"author": "big"}})", "sizes.author"},
             refused{R"({"sizes": {"header": "1/10"}, "layout": {"header_height": 0.1}})", "sizes.header"},
             refused{R"({"layout": {"footer_height": 0.05}})", "layout.footer_height"},
             refused{R"({"layout": {"agenda_width": 0.9}})", "layout.agenda_width"},
             refused{R"({"layout": {"margin": -0.01}})", "layout.margin"},
             refused{R"({"layout": {"header_height": 0.25, "footer_height": 0.3}})", "layout"},
             refused{R"({"motion": {"reduced_motion": "yes"}})", "motion.reduced_motion"},
             refused{R"({"motion": {"seconds_per_character": -1}})", "motion.seconds_per_character"},
         }) {
        CAPTURE(example.content);
        std::string const refusal = refusal_of(example.content);
        CHECK(refusal != "accepted");
        CHECK(refusal.find(example.key) != std::string::npos);
    }
}

TEST_CASE("a theme file that is missing or not JSON is refused naming the file")
{
    std::string const broken = refusal_of(R"({"town_name": "Pleno",})");
    CHECK(broken.find("theme.json") != std::string::npos);
    CHECK(broken.find("not valid JSON") != std::string::npos);
    CHECK(refusal_of("[]").find("must be a JSON object") != std::string::npos);
    CHECK_THROWS_WITH_AS(load_theme("/nonexistent/pleno/theme.json"), doctest::Contains("/nonexistent/pleno/theme.json"),
                         std::runtime_error);
}

TEST_CASE("a theme file may carry comments, as the server's configuration may")
{
    CHECK(refusal_of("{\n  // the hall's projector is weak\n  \"language\": \"fr\" /* for the twin town */\n}") == "accepted");
}

TEST_CASE("the labels read naturally in Spanish, Catalan, French and English with their values filled in")
{
    std::map<std::string, std::string> const position{{"n", "3"}, {"total", "9"}};
    CHECK(label_text("es", label::item_of, position) == "Punto 3 de 9");
    CHECK(label_text("ca", label::item_of, position) == "Punt 3 de 9");
    CHECK(label_text("fr", label::item_of, position) == "Point 3 sur 9");
    CHECK(label_text("en", label::item_of, position) == "Item 3 of 9");

    CHECK(label_text("es", label::about_item, {{"n", "2"}}) == "Sobre el punto 2");
    CHECK(label_text("ca", label::about_item, {{"n", "2"}}) == "Sobre el punt 2");
    CHECK(label_text("fr", label::about_item, {{"n", "2"}}) == "À propos du point 2");
    CHECK(label_text("en", label::about_item, {{"n", "2"}}) == "About item 2");

    CHECK(label_text("es", label::starts_at, {{"time", "18:00"}}) == "Empieza a las 18:00");
    CHECK(label_text("ca", label::starts_at, {{"time", "18:00"}}) == "Comença a les 18:00");
    CHECK(label_text("fr", label::starts_at, {{"time", "18:00"}}) == "Début de la séance à 18:00");
    CHECK(label_text("en", label::starts_at, {{"time", "18:00"}}) == "Starts at 18:00");

    CHECK(label_text("es", label::offline) == "Sin conexión con el servidor");
    CHECK(label_text("ca", label::waiting_title) == "La sessió encara no ha començat");
    CHECK(label_text("fr", label::waiting_title) == "La séance n’a pas encore commencé");
    CHECK(label_text("en", label::live) == "LIVE");
}

TEST_CASE("every label exists in every language and no placeholder is left once filled")
{
    std::map<std::string, std::string> const values{{"n", "4"}, {"total", "12"}, {"time", "19:30"}};
    for (std::string const language : {"es", "ca", "fr", "en"}) {
        for (label const which : every_label) {
            CAPTURE(language);
            CAPTURE(static_cast<int>(which));
            std::string const text = label_text(language, which, values);
            CHECK_FALSE(text.empty());
            CHECK(text.find('{') == std::string::npos);
            CHECK(text.find('}') == std::string::npos);
            // Typographic apostrophes and ellipses, never the ASCII stand-ins.
            CHECK(text.find('\'') == std::string::npos);
            CHECK(text.find("...") == std::string::npos);
        }
    }
    // Each language has its own wording, not a copy of another's.
    for (label const which : every_label) {
        CAPTURE(static_cast<int>(which));
        CHECK(label_text("es", which) != label_text("fr", which));
        CHECK(label_text("es", which) != label_text("en", which));
        CHECK(label_text("ca", which) != label_text("en", which));
    }
}

TEST_CASE("a label keeps a placeholder that was given no value and never replaces inside a value")
{
    CHECK(label_text("en", label::item_of, {{"n", "3"}}) == "Item 3 of {total}");
    CHECK(label_text("en", label::about_item, {{"n", "{n}"}}) == "About item {n}");
}

TEST_CASE("an unknown language falls back to Spanish and regional variants find their language")
{
    CHECK(label_text("de", label::live) == "EN DIRECTO");
    CHECK(label_text("", label::no_posts_yet) == "Aún no hay mensajes publicados");
    CHECK(label_text("ca-ES", label::live) == "EN DIRECTE");
    CHECK(label_text("fr_BE", label::live) == "EN DIRECT");
    CHECK(label_text("EN", label::live) == "LIVE");
}
