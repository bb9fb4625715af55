#pragma once
// pleno-display's main loop: the window, the link to the server, the wall
// model, the scroller and the renderer, tied together lite-style. Each turn
// takes the link's news into the model, lets the scroller move, and draws a
// frame only when something changed or moves; otherwise it waits for input
// with a timeout, so the clock and the connection indicator still update.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "connection.hpp"
#include "options.hpp"
#include "renderer.hpp"
#include "scroller.hpp"
#include "sdl_handles.hpp"
#include "theme.hpp"
#include "wall_model.hpp"

namespace pleno::display {

// The ws:// address's web page (http://host:port/), where citizens post: the
// QR code's default when the theme names no public_url.
std::string public_url_for(std::string const& server_url);

class application {
public:
    // Opens the window and the fonts, and prepares the link (not yet started).
    // Throws std::runtime_error with a message for the person on any failure.
    explicit application(display_options options);
    ~application();
    application(application const&) = delete;
    application& operator=(application const&) = delete;

    // Runs until asked to quit (or, with --frames, until the frames are rendered). Returns the exit code.
    int run();

private:
    using clock = std::chrono::steady_clock;

    void handle_event(SDL_Event const& event);
    void handle_key(SDL_Keycode key);
    bool take_link_news();
    void refresh_items();
    void refit_to_window();
    bool write_outputs();
    void write_status(frame_input const& input);
    // Seconds since start for the scroller, never going back.
    double animation_seconds(clock::time_point at);

    display_options options_;
    theme look_;
    sdl_libraries libraries_;
    window_handle window_;
    renderer_handle sdl_renderer_;
    std::unique_ptr<renderer> renderer_;
    wall_model model_;
    scroller scroller_;
    std::unique_ptr<connection> link_;

    clock::time_point started_ = clock::now();
    double animation_seconds_ = 0;
    link_state link_state_ = link_state::connecting;
    std::string refusal_;
    std::uint64_t items_version_ = 0;
    bool items_built_ = false;
    std::int64_t resume_session_ = -1;
    std::int64_t resume_seq_ = -1;
    bool quit_ = false;
    bool scroll_paused_ = false;
    bool debug_ = false;
    bool redraw_ = true;
    std::optional<clock::time_point> quit_asked_;
    int output_width_ = 0;
    int output_height_ = 0;
    std::string status_key_;  // what the status file last said (see --status-file)
};

}  // namespace pleno::display
