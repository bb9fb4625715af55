#pragma once
// The textures of everything that is not a card: header, agenda, footer and
// label texts, and the rounded shapes behind them. Each is made once and kept
// while frames keep using it; what a frame did not use is dropped at its end
// (the clock's old minute, an overlay that was cleared), so memory stays flat.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sdl_handles.hpp"
#include "text_renderer.hpp"
#include "theme.hpp"

namespace pleno::display {

struct cached_texture {
    SDL_Texture* texture = nullptr;  // nullptr: nothing to draw (empty text)
    int width = 0;
    int height = 0;
    int baseline = 0;  // text only: pixels from the top to the baseline
};

class texture_cache {
public:
    texture_cache(SDL_Renderer& target, text_renderer& text);

    // One line of text; rendered on the first use only.
    cached_texture text(font_role role, font_weight weight, std::string_view line, colour tint);
    // A rounded rectangle of a size and colour.
    cached_texture rounded_rect(int width, int height, int radius, colour fill);

    void begin_frame() { ++frame_; }
    // Drops what this frame did not use.
    void end_frame();
    void clear() { entries_.clear(); }
    std::size_t size() const { return entries_.size(); }

private:
    struct entry {
        texture_handle texture;
        cached_texture view;
        std::uint64_t used_in = 0;
    };
    cached_texture remember(std::string key, surface_handle surface, int baseline);

    SDL_Renderer& target_;
    text_renderer& text_;
    std::unordered_map<std::string, entry> entries_;
    std::uint64_t frame_ = 0;
};

}  // namespace pleno::display
