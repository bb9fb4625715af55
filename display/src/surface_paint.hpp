#pragma once
// Shapes painted into ARGB surfaces once, before they become textures: the
// rounded, anti-aliased rectangles of cards, panels and marks. Drawing them
// per frame with SDL's renderer would give hard, jagged corners.

#include "sdl_handles.hpp"
#include "theme.hpp"

namespace pleno::display {

// Paints a rectangle with rounded corners (radius in pixels; 0: square) in
// `fill` over the surface's pixels; the corners are anti-aliased.
void paint_rounded_rect(SDL_Surface& surface, SDL_Rect area, int radius, colour fill);

}  // namespace pleno::display
