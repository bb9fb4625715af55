#include "texture_cache.hpp"

#include "surface_paint.hpp"

namespace pleno::display {

namespace {

std::string colour_key(colour value)
{
    std::string key(4, '\0');
    key[0] = static_cast<char>(value.r);
    key[1] = static_cast<char>(value.g);
    key[2] = static_cast<char>(value.b);
    key[3] = static_cast<char>(value.a);
    return key;
}

}  // namespace

texture_cache::texture_cache(SDL_Renderer& target, text_renderer& text) : target_(target), text_(text) {}

cached_texture texture_cache::text(font_role role, font_weight weight, std::string_view line, colour tint)
{
    std::string key = "t";
    key += static_cast<char>('a' + static_cast<int>(role));
    key += weight == font_weight::bold ? 'b' : 'r';
    key += colour_key(tint);
    key.append(line);
    if (auto found = entries_.find(key); found != entries_.end()) {
        found->second.used_in = frame_;
        return found->second.view;
    }
    auto rendered = text_.render(role, weight, line, tint);
    return remember(std::move(key), std::move(rendered.surface), rendered.baseline);
}

cached_texture texture_cache::rounded_rect(int width, int height, int radius, colour fill)
{
    std::string key = "r" + std::to_string(width) + "x" + std::to_string(height) + "r" + std::to_string(radius) + colour_key(fill);
    if (auto found = entries_.find(key); found != entries_.end()) {
        found->second.used_in = frame_;
        return found->second.view;
    }
    auto surface = make_argb_surface(width, height);
    if (surface)
        paint_rounded_rect(*surface, SDL_Rect{0, 0, width, height}, radius, fill);
    return remember(std::move(key), std::move(surface), 0);
}

cached_texture texture_cache::remember(std::string key, surface_handle surface, int baseline)
{
    entry made;
    made.used_in = frame_;
    if (surface) {
        made.texture.reset(SDL_CreateTextureFromSurface(&target_, surface.get()));
        if (made.texture) {
            SDL_SetTextureBlendMode(made.texture.get(), SDL_BLENDMODE_BLEND);
            made.view = {made.texture.get(), surface->w, surface->h, baseline};
        }
    }
    auto const view = made.view;
    entries_.insert_or_assign(std::move(key), std::move(made));
    return view;
}

void texture_cache::end_frame()
{
    std::erase_if(entries_, [&](auto const& item) { return item.second.used_in != frame_; });
}

}  // namespace pleno::display
