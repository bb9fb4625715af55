#pragma once
// The staff lane: a second io_context, run by a thread of its own, for the
// connections that send commands (moderators, the chair, tools) and open
// /ws/staff. On the main io_context a command would be read only after every
// handler queued before it, and one event's fan-out queues a handler per
// viewer (tens of thousands); on its own thread it is read when it arrives,
// and the kernel's scheduler, not one FIFO, shares the CPU between the two.
//
// It is only a scheduling lane: authorisation stays with the service, per
// role. It holds at most `capacity` connections; the lane does not refuse
// more, the caller then serves them on the main io_context.

#include <atomic>
#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "net/boost_net.hpp"
#include "net/edge_log.hpp"

namespace pleno::net {

class staff_lane {
public:
    // A place on the lane, given back when the connection ends.
    class seat {
    public:
        seat(seat&& other) noexcept : lane_(std::exchange(other.lane_, nullptr)) {}
        seat& operator=(seat&&) = delete;
        seat(seat const&) = delete;
        seat& operator=(seat const&) = delete;
        ~seat()
        {
            if (lane_ != nullptr) {
                lane_->used_.fetch_sub(1, std::memory_order_relaxed);
            }
        }

    private:
        friend class staff_lane;
        explicit seat(staff_lane& lane) : lane_(&lane) {}
        staff_lane* lane_;
    };

    explicit staff_lane(std::size_t capacity) : capacity_(capacity) {}
    staff_lane(staff_lane const&) = delete;
    staff_lane& operator=(staff_lane const&) = delete;

    asio::io_context& context() { return context_; }

    // A seat, or nothing when the lane is full (or has no capacity at all).
    std::optional<seat> take()
    {
        std::size_t current = used_.load(std::memory_order_relaxed);
        do {
            if (current >= capacity_) {
                return std::nullopt;
            }
        } while (!used_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
        return seat(*this);
    }

    std::size_t size() const { return used_.load(std::memory_order_relaxed); }

    // The lane's thread: runs handlers until stop(). It has work from the
    // start (connections arrive later), so it does not return at once.
    void run()
    {
        for (;;) {
            try {
                context_.run();
                return;
            } catch (std::exception const& failure) {
                // Handlers do not throw by design; if one does, the others
                // keep being served.
                edge_log::line(std::string("staff lane handler threw: ") + failure.what());
            }
        }
    }

    // Thread-safe; run() returns soon after.
    void stop()
    {
        work_.reset();
        context_.stop();
    }

private:
    std::size_t const capacity_;
    // Before the io_context: connections destroyed with it give their seats back.
    std::atomic<std::size_t> used_{0};
    asio::io_context context_{1};
    asio::executor_work_guard<asio::io_context::executor_type> work_{context_.get_executor()};
};

}  // namespace pleno::net
