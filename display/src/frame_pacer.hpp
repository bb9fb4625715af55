#pragma once
// When to present frames on a screen without vsync (the software renderer,
// Xvfb). A frame is drawn first and presented at its deadline, one period
// after the previous one, so the time between two presents stays the period
// whatever the frame's own work took, as long as it took less than a period.
// (Sleeping out "the rest of the period" after each present instead makes
// the interval follow the difference between two frames' work: a 12 ms frame
// after a 2 ms one showed 26 ms late.) A late frame is presented at once; the
// next keeps the schedule, and after a gap of more than a period (the wall
// stood still, or the machine stalled) the schedule starts again from now
// rather than rushing frames out to catch up. No SDL; time is passed in.

#include <algorithm>
#include <chrono>

namespace pleno::display {

class frame_pacer {
public:
    using clock = std::chrono::steady_clock;

    // The period where the renderer has no vsync: 60 frames a second.
    static constexpr auto sixty_hertz = std::chrono::microseconds(16'667);

    explicit frame_pacer(clock::duration period) : period_(period) {}

    // Before drawing a frame: when it will be presented (what its animations
    // are computed for). Never earlier than now.
    clock::time_point deadline(clock::time_point now)
    {
        deadline_ = std::max(deadline_, now);
        return deadline_;
    }

    // After drawing: how long to wait before presenting (zero when late).
    clock::duration wait_before_present(clock::time_point now) const
    {
        return std::max(deadline_ - now, clock::duration::zero());
    }

    // After presenting: the next frame's deadline is a period after this one's.
    void presented() { deadline_ += period_; }

private:
    clock::duration period_;
    clock::time_point deadline_{};  // before the first frame: the clock's epoch, long past
};

}  // namespace pleno::display
