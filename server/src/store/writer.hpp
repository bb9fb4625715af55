#pragma once
// The one writer: a thread that takes queued jobs, runs as many as are
// waiting in one transaction (group commit), commits, and only then reports
// each job's completion, in the order the jobs were queued.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "store/store.hpp"

namespace pleno::store {

// refused: submitted after stop(); nothing ran and nothing failed (the
// server is shutting down), so it is no reason to report the store broken.
enum class job_result { committed, failed, refused };

struct write_job {
    // Runs inside the group's transaction, within its own savepoint. Throwing
    // rolls back this job alone and reports it failed.
    std::function<void(store&)> apply;
    // Called on the writer thread after the group commit (or failure), in
    // queue order. Must not block for long: hand work to other threads.
    std::function<void(job_result)> done;
};

struct writer_stats {
    std::size_t jobs = 0;
    std::size_t groups = 0;
    std::size_t failed = 0;
    std::size_t refused = 0;  // submitted after stop()
};

class writer {
public:
    // Takes the store used for every write. max_group bounds one transaction.
    explicit writer(store& target, std::size_t max_group = 512);
    ~writer();  // finishes every queued job, then stops
    writer(writer const&) = delete;
    writer& operator=(writer const&) = delete;

    // Queues a job. After stop(), jobs are refused and reported failed at once.
    void submit(write_job job);

    // Finishes queued jobs and joins the thread. Idempotent.
    void stop();

    // True once a commit failed: the database and memory may disagree, and the
    // server must stop taking writes (it exits so a restart reloads the truth).
    bool broken() const;

    writer_stats stats() const;

private:
    void run();

    store& store_;
    std::size_t max_group_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<write_job> queue_;
    bool stopping_ = false;
    bool broken_ = false;
    writer_stats stats_;
    std::thread thread_;
};

}  // namespace pleno::store
