#include "process_probe.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace pleno::bench {

std::optional<cpu_times> read_cpu_times(pid_t pid)
{
    std::ifstream input("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!input || !std::getline(input, line))
        return std::nullopt;
    // The command name may hold spaces and parentheses; fields restart after the last ')'.
    auto const close = line.rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    // After ')': state is field 3; utime and stime are fields 14 and 15.
    unsigned long long utime = 0, stime = 0;
    for (int number = 3; number <= 15 && fields >> field; ++number) {
        if (number == 14)
            utime = std::stoull(field);
        if (number == 15)
            stime = std::stoull(field);
    }
    double const ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return cpu_times{static_cast<double>(utime) / ticks, static_cast<double>(stime) / ticks};
}

std::optional<std::size_t> read_resident_kib(pid_t pid)
{
    std::ifstream input("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(input, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            std::istringstream fields(line.substr(6));
            std::size_t kib = 0;
            if (fields >> kib)
                return kib;
        }
    }
    return std::nullopt;
}

std::optional<core_times> read_core_times(int cpu)
{
    std::ifstream input("/proc/stat");
    std::string const wanted = "cpu" + std::to_string(cpu);
    std::string line;
    while (std::getline(input, line)) {
        std::istringstream fields(line);
        std::string name;
        fields >> name;
        if (name != wanted)
            continue;
        // user nice system idle iowait irq softirq steal
        unsigned long long value[8] = {};
        for (auto& entry : value)
            fields >> entry;
        double const ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
        double total = 0;
        for (auto entry : value)
            total += static_cast<double>(entry);
        double const idle = static_cast<double>(value[3] + value[4]);
        return core_times{(total - idle) / ticks, static_cast<double>(value[6]) / ticks, total / ticks};
    }
    return std::nullopt;
}

cpu_times own_cpu_times()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](timeval const& value) { return static_cast<double>(value.tv_sec) + static_cast<double>(value.tv_usec) / 1e6; };
    return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

std::size_t raise_open_file_limit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace pleno::bench
