// pleno-display's frame loop without the network: the real wall model,
// scroller and renderer in a real SDL window (Xvfb or the offscreen driver),
// fed a 500-post snapshot and then one approved post per simulated second.
//
// Two runs:
//   paced: real time, a frame every 16.7 ms as the application paces it
//          (drawn, held until its deadline, presented), for --minutes N;
//          prints CPU and wall time per frame (p50/p99), dropped frames (an
//          interval between presents over 1.5 periods, each with what made it
//          late) and text renders in frames where no card changed.
//   hour:  --hour-seconds S of simulated time (3600 by default) with a faster
//          clock: each frame advances the simulation by --step seconds, frames
//          unpaced; prints RSS at the start, every simulated 10 minutes and at
//          the end, so memory growth shows.
// It measures and prints; it never passes or fails.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "frame_pacer.hpp"
#include "memory_tuning.hpp"
#include "options.hpp"
#include "renderer.hpp"
#include "scroller.hpp"
#include "sdl_handles.hpp"
#include "statistics.hpp"
#include "theme.hpp"
#include "wall_model.hpp"

namespace {

using json = nlohmann::json;
using namespace pleno::display;
using steady = std::chrono::steady_clock;

constexpr double dropped_after_milliseconds =
    1.5 * std::chrono::duration<double, std::milli>(frame_pacer::sixty_hertz).count();
constexpr millis session_start = 1795971600000;  // a fixed wall clock: the runs are comparable
constexpr std::int64_t session_id = 1;
constexpr std::int64_t current_item = 2;

double thread_cpu_milliseconds()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

// This thread's involuntary context switches and minor page faults so far.
struct thread_counters {
    long preempted = 0;
    long minor_faults = 0;
};

thread_counters thread_usage()
{
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return {usage.ru_nivcsw, usage.ru_minflt};
}

long resident_kilobytes()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stol(line.substr(6));
    }
    return -1;
}

// Posts of every length a council session sees, in its four languages.
std::string post_text(std::int64_t id)
{
    static std::vector<std::string> const texts{
        "¿Cuánto del presupuesto irá a los caminos rurales? El de la Fuente Vieja está intransitable desde el invierno.",
        "Bona tarda des de Jun! Publicareu el pressupost en català? 👍",
        "Merci de diffuser la séance en direct, c'est très clair.",
        "Thank you.",
        "Pido que se estudie ampliar el horario de la biblioteca municipal los sábados por la tarde, sobre todo en "
        "época de exámenes, porque muchos estudiantes no tienen otro sitio tranquilo donde preparar las pruebas.",
        "La farola de la calle del Sol lleva tres semanas apagada.",
        "Quan es netejarà el barranc abans de les pluges de tardor?",
        "Supercalifragilisticexpialidocious-sin-espacios-una-palabra-muy-larga-que-no-cabe-en-una-línea-del-muro",
    };
    return texts[static_cast<std::size_t>(id) % texts.size()] + " (#" + std::to_string(id) + ")";
}

json post_json(std::int64_t id, millis approved_at)
{
    static std::vector<std::string> const authors{"Lucía M.", "Jordi", "Marie-Claire", "Tom", "Ana García", ""};
    return {{"id", id},
            {"session_id", session_id},
            {"item_id", current_item},
            {"author", authors[static_cast<std::size_t>(id) % authors.size()]},
            {"text", post_text(id)},
            {"submitted_at", approved_at - 60'000},
            {"approved_at", approved_at},
            {"pinned", false}};
}

json snapshot_json(int posts)
{
    json list = json::array();
    for (int id = 1; id <= posts; ++id)
        list.push_back(post_json(id, session_start + id * 1000));
    json agenda = json::array({{{"id", 1}, {"number", 1}, {"title", "Aprobación del acta"}, {"description", ""}},
                               {{"id", 2},
                                {"number", 2},
                                {"title", "Presupuesto municipal 2027"},
                                {"description", "Debate y votación: inversiones, caminos rurales y servicios sociales."}},
                               {{"id", 3}, {"number", 3}, {"title", "Ordenanza de movilidad"}, {"description", ""}}});
    return {{"type", "snapshot"},
            {"session_id", session_id},
            {"seq", posts},
            {"session",
             {{"id", session_id},
              {"title", "Pleno ordinario de noviembre"},
              {"place", "Salón de plenos"},
              {"starts_at", session_start},
              {"state", "live"},
              {"current_item_id", current_item},
              {"wall_mode", "live"},
              {"overlay", ""},
              {"pinned_post_id", 0},
              {"opened_at", session_start},
              {"closed_at", 0},
              {"agenda", agenda}}},
            {"posts", list}};
}

struct figures {
    std::vector<double> cpu;
    std::vector<double> cpu_changed;  // frames where a post arrived
    std::vector<double> cpu_still;    // the others
    std::vector<double> wall;
    std::vector<double> intervals;
    long frames = 0;
    long dropped = 0;
    long still_frames = 0;              // no card changed, the clock's minute did not turn
    long still_frames_with_text = 0;    // of those, frames that rendered text (must be 0)
    long clock_frames_with_text = 0;    // the HH:MM changed: its text is rendered once
    long changed_frames = 0;            // a post arrived
    std::uint64_t text_in_changed_frames = 0;
    std::vector<std::string> drops;     // what each dropped frame's interval was made of
};

// The application's loop, minus the network and the event queue.
class wall_loop {
public:
    wall_loop(SDL_Renderer& target, theme look, int width, int height, int posts)
        : target_(target), wall_(target, look, width, height)
    {
        wall_.set_public_url(look.public_url);
        model_.apply(snapshot_json(posts));
        next_id_ = posts + 1;
        seq_ = posts;
    }

    // One frame at `seconds` of simulated time; a post arrives each simulated second.
    // Unpaced: drawn and presented at once. Paced (`paced_start` given): as
    // the application does without vsync, the frame is drawn for its deadline
    // (frame_pacer), held until then and presented; `seconds` is then ignored
    // and the frame's time is its deadline's since `paced_start`.
    void frame(double seconds, figures& out, std::optional<steady::time_point> paced_start = std::nullopt)
    {
        bool const pace = paced_start.has_value();
        double const cpu_before = thread_cpu_milliseconds();
        auto const wall_before = steady::now();
        auto const usage_before = thread_usage();
        steady::time_point due{};
        if (pace) {
            due = pacer_.deadline(wall_before);
            seconds = std::chrono::duration<double>(due - *paced_start).count();
        }

        bool card_changed = false;
        while (seconds >= next_post_at_) {
            next_post_at_ += 1.0;
            millis const at = session_start + static_cast<millis>(seconds * 1000);
            model_.apply(json{{"type", "post_approved"},
                              {"session_id", session_id},
                              {"seq", ++seq_},
                              {"at", at},
                              {"post", post_json(next_id_++, at)}});
        }
        if (!built_ || model_.version() != version_) {
            scroll_.set_viewport(wall_.scroll_area(model_).h);
            scroll_.set_items(wall_.scroll_items(model_), seconds);
            version_ = model_.version();
            built_ = true;
            card_changed = true;
        }
        scroll_.advance(seconds);
        auto const positions = scroll_.visible();
        frame_input input;
        input.model = &model_;
        input.cards = &positions;
        input.now = session_start + static_cast<millis>(seconds * 1000);
        bool const minute_turned = input.now / 60'000 != minute_;
        minute_ = input.now / 60'000;
        wall_.draw(input);
        SDL_RenderFlush(&target_);  // SDL batches drawing until the present: done now, as the application does

        // Held until its deadline (paced), then presented.
        double const cpu_drawn = thread_cpu_milliseconds();
        auto const drawn = steady::now();
        if (pace)
            std::this_thread::sleep_for(pacer_.wait_before_present(drawn));
        auto const present_started = steady::now();
        SDL_RenderPresent(&target_);
        auto const presented = steady::now();
        if (pace)
            pacer_.presented();

        double const cpu = thread_cpu_milliseconds() - cpu_before;
        auto const milliseconds = [](steady::duration span) { return std::chrono::duration<double, std::milli>(span).count(); };
        double const draw_wall = milliseconds(drawn - wall_before);
        double const present_wall = milliseconds(presented - present_started);
        out.cpu.push_back(cpu);
        out.wall.push_back(draw_wall + present_wall);  // the frame's own work, not its wait
        ++out.frames;
        auto const renders = wall_.last_frame_text_renders();
        (card_changed ? out.cpu_changed : out.cpu_still).push_back(cpu);
        if (card_changed) {
            ++out.changed_frames;
            out.text_in_changed_frames += renders;
        } else if (minute_turned) {
            if (renders > 0)
                ++out.clock_frames_with_text;
        } else {
            ++out.still_frames;
            if (renders > 0)
                ++out.still_frames_with_text;
        }
        if (pace) {
            // The time between this frame's present and the previous one's: what the audience sees.
            if (previous_present_) {
                double const interval = milliseconds(presented - *previous_present_);
                out.intervals.push_back(interval);
                if (interval > dropped_after_milliseconds) {
                    ++out.dropped;
                    // What made it late: the drawing (CPU, text, page faults, preemption), the
                    // wake-up from the wait, or the present itself.
                    auto const usage_after = thread_usage();
                    char line[400];
                    std::snprintf(line, sizeof line,
                                  "at %.1f s: interval %.1f ms, presented %.1f ms after its deadline; drawing %.1f ms "
                                  "(CPU %.1f ms, %s, %llu text renders, %ld minor faults, %ld preemptions), waited "
                                  "%.1f ms (woke %.1f ms late), present %.1f ms",
                                  seconds, interval, milliseconds(presented - due), draw_wall, cpu_drawn - cpu_before,
                                  card_changed ? "a new card" : "no new card", static_cast<unsigned long long>(renders),
                                  usage_after.minor_faults - usage_before.minor_faults,
                                  usage_after.preempted - usage_before.preempted, milliseconds(present_started - drawn),
                                  std::max(0.0, milliseconds(present_started - std::max(due, drawn))), present_wall);
                    out.drops.emplace_back(line);
                }
            }
            previous_present_ = presented;
        }
    }

    std::size_t posts() const { return model_.posts().size(); }
    renderer const& wall() const { return wall_; }

private:
    SDL_Renderer& target_;
    renderer wall_;
    wall_model model_;
    scroller scroll_{motion::scroll};
    std::int64_t next_id_ = 0;
    std::int64_t seq_ = 0;
    double next_post_at_ = 1.0;
    std::uint64_t version_ = 0;
    bool built_ = false;
    millis minute_ = -1;
    frame_pacer pacer_{frame_pacer::sixty_hertz};
    std::optional<steady::time_point> previous_present_;
};

void print_figures(char const* name, figures& result, double seconds)
{
    using pleno::bench::describe;
    using pleno::bench::fixed;
    using pleno::bench::summarise;
    std::printf("%s: %ld frames in %s s (%s fps)\n", name, result.frames, fixed(seconds, 1).c_str(),
                fixed(static_cast<double>(result.frames) / seconds, 1).c_str());
    auto const cpu = summarise(result.cpu);
    auto const wall = summarise(result.wall);
    std::printf("  frame CPU   %s\n", describe(cpu).c_str());
    std::printf("  frame wall  %s\n", describe(wall).c_str());
    if (!result.cpu_changed.empty())
        std::printf("  frame CPU, frames with a new card: %s\n", describe(summarise(result.cpu_changed)).c_str());
    if (!result.cpu_still.empty())
        std::printf("  frame CPU, the other frames:      %s\n", describe(summarise(result.cpu_still)).c_str());
    if (!result.intervals.empty()) {
        auto const intervals = summarise(result.intervals);
        std::printf("  interval    %s\n", describe(intervals).c_str());
        std::printf("  dropped frames (interval > %s ms): %ld\n", fixed(dropped_after_milliseconds, 1).c_str(),
                    result.dropped);
        for (auto const& drop : result.drops)
            std::printf("    %s\n", drop.c_str());
    }
    std::printf("  frames with a new card: %ld (text renders in them: %llu)\n", result.changed_frames,
                static_cast<unsigned long long>(result.text_in_changed_frames));
    std::printf("  frames where no card changed: %ld, of which rendered text: %ld\n", result.still_frames,
                result.still_frames_with_text);
    std::printf("  frames where only the clock's minute turned and text was rendered: %ld\n",
                result.clock_frames_with_text);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        pleno::bench::arguments options(argc, argv);
        if (options.wants_help()) {
            std::puts("pleno-bench-display [--minutes N (paced run, 0: none)] [--hour-seconds S (simulated, 0: none)]\n"
                      "                    [--step S (simulated seconds per frame in the hour run)] [--posts N]\n"
                      "                    [--rss-every S (simulated seconds between RSS lines)] [--size WxH] [--assets DIR]\n"
                      "                    [--malloc display|glibc (glibc: the C library's defaults, not pleno-display's)]\n"
                      "Runs on the SDL video driver of the environment (X11 under Xvfb, or SDL_VIDEODRIVER=offscreen).");
            return 0;
        }
        double const minutes = options.real("minutes", 1);
        double const hour_seconds = options.real("hour-seconds", 3600);
        double const step = options.real("step", 0.25);
        double const rss_every = options.real("rss-every", 600);
        int const posts = static_cast<int>(options.integer("posts", 500));
        std::string const size = options.text("size", "1920x1080");
        std::string const assets_given = options.text("assets", "");
        std::string const malloc_mode = options.text("malloc", "display");
        if (malloc_mode == "display")
            keep_large_blocks_apart();  // as pleno-display does
        else if (malloc_mode != "glibc")
            throw std::runtime_error("--malloc: write display or glibc");
        options.check_all_known();
        int width = 1920;
        int height = 1080;
        if (std::sscanf(size.c_str(), "%dx%d", &width, &height) != 2)
            throw std::runtime_error("--size: write WIDTHxHEIGHT");

        sdl_libraries libraries;
        window_handle window{SDL_CreateWindow("Pleno bench", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width,
                                              height, SDL_WINDOW_SHOWN)};
        if (!window)
            throw std::runtime_error("cannot open a window: " + sdl_error());
        // What the application picks without a GPU (Xvfb's GL is llvmpipe, offscreen has none):
        // SDL's software renderer straight into the window's pixels.
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
        renderer_handle target{SDL_CreateRenderer(window.get(), -1, SDL_RENDERER_SOFTWARE)};
        if (!target)
            throw std::runtime_error("cannot create a renderer: " + sdl_error());
        SDL_RendererInfo info{};
        SDL_GetRendererInfo(target.get(), &info);
        int output_width = 0;
        int output_height = 0;
        SDL_GetRendererOutputSize(target.get(), &output_width, &output_height);
        std::printf("video driver %s, renderer %s, output %dx%d, %d posts in the snapshot, one more per simulated "
                    "second\n",
                    SDL_GetCurrentVideoDriver(), info.name != nullptr ? info.name : "?", output_width, output_height,
                    posts);

        theme look = default_theme(find_assets(assets_given) / "fonts");
        look.public_url = "https://jun.example/pleno";

        if (minutes > 0) {
            wall_loop loop(*target, look, output_width, output_height, posts);
            figures result;
            auto const started = steady::now();
            auto const until = started + std::chrono::duration<double>(minutes * 60);
            while (steady::now() < until)
                loop.frame(0, result, started);
            double const elapsed = std::chrono::duration<double>(steady::now() - started).count();
            print_figures("paced run at 60 Hz", result, elapsed);
            std::printf("  posts in the model at the end: %zu, card textures cached: %zu; cards painted %llu, "
                        "%llu of them into an evicted card's texture\n",
                        loop.posts(), loop.wall().cached_cards(),
                        static_cast<unsigned long long>(loop.wall().cards_painted()),
                        static_cast<unsigned long long>(loop.wall().card_textures_reused()));
        }

        if (hour_seconds > 0) {
            wall_loop loop(*target, look, output_width, output_height, posts);
            figures result;
            auto const started = steady::now();
            double seconds = 0;
            loop.frame(seconds, result);
            std::printf("simulated run: RSS at simulated 0 min: %ld kB\n", resident_kilobytes());
            double next_report = rss_every;
            while (seconds < hour_seconds) {
                seconds += step;
                loop.frame(seconds, result);
                if (seconds >= next_report) {
                    std::printf("  RSS at simulated %3.0f min: %ld kB (posts %zu, card textures %zu, pixels %lld)\n",
                                next_report / 60, resident_kilobytes(), loop.posts(), loop.wall().cached_cards(),
                                static_cast<long long>(loop.wall().cached_card_pixels()));
                    std::fflush(stdout);
                    next_report += rss_every;
                }
            }
            double const elapsed = std::chrono::duration<double>(steady::now() - started).count();
            std::printf("  RSS at the end: %ld kB; cards painted %llu, %llu of them into an evicted card's texture\n",
                        resident_kilobytes(), static_cast<unsigned long long>(loop.wall().cards_painted()),
                        static_cast<unsigned long long>(loop.wall().card_textures_reused()));
            print_figures("simulated run (unpaced)", result, elapsed);
        }
        return 0;
    } catch (std::exception const& error) {
        std::fprintf(stderr, "pleno-bench-display: %s\n", error.what());
        return 1;
    }
}
