#pragma once
// The wall's cards: each card's layout (wrapped lines, height) is computed
// once per (post, width, agenda item it is about), and its picture is painted
// once into a texture, so a frame only copies textures. Textures are kept in
// least-recently-used order within a pixel budget: a wall of 500 posts keeps
// the cards on screen and those seen lately, and memory stays flat.
//
// A new card costs a frame little: it is painted into one buffer kept for
// the purpose, and copied into a texture an evicted card of the same size
// left behind when there is one (a few are kept), so a frame that makes a
// card seldom asks the system for fresh pages (each megabyte of new pixels
// is about 256 page faults, and a card is one to two megabytes).

#include <cstdint>
#include <list>
#include <map>
#include <tuple>
#include <vector>

#include "layout.hpp"
#include "sdl_handles.hpp"
#include "text_renderer.hpp"
#include "theme.hpp"
#include "wall_model.hpp"

namespace pleno::display {

enum class card_style { normal, pinned };

struct card_key {
    std::int64_t post_id = 0;
    int width = 0;
    int about_number = 0;  // the agenda number shown in the card's meta line; 0 when it is about the current item
    card_style style = card_style::normal;

    auto tied() const { return std::tie(post_id, width, about_number, style); }
    bool operator<(card_key const& other) const { return tied() < other.tied(); }
};

class card_cache {
public:
    // About 100 cards of a 1080p wall (roughly 380 MB less than keeping all 500).
    static constexpr std::int64_t default_pixel_budget = 32LL * 1024 * 1024;

    card_cache(SDL_Renderer& target, text_renderer& text, theme const& look,
               std::int64_t pixel_budget = default_pixel_budget);

    // The agenda number a post's card names, or 0 when it is about the current item (or none).
    static int about_number(wall_post const& post, session_info const* session);

    card_layout const& layout_for(wall_post const& post, int width, session_info const* session);

    // The card's texture (painted on first use; opaque, its corners on the
    // theme's background); nullptr if SDL could not make one.
    SDL_Texture* texture_for(card_layout const& layout, card_key const& key);

    // Forgets every layout and texture (the width or the fonts changed).
    void clear();
    // Forgets the cards of posts that left the wall, and those made for another current item.
    void keep_only(std::vector<wall_post> const& present, session_info const* session);

    std::size_t texture_count() const { return textures_.size(); }
    std::size_t layout_count() const { return layouts_.size(); }
    std::int64_t texture_pixels() const { return pixels_; }
    std::uint64_t cards_painted() const { return painted_; }
    // Of those, how many went into a texture an evicted card left.
    std::uint64_t textures_reused() const { return reused_; }
    std::size_t spare_count() const { return spares_.size(); }

    // Evicted textures kept for reuse at most (not counted in the budget).
    static constexpr std::size_t max_spares = 8;

private:
    struct texture_entry {
        texture_handle texture;
        std::int64_t pixels = 0;
        std::list<card_key>::iterator recent;
    };
    struct spare_texture {
        texture_handle texture;
        int width = 0;
        int height = 0;
    };
    surface_handle paint(card_layout const& layout, card_style style);
    // A surface of this size over the kept painting buffer (grown when too small).
    surface_handle painting_surface(int width, int height);
    texture_handle texture_from(SDL_Surface& painted);
    void retire(texture_handle texture);  // kept as a spare (the oldest spare goes when full)
    void evict_to_budget();

    SDL_Renderer& target_;
    text_renderer& text_;
    theme const& look_;
    std::int64_t pixel_budget_;
    std::map<std::tuple<std::int64_t, int, int>, card_layout> layouts_;
    std::map<card_key, texture_entry> textures_;
    std::list<card_key> recent_;  // most recently used first
    std::int64_t pixels_ = 0;
    std::uint64_t painted_ = 0;
    std::uint64_t reused_ = 0;
    std::vector<spare_texture> spares_;  // the most recently evicted last
    surface_handle canvas_;              // the painting buffer
};

}  // namespace pleno::display
