#pragma once
// Ownership of SDL objects: every window, renderer, texture, surface and font
// lives in a std::unique_ptr whose deleter calls the matching SDL function,
// and the libraries themselves are started and stopped by one RAII object.

#include <memory>
#include <string>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

namespace pleno::display {

struct sdl_deleter {
    void operator()(SDL_Window* window) const;
    void operator()(SDL_Renderer* renderer) const;
    void operator()(SDL_Texture* texture) const;
    void operator()(SDL_Surface* surface) const;
    void operator()(TTF_Font* font) const;
};

using window_handle = std::unique_ptr<SDL_Window, sdl_deleter>;
using renderer_handle = std::unique_ptr<SDL_Renderer, sdl_deleter>;
using texture_handle = std::unique_ptr<SDL_Texture, sdl_deleter>;
using surface_handle = std::unique_ptr<SDL_Surface, sdl_deleter>;
using font_handle = std::unique_ptr<TTF_Font, sdl_deleter>;

// SDL's last error as a string ("unknown error" when SDL has none).
std::string sdl_error();

// Starts SDL (video), SDL_ttf and SDL_image (PNG) and stops them in reverse
// order. Objects made with them must be destroyed first: declare this object
// before them. Throws std::runtime_error when a library does not start.
class sdl_libraries {
public:
    sdl_libraries();
    ~sdl_libraries();
    sdl_libraries(sdl_libraries const&) = delete;
    sdl_libraries& operator=(sdl_libraries const&) = delete;
};

// An ARGB8888 surface with an alpha channel, filled with transparent pixels;
// nullptr when SDL cannot allocate it.
surface_handle make_argb_surface(int width, int height);

}  // namespace pleno::display
