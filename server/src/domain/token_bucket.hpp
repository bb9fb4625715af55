#pragma once
// Token-bucket rate limits keyed by a string (a citizen id, an address, an
// account name). Time is passed in so that tests control it.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pleno::domain {

using clock_time = std::chrono::steady_clock::time_point;

struct bucket_rule {
    double tokens_per_second = 1.0 / 20.0;  // refill rate
    double burst = 3.0;                     // capacity
};

class token_bucket_set {
public:
    explicit token_bucket_set(bucket_rule rule, std::size_t max_keys = 100000);

    // Takes one token for `key` when available. Returns true if allowed.
    bool try_take(std::string_view key, clock_time now);

    // Seconds until `key` may take a token again (0 when it may now).
    double seconds_until_available(std::string_view key, clock_time now) const;

    // Forgets keys whose bucket is full again (nothing to remember).
    void prune(clock_time now);

    std::size_t size() const { return buckets_.size(); }
    bucket_rule const& rule() const { return rule_; }

private:
    struct bucket {
        double tokens;
        clock_time updated;
    };
    double refilled(bucket const& b, clock_time now) const;

    bucket_rule rule_;
    std::size_t max_keys_;
    std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace pleno::domain
