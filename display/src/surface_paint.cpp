#include "surface_paint.hpp"

#include <algorithm>
#include <cmath>

namespace pleno::display {

namespace {

// Coverage of the pixel (px, py) by a disc of `radius` centred at (cx, cy), by 4x4 supersampling.
double disc_coverage(double cx, double cy, double radius, int px, int py)
{
    constexpr int samples = 4;
    int inside = 0;
    for (int sy = 0; sy < samples; ++sy) {
        for (int sx = 0; sx < samples; ++sx) {
            double const x = px + (sx + 0.5) / samples - cx;
            double const y = py + (sy + 0.5) / samples - cy;
            if (x * x + y * y <= radius * radius)
                ++inside;
        }
    }
    return static_cast<double>(inside) / (samples * samples);
}

std::uint32_t* pixel_row(SDL_Surface& surface, int y)
{
    return reinterpret_cast<std::uint32_t*>(static_cast<std::uint8_t*>(surface.pixels) +
                                            static_cast<std::ptrdiff_t>(y) * surface.pitch);
}

struct rgba {
    double r, g, b, a;
};

rgba unpack(SDL_PixelFormat const* format, std::uint32_t pixel)
{
    std::uint8_t r = 0, g = 0, b = 0, a = 0;
    SDL_GetRGBA(pixel, format, &r, &g, &b, &a);
    return {r / 255.0, g / 255.0, b / 255.0, a / 255.0};
}

std::uint32_t pack(SDL_PixelFormat const* format, rgba value)
{
    auto const channel = [](double v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0)); };
    return SDL_MapRGBA(format, channel(value.r), channel(value.g), channel(value.b), channel(value.a));
}

// Porter-Duff "over" with straight (not premultiplied) alpha.
rgba over(rgba top, rgba bottom)
{
    double const a = top.a + bottom.a * (1.0 - top.a);
    if (a <= 0.0)
        return {0, 0, 0, 0};
    auto const mix = [&](double t, double b) { return (t * top.a + b * bottom.a * (1.0 - top.a)) / a; };
    return {mix(top.r, bottom.r), mix(top.g, bottom.g), mix(top.b, bottom.b), a};
}

}  // namespace

void paint_rounded_rect(SDL_Surface& surface, SDL_Rect area, int radius, colour fill)
{
    if (SDL_MUSTLOCK(&surface))
        SDL_LockSurface(&surface);
    radius = std::clamp(radius, 0, std::min(area.w, area.h) / 2);
    rgba const top{fill.r / 255.0, fill.g / 255.0, fill.b / 255.0, fill.a / 255.0};
    // Only pixels in a corner square can be outside the rounded shape.
    int const left = area.x + radius;
    int const right = area.x + area.w - radius;
    int const upper = area.y + radius;
    int const lower = area.y + area.h - radius;
    if (fill.a == 255) {
        // Opaque: the cross between the corners is plain rectangles; only the corner squares need coverage.
        std::uint32_t const value = SDL_MapRGBA(surface.format, fill.r, fill.g, fill.b, 255);
        if (SDL_MUSTLOCK(&surface))
            SDL_UnlockSurface(&surface);
        SDL_Rect const middle{area.x, upper, area.w, lower - upper};
        SDL_Rect const upper_band{left, area.y, right - left, radius};
        SDL_Rect const lower_band{left, lower, right - left, radius};
        for (auto const& band : {middle, upper_band, lower_band})
            if (band.w > 0 && band.h > 0)
                SDL_FillRect(&surface, &band, value);
        if (SDL_MUSTLOCK(&surface))
            SDL_LockSurface(&surface);
    }
    for (int y = std::max(area.y, 0); y < std::min(area.y + area.h, surface.h); ++y) {
        auto* row = pixel_row(surface, y);
        bool const corner_row = y < upper || y >= lower;
        if (fill.a == 255 && !corner_row)
            continue;
        for (int x = std::max(area.x, 0); x < std::min(area.x + area.w, surface.w); ++x) {
            bool const corner = corner_row && (x < left || x >= right);
            if (fill.a == 255 && !corner)
                continue;
            double coverage = 1.0;
            if (corner)
                coverage = disc_coverage(x < left ? left : right, y < upper ? upper : lower, radius, x, y);
            if (coverage <= 0.0)
                continue;
            rgba layer = top;
            layer.a *= coverage;
            row[x] = layer.a >= 1.0 ? SDL_MapRGBA(surface.format, fill.r, fill.g, fill.b, 255)
                                    : pack(surface.format, over(layer, unpack(surface.format, row[x])));
        }
    }
    if (SDL_MUSTLOCK(&surface))
        SDL_UnlockSurface(&surface);
}

}  // namespace pleno::display
