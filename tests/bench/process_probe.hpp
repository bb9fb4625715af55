#pragma once
// What the benchmarks read about a process from /proc, and the descriptor
// limit they raise for themselves.

#include <cstddef>
#include <optional>

#include <sys/types.h>

namespace pleno::bench {

struct cpu_times {
    double user_seconds = 0;
    double system_seconds = 0;
    double total() const { return user_seconds + system_seconds; }
};

// utime and stime of /proc/PID/stat (all threads); nullopt when unreadable.
std::optional<cpu_times> read_cpu_times(pid_t pid);

// VmRSS of /proc/PID/status in KiB; nullopt when unreadable.
std::optional<std::size_t> read_resident_kib(pid_t pid);

// One CPU's time from /proc/stat, in seconds. Busy includes interrupt and
// softirq time, which the kernel may not charge to any process: on loopback
// the receiving half of TCP runs there, on the sender's CPU.
struct core_times {
    double busy_seconds = 0;
    double softirq_seconds = 0;
    double total_seconds = 0;
};
std::optional<core_times> read_core_times(int cpu);

// This process's own CPU time (getrusage).
cpu_times own_cpu_times();

// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit.
std::size_t raise_open_file_limit();

}  // namespace pleno::bench
