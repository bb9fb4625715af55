#pragma once
// Percentiles of latency samples (nearest rank), in milliseconds.

#include <cstddef>
#include <string>
#include <vector>

namespace pleno::bench {

struct distribution {
    std::size_t count = 0;
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double max = 0;
    double mean = 0;
};

// Sorts `samples` in place.
distribution summarise(std::vector<double>& samples);

// Nearest-rank percentile of sorted samples; 0 when there are none.
double percentile_of_sorted(std::vector<double> const& sorted, double fraction);

// "p50 1.23  p99 4.56  max 7.89 ms (n=100)".
std::string describe(distribution const& value);

// A number with a fixed count of decimals.
std::string fixed(double value, int decimals);

}  // namespace pleno::bench
