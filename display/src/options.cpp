#include "options.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "connection.hpp"

namespace pleno::display {

namespace {

using json = nlohmann::json;

constexpr int largest_side = 16384;
constexpr int default_screenshot_frames = 120;

bool parse_int(std::string const& text, int& out)
{
    auto const* first = text.data();
    auto const* last = text.data() + text.size();
    auto const [end, error] = std::from_chars(first, last, out);
    return error == std::errc{} && end == last && !text.empty();
}

// "1920x1080" into width and height.
void parse_size(std::string const& text, std::string const& where, int& width, int& height)
{
    auto const x = text.find_first_of("xX");
    if (x == std::string::npos || !parse_int(text.substr(0, x), width) || !parse_int(text.substr(x + 1), height) ||
        width < 1 || height < 1 || width > largest_side || height > largest_side)
        throw options_error(where + ": \"" + text + "\" is not a size; write WIDTHxHEIGHT, for example 1920x1080");
}

// The settings a config file may hold; unknown keys are mistakes, not ignored.
void read_config(std::filesystem::path const& file, display_options& out, bool& windowed_set)
{
    std::ifstream input(file);
    if (!input)
        throw options_error("config file " + file.string() + ": cannot be read");
    json const document = json::parse(input, nullptr, false, true);
    if (document.is_discarded())
        throw options_error("config file " + file.string() + ": is not valid JSON");
    if (!document.is_object())
        throw options_error("config file " + file.string() + ": must be a JSON object");
    auto const where = [&](std::string const& key) { return "config file " + file.string() + ": " + key; };
    auto const text = [&](json const& value, std::string const& key) {
        if (!value.is_string())
            throw options_error(where(key) + ": must be a string");
        return value.get<std::string>();
    };
    for (auto const& [key, value] : document.items()) {
        if (key == "server") {
            out.server = text(value, key);
        } else if (key == "token") {
            out.token = text(value, key);
        } else if (key == "theme") {
            std::filesystem::path path(text(value, key));
            // Relative to the config file, so a config and its theme travel together.
            out.theme_file = path.is_relative() ? (file.parent_path() / path).lexically_normal() : path;
        } else if (key == "ca_file") {
            std::filesystem::path path(text(value, key));
            out.ca_file = path.is_relative() ? (file.parent_path() / path).lexically_normal() : path;
        } else if (key == "assets") {
            std::filesystem::path path(text(value, key));
            out.assets = path.is_relative() ? (file.parent_path() / path).lexically_normal() : path;
        } else if (key == "windowed") {
            if (!value.is_boolean())
                throw options_error(where(key) + ": must be true or false");
            out.window = value.get<bool>() ? window_kind::windowed : window_kind::fullscreen;
            windowed_set = true;
        } else if (key == "size") {
            parse_size(text(value, key), where(key), out.width, out.height);
        } else {
            throw options_error(where(key) + ": unknown key (known: server, token, ca_file, theme, windowed, size, assets)");
        }
    }
}

}  // namespace

std::optional<std::string> process_environment(std::string const& name)
{
    char const* value = std::getenv(name.c_str());
    if (value == nullptr)
        return std::nullopt;
    return std::string(value);
}

std::string usage_text()
{
    return "Usage: pleno-display --server ws://HOST:PORT/ws --token TOKEN [options]\n"
           "\n"
           "Shows the current session of a pleno-server on the council chamber's projector.\n"
           "\n"
           "  --server URL         the server's WebSocket address, ws://HOST:PORT/ws, or\n"
           "                       wss://HOST:PORT/ws when it serves TLS (the certificate is checked)\n"
           "  --ca-file FILE       for wss://, trust the CA certificates in FILE (PEM: a town's own\n"
           "                       CA) instead of the system's\n"
           "  --token TOKEN        the display token (pleno-server display-token create NAME);\n"
           "                       or set PLENO_DISPLAY_TOKEN so it does not show in the process list\n"
           "  --theme FILE         a JSON theme (colours, fonts, sizes, logo, language)\n"
           "  --windowed           a window instead of the whole screen\n"
           "  --size WxH           the window's size (default: the screen's; 1280x720 windowed)\n"
           "  --config FILE        a JSON file with the same settings: server, token, ca_file, theme,\n"
           "                       windowed, size, assets (the command line wins)\n"
           "  --assets DIR         the folder holding fonts/ (default: found beside the program)\n"
           "  --screenshot FILE    render --frames frames (default 120) once the session has\n"
           "                       arrived, write the last one as PNG and exit\n"
           "  --frames N           render N frames once the session has arrived, then exit\n"
           "  --layout-report FILE write where the last frame drew the agenda, cards and QR code (JSON)\n"
           "  --status-file FILE   keep FILE up to date with the link's state, the status line shown\n"
           "                       and the posts on the wall (JSON, replaced at each change)\n"
           "  --help               this text\n"
           "\n"
           "Keys: F fullscreen on/off, Space pause the scroll, D debug overlay, Esc twice to quit.\n";
}

parsed_options parse_options(std::vector<std::string> const& arguments, environment_lookup const& environment)
{
    parsed_options result;
    display_options from_line;
    bool windowed_on_line = false;
    bool size_on_line = false;
    bool frames_on_line = false;

    for (std::size_t index = 0; index < arguments.size(); ++index) {
        std::string const& name = arguments[index];
        auto const value = [&]() -> std::string const& {
            if (index + 1 >= arguments.size())
                throw options_error(name + " needs a value (see --help)");
            return arguments[++index];
        };
        if (name == "--help" || name == "-h") {
            result.request = options_request::show_help;
            return result;
        } else if (name == "--server") {
            from_line.server = value();
        } else if (name == "--ca-file") {
            from_line.ca_file = value();
        } else if (name == "--token") {
            from_line.token = value();
        } else if (name == "--theme") {
            from_line.theme_file = value();
        } else if (name == "--windowed") {
            from_line.window = window_kind::windowed;
            windowed_on_line = true;
        } else if (name == "--size") {
            parse_size(value(), "--size", from_line.width, from_line.height);
            size_on_line = true;
        } else if (name == "--config") {
            from_line.config_file = value();
        } else if (name == "--screenshot") {
            from_line.screenshot = value();
            if (from_line.screenshot.empty())
                throw options_error("--screenshot needs a file name");
        } else if (name == "--frames") {
            std::string const& text = value();
            if (!parse_int(text, from_line.frames) || from_line.frames < 1)
                throw options_error("--frames: \"" + text + "\" is not a positive number of frames");
            frames_on_line = true;
        } else if (name == "--layout-report") {
            from_line.layout_report = value();
        } else if (name == "--status-file") {
            from_line.status_file = value();
        } else if (name == "--assets") {
            from_line.assets = value();
        } else {
            throw options_error("unknown option \"" + name + "\" (see --help)");
        }
    }

    // The config file first, then the environment, then the command line over both.
    display_options merged;
    bool windowed_in_config = false;
    if (!from_line.config_file.empty()) {
        read_config(from_line.config_file, merged, windowed_in_config);
        merged.config_file = from_line.config_file;
    }
    if (auto token = environment("PLENO_DISPLAY_TOKEN"); token && !token->empty())
        merged.token = *token;
    if (!from_line.server.empty())
        merged.server = from_line.server;
    if (!from_line.token.empty())
        merged.token = from_line.token;
    if (!from_line.ca_file.empty())
        merged.ca_file = from_line.ca_file;
    if (!from_line.theme_file.empty())
        merged.theme_file = from_line.theme_file;
    if (windowed_on_line)
        merged.window = window_kind::windowed;
    if (size_on_line) {
        merged.width = from_line.width;
        merged.height = from_line.height;
    }
    if (!from_line.assets.empty())
        merged.assets = from_line.assets;
    merged.screenshot = from_line.screenshot;
    merged.layout_report = from_line.layout_report;
    merged.status_file = from_line.status_file;
    merged.frames = from_line.frames;
    if (!frames_on_line && (!merged.screenshot.empty() || !merged.layout_report.empty()))
        merged.frames = default_screenshot_frames;

    if (merged.server.empty())
        throw options_error("no server given: use --server ws://HOST:PORT/ws (or \"server\" in the config file)");
    ws_address address;
    if (!parse_ws_url(merged.server, address))
        throw options_error("--server: \"" + merged.server + "\" is not a WebSocket address such as ws://127.0.0.1:8080/ws or wss://pleno.example.org/ws");
    if (!merged.ca_file.empty()) {
        std::error_code ignored;
        if (!std::filesystem::is_regular_file(merged.ca_file, ignored))
            throw options_error("--ca-file: \"" + merged.ca_file.string() + "\" is not a readable file");
        if (!address.secure)
            throw options_error("--ca-file is for a wss:// server; \"" + merged.server + "\" is not one");
    }
    if (merged.token.empty())
        throw options_error("no display token given: use --token, PLENO_DISPLAY_TOKEN or \"token\" in the config file "
                            "(create one with: pleno-server display-token create NAME)");
    if (merged.screenshot.has_extension() && merged.screenshot.extension() != ".png" &&
        merged.screenshot.extension() != ".PNG")
        throw options_error("--screenshot: \"" + merged.screenshot.string() + "\" must be a .png file");
    result.options = std::move(merged);
    return result;
}

std::filesystem::path find_assets(std::filesystem::path const& given)
{
    auto const holds_fonts = [](std::filesystem::path const& folder) {
        std::error_code ignored;
        return std::filesystem::is_regular_file(folder / "fonts" / "DejaVuSans.ttf", ignored);
    };
    if (!given.empty()) {
        if (!holds_fonts(given))
            throw options_error("--assets: " + given.string() + " has no fonts/DejaVuSans.ttf");
        return given;
    }
    std::error_code failed;
    auto const program = std::filesystem::read_symlink("/proc/self/exe", failed);
    if (!failed) {
        auto folder = program.parent_path();
        // Beside the binary, then up the tree: build/display/pleno-display finds the source's assets,
        // an install in PREFIX/bin finds PREFIX/share/pleno/assets.
        for (int up = 0; up < 4 && !folder.empty(); ++up) {
            for (auto const& candidate : {folder / "assets", folder / "share" / "pleno" / "assets"}) {
                if (holds_fonts(candidate))
                    return candidate;
            }
            if (folder == folder.parent_path())
                break;
            folder = folder.parent_path();
        }
    }
#ifdef PLENO_SOURCE_ASSETS
    if (holds_fonts(PLENO_SOURCE_ASSETS))
        return PLENO_SOURCE_ASSETS;
#endif
    throw options_error("cannot find the assets folder with fonts/DejaVuSans.ttf; give it with --assets DIR");
}

}  // namespace pleno::display
