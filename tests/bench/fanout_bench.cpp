// pleno-bench-fanout: how long an approved post takes to reach every viewer.
//
// Against a running pleno-server (on 127.0.0.1 only) it opens N viewer
// connections and waits for their snapshots, has citizens submit the posts it
// will need, then as a moderator approves them: isolated approvals, a burst,
// and a sustained rate. It timestamps each approve as it is sent and each
// viewer's receipt of the matching post_approved event, and prints the
// approve-to-receipt latency over all viewers and for the last viewer, the
// server's CPU per delivered message, its resident memory per idle viewer,
// and what one viewer that stops reading changes for the others.
//
// It measures; it never passes or fails on time. Every wait is bounded.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <netinet/tcp.h>

#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "event_loop.hpp"
#include "http_client.hpp"
#include "message_scanner.hpp"
#include "process_probe.hpp"
#include "statistics.hpp"
#include "websocket_client.hpp"

namespace {

using namespace pleno::bench;
using namespace std::chrono_literals;
using json = nlohmann::json;
using milliseconds_double = std::chrono::duration<double, std::milli>;

enum role_tag : std::uint32_t { tag_moderator, tag_citizen, tag_viewer, tag_slow_viewer };

struct options {
    std::uint16_t port = 0;
    pid_t server_pid = 0;
    std::size_t viewers = 1000;
    std::string moderator = "moderadora";
    std::string password = "demo-moderadora";
    std::string moderator_path = "/ws/staff";
    int isolated = 20;
    std::chrono::milliseconds isolated_gap{500};
    int burst = 30;
    double rate = 30;
    double sustain_seconds = 10;
    int citizens = 10;
    int connect_parallel = 256;
    bool slow_viewer = true;
    double slow_wait_seconds = 90;
    std::chrono::seconds drain_timeout{30};
    std::string summary_file;
    std::string trace_file;
    int warmup = 10;
    int server_core = 0;
};

void print_help()
{
    std::cout << "usage: pleno-bench-fanout --port PORT --server-pid PID [options]\n"
                 "  --viewers N              viewer connections (default 1000)\n"
                 "  --moderator NAME         moderator account (default moderadora, the --demo one)\n"
                 "  --password TEXT          its password (default demo-moderadora)\n"
                 "  --moderator-path PATH    the moderator's WebSocket endpoint: /ws/staff (default, the staff lane)\n"
                 "                           or /ws (shared with the viewers)\n"
                 "  --isolated N             isolated approvals (default 20)\n"
                 "  --isolated-gap-ms MS     between isolated approvals (default 500)\n"
                 "  --burst N                approvals sent back to back (default 30)\n"
                 "  --rate R                 sustained approvals per second (default 30)\n"
                 "  --sustain-seconds S      how long the sustained rate lasts (default 10)\n"
                 "  --citizens N             citizen connections that submit the posts (default 10)\n"
                 "  --connect-parallel N     viewer handshakes in flight at once (default 256)\n"
                 "  --slow-viewer 0|1        repeat the phases with one viewer that never reads (default 1)\n"
                 "  --slow-wait-seconds S    how long to wait for the server to drop it (default 90)\n"
                 "  --summary FILE           also write the summary lines to FILE\n"
                 "  --trace FILE             one line per approval to FILE: viewers, phase, sent (ms since the first),\n"
                 "                           approve->ack, approve->handled by the server, p50 and last receipt (ms), receipts\n"
                 "  --warmup N               unreported approvals before the phases (default 10)\n"
                 "  --server-core N          the CPU the server is pinned to, read in /proc/stat (default 0)\n"
                 "The server must run on 127.0.0.1 with a live session, with connections_per_address\n"
                 "above N + citizens + 2 and the per-citizen post rate raised (see run-benchmarks).\n";
}

struct approval {
    std::int64_t post_id = 0;
    std::size_t phase = 0;
    clock_type::time_point sent_at{};
    std::int64_t sent_wall_ms = 0;    // the same moment on the wall clock
    std::int64_t handled_wall_ms = -1; // the event's "at": when the server handled the approve
    clock_type::time_point acked_at{};
    bool acked = false;
    std::vector<float> latency_ms;  // per viewer; NaN until received
    std::size_t received = 0;
    clock_type::time_point last_receipt{};
};

struct phase_report {
    std::string name;
    std::size_t approvals = 0;
    std::size_t viewers = 0;
    distribution all;     // every (approval, viewer) receipt
    distribution last;    // per approval, its last viewer
    distribution commit;  // approve sent -> moderator's ack
    distribution handled; // approve sent -> the server handled it (its event's "at"; 1 ms resolution)
    std::size_t missing = 0;
    std::size_t delivered = 0;
    double seconds = 0;
    double server_cpu_seconds = 0;
    double core_busy_seconds = 0;     // the server's CPU, softirq included
    double core_softirq_seconds = 0;
    double client_cpu_seconds = 0;
    double completion_lag_ms = 0;  // last approve sent -> its last receipt
    double events_per_message = 0; // viewers' objects per WebSocket message: the server's coalescing
    std::vector<distribution> last_per_second;  // sustained only
    std::string backlog;
};

double ms_between(clock_type::time_point from, clock_type::time_point to)
{
    return milliseconds_double(to - from).count();
}

std::string percent_change(double before, double after)
{
    if (before <= 0)
        return "n/a";
    double const change = (after - before) / before * 100.0;
    return (change >= 0 ? "+" : "") + fixed(change, 1) + "%";
}

class fanout_bench final : public client_listener {
public:
    explicit fanout_bench(options settings)
        : options_(std::move(settings))
    {
    }

    int run()
    {
        std::size_t const file_limit = raise_open_file_limit();
        std::size_t const needed = options_.viewers + static_cast<std::size_t>(options_.citizens) + 16;
        say("pleno-bench-fanout: " + std::to_string(options_.viewers) + " viewers, server pid " +
            std::to_string(options_.server_pid) + " on 127.0.0.1:" + std::to_string(options_.port) +
            ", open-file limit " + std::to_string(file_limit));
        if (file_limit < needed)
            throw std::runtime_error("the open-file limit " + std::to_string(file_limit) + " is below the " +
                                     std::to_string(needed) + " descriptors needed (ulimit -Hn)");
        if (!read_cpu_times(options_.server_pid))
            throw std::runtime_error("cannot read /proc/" + std::to_string(options_.server_pid) + "/stat");

        connect_moderator();
        connect_citizens();
        // With the non-reader: a first set, a set while it is connected, and a
        // set after the server dropped it, so its effect can be told from noise.
        int const sets = options_.slow_viewer ? 3 : 1;
        std::size_t const per_set = static_cast<std::size_t>(options_.isolated + options_.burst) + sustained_count();
        submit_posts(per_set * static_cast<std::size_t>(sets) + static_cast<std::size_t>(std::max(0, options_.warmup)));

        pump_for(1s);
        auto const resident_before = read_resident_kib(options_.server_pid).value_or(0);
        connect_viewers();
        pump_for(2s);
        auto const resident_after = read_resident_kib(options_.server_pid).value_or(0);
        double const per_viewer_kib = options_.viewers == 0 ? 0.0
                                                            : (static_cast<double>(resident_after) - static_cast<double>(resident_before)) /
                                                                  static_cast<double>(options_.viewers);
        say("server resident memory: " + std::to_string(resident_before) + " KiB with 0 viewers, " +
            std::to_string(resident_after) + " KiB with " + std::to_string(options_.viewers) + " idle viewers: " +
            fixed(per_viewer_kib, 2) + " KiB per idle viewer");
        memory_line_ = "memory per idle viewer: " + fixed(per_viewer_kib, 2) + " KiB (VmRSS " +
                       std::to_string(resident_before) + " -> " + std::to_string(resident_after) + " KiB)";

        if (options_.warmup > 0) {
            // First-touch costs (page faults, socket buffers growing) belong to no phase.
            say("warm-up: " + std::to_string(options_.warmup) + " approvals, not reported");
            warming_up_ = true;
            run_phase("warm-up", options_.warmup, 100ms);
            warming_up_ = false;
            pump_for(1s);
        }
        auto baseline = run_phase_set("");
        std::vector<phase_report> with_slow, after_slow;
        if (options_.slow_viewer) {
            connect_slow_viewer();
            with_slow = run_phase_set(" +nonreader");
        }
        auto const resident_end = read_resident_kib(options_.server_pid).value_or(0);
        say("server resident memory after the phases: " + std::to_string(resident_end) + " KiB");
        if (options_.slow_viewer) {
            await_slow_viewer_fate();
            after_slow = run_phase_set(" again");
        }

        print_summary(baseline, with_slow, after_slow);
        return 0;
    }

    // ---- client_listener ----------------------------------------------

    void on_open(websocket_client& client) override
    {
        switch (client.tag()) {
        case tag_moderator:
            client.send_text(json{{"type", "hello"}, {"req", 1}, {"role", "moderator"}, {"token", token_}}.dump());
            break;
        case tag_citizen:
            client.send_text(R"({"type":"hello","req":1,"role":"citizen"})");
            break;
        default:
            client.send_text(R"({"type":"hello","req":1,"role":"viewer"})");
            break;
        }
    }

    void on_message(websocket_client& client, std::string_view text, clock_type::time_point received_at) override
    {
        if (!scan_messages(text, fields_)) {
            ++unreadable_messages_;
            return;
        }
        if (client.tag() == tag_viewer)
            ++viewer_messages_;
        for (auto const& fields : fields_) {
            switch (client.tag()) {
            case tag_viewer:
                ++viewer_events_;
                on_viewer_message(client, fields, received_at);
                break;
            case tag_slow_viewer:
                if (fields.type == "post_approved") {
                    auto found = approval_of_post_.find(fields.post_id);
                    if (found != approval_of_post_.end() && found->second >= slow_approvals_before_)
                        slow_viewer_posts_.insert(fields.post_id);
                    else
                        ++slow_viewer_other_events_;
                }
                if (fields.type == "snapshot")
                    slow_viewer_ready_ = true;
                break;
            case tag_moderator:
                on_moderator_message(fields, text, received_at);
                break;
            case tag_citizen:
                on_citizen_message(fields, text);
                break;
            }
        }
    }

    void on_closed(websocket_client& client) override
    {
        switch (client.tag()) {
        case tag_viewer:
            if (viewer_ready_[client.index()])
                --live_viewers_;
            else
                ++viewers_failed_;
            if (closed_viewer_reasons_.size() < 5)
                closed_viewer_reasons_.push_back("viewer " + std::to_string(client.index()) + ": " + client.failure());
            ++viewers_closed_;
            break;
        case tag_slow_viewer:
            break;
        default:
            say("connection (" + std::string(client.tag() == tag_moderator ? "moderator" : "citizen") +
                ") closed: " + client.failure());
            break;
        }
    }

private:
    // ---- messages ------------------------------------------------------

    void on_viewer_message(websocket_client& client, message_fields const& fields, clock_type::time_point received_at)
    {
        if (fields.type == "post_approved") {
            auto found = approval_of_post_.find(fields.post_id);
            if (found == approval_of_post_.end())
                return;
            auto& entry = approvals_[found->second];
            float& slot = entry.latency_ms[client.index()];
            if (!std::isnan(slot)) {
                ++duplicates_;
                return;
            }
            slot = static_cast<float>(ms_between(entry.sent_at, received_at));
            if (entry.handled_wall_ms < 0)
                entry.handled_wall_ms = fields.at;
            ++entry.received;
            entry.last_receipt = std::max(entry.last_receipt, received_at);
            return;
        }
        if (fields.type == "snapshot" && !viewer_ready_[client.index()]) {
            viewer_ready_[client.index()] = true;
            ++live_viewers_;
            return;
        }
        if (fields.type == "error")
            ++viewer_errors_;
    }

    void on_moderator_message(message_fields const& fields, std::string_view text, clock_type::time_point received_at)
    {
        if (fields.type == "snapshot") {
            moderator_ready_ = true;
        } else if (fields.type == "ack" && fields.req >= first_approve_req) {
            auto found = approval_of_req_.find(fields.req);
            if (found != approval_of_req_.end()) {
                approvals_[found->second].acked = true;
                approvals_[found->second].acked_at = received_at;
            }
        } else if (fields.type == "error") {
            ++moderator_errors_;
            if (moderator_errors_ <= 5)
                say("moderator got an error: " + std::string(text.substr(0, 300)));
        }
    }

    void on_citizen_message(message_fields const& fields, std::string_view text)
    {
        if (fields.type == "snapshot") {
            ++citizens_ready_;
        } else if (fields.type == "ack" && fields.req >= first_submit_req && fields.post_id > 0) {
            pending_posts_.push_back(fields.post_id);
        } else if (fields.type == "error") {
            ++citizen_errors_;
            if (citizen_errors_ <= 5)
                say("citizen got an error: " + std::string(text.substr(0, 300)));
        }
    }

    // ---- set-up --------------------------------------------------------

    void connect_moderator()
    {
        std::string failure;
        auto token = log_in(options_.port, options_.moderator, options_.password, failure);
        if (!token)
            throw std::runtime_error("login as " + options_.moderator + " failed: " + failure);
        token_ = *token;
        moderator_ = std::make_unique<websocket_client>(*this, tag_moderator, 0);
        moderator_->set_target(options_.moderator_path);
        moderator_->start(loop_, options_.port);
        pump_until([&] { return moderator_ready_ || moderator_->state() == websocket_client::phase::closed; }, 15s);
        if (!moderator_ready_)
            throw std::runtime_error("the moderator connection got no snapshot: " + moderator_->failure());
    }

    void connect_citizens()
    {
        for (int i = 0; i < options_.citizens; ++i) {
            citizens_.push_back(std::make_unique<websocket_client>(*this, tag_citizen, static_cast<std::uint32_t>(i)));
            citizens_.back()->start(loop_, options_.port);
        }
        pump_until([&] { return citizens_ready_ >= citizens_.size(); }, 30s);
        if (citizens_ready_ < citizens_.size())
            throw std::runtime_error("only " + std::to_string(citizens_ready_) + " of " + std::to_string(citizens_.size()) +
                                     " citizens got a snapshot");
    }

    void submit_posts(std::size_t count)
    {
        auto const started = clock_type::now();
        static char const* const texts[] = {
            "¿Se ampliará el horario de la biblioteca municipal los sábados por la mañana? Muchas familias lo piden.",
            "Proposo que el ple es faci també en horari de tarda perquè hi pugui assistir més gent del poble.",
            "Merci pour la retransmission. Quand le nouveau parking de la gare sera-t-il ouvert aux riverains ?",
            "Could the council publish the budget tables as open data before the next session, please?",
        };
        for (std::size_t i = 0; i < count; ++i) {
            auto& citizen = *citizens_[i % citizens_.size()];
            json const message = {
                {"type", "submit_post"},
                {"req", first_submit_req + static_cast<std::int64_t>(i)},
                {"client_id", "bench-" + std::to_string(i)},
                {"author", "Vecina " + std::to_string(i % citizens_.size())},
                {"text", std::string(texts[i % 4]) + " (#" + std::to_string(i) + ")"},
            };
            citizen.send_text(message.dump());
            if (i % 64 == 63)
                loop_.poll(0ms);
        }
        pump_until([&] { return pending_posts_.size() + citizen_errors_ >= count; }, 60s);
        if (pending_posts_.size() < count)
            throw std::runtime_error("only " + std::to_string(pending_posts_.size()) + " of " + std::to_string(count) +
                                     " posts were acknowledged (" + std::to_string(citizen_errors_) +
                                     " errors; is posts_per_citizen raised in the server's config?)");
        say("submitted " + std::to_string(count) + " posts in " + fixed(ms_between(started, clock_type::now()), 0) + " ms");
    }

    void connect_viewers()
    {
        auto const started = clock_type::now();
        viewer_ready_.assign(options_.viewers, false);
        viewers_.reserve(options_.viewers);
        auto const deadline = started + std::chrono::seconds(60 + options_.viewers / 100);
        std::size_t next_report = 1000;
        while (clock_type::now() < deadline) {
            std::size_t const settled = live_viewers_ + viewers_failed_;
            if (settled >= options_.viewers)
                break;
            while (viewers_.size() < options_.viewers &&
                   viewers_.size() - (live_viewers_ + viewers_closed_) < static_cast<std::size_t>(options_.connect_parallel)) {
                viewers_.push_back(std::make_unique<websocket_client>(*this, tag_viewer, static_cast<std::uint32_t>(viewers_.size())));
                viewers_.back()->start(loop_, options_.port);
            }
            loop_.poll(5ms);
            if (live_viewers_ >= next_report) {
                say("  " + std::to_string(live_viewers_) + " viewers ready");
                next_report += 1000;
            }
        }
        double const seconds = ms_between(started, clock_type::now()) / 1000.0;
        say(std::to_string(live_viewers_) + " of " + std::to_string(options_.viewers) + " viewers ready in " + fixed(seconds, 2) +
            " s (" + fixed(static_cast<double>(live_viewers_) / seconds, 0) + " handshakes+snapshots/s)");
        if (live_viewers_ < options_.viewers) {
            for (auto const& reason : closed_viewer_reasons_)
                say("  " + reason);
            throw std::runtime_error(std::to_string(options_.viewers - live_viewers_) + " viewers did not get a snapshot");
        }
        connect_line_ = std::to_string(options_.viewers) + " viewers connected and got snapshots in " + fixed(seconds, 2) + " s";
    }

    void connect_slow_viewer()
    {
        // A receive buffer of a few KiB: once it is full the server's writes stop completing.
        slow_viewer_ = std::make_unique<websocket_client>(*this, tag_slow_viewer, 0);
        slow_viewer_->start(loop_, options_.port, 4096);
        pump_until([&] { return slow_viewer_ready_ || slow_viewer_->state() == websocket_client::phase::closed; }, 15s);
        if (!slow_viewer_ready_)
            throw std::runtime_error("the non-reading viewer got no snapshot: " + slow_viewer_->failure());
        slow_viewer_->stop_reading();
        slow_stopped_at_ = clock_type::now();
        slow_connections_before_ = server_connection_count(options_.port).value_or(-1);
        slow_approvals_before_ = approvals_.size();
        say("one more viewer connected and stopped reading its socket (receive buffer 4 KiB); the server counts " +
            std::to_string(slow_connections_before_) + " connections");
    }

    // ---- phases --------------------------------------------------------

    std::size_t sustained_count() const
    {
        return static_cast<std::size_t>(std::llround(options_.rate * options_.sustain_seconds));
    }

    std::vector<phase_report> run_phase_set(std::string const& suffix)
    {
        std::vector<phase_report> reports;
        reports.push_back(run_phase("isolated" + suffix, options_.isolated, options_.isolated_gap));
        pump_for(1s);
        reports.push_back(run_phase("burst" + suffix, options_.burst, clock_type::duration::zero()));
        pump_for(1s);
        auto const spacing = std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(1.0 / options_.rate));
        reports.push_back(run_phase("sustained" + suffix, static_cast<int>(sustained_count()), spacing));
        pump_for(1s);
        return reports;
    }

    void send_approve()
    {
        if (pending_posts_.empty())
            throw std::runtime_error("ran out of pending posts");
        std::int64_t const post_id = pending_posts_.front();
        pending_posts_.pop_front();
        std::int64_t const req = first_approve_req + static_cast<std::int64_t>(approvals_.size());
        approval entry;
        entry.post_id = post_id;
        entry.phase = phase_index_;
        entry.latency_ms.assign(options_.viewers, std::numeric_limits<float>::quiet_NaN());
        approval_of_post_[post_id] = approvals_.size();
        approval_of_req_[req] = approvals_.size();
        char message[128];
        std::snprintf(message, sizeof message, R"({"type":"approve","req":%lld,"post_id":%lld})", static_cast<long long>(req),
                      static_cast<long long>(post_id));
        entry.sent_at = clock_type::now();
        entry.sent_wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        approvals_.push_back(std::move(entry));
        moderator_->send_text(message);
    }

    phase_report run_phase(std::string name, int count, clock_type::duration spacing)
    {
        ++phase_index_;
        phase_report report;
        report.name = std::move(name);
        report.approvals = static_cast<std::size_t>(count);
        report.viewers = live_viewers_;
        say("phase " + report.name + ": " + std::to_string(count) + " approvals" +
            (spacing == clock_type::duration::zero() ? std::string(" back to back")
                                                     : " every " + fixed(milliseconds_double(spacing).count(), 1) + " ms"));
        // A phase that fell behind must not bleed into the next one.
        if (!all_delivered(0)) {
            pump_until([&] { return all_delivered(0); }, options_.drain_timeout);
            if (!all_delivered(0))
                say("  (earlier approvals are still not delivered everywhere; this phase starts anyway)");
        }
        std::size_t const first = approvals_.size();
        auto const cpu_before = read_cpu_times(options_.server_pid).value_or(cpu_times{});
        auto const core_before = read_core_times(options_.server_core).value_or(core_times{});
        auto const own_before = own_cpu_times();
        auto const messages_before = viewer_messages_;
        auto const events_before = viewer_events_;
        auto const started = clock_type::now() + 5ms;
        for (int i = 0; i < count; ++i) {
            auto const due = started + spacing * i;
            while (clock_type::now() < due)
                loop_.poll(std::chrono::ceil<std::chrono::milliseconds>(due - clock_type::now()) - 1ms);
            send_approve();
        }
        auto const last_sent = approvals_.back().sent_at;
        pump_until([&] { return all_delivered(first); }, options_.drain_timeout);
        auto const ended = clock_type::now();
        auto const cpu_after = read_cpu_times(options_.server_pid).value_or(cpu_times{});
        auto const core_after = read_core_times(options_.server_core).value_or(core_times{});
        auto const own_after = own_cpu_times();
        if (viewer_messages_ > messages_before)
            report.events_per_message = static_cast<double>(viewer_events_ - events_before) /
                                        static_cast<double>(viewer_messages_ - messages_before);

        std::vector<double> all, last, commit, handled;
        all.reserve(static_cast<std::size_t>(count) * options_.viewers);
        std::map<long, std::vector<double>> last_by_second;
        for (std::size_t a = first; a < approvals_.size(); ++a) {
            auto const& entry = approvals_[a];
            double worst = 0;
            bool complete_approval = true;
            for (std::size_t v = 0; v < options_.viewers; ++v) {
                float const value = entry.latency_ms[v];
                if (std::isnan(value)) {
                    if (viewer_is_open(v)) {
                        ++report.missing;
                        complete_approval = false;
                    }
                    continue;
                }
                all.push_back(value);
                worst = std::max(worst, static_cast<double>(value));
                ++report.delivered;
            }
            if (complete_approval) {
                last.push_back(worst);
                last_by_second[static_cast<long>(ms_between(started, entry.sent_at) / 1000.0)].push_back(worst);
            }
            if (entry.acked)
                commit.push_back(ms_between(entry.sent_at, entry.acked_at));
            if (entry.handled_wall_ms >= 0)
                handled.push_back(static_cast<double>(entry.handled_wall_ms - entry.sent_wall_ms));
            report.completion_lag_ms = std::max(report.completion_lag_ms, ms_between(last_sent, entry.last_receipt));
        }
        report.all = summarise(all);
        report.last = summarise(last);
        report.commit = summarise(commit);
        report.handled = summarise(handled);
        report.seconds = ms_between(started, ended) / 1000.0;
        report.server_cpu_seconds = cpu_after.total() - cpu_before.total();
        report.core_busy_seconds = core_after.busy_seconds - core_before.busy_seconds;
        report.core_softirq_seconds = core_after.softirq_seconds - core_before.softirq_seconds;
        report.client_cpu_seconds = own_after.total() - own_before.total();
        if (spacing != clock_type::duration::zero() && count > static_cast<int>(options_.rate) * 2 &&
            report.name.rfind("sustained", 0) == 0) {
            for (auto& [second, values] : last_by_second)
                report.last_per_second.push_back(summarise(values));
            report.backlog = backlog_verdict(report);
        }
        if (!warming_up_)
            print_phase(report);
        trace(report.name, first);
        return report;
    }

    // One line per approval: where the time went, for docs/performance.md.
    void trace(std::string const& phase, std::size_t first)
    {
        if (options_.trace_file.empty())
            return;
        std::ofstream output(options_.trace_file, std::ios::app);
        if (trace_origin_ == clock_type::time_point{})
            trace_origin_ = approvals_[first].sent_at;
        for (std::size_t a = first; a < approvals_.size(); ++a) {
            auto const& entry = approvals_[a];
            std::vector<double> values;
            for (float value : entry.latency_ms)
                if (!std::isnan(value))
                    values.push_back(value);
            auto const spread = summarise(values);
            std::string label = phase;
            std::replace(label.begin(), label.end(), ' ', '_');
            output << options_.viewers << ' ' << label << ' ' << fixed(ms_between(trace_origin_, entry.sent_at), 1) << ' '
                   << (entry.acked ? fixed(ms_between(entry.sent_at, entry.acked_at), 2) : std::string("-")) << ' '
                   << (entry.handled_wall_ms >= 0 ? std::to_string(entry.handled_wall_ms - entry.sent_wall_ms) : std::string("-")) << ' '
                   << fixed(spread.p50, 2) << ' ' << fixed(spread.max, 2) << ' ' << spread.count << '\n';
        }
    }

    bool all_delivered(std::size_t first) const
    {
        for (std::size_t a = first; a < approvals_.size(); ++a)
            if (approvals_[a].received < live_viewers_ || !approvals_[a].acked)
                return false;
        return true;
    }

    bool viewer_is_open(std::size_t index) const
    {
        return viewers_[index]->state() == websocket_client::phase::open;
    }

    static std::string backlog_verdict(phase_report const& report)
    {
        auto const& seconds = report.last_per_second;
        if (seconds.size() < 4)
            return "too short to tell";
        double const early = (seconds[0].p50 + seconds[1].p50) / 2;
        double const late = (seconds[seconds.size() - 2].p50 + seconds[seconds.size() - 1].p50) / 2;
        bool const growing = late > early * 1.5 + 5.0 || report.completion_lag_ms > 1000.0;
        return (growing ? "GROWING backlog" : "no growing backlog") + std::string(": last-viewer p50 ") + fixed(early, 1) +
               " ms in the first two seconds, " + fixed(late, 1) + " ms in the last two";
    }

    void print_phase(phase_report const& report)
    {
        double const cpu_per_message_us =
            report.delivered == 0 ? 0.0 : report.server_cpu_seconds * 1e6 / static_cast<double>(report.delivered);
        say("  all receipts:   " + describe(report.all));
        say("  last viewer:    " + describe(report.last));
        say("  approve -> ack: " + describe(report.commit));
        say("  approve -> the server handles it: " + describe(report.handled));
        say("  delivered " + std::to_string(report.delivered) + ", missing " + std::to_string(report.missing) +
            ", last receipt " + fixed(report.completion_lag_ms, 1) + " ms after the last approve; " +
            fixed(report.events_per_message, 2) + " events per WebSocket message");
        say("  server CPU " + fixed(report.server_cpu_seconds, 2) + " s = " + fixed(cpu_per_message_us, 2) +
            " us per delivered message; client CPU " + fixed(report.client_cpu_seconds, 2) + " s");
        // The server's own time already holds the softirq work done in its context.
        say("  CPU " + std::to_string(options_.server_core) + " busy " + fixed(report.core_busy_seconds, 2) + " s of " +
            fixed(report.seconds, 2) + " s (of which softirq " + fixed(report.core_softirq_seconds, 2) + " s) = " +
            fixed(report.delivered == 0 ? 0.0 : report.core_busy_seconds * 1e6 / static_cast<double>(report.delivered), 2) +
            " us per delivered message; other work on that CPU " +
            fixed(std::max(0.0, report.core_busy_seconds - report.server_cpu_seconds), 2) + " s");
        if (!report.last_per_second.empty()) {
            std::string line = "  last-viewer p50 per second:";
            for (auto const& second : report.last_per_second) {
                line += ' ';
                line += fixed(second.p50, 1);
            }
            say(line);
            say("  " + report.backlog);
        }
    }

    // ---- the non-reading viewer ------------------------------------------

    void await_slow_viewer_fate()
    {
        auto const deadline = slow_stopped_at_ + std::chrono::duration_cast<clock_type::duration>(
                                                     std::chrono::duration<double>(options_.slow_wait_seconds));
        std::int64_t const others = static_cast<std::int64_t>(live_viewers_ + citizens_.size() + 1);
        say("waiting up to " + fixed(ms_between(clock_type::now(), deadline) / 1000.0, 0) +
            " s for the server to drop the non-reading viewer (" + std::to_string(slow_viewer_->unread_bytes()) +
            " bytes wait unread in its socket)");
        std::optional<double> dropped_after;
        while (clock_type::now() < deadline) {
            auto const count = server_connection_count(options_.port);
            if (count && *count <= others) {
                dropped_after = ms_between(slow_stopped_at_, clock_type::now()) / 1000.0;
                break;
            }
            pump_for(1s);
        }
        // What reached it: read everything, giving the server a moment to send the rest.
        auto const drain_until = clock_type::now() + 3s;
        while (clock_type::now() < drain_until && slow_viewer_->state() != websocket_client::phase::closed) {
            slow_viewer_->drain();
            pump_for(100ms);
        }
        std::size_t const sent_after = approvals_.size() - slow_approvals_before_;
        std::size_t const got = slow_viewer_posts_.size();
        std::string fate;
        if (dropped_after)
            fate = "the server dropped it " + fixed(*dropped_after, 1) + " s after it stopped reading";
        else
            fate = "the server still held it after " + fixed(options_.slow_wait_seconds, 0) + " s";
        if (slow_viewer_->state() == websocket_client::phase::closed)
            fate += "; its socket then read: " + slow_viewer_->failure();
        fate += "; it had received " + std::to_string(got) + " of the " + std::to_string(sent_after) +
                " approvals sent after it stopped reading" +
                (slow_viewer_other_events_ ? " (and " + std::to_string(slow_viewer_other_events_) + " other approvals)" : std::string());
        say("non-reading viewer: " + fate);
        slow_line_ = "non-reading viewer: " + fate;
        if (live_viewers_ != options_.viewers)
            say("WARNING: " + std::to_string(options_.viewers - live_viewers_) + " reading viewers were closed");
    }

    // ---- output --------------------------------------------------------

    void print_summary(std::vector<phase_report> const& baseline, std::vector<phase_report> const& with_slow,
                       std::vector<phase_report> const& after_slow)
    {
        std::vector<std::string> lines;
        lines.push_back("fanout summary, " + std::to_string(options_.viewers) + " viewers, moderator on " +
                        options_.moderator_path + ":");
        lines.push_back("  " + connect_line_);
        lines.push_back("  " + memory_line_);
        lines.push_back("  phase (ms; CPU in us)   | all p50 | all p99 | last p50 | last p99 | last max | ack p50 | CPU/msg | core/msg | ev/msg | missing");
        auto row = [&](phase_report const& report) {
            char text[256];
            double const cpu = report.delivered == 0 ? 0.0 : report.server_cpu_seconds * 1e6 / static_cast<double>(report.delivered);
            double const core = report.delivered == 0 ? 0.0 : report.core_busy_seconds * 1e6 / static_cast<double>(report.delivered);
            std::snprintf(text, sizeof text, "  %-23s | %7.1f | %7.1f | %8.1f | %8.1f | %8.1f | %7.1f | %7.2f | %8.2f | %6.2f | %zu",
                          report.name.c_str(), report.all.p50, report.all.p99, report.last.p50, report.last.p99, report.last.max,
                          report.commit.p50, cpu, core, report.events_per_message, report.missing);
            lines.push_back(text);
        };
        for (auto const& report : baseline)
            row(report);
        for (auto const& report : with_slow)
            row(report);
        for (auto const& report : after_slow)
            row(report);
        for (auto const* set : {&baseline, &with_slow, &after_slow})
            for (auto const& report : *set)
                if (!report.backlog.empty())
                    lines.push_back("  " + report.name + ": " + report.backlog);
        auto compare = [&](std::string const& label, phase_report const& a, phase_report const& b) {
            lines.push_back("  " + label + a.name + ": all p50 " + percent_change(a.all.p50, b.all.p50) + ", all p99 " +
                            percent_change(a.all.p99, b.all.p99) + ", last p50 " + percent_change(a.last.p50, b.last.p50) +
                            ", last p99 " + percent_change(a.last.p99, b.last.p99));
        };
        for (std::size_t i = 0; i < with_slow.size() && i < baseline.size(); ++i)
            compare("with a non-reading viewer vs. first set, ", baseline[i], with_slow[i]);
        for (std::size_t i = 0; i < after_slow.size() && i < baseline.size(); ++i)
            compare("noise (set after it vs. first set), ", baseline[i], after_slow[i]);
        if (!slow_line_.empty())
            lines.push_back("  " + slow_line_);
        if (duplicates_ || unreadable_messages_ || viewer_errors_ || moderator_errors_)
            lines.push_back("  anomalies: " + std::to_string(duplicates_) + " duplicate receipts, " +
                            std::to_string(unreadable_messages_) + " unreadable messages, " + std::to_string(viewer_errors_) +
                            " viewer errors, " + std::to_string(moderator_errors_) + " moderator errors");
        std::cout << "\n";
        for (auto const& line : lines)
            std::cout << line << "\n";
        std::cout.flush();
        if (!options_.summary_file.empty()) {
            std::ofstream output(options_.summary_file, std::ios::app);
            for (auto const& line : lines)
                output << line << "\n";
        }
    }

    static void say(std::string const& line) { std::cout << line << std::endl; }

    // ---- the loop ------------------------------------------------------

    template <typename Predicate>
    void pump_until(Predicate done, clock_type::duration limit)
    {
        auto const deadline = clock_type::now() + limit;
        while (!done()) {
            auto const left = deadline - clock_type::now();
            if (left <= clock_type::duration::zero())
                return;
            loop_.poll(std::min<std::chrono::milliseconds>(10ms, std::chrono::ceil<std::chrono::milliseconds>(left)));
        }
    }

    void pump_for(clock_type::duration span)
    {
        pump_until([] { return false; }, span);
    }

    static constexpr std::int64_t first_submit_req = 1000;
    static constexpr std::int64_t first_approve_req = 1000000;

    options options_;
    event_loop loop_;
    std::vector<message_fields> fields_;
    std::string token_;

    std::unique_ptr<websocket_client> moderator_;
    bool moderator_ready_ = false;
    std::vector<std::unique_ptr<websocket_client>> citizens_;
    std::size_t citizens_ready_ = 0;
    std::vector<std::unique_ptr<websocket_client>> viewers_;
    std::vector<bool> viewer_ready_;
    std::size_t live_viewers_ = 0;    // ready and still open
    std::size_t viewers_failed_ = 0;  // closed before their snapshot
    std::size_t viewers_closed_ = 0;
    std::vector<std::string> closed_viewer_reasons_;

    std::unique_ptr<websocket_client> slow_viewer_;
    bool slow_viewer_ready_ = false;
    std::unordered_set<std::int64_t> slow_viewer_posts_;  // approved after it stopped reading, and received
    std::size_t slow_viewer_other_events_ = 0;
    std::size_t slow_approvals_before_ = 0;
    std::int64_t slow_connections_before_ = -1;
    clock_type::time_point slow_stopped_at_{};

    std::deque<std::int64_t> pending_posts_;
    std::vector<approval> approvals_;
    std::unordered_map<std::int64_t, std::size_t> approval_of_post_;
    std::unordered_map<std::int64_t, std::size_t> approval_of_req_;
    std::size_t phase_index_ = 0;
    bool warming_up_ = false;
    clock_type::time_point trace_origin_{};

    std::size_t viewer_messages_ = 0;  // WebSocket messages
    std::size_t viewer_events_ = 0;    // objects in them (more when the server coalesced)
    std::size_t duplicates_ = 0;
    std::size_t unreadable_messages_ = 0;
    std::size_t viewer_errors_ = 0;
    std::size_t moderator_errors_ = 0;
    std::size_t citizen_errors_ = 0;

    std::string connect_line_;
    std::string memory_line_;
    std::string slow_line_;
};

}  // namespace

int main(int argc, char** argv)
{
    try {
        arguments command_line(argc, argv);
        if (command_line.wants_help()) {
            print_help();
            return 0;
        }
        options settings;
        settings.port = static_cast<std::uint16_t>(command_line.integer("port", 0));
        settings.server_pid = static_cast<pid_t>(command_line.integer("server-pid", 0));
        settings.viewers = static_cast<std::size_t>(command_line.integer("viewers", 1000));
        settings.moderator = command_line.text("moderator", settings.moderator);
        settings.password = command_line.text("password", settings.password);
        settings.moderator_path = command_line.text("moderator-path", settings.moderator_path);
        settings.isolated = static_cast<int>(command_line.integer("isolated", settings.isolated));
        settings.isolated_gap = std::chrono::milliseconds(command_line.integer("isolated-gap-ms", 500));
        settings.burst = static_cast<int>(command_line.integer("burst", settings.burst));
        settings.rate = command_line.real("rate", settings.rate);
        settings.sustain_seconds = command_line.real("sustain-seconds", settings.sustain_seconds);
        settings.citizens = static_cast<int>(command_line.integer("citizens", settings.citizens));
        settings.connect_parallel = static_cast<int>(command_line.integer("connect-parallel", settings.connect_parallel));
        settings.slow_viewer = command_line.integer("slow-viewer", 1) != 0;
        settings.slow_wait_seconds = command_line.real("slow-wait-seconds", settings.slow_wait_seconds);
        settings.summary_file = command_line.text("summary", "");
        settings.trace_file = command_line.text("trace", "");
        settings.warmup = static_cast<int>(command_line.integer("warmup", settings.warmup));
        settings.server_core = static_cast<int>(command_line.integer("server-core", settings.server_core));
        command_line.check_all_known();
        if (settings.port == 0 || settings.server_pid <= 0)
            throw std::runtime_error("--port and --server-pid are required (see --help)");
        if (settings.isolated < 1 || settings.burst < 1 || settings.rate <= 0 || settings.sustain_seconds <= 0 ||
            settings.citizens < 1 || settings.connect_parallel < 1 || settings.viewers < 1 || settings.viewers > 100000)
            throw std::runtime_error("counts must be positive (and at most 100000 viewers)");
        if (settings.moderator_path.empty() || settings.moderator_path.front() != '/' ||
            settings.moderator_path.find_first_of(" \r\n") != std::string::npos)
            throw std::runtime_error("--moderator-path must be a path such as /ws/staff");
        fanout_bench bench(std::move(settings));
        return bench.run();
    } catch (std::exception const& problem) {
        std::cerr << "pleno-bench-fanout: " << problem.what() << "\n";
        return 1;
    }
}
