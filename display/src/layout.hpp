#pragma once
// Where everything goes on a screen of any size, computed from the theme and
// a font_metrics. No SDL: the tests run it with a fake font.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "font_metrics.hpp"
#include "theme.hpp"
#include "wall_model.hpp"

namespace pleno::display {

struct rect {
    int x = 0, y = 0, w = 0, h = 0;
    int right() const { return x + w; }
    int bottom() const { return y + h; }
    bool contains(rect const& other) const;
    bool overlaps(rect const& other) const;
};

// Pixel sizes of each font role for a screen height.
struct font_sizes {
    int header = 0, agenda_title = 0, agenda_body = 0, author = 0, body = 0, meta = 0, footer = 0, overlay = 0;
    int size_of(font_role role) const;
};
font_sizes font_sizes_for(theme const& look, int screen_height);

// The fixed regions of the screen.
struct screen_layout {
    int width = 0, height = 0;
    int margin = 0;
    rect header;       // town, session title, live mark, clock
    rect logo;         // inside header, may be empty
    rect agenda;       // the current item panel
    rect wall;         // where cards scroll (clip to it)
    rect footer;       // QR code, URL, call to action
    rect qr;           // a square inside footer
    rect status;       // small connection indicator (top right of the header)
    rect overlay;      // centre box for the chair's overlay
};
screen_layout layout_screen(theme const& look, int width, int height);

// Breaks text into lines no wider than max_width: at spaces where possible,
// inside a word when a word alone is too wide (never inside a UTF-8 sequence
// or an emoji sequence), and at every '\n'. Never loses a character.
std::vector<std::string> wrap_text(font_metrics const& metrics, font_role role, std::string_view text, int max_width);

// A card's inner layout at a given width. Its height depends only on the
// post and the width, so cards can be cached by (post id, width).
struct card_layout {
    std::int64_t post_id = 0;
    int width = 0;
    int height = 0;
    int padding = 0;
    std::string author;               // "Lucía M."
    std::string meta;                 // "18:42 · Sobre el punto 3" (item shown only when not current)
    std::vector<std::string> lines;   // the wrapped text
};
card_layout layout_card(font_metrics const& metrics, theme const& look, wall_post const& post, int width,
                        std::int64_t current_item_id, std::vector<agenda_entry> const& agenda, int screen_height);

// "18:42" in local time.
std::string clock_text(millis at);

}  // namespace pleno::display
