#include "text_renderer.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "layout.hpp"

namespace pleno::display {

namespace {

// Widths of measured runs of text (wrapping measures many prefixes of each
// post). Emptied when full: about half a megabyte at most, and a wall of 500
// posts fills it again in a few minutes at worst.
constexpr std::size_t measure_cache_limit = 8'192;
constexpr char32_t replacement_character = 0xFFFD;

font_role const all_roles[] = {font_role::header, font_role::agenda_title, font_role::agenda_body, font_role::author,
                               font_role::body,   font_role::meta,         font_role::footer,      font_role::overlay};

// Decodes one code point at `at`; an invalid byte reads as U+FFFD and takes one byte.
char32_t next_code_point(std::string_view text, std::size_t& at)
{
    auto const byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char const lead = byte(at);
    if (lead < 0x80) {
        ++at;
        return lead;
    }
    int length = 0;
    char32_t value = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        value = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        value = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        value = lead & 0x07;
    } else {
        ++at;
        return replacement_character;
    }
    if (at + static_cast<std::size_t>(length) > text.size()) {
        ++at;
        return replacement_character;
    }
    for (int i = 1; i < length; ++i) {
        unsigned char const next = byte(at + static_cast<std::size_t>(i));
        if ((next & 0xC0) != 0x80) {
            ++at;
            return replacement_character;
        }
        value = (value << 6) | (next & 0x3F);
    }
    at += static_cast<std::size_t>(length);
    return value;
}

void append_utf8(std::string& out, char32_t value)
{
    if (value < 0x80) {
        out += static_cast<char>(value);
    } else if (value < 0x800) {
        out += static_cast<char>(0xC0 | (value >> 6));
        out += static_cast<char>(0x80 | (value & 0x3F));
    } else if (value < 0x10000) {
        out += static_cast<char>(0xE0 | (value >> 12));
        out += static_cast<char>(0x80 | ((value >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (value & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (value >> 18));
        out += static_cast<char>(0x80 | ((value >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((value >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (value & 0x3F));
    }
}

// Characters that belong to the one before them (combining marks, joiners,
// variation selectors, skin tones, tags): they stay in its run, so an emoji
// sequence or an accented letter is shaped by one font.
bool joins_previous(char32_t value)
{
    return (value >= 0x0300 && value <= 0x036F) || (value >= 0x1AB0 && value <= 0x1AFF) ||
           (value >= 0x1DC0 && value <= 0x1DFF) || (value >= 0x20D0 && value <= 0x20FF) ||
           (value >= 0xFE00 && value <= 0xFE0F) || (value >= 0xFE20 && value <= 0xFE2F) || value == 0x200C ||
           value == 0x200D || (value >= 0x1F3FB && value <= 0x1F3FF) || (value >= 0xE0020 && value <= 0xE007F) ||
           (value >= 0xE0100 && value <= 0xE01EF);
}

font_handle open_font(std::filesystem::path const& path, int size)
{
    return font_handle{TTF_OpenFont(path.string().c_str(), size)};
}

}  // namespace

font_weight default_weight(font_role role)
{
    switch (role) {
    case font_role::header:
    case font_role::agenda_title:
    case font_role::author:
    case font_role::overlay:
        return font_weight::bold;
    case font_role::agenda_body:
    case font_role::body:
    case font_role::meta:
    case font_role::footer:
        break;
    }
    return font_weight::regular;
}

text_renderer::text_renderer(theme const& look, int screen_height)
    : regular_path_(look.font_regular), bold_path_(look.font_bold), fallback_paths_(look.font_fallbacks), look_(look)
{
    set_screen_height(screen_height);
}

void text_renderer::set_screen_height(int screen_height)
{
    if (screen_height == screen_height_ && !chains_.empty())
        return;
    screen_height_ = std::max(screen_height, 1);
    open_fonts();
    measured_.clear();
}

void text_renderer::open_fonts()
{
    std::map<std::pair<int, font_weight>, chain> opened;
    auto const sizes = font_sizes_for(look_, screen_height_);
    for (auto const role : all_roles) {
        int const size = std::max(sizes.size_of(role), 4);
        for (auto const weight : {font_weight::regular, font_weight::bold}) {
            auto const key = std::make_pair(size, weight);
            if (opened.contains(key))
                continue;
            chain fonts;
            auto const& main_path = weight == font_weight::bold ? bold_path_ : regular_path_;
            auto main = open_font(main_path, size);
            if (!main)
                throw std::runtime_error("cannot open the font " + main_path.string() + ": " + TTF_GetError());
            fonts.faces.push_back({std::move(main), 0, 0});
            for (auto const& path : fallback_paths_) {
                auto fallback = open_font(path, size);
                if (!fallback) {
                    // Without it some symbols show as boxes; the wall still runs.
                    std::fprintf(stderr, "pleno-display: cannot open the fallback font %s: %s\n", path.string().c_str(),
                                 TTF_GetError());
                    continue;
                }
                fonts.faces.push_back({std::move(fallback), 0, 0});
            }
            for (auto& one : fonts.faces) {
                one.ascent = TTF_FontAscent(one.font.get());
                one.height = TTF_FontHeight(one.font.get());
            }
            opened.emplace(key, std::move(fonts));
        }
    }
    chains_ = std::move(opened);
}

text_renderer::chain const& text_renderer::chain_for(font_role role, font_weight weight) const
{
    auto const sizes = font_sizes_for(look_, screen_height_);
    return chains_.at(std::make_pair(std::max(sizes.size_of(role), 4), weight));
}

std::vector<std::pair<int, std::string>> text_renderer::runs_of(font_role role, font_weight weight,
                                                                std::string_view text) const
{
    auto const& fonts = chain_for(role, weight).faces;
    std::vector<std::pair<int, std::string>> runs;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t const start = at;
        char32_t const value = next_code_point(text, at);
        int chosen = 0;
        bool const joins = joins_previous(value) && !runs.empty();
        if (joins) {
            chosen = runs.back().first;
        } else if (!TTF_GlyphIsProvided32(fonts.front().font.get(), value)) {
            // The first fallback that has it; none: the main font, whose box at least shows that something is there.
            for (std::size_t i = 1; i < fonts.size(); ++i) {
                if (TTF_GlyphIsProvided32(fonts[i].font.get(), value)) {
                    chosen = static_cast<int>(i);
                    break;
                }
            }
        }
        if (runs.empty() || runs.back().first != chosen)
            runs.emplace_back(chosen, std::string{});
        if (value == replacement_character && at - start == 1 && static_cast<unsigned char>(text[start]) >= 0x80)
            append_utf8(runs.back().second, value);
        else
            runs.back().second.append(text.substr(start, at - start));
    }
    return runs;
}

int text_renderer::text_width(font_role role, std::string_view text) const
{
    return text_width(role, default_weight(role), text);
}

int text_renderer::text_width(font_role role, font_weight weight, std::string_view text) const
{
    if (text.empty())
        return 0;
    std::string key;
    key.reserve(text.size() + 2);
    key += static_cast<char>('a' + static_cast<int>(role));
    key += weight == font_weight::bold ? 'b' : 'r';
    key.append(text);
    if (auto found = measured_.find(key); found != measured_.end())
        return found->second;

    auto const& fonts = chain_for(role, weight).faces;
    int total = 0;
    for (auto const& [index, run] : runs_of(role, weight, text)) {
        int width = 0;
        int height = 0;
        if (TTF_SizeUTF8(fonts[static_cast<std::size_t>(index)].font.get(), run.c_str(), &width, &height) == 0)
            total += width;
    }
    if (measured_.size() >= measure_cache_limit)
        measured_.clear();
    measured_.emplace(std::move(key), total);
    return total;
}

int text_renderer::line_height(font_role role) const
{
    return TTF_FontLineSkip(chain_for(role, default_weight(role)).faces.front().font.get());
}

int text_renderer::ascent(font_role role) const
{
    return chain_for(role, default_weight(role)).faces.front().ascent;
}

int text_renderer::pixel_size(font_role role) const
{
    return std::max(font_sizes_for(look_, screen_height_).size_of(role), 4);
}

rendered_text text_renderer::render(font_role role, font_weight weight, std::string_view text, colour tint)
{
    rendered_text result;
    if (text.empty())
        return result;
    ++renders_total_;
    auto const& fonts = chain_for(role, weight).faces;
    SDL_Color const colour_value{tint.r, tint.g, tint.b, 255};

    struct piece {
        surface_handle surface;
        int ascent = 0;
    };
    std::vector<piece> pieces;
    int width = 0;
    int ascent_max = fonts.front().ascent;
    int descent_max = fonts.front().height - fonts.front().ascent;
    for (auto const& [index, run] : runs_of(role, weight, text)) {
        auto const& used = fonts[static_cast<std::size_t>(index)];
        surface_handle surface{TTF_RenderUTF8_Blended(used.font.get(), run.c_str(), colour_value)};
        if (!surface)
            continue;  // a run of nothing visible (SDL_ttf refuses zero width)
        width += surface->w;
        ascent_max = std::max(ascent_max, used.ascent);
        descent_max = std::max(descent_max, surface->h - used.ascent);
        pieces.push_back({std::move(surface), used.ascent});
    }
    if (pieces.empty())
        return result;

    auto composed = make_argb_surface(width, ascent_max + descent_max);
    if (!composed)
        return result;
    int x = 0;
    for (auto& one : pieces) {
        // Copy, not blend: blending onto transparent pixels would darken the glyphs' edges.
        SDL_SetSurfaceBlendMode(one.surface.get(), SDL_BLENDMODE_NONE);
        SDL_Rect target{x, ascent_max - one.ascent, one.surface->w, one.surface->h};
        SDL_BlitSurface(one.surface.get(), nullptr, composed.get(), &target);
        x += one.surface->w;
    }
    SDL_SetSurfaceBlendMode(composed.get(), SDL_BLENDMODE_BLEND);
    result.surface = std::move(composed);
    result.baseline = ascent_max;
    return result;
}

}  // namespace pleno::display
