#include "domain/token_bucket.hpp"

#include <algorithm>
#include <limits>

namespace pleno::domain {

namespace {

// Refill is computed in floating point, so a caller that waits exactly
// seconds_until_available() (rounded to the clock's tick) may land a hair
// short of a whole token. A billionth of a token is far below anything an
// abuser could exploit and saves such a caller a pointless second refusal.
constexpr double token_tolerance = 1e-9;

bool has_whole_token(double tokens)
{
    return tokens >= 1.0 - token_tolerance;
}

}  // namespace

token_bucket_set::token_bucket_set(bucket_rule rule, std::size_t max_keys)
    : rule_(rule)
    , max_keys_(max_keys)
{
}

double token_bucket_set::refilled(bucket const& b, clock_time now) const
{
    // A time earlier than the last update (callers on different threads
    // reading the clock in a different order) adds nothing rather than
    // removing tokens.
    double const elapsed = std::max(0.0, std::chrono::duration<double>(now - b.updated).count());
    double const rate = std::max(0.0, rule_.tokens_per_second);
    return std::min(rule_.burst, b.tokens + elapsed * rate);
}

// A key seen for the first time starts with a full bucket. When the table
// already holds max_keys buckets, full ones are pruned first; if none can be
// dropped the new key is refused (false) instead of growing the table. Under a
// flood of new keys (many addresses) this refuses newcomers until buckets
// refill, but memory stays bounded and keys already tracked keep their limits:
// evicting a drained bucket instead would hand its owner a fresh burst.
bool token_bucket_set::try_take(std::string_view key, clock_time now)
{
    std::string owned_key{key};
    auto found = buckets_.find(owned_key);
    if (found == buckets_.end()) {
        if (buckets_.size() >= max_keys_) {
            prune(now);
            if (buckets_.size() >= max_keys_) {
                return false;
            }
        }
        found = buckets_.emplace(std::move(owned_key), bucket{rule_.burst, now}).first;
    }

    bucket& b = found->second;
    b.tokens = refilled(b, now);
    b.updated = std::max(b.updated, now);
    if (!has_whole_token(b.tokens)) {
        return false;
    }
    b.tokens = std::max(0.0, b.tokens - 1.0);
    return true;
}

double token_bucket_set::seconds_until_available(std::string_view key, clock_time now) const
{
    // An unknown key would start full. (When the table is full of drained
    // buckets try_take may still refuse it; that is a capacity condition, not
    // a wait this function could predict.)
    auto const found = buckets_.find(std::string{key});
    double const tokens = found == buckets_.end() ? rule_.burst : refilled(found->second, now);
    if (has_whole_token(tokens)) {
        return 0.0;
    }
    // A rule that never refills, or whose burst is below one token, never
    // allows another take.
    if (rule_.tokens_per_second <= 0.0 || !has_whole_token(rule_.burst)) {
        return std::numeric_limits<double>::infinity();
    }
    return (1.0 - tokens) / rule_.tokens_per_second;
}

void token_bucket_set::prune(clock_time now)
{
    std::erase_if(buckets_, [this, now](auto const& item) { return refilled(item.second, now) >= rule_.burst; });
}

}  // namespace pleno::domain
