#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include "application.hpp"
#include "options.hpp"

using namespace pleno::display;

namespace {

// An environment with only the variables a test gives.
environment_lookup environment(std::map<std::string, std::string> values = {})
{
    return [values](std::string const& name) -> std::optional<std::string> {
        auto found = values.find(name);
        if (found == values.end())
            return std::nullopt;
        return found->second;
    };
}

class temporary_folder {
public:
    temporary_folder()
    {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("pleno-options-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    ~temporary_folder()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    std::filesystem::path write(std::string const& name, std::string const& text) const
    {
        std::ofstream(path_ / name) << text;
        return path_ / name;
    }

private:
    std::filesystem::path path_;
};

std::string const server = "ws://127.0.0.1:8080/ws";

}  // namespace

TEST_CASE("the command line gives the server, the token, the window and the screenshot")
{
    auto const parsed = parse_options({"--server", server, "--token", "abc", "--windowed", "--size", "1366x768",
                                       "--screenshot", "wall.png", "--frames", "30", "--layout-report", "wall.json"},
                                      environment());
    REQUIRE(parsed.request == options_request::run);
    auto const& options = parsed.options;
    CHECK(options.server == server);
    CHECK(options.token == "abc");
    CHECK(options.window == window_kind::windowed);
    CHECK(options.width == 1366);
    CHECK(options.height == 768);
    CHECK(options.screenshot == "wall.png");
    CHECK(options.frames == 30);
    CHECK(options.layout_report == "wall.json");
}

TEST_CASE("a screenshot without --frames renders a default number of frames, and without either the wall runs on")
{
    auto const shot = parse_options({"--server", server, "--token", "t", "--screenshot", "wall.png"}, environment());
    CHECK(shot.options.frames > 0);
    auto const running = parse_options({"--server", server, "--token", "t"}, environment());
    CHECK(running.options.frames == 0);
    CHECK(running.options.window == window_kind::fullscreen);
}

TEST_CASE("the token may come from PLENO_DISPLAY_TOKEN, and the command line wins over it")
{
    auto const from_environment =
        parse_options({"--server", server}, environment({{"PLENO_DISPLAY_TOKEN", "from-environment"}}));
    CHECK(from_environment.options.token == "from-environment");
    auto const from_line = parse_options({"--server", server, "--token", "from-line"},
                                         environment({{"PLENO_DISPLAY_TOKEN", "from-environment"}}));
    CHECK(from_line.options.token == "from-line");
}

TEST_CASE("a config file holds the same settings, the command line wins, and its theme path is read from its folder")
{
    temporary_folder folder;
    auto const config = folder.write("display.json", R"({"server": "ws://10.0.0.5:8080/ws", "token": "from-config",
        "theme": "themes/jun.json", "windowed": true, "size": "1024x768"})");
    auto const only_config = parse_options({"--config", config.string()}, environment());
    CHECK(only_config.options.server == "ws://10.0.0.5:8080/ws");
    CHECK(only_config.options.token == "from-config");
    CHECK(only_config.options.theme_file == config.parent_path() / "themes" / "jun.json");
    CHECK(only_config.options.window == window_kind::windowed);
    CHECK(only_config.options.width == 1024);

    auto const overridden = parse_options({"--config", config.string(), "--server", server, "--size", "1920x1080"},
                                          environment({{"PLENO_DISPLAY_TOKEN", "from-environment"}}));
    CHECK(overridden.options.server == server);
    CHECK(overridden.options.token == "from-environment");
    CHECK(overridden.options.width == 1920);
    CHECK(overridden.options.height == 1080);
}

TEST_CASE("mistakes in the options are refused with a message that names them")
{
    auto const refused = [](std::vector<std::string> const& arguments, std::string const& words) {
        CAPTURE(words);
        try {
            parse_options(arguments, environment());
            FAIL("accepted");
        } catch (options_error const& error) {
            CHECK(std::string(error.what()).find(words) != std::string::npos);
        }
    };
    refused({"--token", "t"}, "no server");
    refused({"--server", server}, "no display token");
    refused({"--server", "http://example/", "--token", "t"}, "not a WebSocket address");
    refused({"--server", server, "--token", "t", "--size", "big"}, "WIDTHxHEIGHT");
    refused({"--server", server, "--token", "t", "--size", "0x720"}, "WIDTHxHEIGHT");
    refused({"--server", server, "--token", "t", "--frames", "-3"}, "--frames");
    refused({"--server", server, "--token", "t", "--screenshot", "wall.jpg"}, ".png");
    refused({"--server", server, "--token", "t", "--colour", "red"}, "unknown option \"--colour\"");
    refused({"--server", server, "--token"}, "--token needs a value");
    refused({"--config", "/nonexistent/pleno-display.json"}, "cannot be read");

    temporary_folder folder;
    refused({"--config", folder.write("bad.json", "{\"server\": ").string()}, "not valid JSON");
    refused({"--config", folder.write("unknown.json", R"({"server": "ws://a:1/ws", "colour": "red"})").string()},
            "colour: unknown key");
    refused({"--config", folder.write("type.json", R"({"windowed": "yes"})").string()}, "true or false");
    refused({"--server", "wss://pleno.example.org/ws", "--token", "t", "--ca-file", "/nonexistent/ca.pem"},
            "--ca-file: \"/nonexistent/ca.pem\" is not a readable file");
    refused({"--server", server, "--token", "t", "--ca-file", folder.write("ca.pem", "x").string()},
            "--ca-file is for a wss:// server");
}

TEST_CASE("wss with a town's CA file, and a status file, from the command line and the config file")
{
    temporary_folder folder;
    auto const ca = folder.write("town-ca.pem", "-----BEGIN CERTIFICATE-----\n");
    auto const parsed = parse_options({"--server", "wss://pleno.example.org/ws", "--token", "t", "--ca-file", ca.string(),
                                       "--status-file", "/run/pleno/wall.json"},
                                      environment());
    CHECK(parsed.options.server == "wss://pleno.example.org/ws");
    CHECK(parsed.options.ca_file == ca);
    CHECK(parsed.options.status_file == "/run/pleno/wall.json");

    auto const config = folder.write("display.json", R"({"server": "wss://pleno.example.org/ws", "token": "t", "ca_file": "town-ca.pem"})");
    auto const from_file = parse_options({"--config", config.string()}, environment());
    CHECK(from_file.options.ca_file == ca);  // relative to the config file's folder
    CHECK(usage_text().find("--ca-file") != std::string::npos);
    CHECK(usage_text().find("--status-file") != std::string::npos);
}

TEST_CASE("--help asks for the usage text, whatever else is on the line")
{
    CHECK(parse_options({"--server", "nonsense", "--help"}, environment()).request == options_request::show_help);
    CHECK(usage_text().find("--screenshot") != std::string::npos);
    CHECK(usage_text().find("PLENO_DISPLAY_TOKEN") != std::string::npos);
}

TEST_CASE("the assets are found in the source tree, and a folder without fonts is refused")
{
    auto const found = find_assets({});
    CHECK(std::filesystem::is_regular_file(found / "fonts" / "DejaVuSans.ttf"));
    temporary_folder folder;
    CHECK_THROWS_AS(find_assets(folder.write("empty", "").parent_path()), options_error);
}

TEST_CASE("the QR code's default address is the server's web page")
{
    CHECK(public_url_for("ws://127.0.0.1:8080/ws") == "http://127.0.0.1:8080/");
    CHECK(public_url_for("ws://pleno.jun.es:80/ws") == "http://pleno.jun.es/");
    CHECK(public_url_for("not a url") == "");
}
