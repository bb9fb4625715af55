#include "domain/token_bucket.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>

using namespace pleno::domain;

namespace {

// A fixed origin: the buckets only care about differences between times.
clock_time const origin{};

clock_time at(double seconds)
{
    return origin + std::chrono::duration_cast<clock_time::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

TEST_CASE("a new key may take its whole burst at once and is then refused")
{
    token_bucket_set buckets{bucket_rule{1.0 / 20.0, 3.0}};
    CHECK(buckets.try_take("citizen-1", at(0)));
    CHECK(buckets.try_take("citizen-1", at(0)));
    CHECK(buckets.try_take("citizen-1", at(0)));
    CHECK_FALSE(buckets.try_take("citizen-1", at(0)));
    CHECK_FALSE(buckets.try_take("citizen-1", at(1)));
    CHECK(buckets.size() == 1);
}

TEST_CASE("a drained key gets one token back after 1 / rate seconds")
{
    token_bucket_set buckets{bucket_rule{1.0 / 20.0, 3.0}};
    for (int i = 0; i < 3; ++i) {
        REQUIRE(buckets.try_take("citizen-1", at(0)));
    }
    CHECK_FALSE(buckets.try_take("citizen-1", at(19.9)));
    CHECK(buckets.try_take("citizen-1", at(20)));
    CHECK_FALSE(buckets.try_take("citizen-1", at(20)));
    CHECK(buckets.try_take("citizen-1", at(40)));
}

TEST_CASE("refill is continuous: fractions of a token add up across refusals")
{
    token_bucket_set buckets{bucket_rule{0.5, 2.0}};
    REQUIRE(buckets.try_take("a", at(0)));
    REQUIRE(buckets.try_take("a", at(0)));
    // Half a token after one second: not enough, but it must not be lost.
    CHECK_FALSE(buckets.try_take("a", at(1)));
    CHECK(buckets.seconds_until_available("a", at(1)) == doctest::Approx(1.0));
    CHECK(buckets.try_take("a", at(2)));
    CHECK_FALSE(buckets.try_take("a", at(2)));
}

TEST_CASE("refill stops at the burst however long a key waits")
{
    token_bucket_set buckets{bucket_rule{1.0, 3.0}};
    for (int i = 0; i < 3; ++i) {
        REQUIRE(buckets.try_take("a", at(0)));
    }
    CHECK(buckets.try_take("a", at(1000)));
    CHECK(buckets.try_take("a", at(1000)));
    CHECK(buckets.try_take("a", at(1000)));
    CHECK_FALSE(buckets.try_take("a", at(1000)));
}

TEST_CASE("seconds_until_available counts down to the next whole token")
{
    token_bucket_set buckets{bucket_rule{1.0 / 20.0, 3.0}};
    CHECK(buckets.seconds_until_available("unknown", at(0)) == 0.0);
    CHECK(buckets.seconds_until_available("a", at(0)) == 0.0);
    for (int i = 0; i < 3; ++i) {
        REQUIRE(buckets.try_take("a", at(0)));
    }
    CHECK(buckets.seconds_until_available("a", at(0)) == doctest::Approx(20.0));
    CHECK(buckets.seconds_until_available("a", at(5)) == doctest::Approx(15.0));
    CHECK(buckets.seconds_until_available("a", at(20)) == 0.0);
    CHECK(buckets.seconds_until_available("a", at(25)) == 0.0);
}

TEST_CASE("waiting exactly seconds_until_available is enough to take a token")
{
    token_bucket_set buckets{bucket_rule{1.0 / 3.0, 1.0}};
    REQUIRE(buckets.try_take("a", at(0)));
    // A refused attempt stores the fraction refilled so far (0.001 token).
    clock_time const now = at(0.003);
    REQUIRE_FALSE(buckets.try_take("a", now));
    double const wait = buckets.seconds_until_available("a", now);
    CHECK(wait == doctest::Approx(2.997));
    // Converting to clock ticks truncates, and with these numbers the refill
    // then adds up to a hair under one token; the wait must still suffice.
    clock_time const later
        = now + std::chrono::duration_cast<clock_time::duration>(std::chrono::duration<double>(wait));
    CHECK(buckets.try_take("a", later));
}

TEST_CASE("a rule that never refills reports an infinite wait")
{
    token_bucket_set buckets{bucket_rule{0.0, 1.0}};
    REQUIRE(buckets.try_take("a", at(0)));
    CHECK(std::isinf(buckets.seconds_until_available("a", at(1))));
    CHECK_FALSE(buckets.try_take("a", at(1e6)));
}

TEST_CASE("each key has its own bucket")
{
    token_bucket_set buckets{bucket_rule{1.0 / 20.0, 2.0}};
    REQUIRE(buckets.try_take("a", at(0)));
    REQUIRE(buckets.try_take("a", at(0)));
    REQUIRE_FALSE(buckets.try_take("a", at(0)));
    CHECK(buckets.seconds_until_available("b", at(0)) == 0.0);
    CHECK(buckets.try_take("b", at(0)));
    CHECK(buckets.try_take("b", at(0)));
    CHECK_FALSE(buckets.try_take("b", at(0)));
    CHECK(buckets.size() == 2);
}

TEST_CASE("prune forgets only keys whose bucket is full again")
{
    token_bucket_set buckets{bucket_rule{1.0, 2.0}};
    REQUIRE(buckets.try_take("a", at(0)));
    REQUIRE(buckets.try_take("b", at(0)));
    REQUIRE(buckets.try_take("b", at(0)));
    REQUIRE(buckets.size() == 2);

    buckets.prune(at(1));  // a is back to 2 tokens, b only to 1
    CHECK(buckets.size() == 1);
    CHECK(buckets.seconds_until_available("b", at(1)) == 0.0);
    CHECK(buckets.try_take("b", at(1)));
    CHECK_FALSE(buckets.try_take("b", at(1)));

    buckets.prune(at(10));
    CHECK(buckets.size() == 0);
}

TEST_CASE("a forgotten key starts full again, exactly as if it had been kept")
{
    token_bucket_set buckets{bucket_rule{1.0, 2.0}};
    REQUIRE(buckets.try_take("a", at(0)));
    buckets.prune(at(5));
    REQUIRE(buckets.size() == 0);
    CHECK(buckets.try_take("a", at(5)));
    CHECK(buckets.try_take("a", at(5)));
    CHECK_FALSE(buckets.try_take("a", at(5)));
}

TEST_CASE("at max_keys full buckets are pruned to make room for a new key")
{
    token_bucket_set buckets{bucket_rule{1.0, 1.0}, 2};
    REQUIRE(buckets.try_take("a", at(0)));
    REQUIRE(buckets.try_take("b", at(0)));
    REQUIRE(buckets.size() == 2);
    // At 1 s both are full again, so they can go.
    CHECK(buckets.try_take("c", at(1)));
    CHECK(buckets.size() == 1);
}

TEST_CASE("at max_keys with no bucket to prune a new key is refused and the table does not grow")
{
    token_bucket_set buckets{bucket_rule{1.0, 2.0}, 2};
    REQUIRE(buckets.try_take("a", at(0)));
    REQUIRE(buckets.try_take("b", at(0)));
    CHECK_FALSE(buckets.try_take("c", at(0.5)));
    CHECK(buckets.size() == 2);
    // Keys already tracked keep their own limits.
    CHECK(buckets.try_take("a", at(0.5)));
    CHECK_FALSE(buckets.try_take("a", at(0.5)));

    token_bucket_set no_room{bucket_rule{1.0, 2.0}, 0};
    CHECK_FALSE(no_room.try_take("a", at(0)));
    CHECK(no_room.size() == 0);
}

TEST_CASE("a time earlier than the last update neither adds nor removes tokens")
{
    token_bucket_set buckets{bucket_rule{1.0, 1.0}};
    REQUIRE(buckets.try_take("a", at(10)));
    CHECK_FALSE(buckets.try_take("a", at(5)));
    CHECK(buckets.seconds_until_available("a", at(5)) == doctest::Approx(1.0));
    // The earlier call must not have moved the refill origin back to 5 s.
    CHECK_FALSE(buckets.try_take("a", at(10.5)));
    CHECK(buckets.try_take("a", at(11)));
}
