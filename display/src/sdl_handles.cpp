#include "sdl_handles.hpp"

#include <stdexcept>

namespace pleno::display {

void sdl_deleter::operator()(SDL_Window* window) const { SDL_DestroyWindow(window); }
void sdl_deleter::operator()(SDL_Renderer* renderer) const { SDL_DestroyRenderer(renderer); }
void sdl_deleter::operator()(SDL_Texture* texture) const { SDL_DestroyTexture(texture); }
void sdl_deleter::operator()(SDL_Surface* surface) const { SDL_FreeSurface(surface); }
void sdl_deleter::operator()(TTF_Font* font) const { TTF_CloseFont(font); }

std::string sdl_error()
{
    char const* text = SDL_GetError();
    if (text == nullptr || *text == '\0')
        return "unknown error";
    return text;
}

sdl_libraries::sdl_libraries()
{
    // The projector must never blank: SDL keeps the screen saver off only when told.
    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS | SDL_INIT_TIMER) != 0)
        throw std::runtime_error("cannot start SDL video: " + sdl_error());
    if (TTF_Init() != 0) {
        std::string const why = TTF_GetError();
        SDL_Quit();
        throw std::runtime_error("cannot start SDL_ttf: " + why);
    }
    int const wanted = IMG_INIT_PNG;
    if ((IMG_Init(wanted) & wanted) != wanted) {
        std::string const why = IMG_GetError();
        TTF_Quit();
        SDL_Quit();
        throw std::runtime_error("cannot start SDL_image for PNG: " + why);
    }
}

sdl_libraries::~sdl_libraries()
{
    IMG_Quit();
    TTF_Quit();
    SDL_Quit();
}

surface_handle make_argb_surface(int width, int height)
{
    surface_handle surface{SDL_CreateRGBSurfaceWithFormat(0, width < 1 ? 1 : width, height < 1 ? 1 : height, 32,
                                                          SDL_PIXELFORMAT_ARGB8888)};
    if (surface)
        SDL_FillRect(surface.get(), nullptr, SDL_MapRGBA(surface->format, 0, 0, 0, 0));
    return surface;
}

}  // namespace pleno::display
