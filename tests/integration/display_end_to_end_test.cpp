// The whole chain as the council chamber runs it: a real pleno-server on
// loopback (in this process, on a fixed port so that a restart keeps it), the
// chair, a citizen and a moderator talking to it, and the real pleno-display
// binary as a subprocess with --screenshot and --layout-report. The test reads
// the PNG and the report the display wrote and checks them against each
// other: the approved post's card is where the report says and has the
// theme's card colour, the agenda title is drawn, the QR code's modules are
// the public address's, a hidden post is gone from the next picture, and a
// display that lives through a server restart shows a post approved while it
// was away.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#pragma GCC diagnostic pop
#include <nlohmann/json.hpp>

#include "qr_code.hpp"
#include "sdl_handles.hpp"
#include "test_client.hpp"
#include "theme.hpp"

// Named, not anonymous: the integration tests are one unity translation unit.
namespace display_end_to_end_test {

namespace fs = std::filesystem;
using nlohmann::json;
using pleno::test::server_fixture;
using pleno::test::ws_client;
using namespace std::chrono_literals;

std::string display_binary()
{
    if (char const* path = std::getenv("PLENO_DISPLAY_BINARY"); path != nullptr && *path != '\0')
        return path;
#ifdef PLENO_DISPLAY_BINARY_PATH
    return PLENO_DISPLAY_BINARY_PATH;
#else
    FAIL("PLENO_DISPLAY_BINARY must name the pleno-display binary");
    return {};
#endif
}

// A loopback port that is free now, so the in-process server can be started on it again after a stop.
unsigned short free_port()
{
    boost::asio::io_context context;
    boost::asio::ip::tcp::acceptor acceptor(
        context, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
    return acceptor.local_endpoint().port();
}

struct scratch_folder {
    fs::path path;
    scratch_folder()
    {
        static int counter = 0;
        path = fs::temp_directory_path() /
               ("pleno-display-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~scratch_folder()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    scratch_folder(scratch_folder const&) = delete;
    scratch_folder& operator=(scratch_folder const&) = delete;
};

std::string read_text(fs::path const& file)
{
    std::ifstream input(file);
    std::stringstream text;
    text << input.rdbuf();
    return text.str();
}

// pleno-display as its own process; its standard error goes to a file the failure messages quote.
class display_process {
public:
    display_process(unsigned short port, fs::path const& folder, std::string const& name, int frames)
        : screenshot_(folder / (name + ".png")), report_(folder / (name + ".json")), log_(folder / (name + ".log"))
    {
        std::vector<std::string> arguments{display_binary(),
                                           "--server",
                                           "ws://127.0.0.1:" + std::to_string(port) + "/ws",
                                           "--token",
                                           server_fixture::display_token,
                                           "--windowed",
                                           "--size",
                                           "1280x720",
                                           "--screenshot",
                                           screenshot_.string(),
                                           "--frames",
                                           std::to_string(frames),
                                           "--layout-report",
                                           report_.string()};
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            int const log = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int const null = ::open("/dev/null", O_RDWR);
            ::dup2(null, 0);
            ::dup2(log, 1);
            ::dup2(log, 2);
            // Nothing of this process may live on in the display: above all not the in-process
            // server's listening socket, which would keep the port taken across its restart.
            for (int descriptor = 3; descriptor < 1024; ++descriptor)
                ::close(descriptor);
            // Run by hand outside CTest, the display still needs no screen.
            ::setenv("SDL_VIDEODRIVER", "offscreen", 0);
            ::setenv("SDL_AUDIODRIVER", "dummy", 0);
            std::vector<char*> argv;
            for (auto& argument : arguments)
                argv.push_back(argument.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }

    ~display_process()
    {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    display_process(display_process const&) = delete;
    display_process& operator=(display_process const&) = delete;

    // Waits for the display to render its frames and exit; the exit code, or nothing on timeout (then killed).
    std::optional<int> wait(std::chrono::seconds timeout)
    {
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            pid_t const done = ::waitpid(pid_, &status, WNOHANG);
            if (done == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(20ms);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        return std::nullopt;
    }

    // Waits and requires a clean exit with both files written.
    void finish(std::chrono::seconds timeout)
    {
        auto const code = wait(timeout);
        REQUIRE_MESSAGE(code.has_value(), "pleno-display did not finish within " << timeout.count() << " s:\n" << log());
        REQUIRE_MESSAGE(*code == 0, "pleno-display exited with " << *code << ":\n" << log());
        REQUIRE_MESSAGE(fs::exists(screenshot_), "no screenshot written:\n" << log());
        REQUIRE_MESSAGE(fs::exists(report_), "no layout report written:\n" << log());
    }

    json report() const
    {
        json parsed = json::parse(read_text(report_), nullptr, false);
        REQUIRE_MESSAGE(!parsed.is_discarded(), "the layout report is not JSON:\n" << read_text(report_));
        return parsed;
    }

    fs::path const& screenshot() const { return screenshot_; }
    std::string log() const { return read_text(log_); }

private:
    fs::path screenshot_;
    fs::path report_;
    fs::path log_;
    pid_t pid_ = -1;
};

// ---- the picture --------------------------------------------------------

struct box {
    int x = 0, y = 0, w = 0, h = 0;
};

box box_of(json const& value)
{
    return {value.value("x", 0), value.value("y", 0), value.value("w", 0), value.value("h", 0)};
}

bool inside(box const& inner, box const& outer)
{
    return inner.w > 0 && inner.h > 0 && inner.x >= outer.x && inner.y >= outer.y &&
           inner.x + inner.w <= outer.x + outer.w && inner.y + inner.h <= outer.y + outer.h;
}

class picture {
public:
    explicit picture(fs::path const& file)
    {
        pleno::display::surface_handle loaded{IMG_Load(file.c_str())};
        REQUIRE_MESSAGE(loaded != nullptr, "cannot load " << file.string() << ": " << IMG_GetError());
        pixels_.reset(SDL_ConvertSurfaceFormat(loaded.get(), SDL_PIXELFORMAT_ARGB8888, 0));
        REQUIRE(pixels_ != nullptr);
    }

    int width() const { return pixels_->w; }
    int height() const { return pixels_->h; }

    pleno::display::colour at(int x, int y) const
    {
        auto const* row = static_cast<std::uint8_t const*>(pixels_->pixels) + static_cast<std::ptrdiff_t>(y) * pixels_->pitch;
        std::uint32_t value = 0;
        std::memcpy(&value, row + static_cast<std::ptrdiff_t>(x) * 4, sizeof(value));
        return {static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 8),
                static_cast<std::uint8_t>(value), 255};
    }

    // The share of the pixels in `area` within `tolerance` of `tint` on every channel.
    double share_of(box const& area, pleno::display::colour tint, int tolerance = 6) const
    {
        long matching = 0;
        long total = 0;
        for (int y = area.y; y < area.y + area.h; ++y) {
            for (int x = area.x; x < area.x + area.w; ++x) {
                ++total;
                if (close_to(at(x, y), tint, tolerance))
                    ++matching;
            }
        }
        return total == 0 ? 0.0 : static_cast<double>(matching) / static_cast<double>(total);
    }

    static bool close_to(pleno::display::colour a, pleno::display::colour b, int tolerance)
    {
        return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
    }

private:
    pleno::display::surface_handle pixels_;
};

// ---- the people around the server --------------------------------------

json acked(ws_client& client, json const& message)
{
    auto const reply = client.request(message);
    REQUIRE_MESSAGE(reply.has_value(), "no reply to " << message.dump());
    REQUIRE_MESSAGE(pleno::test::is_ack(*reply), message.dump() << " -> " << reply->dump());
    return *reply;
}

void greet(ws_client& client, unsigned short port, json const& fields)
{
    auto const handshake = client.connect(port);
    REQUIRE_MESSAGE(handshake.accepted, handshake.failure);
    auto const welcome = client.hello(fields);
    REQUIRE(welcome.has_value());
    REQUIRE_MESSAGE(pleno::test::type_of(*welcome) == "welcome", welcome->dump());
}

std::string const agenda_title = "Presupuesto municipal 2025";

// Creates and opens a session whose current item is the agenda's second.
void open_session(server_fixture& server)
{
    ws_client chair;
    greet(chair, server.port(), {{"role", "chair"}, {"token", server.login(server_fixture::chair_name)}});
    json const agenda = json::array({{{"title", "Aprobación del acta"}}, {{"title", agenda_title}}});
    json const created = acked(chair, {{"type", "create_session"},
                                       {"title", "Pleno ordinario de mayo"},
                                       {"starts_at", pleno::test::now_millis()},
                                       {"agenda", agenda}});
    auto const session_id = created["session_id"].get<std::int64_t>();
    acked(chair, {{"type", "follow"}, {"session_id", session_id}});
    // The chair's hello left a snapshot of no session queued: wait for the followed one's.
    auto const snapshot = chair.receive_until([session_id](json const& message) {
        return pleno::test::type_of(message) == "snapshot" && message.value("session_id", std::int64_t{0}) == session_id;
    });
    REQUIRE(snapshot.has_value());
    auto const item_id = (*snapshot)["session"]["agenda"][1]["id"].get<std::int64_t>();
    acked(chair, {{"type", "open_session"}, {"session_id", session_id}});
    acked(chair, {{"type", "set_current_item"}, {"session_id", session_id}, {"item_id", item_id}});
}

// A citizen (a fresh one each time, so no post limit applies) posts `text`; a moderator approves it.
std::int64_t approved_post(server_fixture& server, std::string const& text)
{
    ws_client citizen;
    greet(citizen, server.port(), {{"role", "citizen"}});
    json const submitted =
        acked(citizen, {{"type", "submit_post"}, {"client_id", "e2e-" + std::to_string(text.size())}, {"author", "Ana"}, {"text", text}});
    auto const post_id = submitted["post"]["id"].get<std::int64_t>();
    ws_client moderator;
    greet(moderator, server.port(), {{"role", "moderator"}, {"token", server.login(server_fixture::moderator_name)}});
    acked(moderator, {{"type", "approve"}, {"post_id", post_id}});
    return post_id;
}

void hide_post(server_fixture& server, std::int64_t post_id)
{
    ws_client moderator;
    greet(moderator, server.port(), {{"role", "moderator"}, {"token", server.login(server_fixture::moderator_name)}});
    acked(moderator, {{"type", "hide"}, {"post_id", post_id}});
}

std::optional<box> card_of(json const& report, std::int64_t post_id)
{
    for (auto const& card : report["cards"]) {
        if (card.value("post_id", std::int64_t{0}) == post_id)
            return box_of(card["rect"]);
    }
    return std::nullopt;
}

// Every module of the QR code in the picture (sampled at its centre) against encode_qr of `url`.
void check_qr(picture const& image, json const& report, std::string const& url)
{
    auto const expected = pleno::display::encode_qr(url);
    REQUIRE(expected.has_value());
    box const area = box_of(report["qr"]);
    int const modules = report.value("qr_modules", 0);
    int const module_pixels = report.value("qr_module_pixels", 0);
    int const quiet = report.value("qr_quiet_modules", 0);
    REQUIRE_MESSAGE(area.w > 0, "no QR code reported");
    REQUIRE(modules == expected->size);
    REQUIRE(module_pixels >= 1);
    CHECK(area.w == (modules + 2 * quiet) * module_pixels);
    REQUIRE(area.x + area.w <= image.width());
    REQUIRE(area.y + area.h <= image.height());
    int wrong = 0;
    for (int row = 0; row < modules; ++row) {
        for (int column = 0; column < modules; ++column) {
            int const x = area.x + (quiet + column) * module_pixels + module_pixels / 2;
            int const y = area.y + (quiet + row) * module_pixels + module_pixels / 2;
            auto const pixel = image.at(x, y);
            bool const dark = pixel.r + pixel.g + pixel.b < 3 * 128;
            if (dark != expected->at(column, row))
                ++wrong;
        }
    }
    CHECK_MESSAGE(wrong == 0, wrong << " of " << modules * modules << " QR modules differ from encode_qr(\"" << url << "\")");
    // The quiet zone is light all round: a reader needs it.
    CHECK(image.share_of({area.x, area.y, area.w, quiet * module_pixels}, pleno::display::theme{}.qr_light, 40) > 0.99);
}

// The card is where the report says, inside the wall, painted mostly in the theme's card colour.
void check_card(picture const& image, json const& report, std::int64_t post_id)
{
    auto const card = card_of(report, post_id);
    REQUIRE_MESSAGE(card.has_value(), "post " << post_id << " has no card in " << report["cards"].dump());
    box const wall = box_of(report["wall"]);
    CHECK(inside(*card, wall));
    REQUIRE(inside(*card, {0, 0, image.width(), image.height()}));
    // Text and rounded corners cover part of it; the rest is the card's own colour.
    auto const card_colour = pleno::display::theme{}.card_background;
    CHECK(image.share_of(*card, card_colour) > 0.6);
    // And that colour is the card's, not the wall's: a band as tall as the card just left of the wall is not.
    CHECK(image.share_of({0, card->y, std::max(1, wall.x), card->h}, card_colour) < 0.05);
}

// (No commas or semicolons in the name: CTest's discovery and doctest's filters split on them.)
TEST_CASE("the real display shows the approved card and the agenda title and the QR code and drops a hidden post "
          "and after a server restart shows a post approved meanwhile")
{
    REQUIRE(SDL_setenv("SDL_VIDEODRIVER", "offscreen", 0) == 0);
    unsigned short const port = free_port();
    server_fixture server([port](pleno::app::config& settings) { settings.listen_port = port; });
    REQUIRE(server.port() == port);
    scratch_folder folder;
    std::string const public_url = "http://127.0.0.1:" + std::to_string(port) + "/";

    open_session(server);
    auto const kept = approved_post(server, "Propongo más bancos a la sombra en la plaza mayor.");
    auto const to_hide = approved_post(server, "¿Cuándo se arregla la farola de la calle del Sol?");

    {
        display_process first(port, folder.path, "first", 90);
        first.finish(20s);
        json const report = first.report();
        picture const image(first.screenshot());
        REQUIRE(image.width() == 1280);
        REQUIRE(image.height() == 720);
        CHECK(report["width"] == 1280);
        CHECK(report["height"] == 720);
        check_card(image, report, kept);
        check_card(image, report, to_hide);
        box const title = box_of(report["agenda_title"]);
        CHECK(title.w > 0);
        CHECK(title.h > 0);
        CHECK(inside(title, {0, 0, 1280, 720}));
        check_qr(image, report, public_url);
    }

    hide_post(server, to_hide);
    {
        display_process second(port, folder.path, "second", 90);
        second.finish(20s);
        json const report = second.report();
        picture const image(second.screenshot());
        CHECK_MESSAGE(!card_of(report, to_hide).has_value(), "the hidden post is still drawn: " << report["cards"].dump());
        check_card(image, report, kept);
    }

    // One display through a restart: about 12 s of frames (60 a second) once the session arrived,
    // enough for the server to be down 1.5 s and for the link's second try (3 s after the drop).
    display_process survivor(port, folder.path, "survivor", 720);
    std::this_thread::sleep_for(1500ms);  // connected and showing the session
    server.stop();
    std::this_thread::sleep_for(1500ms);
    server.start();
    REQUIRE(server.port() == port);
    auto const meanwhile = approved_post(server, "Gracias por retransmitir el pleno en directo.");
    survivor.finish(25s);
    json const report = survivor.report();
    picture const image(survivor.screenshot());
    check_card(image, report, meanwhile);
    check_card(image, report, kept);
    CHECK(!card_of(report, to_hide).has_value());
    // The same process saw the events after the restart.
    CHECK_MESSAGE(report.value("last_seq", std::int64_t{0}) > 0, report.dump());
}

}  // namespace display_end_to_end_test
