#pragma once
// One line per event of interest, to standard error: time, topic, text.

#include <string_view>

namespace pleno::app {

void log_line(std::string_view topic, std::string_view text);

// Quiet mode for tests and benchmarks that start many connections.
void set_log_quiet(bool quiet);

}  // namespace pleno::app
