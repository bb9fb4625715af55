// pleno-bench-writer: the store's writer alone, without the network.
//
// Queues post-submission jobs shaped like the server's (the session row
// without its agenda, which a post does not change; the post, the event and
// the audit row) into store::writer on a
// fresh database file (WAL, synchronous=FULL) with a bounded number in
// flight, and prints jobs committed per second and the group sizes. This is
// the ceiling that pleno-bench-ingest's figure is compared against.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "arguments.hpp"
#include "domain/event_view.hpp"
#include "domain/model.hpp"
#include "statistics.hpp"
#include "store/store.hpp"
#include "store/writer.hpp"

namespace {

using namespace pleno;
using bench::fixed;

void print_help()
{
    std::cout << "usage: pleno-bench-writer [--jobs N] [--in-flight N] [--durability full|normal] [--dir DIR] [--summary FILE]\n"
                 "  --jobs N        post jobs to commit (default 20000)\n"
                 "  --in-flight N   jobs queued but not yet committed, at most (default 800)\n"
                 "  --durability    full (the server's setting, default) or normal\n"
                 "  --dir DIR       where the temporary database goes (default: a new folder under /tmp)\n";
}

domain::council_session make_session()
{
    domain::council_session session;
    session.id = 1;
    session.title = "Pleno ordinario de noviembre";
    session.place = "Salón de plenos";
    session.starts_at = 1'795'000'000'000;
    session.state = domain::session_state::live;
    for (int i = 1; i <= 8; ++i)
        session.agenda.push_back({i, i, "Punto " + std::to_string(i) + " del orden del día",
                                  "Aprobación, si procede, del asunto número " + std::to_string(i) + "."});
    session.current_item_id = 3;
    session.opened_at = session.starts_at;
    return session;
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        bench::arguments command_line(argc, argv);
        if (command_line.wants_help()) {
            print_help();
            return 0;
        }
        auto const jobs = static_cast<std::size_t>(command_line.integer("jobs", 20000));
        auto const in_flight = static_cast<std::size_t>(command_line.integer("in-flight", 800));
        std::string const level_name = command_line.text("durability", "full");
        std::string dir = command_line.text("dir", "");
        std::string const summary_file = command_line.text("summary", "");
        command_line.check_all_known();
        if (jobs < 1 || jobs > 10'000'000 || in_flight < 1)
            throw std::runtime_error("--jobs and --in-flight must be positive");
        if (level_name != "full" && level_name != "normal")
            throw std::runtime_error("--durability is full or normal");
        auto const level = level_name == "full" ? store::durability::full : store::durability::normal;

        bool const own_dir = dir.empty();
        if (own_dir)
            dir = (std::filesystem::temp_directory_path() / ("pleno-bench-writer-" + std::to_string(::getpid()))).string();
        std::filesystem::create_directories(dir);
        auto const file = std::filesystem::path(dir) / "pleno.db";
        std::filesystem::remove(file);

        double seconds = 0;
        store::writer_stats stats;
        {
            store::store target(file, level);
            auto session = make_session();
            target.save_session(session);
            store::writer writer(target);

            std::mutex mutex;
            std::condition_variable wake;
            std::size_t outstanding = 0;
            std::size_t committed = 0;
            std::size_t failed = 0;

            auto const started = std::chrono::steady_clock::now();
            for (std::size_t i = 0; i < jobs; ++i) {
                {
                    std::unique_lock lock(mutex);
                    wake.wait(lock, [&] { return outstanding < in_flight; });
                    ++outstanding;
                }
                session.last_seq = static_cast<domain::seq_type>(i + 1);
                domain::post value;
                value.id = static_cast<domain::id_type>(i + 1);
                value.session_id = 1;
                value.item_id = 3;
                value.client_id = "writer-" + std::to_string(i);
                value.citizen_id = "c-bench" + std::to_string(i % 100);
                value.author = "Vecina " + std::to_string(i % 100);
                value.text = "¿Cuándo se arreglará el alumbrado de la calle Mayor? Lleva semanas apagado. #" + std::to_string(i);
                value.submitted_at = session.starts_at + static_cast<domain::millis>(i);
                domain::event event;
                event.session_id = 1;
                event.seq = session.last_seq;
                event.at = value.submitted_at;
                event.type = "post_submitted";
                event.actor = value.citizen_id;
                event.data = {{"post", domain::post_json(value, domain::audience::staff)}};
                store::audit_entry audit{event.at, event.actor, event.type, "post:" + std::to_string(value.id),
                                         R"({"session_id":1,"seq":)" + std::to_string(event.seq) + R"(,"status":"pending"})"};

                store::write_job job;
                job.apply = [session, value = std::move(value), event = std::move(event), audit = std::move(audit)](store::store& into) {
                    into.save_session(session, store::agenda_rows::keep);
                    into.save_post(value);
                    into.append_event(event);
                    into.append_audit(audit);
                };
                job.done = [&](store::job_result result) {
                    std::lock_guard lock(mutex);
                    --outstanding;
                    (result == store::job_result::committed ? committed : failed) += 1;
                    wake.notify_all();
                };
                writer.submit(std::move(job));
            }
            {
                std::unique_lock lock(mutex);
                wake.wait(lock, [&] { return outstanding == 0; });
            }
            seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            stats = writer.stats();
            writer.stop();
            if (failed > 0)
                throw std::runtime_error(std::to_string(failed) + " jobs failed");
            (void)committed;
        }
        if (own_dir)
            std::filesystem::remove_all(dir);

        std::vector<std::string> lines;
        lines.push_back("writer summary (no network), synchronous=" + std::string(level_name == "full" ? "FULL" : "NORMAL") + ", " +
                        std::to_string(in_flight) + " jobs in flight:");
        lines.push_back("  " + fixed(static_cast<double>(jobs) / seconds, 0) + " post jobs/s committed (" + std::to_string(jobs) +
                        " in " + fixed(seconds, 2) + " s), " + std::to_string(stats.groups) + " group commits, " +
                        fixed(static_cast<double>(stats.jobs) / static_cast<double>(std::max<std::size_t>(stats.groups, 1)), 1) +
                        " jobs per commit, " + fixed(seconds * 1000.0 / static_cast<double>(std::max<std::size_t>(stats.groups, 1)), 2) +
                        " ms per commit");
        for (auto const& line : lines)
            std::cout << line << "\n";
        if (!summary_file.empty()) {
            std::ofstream output(summary_file, std::ios::app);
            for (auto const& line : lines)
                output << line << "\n";
        }
        return 0;
    } catch (std::exception const& problem) {
        std::cerr << "pleno-bench-writer: " << problem.what() << "\n";
        return 1;
    }
}
