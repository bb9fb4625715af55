#pragma once
// How big text is, without knowing how it is drawn: the layout asks this
// interface, the SDL renderer implements it with real fonts and the tests
// with a fake.

#include <string_view>

namespace pleno::display {

enum class font_role {
    header,        // town and session title
    agenda_title,  // the current item's title
    agenda_body,   // its description, "item 3 of 9"
    author,        // a card's author line
    body,          // a card's text
    meta,          // time, "about item 2"
    footer,        // the URL and the call to action
    overlay,       // the chair's overlay message
};

class font_metrics {
public:
    virtual ~font_metrics() = default;
    // Pixel width of one line of UTF-8 text (no line breaks in it).
    virtual int text_width(font_role role, std::string_view text) const = 0;
    // Distance between two baselines.
    virtual int line_height(font_role role) const = 0;
};

}  // namespace pleno::display
