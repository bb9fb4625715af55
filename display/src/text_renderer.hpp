#pragma once
// Real fonts behind the font_metrics interface: the theme's regular and bold
// faces at the pixel size of each font role, with the theme's fallback fonts
// for any character the main face lacks (emoji and symbols through Symbola),
// so nothing a moderator approved is silently dropped. A line is split into
// runs by which font has each character; runs are measured and rendered one
// by one and composed on a common baseline. SDL_ttf 2.20 shapes each run
// with HarfBuzz.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "font_metrics.hpp"
#include "sdl_handles.hpp"
#include "theme.hpp"

namespace pleno::display {

enum class font_weight { regular, bold };

// The weight a role is measured in by the font_metrics interface (and so by the layout).
font_weight default_weight(font_role role);

// A line of text rendered to a surface with an alpha channel.
struct rendered_text {
    surface_handle surface;  // nullptr for an empty line
    int baseline = 0;        // pixels from the top of the surface to the baseline
};

class text_renderer final : public font_metrics {
public:
    // Opens the theme's fonts at the sizes for this screen height. Throws
    // std::runtime_error when the regular or bold font cannot be opened (a
    // missing fallback is only logged: the main font still shows its box).
    text_renderer(theme const& look, int screen_height);

    // Reopens the fonts at the sizes for another screen height.
    void set_screen_height(int screen_height);
    int screen_height() const { return screen_height_; }

    int text_width(font_role role, std::string_view text) const override;
    int line_height(font_role role) const override;

    int text_width(font_role role, font_weight weight, std::string_view text) const;
    // Pixels from the top of a line to its baseline in the role's main font.
    int ascent(font_role role) const;
    int pixel_size(font_role role) const;

    // Renders one line (no line breaks) in a colour. Each call counts as a text render.
    rendered_text render(font_role role, font_weight weight, std::string_view text, colour tint);
    rendered_text render(font_role role, std::string_view text, colour tint)
    {
        return render(role, default_weight(role), text, tint);
    }

    // How many lines were rendered since this object was made.
    std::uint64_t renders_total() const { return renders_total_; }
    std::size_t measure_cache_size() const { return measured_.size(); }

    // The font runs a line splits into: index 0 is the main face, 1.. the fallbacks. For tests.
    std::vector<std::pair<int, std::string>> runs_of(font_role role, font_weight weight, std::string_view text) const;

private:
    struct face {
        font_handle font;
        int ascent = 0;
        int height = 0;
    };
    // The main face for a weight followed by the fallbacks, at one pixel size.
    struct chain {
        std::vector<face> faces;
    };

    chain const& chain_for(font_role role, font_weight weight) const;
    void open_fonts();

    std::filesystem::path regular_path_;
    std::filesystem::path bold_path_;
    std::vector<std::filesystem::path> fallback_paths_;
    theme look_;
    int screen_height_ = 0;
    // Keyed by (pixel size, weight): roles of equal size share their fonts.
    std::map<std::pair<int, font_weight>, chain> chains_;
    mutable std::unordered_map<std::string, int> measured_;
    std::uint64_t renders_total_ = 0;
};

}  // namespace pleno::display
