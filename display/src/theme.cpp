#include "theme.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace pleno::display {
namespace {

using json = nlohmann::json;

// The smallest body text the wall accepts: below it a card cannot be read
// from the back rows of a council chamber.
constexpr double smallest_body_size = 1.0 / 28.0;
// A fraction written as a rounded decimal ("0.0357") still counts as 1/28.
constexpr double fraction_tolerance = 1e-4;

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string format_number(double value)
{
    std::array<char, 32> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%.4g", value);
    return buffer.data();
}

// Reads one theme file; every error names the file and the key.
class theme_reader {
public:
    theme_reader(std::filesystem::path file, theme& target) : file_(std::move(file)), target_(target) {}

    void read(json const& document);

private:
    using setter = std::function<void(json const&, std::string const&)>;

    [[noreturn]] void bad(std::string const& where, std::string const& what) const
    {
        throw std::runtime_error("theme file " + file_.string() + ": " + where + ": " + what);
    }

    void apply_object(json const& object, std::string const& where, std::map<std::string, setter> const& setters) const;
    std::string text(json const& value, std::string const& where) const;
    colour colour_value(json const& value, std::string const& where) const;
    double fraction(json const& value, std::string const& where) const;
    double fraction_in(json const& value, std::string const& where, double lowest, double highest) const;
    std::filesystem::path file_path(json const& value, std::string const& where, bool empty_allowed) const;
    void check_whole(std::string const& where) const;

    setter colour_setter(colour& target) const
    {
        return [this, &target](json const& value, std::string const& where) { target = colour_value(value, where); };
    }
    setter size_setter(double& target, double lowest, double highest) const
    {
        return [this, &target, lowest, highest](json const& value, std::string const& where) {
            target = fraction_in(value, where, lowest, highest);
        };
    }

    std::filesystem::path file_;
    theme& target_;
};

void theme_reader::apply_object(json const& object, std::string const& where, std::map<std::string, setter> const& setters) const
{
    if (!object.is_object())
        bad(where.empty() ? "the whole file" : where, "must be a JSON object");
    for (auto const& [key, value] : object.items()) {
        std::string const path = where.empty() ? key : where + "." + key;
        auto const found = setters.find(key);
        if (found == setters.end()) {
            std::string known;
            for (auto const& [name, ignored] : setters)
                known += (known.empty() ? "" : ", ") + name;
            bad(path, "unknown key (known here: " + known + ")");
        }
        found->second(value, path);
    }
}

std::string theme_reader::text(json const& value, std::string const& where) const
{
    if (!value.is_string())
        bad(where, "must be a string");
    return value.get<std::string>();
}

colour theme_reader::colour_value(json const& value, std::string const& where) const
{
    std::string const written = text(value, where);
    try {
        return parse_colour(written);
    } catch (std::runtime_error const&) {
        bad(where, "\"" + written + "\" is not a colour; write #rrggbb or #rrggbbaa");
    }
}

// A size or proportion: a number (0.0385) or a fraction in a string ("1/26").
double theme_reader::fraction(json const& value, std::string const& where) const
{
    if (value.is_number())
        return value.get<double>();
    if (value.is_string()) {
        std::string const written = value.get<std::string>();
        unsigned numerator = 0;
        unsigned denominator = 0;
        int consumed = 0;
        if (std::sscanf(written.c_str(), "%u/%u%n", &numerator, &denominator, &consumed) == 2 &&
            static_cast<std::size_t>(consumed) == written.size() && denominator != 0)
            return static_cast<double>(numerator) / static_cast<double>(denominator);
    }
    bad(where, "must be a number such as 0.04 or a fraction such as \"1/26\"");
}

double theme_reader::fraction_in(json const& value, std::string const& where, double lowest, double highest) const
{
    double const number = fraction(value, where);
    if (!std::isfinite(number) || number < lowest - fraction_tolerance || number > highest + fraction_tolerance)
        bad(where, format_number(number) + " is out of range; it must be between " + format_number(lowest) + " and " +
                       format_number(highest));
    return number;
}

std::filesystem::path theme_reader::file_path(json const& value, std::string const& where, bool empty_allowed) const
{
    std::string const written = text(value, where);
    if (written.empty()) {
        if (!empty_allowed)
            bad(where, "must name a file");
        return {};
    }
    std::filesystem::path path(written);
    // Relative paths are read from the theme's folder, so a theme and its
    // fonts and logo can be copied together anywhere.
    if (path.is_relative())
        path = (file_.parent_path() / path).lexically_normal();
    std::error_code ignored;
    if (!std::filesystem::is_regular_file(path, ignored))
        bad(where, "no such file: " + path.string());
    return path;
}

void theme_reader::read(json const& document)
{
    theme& t = target_;
    std::map<std::string, setter> const colours{
        {"background", colour_setter(t.background)},
        {"header_background", colour_setter(t.header_background)},
        {"text", colour_setter(t.text)},
        {"muted_text", colour_setter(t.muted_text)},
        {"accent", colour_setter(t.accent)},
        {"card_background", colour_setter(t.card_background)},
        {"card_text", colour_setter(t.card_text)},
        {"card_author", colour_setter(t.card_author)},
        {"pinned_background", colour_setter(t.pinned_background)},
        {"live", colour_setter(t.live)},
        {"offline", colour_setter(t.offline)},
        {"overlay_background", colour_setter(t.overlay_background)},
        {"overlay_text", colour_setter(t.overlay_text)},
        {"qr_dark", colour_setter(t.qr_dark)},
        {"qr_light", colour_setter(t.qr_light)},
    };
    std::map<std::string, setter> const fonts{
        {"regular", [&](json const& value, std::string const& where) { t.font_regular = file_path(value, where, false); }},
        {"bold", [&](json const& value, std::string const& where) { t.font_bold = file_path(value, where, false); }},
        {"fallbacks", [&](json const& value, std::string const& where) {
             if (!value.is_array())
                 bad(where, "must be an array of font files, tried in order");
             std::vector<std::filesystem::path> paths;
             for (std::size_t index = 0; index < value.size(); ++index)
                 paths.push_back(file_path(value[index], where + "[" + std::to_string(index) + "]", false));
             t.font_fallbacks = std::move(paths);
         }},
    };
    // Fractions of the screen height. The upper bounds keep a single line of
    // each role well inside its panel; the lower ones keep it legible.
    std::map<std::string, setter> const sizes{
        {"body", [&](json const& value, std::string const& where) {
             double const number = fraction(value, where);
             if (std::isfinite(number) && number < smallest_body_size - fraction_tolerance)
                 bad(where, format_number(number) +
                                " of the screen height is too small: card text must be at least 1/28 of the screen height "
                                "(0.0357) to be read from the back of the room");
             t.body_size = fraction_in(value, where, smallest_body_size, 1.0 / 10.0);
         }},
        {"author", size_setter(t.author_size, 1.0 / 60.0, 1.0 / 10.0)},
        {"meta", size_setter(t.meta_size, 1.0 / 80.0, 1.0 / 10.0)},
        {"header", size_setter(t.header_size, 1.0 / 60.0, 1.0 / 10.0)},
        {"agenda_title", size_setter(t.agenda_title_size, 1.0 / 60.0, 1.0 / 10.0)},
        {"agenda_body", size_setter(t.agenda_body_size, 1.0 / 60.0, 1.0 / 10.0)},
        {"footer", size_setter(t.footer_size, 1.0 / 80.0, 1.0 / 10.0)},
        {"overlay", size_setter(t.overlay_size, 1.0 / 40.0, 1.0 / 6.0)},
    };
    std::map<std::string, setter> const layout{
        {"header_height", size_setter(t.header_height, 0.06, 0.25)},
        // The QR code fills the footer's height: below 0.12 it no longer
        // scans from a phone in the public seats.
        {"footer_height", size_setter(t.footer_height, 0.12, 0.30)},
        {"agenda_width", size_setter(t.agenda_width, 0.20, 0.50)},
        {"margin", size_setter(t.margin, 0.0, 0.04)},
    };
    std::map<std::string, setter> const motion{
        {"reduced_motion", [&](json const& value, std::string const& where) {
             if (!value.is_boolean())
                 bad(where, "must be true or false");
             t.reduced_motion = value.get<bool>();
         }},
        {"seconds_per_character", [&](json const& value, std::string const& where) {
             if (!value.is_number())
                 bad(where, "must be a number of seconds");
             double const number = value.get<double>();
             if (!(number >= 0.0 && number <= 0.5))
                 bad(where, format_number(number) + " is out of range; it must be between 0 and 0.5");
             t.seconds_per_character = number;
         }},
    };
    std::map<std::string, setter> const top{
        {"colours", [&](json const& value, std::string const& where) { apply_object(value, where, colours); }},
        {"fonts", [&](json const& value, std::string const& where) { apply_object(value, where, fonts); }},
        {"sizes", [&](json const& value, std::string const& where) { apply_object(value, where, sizes); }},
        {"layout", [&](json const& value, std::string const& where) { apply_object(value, where, layout); }},
        {"motion", [&](json const& value, std::string const& where) { apply_object(value, where, motion); }},
        {"logo", [&](json const& value, std::string const& where) { t.logo = file_path(value, where, true); }},
        {"town_name", [&](json const& value, std::string const& where) { t.town_name = text(value, where); }},
        {"public_url", [&](json const& value, std::string const& where) { t.public_url = text(value, where); }},
        {"call_to_action", [&](json const& value, std::string const& where) { t.call_to_action = text(value, where); }},
        {"language", [&](json const& value, std::string const& where) {
             std::string const code = text(value, where);
             if (code != "es" && code != "ca" && code != "fr" && code != "en")
                 bad(where, "\"" + code + "\" is not a supported language; use es, ca, fr or en");
             t.language = code;
         }},
    };
    apply_object(document, "", top);
    check_whole("layout");
}

// Checks that need several keys at once: each band must hold its text.
void theme_reader::check_whole(std::string const& where) const
{
    theme const& t = target_;
    if (t.header_height + t.footer_height > 0.5)
        bad(where, "header_height and footer_height together take more than half the screen; the wall needs the rest");
    if (t.header_size * 1.25 > t.header_height * 0.8)
        bad("sizes.header", "the header text (" + format_number(t.header_size) + ") does not fit in layout.header_height (" +
                                format_number(t.header_height) + ")");
    // The footer holds two lines beside the QR code: the URL and the call to action.
    if (t.footer_size * 1.25 * 2.0 > t.footer_height * 0.9)
        bad("sizes.footer", "two lines of footer text (" + format_number(t.footer_size) +
                                ") do not fit in layout.footer_height (" + format_number(t.footer_height) + ")");
}

using label_set = std::array<std::string_view, 15>;

// In the order of the label enum. Spanish first: it is also the fallback.
constexpr label_set spanish{
    "EN DIRECTO",
    "Sin conexión con el servidor",
    "Reconectando…",
    "Punto {n} de {total}",
    "Envía tu mensaje",
    "La sesión aún no ha empezado",
    "Empieza a las {time}",
    "Podrás enviar mensajes a partir de las {time}",
    "La sesión ha terminado",
    "No hay ninguna sesión programada",
    "Muro en pausa",
    "Sobre el punto {n}",
    "Pulsa Esc otra vez para salir",
    "Aún no hay mensajes publicados",
    "Desplazamiento en pausa",
};

constexpr label_set catalan{
    "EN DIRECTE",
    "Sense connexió amb el servidor",
    "S’està reconnectant…",
    "Punt {n} de {total}",
    "Envia el teu missatge",
    "La sessió encara no ha començat",
    "Comença a les {time}",
    "Podràs enviar missatges a partir de les {time}",
    "La sessió ha acabat",
    "No hi ha cap sessió programada",
    "Mur en pausa",
    "Sobre el punt {n}",
    "Prem Esc una altra vegada per sortir",
    "Encara no hi ha missatges publicats",
    "Desplaçament en pausa",
};

constexpr label_set french{
    "EN DIRECT",
    "Pas de connexion avec le serveur",
    "Reconnexion…",
    "Point {n} sur {total}",
    "Envoyez votre message",
    "La séance n’a pas encore commencé",
    "Début de la séance à {time}",
    "Vous pourrez envoyer vos messages à partir de {time}",
    "La séance est terminée",
    "Aucune séance n’est prévue",
    "Mur en pause",
    "À propos du point {n}",
    "Appuyez de nouveau sur Échap pour quitter",
    "Aucun message publié pour l’instant",
    "Défilement en pause",
};

constexpr label_set english{
    "LIVE",
    "No connection to the server",
    "Reconnecting…",
    "Item {n} of {total}",
    "Send your message",
    "The session has not started yet",
    "Starts at {time}",
    "You can send messages from {time}",
    "The session has ended",
    "No session is scheduled",
    "Wall on hold",
    "About item {n}",
    "Press Esc again to quit",
    "No messages published yet",
    "Scrolling paused",
};

static_assert(static_cast<std::size_t>(label::paused) + 1 == spanish.size(), "one text per label");

// "ca", "CA", "ca-ES" and "ca_ES" all mean Catalan.
label_set const& labels_for(std::string const& language)
{
    std::string code;
    for (char c : language) {
        if (c == '-' || c == '_')
            break;
        code += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (code == "ca")
        return catalan;
    if (code == "fr")
        return french;
    if (code == "en")
        return english;
    return spanish;
}

}  // namespace

colour parse_colour(std::string const& text)
{
    if ((text.size() != 7 && text.size() != 9) || text[0] != '#')
        throw std::runtime_error("not a colour: \"" + text + "\" (write #rrggbb or #rrggbbaa)");
    std::array<std::uint8_t, 4> channels{0, 0, 0, 255};
    for (std::size_t index = 0; index * 2 + 1 < text.size(); ++index) {
        int const high = hex_digit(text[1 + index * 2]);
        int const low = hex_digit(text[2 + index * 2]);
        if (high < 0 || low < 0)
            throw std::runtime_error("not a colour: \"" + text + "\" (write #rrggbb or #rrggbbaa)");
        channels[index] = static_cast<std::uint8_t>(high * 16 + low);
    }
    return colour{channels[0], channels[1], channels[2], channels[3]};
}

theme load_theme(std::filesystem::path const& file, theme base)
{
    std::ifstream input(file);
    if (!input)
        throw std::runtime_error("theme file " + file.string() + ": cannot be read");
    // Comments are allowed, as in the server's configuration file.
    json const document = json::parse(input, nullptr, false, true);
    if (document.is_discarded())
        throw std::runtime_error("theme file " + file.string() + ": is not valid JSON");
    theme_reader(file, base).read(document);
    return base;
}

theme default_theme(std::filesystem::path const& assets_fonts)
{
    theme result;
    result.font_regular = assets_fonts / "DejaVuSans.ttf";
    result.font_bold = assets_fonts / "DejaVuSans-Bold.ttf";
    result.font_fallbacks = {assets_fonts / "Symbola.ttf"};
    return result;
}

std::string label_text(std::string const& language, label which, std::map<std::string, std::string> const& values)
{
    auto const index = static_cast<std::size_t>(which);
    label_set const& set = labels_for(language);
    if (index >= set.size())
        return {};
    std::string result(set[index]);
    for (auto const& [name, value] : values) {
        std::string const placeholder = "{" + name + "}";
        // Replace from left to right and continue after the inserted value,
        // so a value that itself contains "{n}" is not replaced again.
        for (auto at = result.find(placeholder); at != std::string::npos; at = result.find(placeholder, at + value.size())) {
            result.replace(at, placeholder.size(), value);
        }
    }
    return result;
}

}  // namespace pleno::display
