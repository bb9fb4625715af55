#include <doctest/doctest.h>

#include <chrono>
#include <vector>

#include "frame_pacer.hpp"

using namespace std::chrono_literals;
using pleno::display::frame_pacer;
using time_point = frame_pacer::clock::time_point;

namespace {

// Runs frames of the given work times (ms) through the pacer and returns the
// times (ms from the start) at which each was presented.
std::vector<double> present_times(std::vector<double> const& work_ms, std::chrono::microseconds period = 16'667us)
{
    frame_pacer pacer(period);
    time_point now{};
    time_point const start = now;
    std::vector<double> presented;
    for (double work : work_ms) {
        pacer.deadline(now);
        now += std::chrono::duration_cast<frame_pacer::clock::duration>(std::chrono::duration<double, std::milli>(work));
        now += pacer.wait_before_present(now);
        presented.push_back(std::chrono::duration<double, std::milli>(now - start).count());
        pacer.presented();
    }
    return presented;
}

}  // namespace

TEST_CASE("frames are presented a period apart whatever each one's work, below a period")
{
    // A 2 ms frame, then one of 12 ms, then 15 ms, then 1 ms: the presents stay 16.667 ms apart.
    auto const times = present_times({2, 2, 12, 15, 1, 2});
    REQUIRE(times.size() == 6);
    CHECK(times[0] == doctest::Approx(2.0));  // the first is presented as soon as it is drawn
    CHECK(times[1] == doctest::Approx(16.667).epsilon(0.001));  // and starts the schedule: due a period after its start
    for (std::size_t i = 2; i < times.size(); ++i)
        CHECK(times[i] - times[i - 1] == doctest::Approx(16.667).epsilon(0.001));
}

TEST_CASE("a late frame is presented at once and the next one keeps the schedule")
{
    auto const times = present_times({2, 2, 20, 2, 2});
    // Frame 2 is due at 33.3 ms but ready at 16.7 + 20 = 36.7: presented then.
    CHECK(times[2] == doctest::Approx(16.667 + 20).epsilon(0.001));
    // Frame 3 is due at 50.0 ms (the schedule, not 36.7 + 16.7).
    CHECK(times[3] == doctest::Approx(3 * 16.667).epsilon(0.001));
    CHECK(times[4] - times[3] == doctest::Approx(16.667).epsilon(0.001));
}

TEST_CASE("after a gap of more than a period the schedule starts again from now")
{
    frame_pacer pacer(16'667us);
    time_point now{};
    CHECK(pacer.deadline(now) == now);
    pacer.presented();
    // The wall stood still for a second: the next frame is due now, not 60 frames ago.
    now += 1s;
    CHECK(pacer.deadline(now) == now);
    CHECK(pacer.wait_before_present(now + 3ms) == 0ms);
    pacer.presented();
    CHECK(pacer.deadline(now + 4ms) == now + 16'667us);
    CHECK(pacer.wait_before_present(now + 4ms) == 12'667us);
}

TEST_CASE("asking for the deadline again before presenting does not move it")
{
    frame_pacer pacer(16'667us);
    time_point now{};
    pacer.deadline(now);
    pacer.presented();
    auto const due = pacer.deadline(now + 1ms);
    CHECK(pacer.deadline(now + 2ms) == due);
    CHECK(due == now + 16'667us);
}
