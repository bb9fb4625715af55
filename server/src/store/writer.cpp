#include "store/writer.hpp"

#include <algorithm>
#include <exception>
#include <iostream>
#include <utility>
#include <vector>

namespace pleno::store {
namespace {

// A done callback runs on the writer thread; an exception escaping it would
// end the process, so it is reported and the writer goes on.
void report(write_job& job, job_result result) noexcept
{
    if (!job.done)
        return;
    try {
        job.done(result);
    }
    catch (std::exception const& error) {
        std::cerr << "pleno: a write job's completion handler threw: " << error.what() << '\n';
    }
    catch (...) {
        std::cerr << "pleno: a write job's completion handler threw\n";
    }
}

// Runs one group in one transaction, each job in its own savepoint. Returns
// false when the transaction itself failed; results then say failed for all.
bool write_group(store& target, std::vector<write_job>& group, std::vector<job_result>& results)
{
    try {
        target.begin();
        for (std::size_t index = 0; index < group.size(); ++index) {
            target.savepoint();
            try {
                if (group[index].apply)
                    group[index].apply(target);
            }
            catch (std::exception const& error) {
                std::cerr << "pleno: a write job failed and was rolled back: " << error.what() << '\n';
                target.rollback_savepoint();
                continue;
            }
            catch (...) {
                std::cerr << "pleno: a write job failed and was rolled back\n";
                target.rollback_savepoint();
                continue;
            }
            target.release_savepoint();
            results[index] = job_result::committed;
        }
        target.commit();
        return true;
    }
    catch (std::exception const& error) {
        // The transaction itself failed (BEGIN, a savepoint, COMMIT): nothing
        // of the group is known to be on disk, and memory may already hold
        // what the jobs described. Said once; every later job fails at once.
        std::cerr << "pleno: the database refused a transaction, no further writes will be made: " << error.what()
                  << '\n';
    }
    catch (...) {
        std::cerr << "pleno: the database refused a transaction, no further writes will be made\n";
    }
    try {
        target.rollback();
    }
    catch (...) {
        // Nothing more can be done here; broken() tells the server to stop.
    }
    std::fill(results.begin(), results.end(), job_result::failed);
    return false;
}

}  // namespace

writer::writer(store& target, std::size_t max_group)
    : store_(target), max_group_(std::max<std::size_t>(max_group, 1)), thread_([this] { run(); })
{
}

writer::~writer() { stop(); }

void writer::submit(write_job job)
{
    {
        std::lock_guard lock{mutex_};
        if (!stopping_) {
            queue_.push_back(std::move(job));
            wake_.notify_one();
            return;
        }
        ++stats_.jobs;
        ++stats_.refused;
    }
    // Refused: nothing will run it, and the caller must not wait forever.
    report(job, job_result::refused);
}

void writer::stop()
{
    std::thread worker;
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
        // Taking the thread out under the lock makes a second or concurrent
        // stop() find nothing left to join.
        worker = std::move(thread_);
    }
    wake_.notify_all();
    if (!worker.joinable())
        return;
    if (worker.get_id() == std::this_thread::get_id()) {
        // Called from a completion handler: the thread cannot join itself.
        // It leaves its loop once the queue is empty; the destructor, on
        // another thread, joins it.
        std::lock_guard lock{mutex_};
        thread_ = std::move(worker);
        return;
    }
    worker.join();
}

bool writer::broken() const
{
    std::lock_guard lock{mutex_};
    return broken_;
}

writer_stats writer::stats() const
{
    std::lock_guard lock{mutex_};
    return stats_;
}

void writer::run()
{
    std::vector<write_job> group;
    std::vector<job_result> results;
    group.reserve(max_group_);
    results.reserve(max_group_);
    for (;;) {
        bool already_broken = false;
        {
            std::unique_lock lock{mutex_};
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty())
                return;  // stopping, and every queued job has been handled
            auto const count = std::min(queue_.size(), max_group_);
            for (std::size_t taken = 0; taken < count; ++taken) {
                group.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            already_broken = broken_;
        }

        results.assign(group.size(), job_result::failed);
        bool const transaction_failed = !already_broken && !write_group(store_, group, results);

        std::size_t failed = 0;
        for (auto result : results)
            if (result == job_result::failed)
                ++failed;
        {
            std::lock_guard lock{mutex_};
            if (transaction_failed)
                broken_ = true;
            if (!already_broken)
                ++stats_.groups;
            stats_.jobs += group.size();
            stats_.failed += failed;
        }
        // Outside the lock: a handler may submit the next job.
        for (std::size_t index = 0; index < group.size(); ++index)
            report(group[index], results[index]);
        group.clear();
    }
}

}  // namespace pleno::store
