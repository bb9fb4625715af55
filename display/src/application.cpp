#include "application.hpp"

#include "frame_pacer.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace pleno::display {

namespace {

using namespace std::chrono_literals;

// Where the renderer has no vsync (software, Xvfb) the pacer keeps 60 frames a
// second (frame_pacer::sixty_hertz). With vsync the present waits for the screen; the pacer only keeps a driver
// that claims vsync without waiting from spinning (120 frames a second at most).
constexpr auto vsync_floor_period = std::chrono::microseconds(8'333);
// How long a still wall sleeps between looks at the link and the clock.
constexpr int idle_wait_milliseconds = 50;
// The second Esc must come within this time to quit.
constexpr auto quit_window = 3s;
// --screenshot and --frames count frames once the session has arrived, or after this long without it.
constexpr auto first_snapshot_patience = 15s;
constexpr int default_window_width = 1280;
constexpr int default_window_height = 720;

void log_line(std::string const& text)
{
    std::fprintf(stderr, "pleno-display: %s\n", text.c_str());
}

millis wall_clock_now()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool headless_video_driver()
{
    char const* driver = SDL_GetCurrentVideoDriver();
    std::string const name = driver != nullptr ? driver : "";
    return name == "offscreen" || name == "dummy";
}

// A GL driver that draws with the CPU (Mesa's llvmpipe under Xvfb, or a
// machine without a GPU driver) costs several times SDL's own software
// renderer for the same frame: with it, the software renderer is better.
bool draws_with_the_cpu(SDL_Renderer& candidate)
{
    SDL_RendererInfo info{};
    if (SDL_GetRendererInfo(&candidate, &info) != 0 || info.name == nullptr)
        return false;
    std::string const name = info.name;
    if (name != "opengl" && name != "opengles2" && name != "opengles")
        return false;
    void* address = SDL_GL_GetProcAddress("glGetString");
    if (address == nullptr || SDL_GL_GetCurrentContext() == nullptr)
        return false;
    using get_string = unsigned char const* (*)(unsigned int);
    get_string get = nullptr;
    static_assert(sizeof(get) == sizeof(address));
    std::memcpy(&get, &address, sizeof(get));
    constexpr unsigned int gl_renderer = 0x1F01;
    auto const* text = get(gl_renderer);
    if (text == nullptr)
        return false;
    std::string const driver(reinterpret_cast<char const*>(text));
    return driver.find("llvmpipe") != std::string::npos || driver.find("softpipe") != std::string::npos ||
           driver.find("Software Rasterizer") != std::string::npos || driver.find("SWR") != std::string::npos;
}

renderer_handle make_sdl_renderer(SDL_Window& window, bool headless)
{
    // Vsync on a real screen; SDL_RENDER_DRIVER, when set, is the person's choice and is kept.
    // Without a screen (the offscreen driver) any GL would be Mesa's on the CPU: not even tried.
    bool const chosen = SDL_GetHint(SDL_HINT_RENDER_DRIVER) != nullptr;
    renderer_handle made;
    if (!headless || chosen)
        made.reset(SDL_CreateRenderer(&window, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC));
    if (made && !chosen && draws_with_the_cpu(*made)) {
        log_line("the OpenGL driver draws with the CPU: using SDL's software renderer instead");
        made.reset();
    }
    if (!made) {
        // Straight to the window's own pixels (XShm under X11), not through a GL texture.
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
        made.reset(SDL_CreateRenderer(&window, -1, SDL_RENDERER_SOFTWARE));
    }
    return made;
}

theme load_look(display_options const& options)
{
    auto const assets = find_assets(options.assets);
    theme look = default_theme(assets / "fonts");
    if (!options.theme_file.empty())
        look = load_theme(options.theme_file, look);
    if (look.public_url.empty())
        look.public_url = public_url_for(options.server);
    return look;
}

}  // namespace

std::string public_url_for(std::string const& server_url)
{
    ws_address address;
    if (!parse_ws_url(server_url, address))
        return {};
    std::string const scheme = address.secure ? "https://" : "http://";
    bool const default_port = address.port.empty() || (address.secure && address.port == "443") ||
                              (!address.secure && address.port == "80");
    std::string host = address.host;
    if (host.find(':') != std::string::npos && !host.starts_with('['))
        host = "[" + host + "]";  // an IPv6 address
    return scheme + host + (default_port ? "" : ":" + address.port) + "/";
}

application::application(display_options options)
    : options_(std::move(options)), look_(load_look(options_)), scroller_(look_.reduced_motion ? motion::paging : motion::scroll)
{
    bool const headless = headless_video_driver();
    bool const windowed = options_.window == window_kind::windowed || headless;
    int width = options_.width > 0 ? options_.width : default_window_width;
    int height = options_.height > 0 ? options_.height : default_window_height;
    std::uint32_t flags = SDL_WINDOW_ALLOW_HIGHDPI;
    if (windowed)
        flags |= SDL_WINDOW_RESIZABLE;
    else
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    window_.reset(SDL_CreateWindow("Pleno", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height, flags));
    if (!window_)
        throw std::runtime_error("cannot open a window: " + sdl_error());

    sdl_renderer_ = make_sdl_renderer(*window_, headless);
    if (!sdl_renderer_)
        throw std::runtime_error("cannot create a renderer: " + sdl_error());
    SDL_RendererInfo info{};
    if (SDL_GetRendererInfo(sdl_renderer_.get(), &info) == 0)
        log_line(std::string("drawing with SDL's ") + (info.name != nullptr ? info.name : "unknown") + " renderer on the " +
                 SDL_GetCurrentVideoDriver() + " video driver");

    SDL_ShowCursor(SDL_DISABLE);
    SDL_DisableScreenSaver();

    SDL_GetRendererOutputSize(sdl_renderer_.get(), &output_width_, &output_height_);
    renderer_ = std::make_unique<renderer>(*sdl_renderer_, look_, output_width_, output_height_);
    renderer_->set_public_url(look_.public_url);

    connection_settings settings;
    settings.url = options_.server;
    settings.token = options_.token;
    settings.ca_file = options_.ca_file.string();
    link_ = std::make_unique<connection>(std::move(settings));
}

application::~application()
{
    // The link's thread first: nothing may arrive while the window goes away.
    if (link_)
        link_->stop();
}

// --status-file: what the wall shows, rewritten (atomically: a new file renamed
// over the old) whenever the link, the status line or the posts change, for a
// supervisor script or a test to read.
void application::write_status(frame_input const& input)
{
    std::string const message = renderer_->status_message(input);
    char const* link = link_state_ == link_state::online    ? "online"
                       : link_state_ == link_state::offline ? "offline"
                                                            : "connecting";
    std::string const key = std::string(link) + '\n' + message + '\n' + std::to_string(model_.version());
    if (key == status_key_)
        return;
    status_key_ = key;
    nlohmann::json posts = nlohmann::json::array();
    for (auto const& post : model_.posts())
        posts.push_back(post.id);
    auto const* pinned = model_.pinned_post();
    nlohmann::json const status = {
        {"link", link},
        {"status_shown", message},  // the line the wall shows about the link (empty: none)
        {"session_id", model_.session_id()},
        {"last_seq", model_.last_seq()},
        {"posts", posts},  // every approved, visible post, oldest first
        {"pinned_post_id", pinned != nullptr ? pinned->id : 0},
        {"written_at", wall_clock_now()},
    };
    std::filesystem::path const temporary = options_.status_file.string() + ".new";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << status.dump() << '\n';
        if (!out)
            return;
    }
    std::error_code ignored;
    std::filesystem::rename(temporary, options_.status_file, ignored);
}

double application::animation_seconds(clock::time_point at)
{
    // The wall's clock for the scroller: a frame's deadline may be ahead of
    // now, so a change that arrives after it must not step back in time.
    animation_seconds_ = std::max(animation_seconds_, std::chrono::duration<double>(at - started_).count());
    return animation_seconds_;
}

void application::refit_to_window()
{
    int width = 0;
    int height = 0;
    SDL_GetRendererOutputSize(sdl_renderer_.get(), &width, &height);
    if (width <= 0 || height <= 0 || (width == output_width_ && height == output_height_))
        return;
    output_width_ = width;
    output_height_ = height;
    renderer_->resize(width, height);
    items_built_ = false;  // card heights depend on the width
    redraw_ = true;
}

void application::handle_key(SDL_Keycode key)
{
    switch (key) {
    case SDLK_f: {
        bool const fullscreen = (SDL_GetWindowFlags(window_.get()) & SDL_WINDOW_FULLSCREEN_DESKTOP) != 0;
        SDL_SetWindowFullscreen(window_.get(), fullscreen ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
        break;
    }
    case SDLK_SPACE:
        scroll_paused_ = !scroll_paused_;
        break;
    case SDLK_d:
        debug_ = !debug_;
        break;
    case SDLK_ESCAPE:
        if (quit_asked_ && clock::now() - *quit_asked_ < quit_window)
            quit_ = true;
        else
            quit_asked_ = clock::now();
        break;
    default:
        return;
    }
    redraw_ = true;
}

void application::handle_event(SDL_Event const& event)
{
    switch (event.type) {
    case SDL_QUIT:
        quit_ = true;
        break;
    case SDL_KEYDOWN:
        if (event.key.repeat == 0)
            handle_key(event.key.keysym.sym);
        break;
    case SDL_WINDOWEVENT:
        if (event.window.event == SDL_WINDOWEVENT_SIZE_CHANGED || event.window.event == SDL_WINDOWEVENT_RESIZED)
            refit_to_window();
        redraw_ = true;  // exposed, restored, moved to another screen: draw again
        break;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:
        // The textures' contents may be gone: paint everything again.
        renderer_->recreate_textures();
        refit_to_window();
        redraw_ = true;
        break;
    default:
        break;
    }
}

// Takes what the link brought into the model; true when the picture may have changed.
bool application::take_link_news()
{
    bool changed = false;
    for (auto& event : link_->poll()) {
        switch (event.what) {
        case link_event::kind::state_changed:
            if (event.state != link_state_) {
                link_state_ = event.state;
                changed = true;
                if (link_state_ == link_state::online)
                    refusal_.clear();
            }
            break;
        case link_event::kind::refused:
            log_line("the server refused this display: " + event.text);
            refusal_ = event.text.empty() ? "The server refused this display's token." : event.text;
            changed = true;
            break;
        case link_event::kind::message: {
            auto const outcomes = model_.apply_text(event.text);
            for (auto const& outcome : outcomes) {
                if (outcome.result == apply_result::rejected)
                    log_line("ignored a message it does not understand: " + outcome.reason);
            }
            break;
        }
        }
    }
    if (model_.session_id() != resume_session_ || model_.last_seq() != resume_seq_) {
        resume_session_ = model_.session_id();
        resume_seq_ = model_.last_seq();
        if (resume_session_ != 0)
            link_->set_resume_point(resume_session_, resume_seq_);
    }
    if (auto next = model_.take_session_change()) {
        log_line("following session " + std::to_string(*next));
        link_->follow(*next);
    }
    if (!items_built_ || model_.version() != items_version_) {
        refresh_items();
        changed = true;
    }
    return changed;
}

void application::refresh_items()
{
    scroller_.set_viewport(renderer_->scroll_area(model_).h);
    scroller_.set_items(renderer_->scroll_items(model_), animation_seconds(clock::now()));
    items_version_ = model_.version();
    items_built_ = true;
}

bool application::write_outputs()
{
    bool ok = true;
    if (!options_.screenshot.empty()) {
        int const width = output_width_;
        int const height = output_height_;
        surface_handle picture{SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_ARGB8888)};
        if (!picture || SDL_RenderReadPixels(sdl_renderer_.get(), nullptr, SDL_PIXELFORMAT_ARGB8888, picture->pixels,
                                             picture->pitch) != 0) {
            log_line("cannot read the frame back for " + options_.screenshot.string() + ": " + sdl_error());
            ok = false;
        } else if (IMG_SavePNG(picture.get(), options_.screenshot.string().c_str()) != 0) {
            log_line("cannot write " + options_.screenshot.string() + ": " + IMG_GetError());
            ok = false;
        } else {
            log_line("wrote " + options_.screenshot.string() + " (" + std::to_string(width) + "x" +
                     std::to_string(height) + ")");
        }
    }
    if (!options_.layout_report.empty()) {
        auto report = renderer_->last_report().to_json();
        report["text_renders_last_frame"] = renderer_->last_frame_text_renders();
        report["text_renders_total"] = renderer_->text_renders_total();
        report["cards_cached"] = renderer_->cached_cards();
        report["session_id"] = model_.session_id();
        report["last_seq"] = model_.last_seq();
        std::ofstream output(options_.layout_report);
        output << report.dump(2) << '\n';
        output.close();
        if (!output) {
            log_line("cannot write " + options_.layout_report.string());
            ok = false;
        }
    }
    return ok;
}

int application::run()
{
    link_->start();
    started_ = clock::now();
    bool const counting_frames = options_.frames > 0;
    int frames_left = options_.frames;
    std::int64_t minute_shown = -1;
    SDL_RendererInfo info{};
    bool const vsync = SDL_GetRendererInfo(sdl_renderer_.get(), &info) == 0 && (info.flags & SDL_RENDERER_PRESENTVSYNC) != 0;
    frame_pacer pacer(vsync ? frame_pacer::clock::duration(vsync_floor_period) : frame_pacer::clock::duration(frame_pacer::sixty_hertz));
    auto last_status_check = clock::now();
    double fps = 0;
    int frames_this_second = 0;
    auto second_started = clock::now();
    double frame_milliseconds = 0;

    while (!quit_) {
        SDL_Event event;
        while (SDL_PollEvent(&event) != 0)
            handle_event(event);
        if (quit_)
            break;

        bool changed = false;
        try {
            changed = take_link_news();
        } catch (std::exception const& error) {
            // The model promises not to throw; if memory runs out, the wall keeps what it shows.
            log_line(std::string("could not apply the server's news: ") + error.what());
            SDL_Delay(idle_wait_milliseconds);
        }
        changed = changed || redraw_;
        redraw_ = false;

        auto const now = clock::now();
        millis const wall_now = wall_clock_now();
        if (wall_now / 60'000 != minute_shown) {
            minute_shown = wall_now / 60'000;
            changed = true;
        }
        if (quit_asked_ && now - *quit_asked_ >= quit_window) {
            quit_asked_.reset();
            changed = true;
        }
        // While the link is down the indicator appears after a grace period: look once a second.
        if ((link_state_ != link_state::online || debug_) && now - last_status_check >= 1s) {
            last_status_check = now;
            changed = true;
        }

        // On hold nothing moves: the scroller stands still as if paused, and picks up from there afterwards.
        scroller_.set_paused(scroll_paused_ || model_.mode() == wall_mode::hold);
        // A frame is presented at its deadline (up to a period from now): the scroll is computed for then.
        auto const due = pacer.deadline(now);
        bool const moving = scroller_.advance(animation_seconds(due));

        bool const ready = model_.has_snapshot() || !refusal_.empty() || now - started_ >= first_snapshot_patience;
        bool const draw = changed || moving || counting_frames;
        if (!draw) {
            SDL_WaitEventTimeout(nullptr, idle_wait_milliseconds);
            continue;
        }

        auto const frame_started = clock::now();
        auto const positions = scroller_.visible();
        frame_input input;
        input.model = &model_;
        input.cards = &positions;
        input.link = link_state_;
        input.offline_for = link_->offline_for();
        input.refusal = refusal_;
        input.now = wall_now;
        input.scroll_paused = scroll_paused_;
        input.quit_confirm = quit_asked_.has_value();
        input.debug = debug_;
        input.frames_per_second = fps;
        input.frame_milliseconds = frame_milliseconds;
        try {
            renderer_->draw(input);
            if (!options_.status_file.empty())
                write_status(input);
        } catch (std::exception const& error) {
            // Nothing in a frame should throw; if it does (out of memory), the next frame tries again.
            log_line(std::string("could not draw a frame: ") + error.what());
            SDL_Delay(idle_wait_milliseconds);
        }
        frame_milliseconds = std::chrono::duration<double, std::milli>(clock::now() - frame_started).count();

        if (counting_frames && ready && --frames_left <= 0) {
            // Read the frame back before presenting: after a present the back buffer is undefined.
            bool const written = write_outputs();
            SDL_RenderPresent(sdl_renderer_.get());
            return written ? 0 : 1;
        }
        // Drawn (SDL batches drawing until the present: flushed now, so the
        // work is done before the wait and the present only hands the pixels
        // over), then shown at its deadline, so that presents stay a period
        // apart whatever this frame cost.
        SDL_RenderFlush(sdl_renderer_.get());
        std::this_thread::sleep_for(pacer.wait_before_present(clock::now()));
        SDL_RenderPresent(sdl_renderer_.get());
        pacer.presented();

        ++frames_this_second;
        auto const after = clock::now();
        if (after - second_started >= 1s) {
            fps = frames_this_second / std::chrono::duration<double>(after - second_started).count();
            frames_this_second = 0;
            second_started = after;
        }
    }
    return 0;
}

}  // namespace pleno::display
