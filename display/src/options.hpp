#pragma once
// What the person starting pleno-display asked for: the command line, over
// an optional JSON config file, with the token also taken from the
// environment (so it need not appear in `ps`).

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pleno::display {

enum class window_kind { fullscreen, windowed };

struct display_options {
    std::string server;                   // ws://HOST:PORT/ws or wss://HOST:PORT/ws
    std::filesystem::path ca_file;        // wss: trust this CA (PEM) instead of the system's
    std::string token;                    // the display token
    std::filesystem::path theme_file;     // empty: the default theme
    window_kind window = window_kind::fullscreen;
    int width = 0;                        // 0: the desktop's size (fullscreen) or 1280x720 (windowed)
    int height = 0;
    std::filesystem::path config_file;
    std::filesystem::path screenshot;     // write the last frame here, then exit
    int frames = 0;                       // frames to render before exiting; 0: run until asked to quit
    std::filesystem::path layout_report;  // write where the last frame drew things (JSON), then exit
    std::filesystem::path status_file;    // keep the link's state and the wall's posts here (JSON)
    std::filesystem::path assets;         // the folder with fonts/; empty: found near the binary
};

// A mistake in the command line or the config file, with a message for the person.
class options_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class options_request { run, show_help };

struct parsed_options {
    options_request request = options_request::run;
    display_options options;
};

// Looks up an environment variable; nothing when it is not set.
using environment_lookup = std::function<std::optional<std::string>(std::string const&)>;
std::optional<std::string> process_environment(std::string const& name);

// Parses the arguments (without the program name). Throws options_error.
parsed_options parse_options(std::vector<std::string> const& arguments,
                             environment_lookup const& environment = process_environment);

std::string usage_text();

// The assets folder: the one given, else assets/ beside the binary or above
// it (a build tree, an install's share/pleno), else the source tree's.
// Throws options_error when none holds the fonts.
std::filesystem::path find_assets(std::filesystem::path const& given);

}  // namespace pleno::display
