#include "card_cache.hpp"

#include <algorithm>
#include <iterator>

#include "surface_paint.hpp"

namespace pleno::display {

namespace {

colour mix(colour from, colour to, double amount)
{
    auto const channel = [amount](std::uint8_t a, std::uint8_t b) {
        return static_cast<std::uint8_t>(a + (b - a) * amount + 0.5);
    };
    return {channel(from.r, to.r), channel(from.g, to.g), channel(from.b, to.b), 255};
}

void blit_line(SDL_Surface& card, rendered_text const& line, int x, int baseline_y)
{
    if (!line.surface)
        return;
    SDL_Rect target{x, baseline_y - line.baseline, line.surface->w, line.surface->h};
    SDL_SetSurfaceBlendMode(line.surface.get(), SDL_BLENDMODE_BLEND);
    SDL_BlitSurface(line.surface.get(), nullptr, &card, &target);
}

}  // namespace

card_cache::card_cache(SDL_Renderer& target, text_renderer& text, theme const& look, std::int64_t pixel_budget)
    : target_(target), text_(text), look_(look), pixel_budget_(pixel_budget)
{
}

int card_cache::about_number(wall_post const& post, session_info const* session)
{
    if (session == nullptr || post.item_id == 0 || post.item_id == session->current_item_id)
        return 0;
    auto const& agenda = session->agenda;
    auto const found = std::find_if(agenda.begin(), agenda.end(), [&](agenda_entry const& entry) { return entry.id == post.item_id; });
    if (found == agenda.end())
        return 0;
    return found->number > 0 ? found->number : static_cast<int>(found - agenda.begin()) + 1;
}

card_layout const& card_cache::layout_for(wall_post const& post, int width, session_info const* session)
{
    auto const key = std::make_tuple(post.id, width, about_number(post, session));
    if (auto found = layouts_.find(key); found != layouts_.end())
        return found->second;
    static std::vector<agenda_entry> const no_agenda;
    auto made = layout_card(text_, look_, post, width, session ? session->current_item_id : 0,
                            session ? session->agenda : no_agenda, text_.screen_height());
    return layouts_.emplace(key, std::move(made)).first->second;
}

SDL_Texture* card_cache::texture_for(card_layout const& layout, card_key const& key)
{
    if (auto found = textures_.find(key); found != textures_.end()) {
        recent_.splice(recent_.begin(), recent_, found->second.recent);
        return found->second.texture.get();
    }
    auto surface = paint(layout, key.style);
    if (!surface)
        return nullptr;
    texture_handle texture = texture_from(*surface);
    if (!texture)
        return nullptr;
    SDL_SetTextureBlendMode(texture.get(), SDL_BLENDMODE_NONE);
    ++painted_;
    recent_.push_front(key);
    texture_entry entry;
    entry.pixels = static_cast<std::int64_t>(surface->w) * surface->h;
    entry.recent = recent_.begin();
    pixels_ += entry.pixels;
    SDL_Texture* const result = texture.get();
    entry.texture = std::move(texture);
    textures_.insert_or_assign(key, std::move(entry));
    evict_to_budget();
    return result;
}

texture_handle card_cache::texture_from(SDL_Surface& painted)
{
    // A texture an evicted card of the same size left (the newest such), its pixels overwritten.
    for (auto spare = spares_.rbegin(); spare != spares_.rend(); ++spare) {
        if (spare->width != painted.w || spare->height != painted.h)
            continue;
        Uint32 format = 0;
        if (SDL_QueryTexture(spare->texture.get(), &format, nullptr, nullptr, nullptr) != 0 ||
            format != painted.format->format)
            continue;
        texture_handle texture = std::move(spare->texture);
        spares_.erase(std::next(spare).base());
        if (SDL_UpdateTexture(texture.get(), nullptr, painted.pixels, painted.pitch) != 0)
            break;  // not reusable after all (it is dropped): make a new one
        ++reused_;
        return texture;
    }
    return texture_handle{SDL_CreateTextureFromSurface(&target_, &painted)};
}

void card_cache::retire(texture_handle texture)
{
    int width = 0;
    int height = 0;
    if (!texture || SDL_QueryTexture(texture.get(), nullptr, nullptr, &width, &height) != 0)
        return;
    if (spares_.size() >= max_spares)
        spares_.erase(spares_.begin());
    spares_.push_back({std::move(texture), width, height});
}

void card_cache::evict_to_budget()
{
    // The card just made is at the front and always stays, even alone over budget.
    while (pixels_ > pixel_budget_ && recent_.size() > 1) {
        auto const oldest = recent_.back();
        recent_.pop_back();
        auto found = textures_.find(oldest);
        if (found != textures_.end()) {
            pixels_ -= found->second.pixels;
            retire(std::move(found->second.texture));
            textures_.erase(found);
        }
    }
}

void card_cache::clear()
{
    textures_.clear();
    recent_.clear();
    layouts_.clear();
    spares_.clear();
    canvas_.reset();
    pixels_ = 0;
}

void card_cache::keep_only(std::vector<wall_post> const& present, session_info const* session)
{
    // Each post's card as it is now; layouts of another agenda context and
    // cards of posts that left are forgotten (their textures' pixels too).
    std::map<std::int64_t, int> about;
    for (auto const& post : present)
        about.emplace(post.id, about_number(post, session));
    std::erase_if(layouts_, [&](auto const& item) {
        auto const found = about.find(std::get<0>(item.first));
        return found == about.end() || found->second != std::get<2>(item.first);
    });
    for (auto it = textures_.begin(); it != textures_.end();) {
        auto const found = about.find(it->first.post_id);
        if (found != about.end() && found->second == it->first.about_number) {
            ++it;
            continue;
        }
        pixels_ -= it->second.pixels;
        recent_.erase(it->second.recent);
        retire(std::move(it->second.texture));
        it = textures_.erase(it);
    }
}

surface_handle card_cache::painting_surface(int width, int height)
{
    width = std::max(width, 1);
    height = std::max(height, 1);
    if (!canvas_ || canvas_->w < width || canvas_->h < height) {
        // Grown to the largest card so far (and a little more), then kept.
        int const grown_width = std::max(width, canvas_ ? canvas_->w : 0);
        int const grown_height = std::max(height + height / 4, canvas_ ? canvas_->h : 0);
        canvas_.reset(SDL_CreateRGBSurfaceWithFormat(0, grown_width, grown_height, 32, SDL_PIXELFORMAT_ARGB8888));
        if (!canvas_)
            return make_argb_surface(width, height);
    }
    // A surface over the top-left of the buffer: no pixels of its own.
    return surface_handle{SDL_CreateRGBSurfaceWithFormatFrom(canvas_->pixels, width, height, 32, canvas_->pitch,
                                                             SDL_PIXELFORMAT_ARGB8888)};
}

surface_handle card_cache::paint(card_layout const& layout, card_style style)
{
    // Every pixel is painted below (the fill first), so the buffer's old content never shows.
    auto surface = painting_surface(layout.width, layout.height);
    if (!surface)
        return surface;
    int const padding = layout.padding;
    int const radius = std::max(4, padding * 2 / 3);
    bool const pinned = style == card_style::pinned;
    colour const background = pinned ? look_.pinned_background : look_.card_background;
    // The corners are painted over the wall's own background, so the card is
    // opaque and copies without blending (the wall behind it is one flat colour).
    SDL_FillRect(surface.get(), nullptr,
                 SDL_MapRGBA(surface->format, look_.background.r, look_.background.g, look_.background.b, 255));
    if (pinned) {
        // A frame in the accent colour marks the pinned card even for a theme whose pinned background is close to the card's.
        int const border = std::max(3, padding / 5);
        paint_rounded_rect(*surface, SDL_Rect{0, 0, layout.width, layout.height}, radius, look_.accent);
        paint_rounded_rect(*surface, SDL_Rect{border, border, layout.width - 2 * border, layout.height - 2 * border},
                           std::max(2, radius - border), background);
    } else {
        paint_rounded_rect(*surface, SDL_Rect{0, 0, layout.width, layout.height}, radius, background);
    }

    colour const meta_colour = mix(look_.card_text, background, 0.42);
    int const inner = layout.width - 2 * padding;
    int const author_line = text_.line_height(font_role::author);
    int const meta_line = text_.line_height(font_role::meta);
    auto author = text_.render(font_role::author, layout.author, look_.card_author);
    auto meta = text_.render(font_role::meta, layout.meta, meta_colour);
    rendered_text pin;
    if (pinned)
        pin = text_.render(font_role::author, font_weight::regular, "\U0001F4CC", look_.card_author);
    int const author_width = author.surface ? author.surface->w : 0;
    int const meta_width = meta.surface ? meta.surface->w : 0;
    int const pin_width = pin.surface ? pin.surface->w + padding / 2 : 0;
    // The layout leaves a line for the meta under the author; when the meta
    // fits at the right of the author's line, that line becomes air around it.
    bool const one_row = author_width + padding + meta_width + pin_width <= inner;
    int y = padding;
    if (one_row)
        y += meta_line / 3;
    int const author_baseline = y + text_.ascent(font_role::author);
    blit_line(*surface, author, padding, author_baseline);
    if (pin.surface)
        blit_line(*surface, pin, layout.width - padding - pin.surface->w, author_baseline);
    y += author_line;
    if (one_row) {
        blit_line(*surface, meta, layout.width - padding - pin_width - meta_width, author_baseline);
        y += meta_line / 3;
    } else {
        blit_line(*surface, meta, padding, y + text_.ascent(font_role::meta));
        y += meta_line;
    }
    for (auto const& line : layout.lines) {
        blit_line(*surface, text_.render(font_role::body, line, look_.card_text), padding, y + text_.ascent(font_role::body));
        y += text_.line_height(font_role::body);
    }
    return surface;
}

}  // namespace pleno::display
