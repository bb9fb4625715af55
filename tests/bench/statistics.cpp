#include "statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace pleno::bench {

double percentile_of_sorted(std::vector<double> const& sorted, double fraction)
{
    if (sorted.empty())
        return 0;
    auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

distribution summarise(std::vector<double>& samples)
{
    distribution result;
    result.count = samples.size();
    if (samples.empty())
        return result;
    std::sort(samples.begin(), samples.end());
    result.p50 = percentile_of_sorted(samples, 0.50);
    result.p90 = percentile_of_sorted(samples, 0.90);
    result.p99 = percentile_of_sorted(samples, 0.99);
    result.max = samples.back();
    result.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
    return result;
}

std::string fixed(double value, int decimals)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string describe(distribution const& value)
{
    return "p50 " + fixed(value.p50, 2) + "  p99 " + fixed(value.p99, 2) + "  max " + fixed(value.max, 2) +
           " ms (n=" + std::to_string(value.count) + ")";
}

}  // namespace pleno::bench
