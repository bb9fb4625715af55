#include "app/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace pleno::app {
namespace {

std::atomic<bool> quiet_logs{false};
std::mutex log_mutex;

}  // namespace

void set_log_quiet(bool quiet)
{
    quiet_logs = quiet;
}

void log_line(std::string_view topic, std::string_view text)
{
    if (quiet_logs && topic != "fatal" && topic != "error")
        return;
    auto const now = std::chrono::system_clock::now();
    std::time_t const seconds = std::chrono::system_clock::to_time_t(now);
    auto const milliseconds = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &parts);
    std::string line = std::string(stamp) + '.' + std::to_string(1000 + milliseconds).substr(1) + "Z " + std::string(topic) +
                       ": " + std::string(text) + '\n';
    std::lock_guard lock(log_mutex);
    std::fputs(line.c_str(), stderr);
}

}  // namespace pleno::app
