// pleno-display: the council chamber's projector. Parses the options, runs
// the wall, and turns any start-up failure into one clear line and an exit code.

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "application.hpp"
#include "memory_tuning.hpp"
#include "options.hpp"

int main(int argc, char** argv)
{
    using namespace pleno::display;
    keep_large_blocks_apart();
    std::vector<std::string> arguments(argv + 1, argv + argc);
    parsed_options parsed;
    try {
        parsed = parse_options(arguments);
    } catch (options_error const& error) {
        std::fprintf(stderr, "pleno-display: %s\n", error.what());
        return 2;
    }
    if (parsed.request == options_request::show_help) {
        std::fputs(usage_text().c_str(), stdout);
        return 0;
    }
    try {
        application wall(std::move(parsed.options));
        return wall.run();
    } catch (options_error const& error) {
        std::fprintf(stderr, "pleno-display: %s\n", error.what());
        return 2;
    } catch (std::exception const& error) {
        std::fprintf(stderr, "pleno-display: %s\n", error.what());
        return 1;
    }
}
