#pragma once
// The network edge's log lines (topic "net", through app::log_line),
// rate-limited: a flood of connections (or of refusals) must not turn the log
// into the bottleneck.

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "app/log.hpp"

namespace pleno::net {

class edge_log {
public:
    // Logs the line unless more than lines_per_second lines were logged in
    // the current second; those are counted and reported once.
    static void line(std::string_view text) noexcept
    {
        try {
            edge_log& log = instance();
            std::lock_guard lock(log.mutex_);
            auto const now = std::chrono::steady_clock::now();
            if (now - log.window_start_ >= std::chrono::seconds(1)) {
                if (log.suppressed_ > 0) {
                    app::log_line("net", "(" + std::to_string(log.suppressed_) + " lines left out)");
                }
                log.window_start_ = now;
                log.lines_in_window_ = 0;
                log.suppressed_ = 0;
            }
            if (log.lines_in_window_ >= lines_per_second) {
                ++log.suppressed_;
                return;
            }
            ++log.lines_in_window_;
            app::log_line("net", text);
        } catch (...) {
            // Logging must never take a connection down.
        }
    }

private:
    static constexpr unsigned lines_per_second = 20;

    static edge_log& instance()
    {
        static edge_log log;
        return log;
    }

    std::mutex mutex_;
    std::chrono::steady_clock::time_point window_start_{};
    unsigned lines_in_window_ = 0;
    unsigned long suppressed_ = 0;
};

}  // namespace pleno::net
