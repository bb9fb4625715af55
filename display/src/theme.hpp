#pragma once
// The look of the wall: colours, fonts, sizes, proportions, logo, language
// of the labels, motion. Loaded from a JSON theme file over the defaults.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pleno::display {

struct colour {
    std::uint8_t r = 0, g = 0, b = 0, a = 255;
};

// "#rrggbb" or "#rrggbbaa"; throws std::runtime_error on anything else.
colour parse_colour(std::string const& text);

struct theme {
    // Colours: a high-contrast default (light text on a dark blue-black).
    colour background{0x0b, 0x14, 0x22};
    colour header_background{0x12, 0x24, 0x3d};
    colour text{0xff, 0xff, 0xff};
    colour muted_text{0xc8, 0xd2, 0xe0};
    colour accent{0xff, 0xc8, 0x2e};        // agenda number, pinned mark
    colour card_background{0xff, 0xff, 0xff};
    colour card_text{0x10, 0x10, 0x10};
    colour card_author{0x0b, 0x3d, 0x6e};
    colour pinned_background{0xff, 0xf4, 0xcc};
    colour live{0xe0, 0x1e, 0x37};
    colour offline{0xff, 0x8c, 0x00};
    colour overlay_background{0x00, 0x00, 0x00, 0xd8};
    colour overlay_text{0xff, 0xff, 0xff};
    colour qr_dark{0x00, 0x00, 0x00};
    colour qr_light{0xff, 0xff, 0xff};

    // Fonts: files relative to the theme file, or absolute. The fallbacks are
    // tried in order for any character the main font lacks.
    std::filesystem::path font_regular;
    std::filesystem::path font_bold;
    std::vector<std::filesystem::path> font_fallbacks;

    // Sizes as fractions of the screen height. Body text is at least 1/28.
    double body_size = 1.0 / 26.0;
    double author_size = 1.0 / 30.0;
    double meta_size = 1.0 / 40.0;
    double header_size = 1.0 / 22.0;
    double agenda_title_size = 1.0 / 20.0;
    double agenda_body_size = 1.0 / 32.0;
    double footer_size = 1.0 / 34.0;
    double overlay_size = 1.0 / 12.0;

    // Proportions of the screen.
    double header_height = 0.10;
    double footer_height = 0.14;
    double agenda_width = 0.34;  // the agenda panel on the left; the wall takes the rest
    double margin = 0.015;       // of the screen height: the gap between panels and cards

    std::filesystem::path logo;  // PNG or BMP; none by default
    std::string town_name = "Pleno";
    std::string public_url;       // shown in the footer and encoded in the QR code
    std::string call_to_action;   // empty: the language's default
    std::string language = "es";  // es, ca, fr, en
    bool reduced_motion = false;  // paging instead of scrolling, no entry animation
    double seconds_per_character = 0.05;  // reading pace: a card stays at least 3 s plus this per character
};

// Loads a theme file over the defaults; throws std::runtime_error naming the
// file and the key on any error. Paths in it are resolved from its folder.
theme load_theme(std::filesystem::path const& file, theme base = {});

// The default theme with the bundled fonts found under `assets_fonts`.
theme default_theme(std::filesystem::path const& assets_fonts);

// Label texts in the theme's language.
enum class label {
    live,               // "EN DIRECTO"
    offline,            // "Sin conexión con el servidor"
    reconnecting,       // "Reconectando…"
    item_of,            // "Punto {n} de {total}"
    call_to_action,     // "Envía tu mensaje"
    waiting_title,      // "La sesión aún no ha empezado"
    starts_at,          // "Empieza a las {time}"
    posting_opens_at,   // "Los mensajes se abren a las {time}"
    session_closed,     // "La sesión ha terminado"
    no_session,         // "No hay ninguna sesión programada"
    on_hold,            // "Muro en pausa"
    about_item,         // "Sobre el punto {n}"
    quit_confirm,       // "Pulsa Esc otra vez para salir"
    no_posts_yet,       // "Aún no hay mensajes publicados"
    paused,             // "Desplazamiento en pausa"
};

// The label in `language` (falls back to Spanish), with {n}, {total} and
// {time} replaced by the given values where present.
std::string label_text(std::string const& language, label which, std::map<std::string, std::string> const& values = {});

}  // namespace pleno::display
