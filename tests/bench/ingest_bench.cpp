// pleno-bench-ingest: durable posts per second through the real server.
//
// Many citizen connections keep a window of submit_post requests in flight
// against a running pleno-server on 127.0.0.1. The server acknowledges a post
// only after the writer's group commit (SQLite WAL, synchronous=FULL), so
// acknowledgements per second is the durable ingest rate. Prints the rate,
// submit-to-ack latency, errors by code and the server's CPU per post.
//
// It measures; it never passes or fails on time. Every wait is bounded.

#include <algorithm>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "event_loop.hpp"
#include "message_scanner.hpp"
#include "process_probe.hpp"
#include "statistics.hpp"
#include "websocket_client.hpp"

namespace {

using namespace pleno::bench;
using namespace std::chrono_literals;
using json = nlohmann::json;
using milliseconds_double = std::chrono::duration<double, std::milli>;

struct options {
    std::uint16_t port = 0;
    pid_t server_pid = 0;
    int citizens = 100;
    int window = 8;
    double seconds = 10;
    double warmup_seconds = 2;
    std::string summary_file;
    int server_core = 0;
};

void print_help()
{
    std::cout << "usage: pleno-bench-ingest --port PORT --server-pid PID [options]\n"
                 "  --citizens N         citizen connections (default 100)\n"
                 "  --window N           submit_post requests in flight per connection (default 8)\n"
                 "  --seconds S          measured time (default 10)\n"
                 "  --warmup-seconds S   unmeasured time before (default 2)\n"
                 "  --summary FILE       also write the summary lines to FILE\n"
                 "  --server-core N      the CPU the server is pinned to, read in /proc/stat (default 0)\n"
                 "The server must run on 127.0.0.1 with a live session, connections_per_address above\n"
                 "the citizen count and posts_per_citizen raised (see run-benchmarks).\n";
}

struct citizen_state {
    std::deque<std::pair<std::int64_t, clock_type::time_point>> in_flight;  // req, sent at
    std::int64_t next_req = 1000;
    bool ready = false;
};

class ingest_bench final : public client_listener {
public:
    explicit ingest_bench(options settings)
        : options_(std::move(settings))
    {
    }

    int run()
    {
        std::size_t const file_limit = raise_open_file_limit();
        if (file_limit < static_cast<std::size_t>(options_.citizens) + 16)
            throw std::runtime_error("the open-file limit " + std::to_string(file_limit) + " is too low");
        if (!read_cpu_times(options_.server_pid))
            throw std::runtime_error("cannot read /proc/" + std::to_string(options_.server_pid) + "/stat");
        say("pleno-bench-ingest: " + std::to_string(options_.citizens) + " citizens x " + std::to_string(options_.window) +
            " submits in flight, " + fixed(options_.seconds, 0) + " s measured after " + fixed(options_.warmup_seconds, 0) +
            " s of warm-up");

        states_.resize(static_cast<std::size_t>(options_.citizens));
        for (int i = 0; i < options_.citizens; ++i) {
            clients_.push_back(std::make_unique<websocket_client>(*this, 0, static_cast<std::uint32_t>(i)));
            clients_.back()->start(loop_, options_.port);
        }
        pump_until([&] { return ready_ + closed_ >= clients_.size(); }, 60s);
        if (ready_ < clients_.size())
            throw std::runtime_error("only " + std::to_string(ready_) + " of " + std::to_string(clients_.size()) +
                                     " citizens got a snapshot" + (first_failure_.empty() ? "" : ": " + first_failure_));

        auto const started = clock_type::now();
        sending_ = true;
        for (auto& client : clients_)
            for (int i = 0; i < options_.window; ++i)
                submit(*client);
        measure_from_ = started + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(options_.warmup_seconds));
        measure_until_ = measure_from_ + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(options_.seconds));

        pump_until([&] { return clock_type::now() >= measure_from_; }, measure_from_ - clock_type::now() + 1s);
        auto const cpu_before = read_cpu_times(options_.server_pid).value_or(cpu_times{});
        auto const core_before = read_core_times(options_.server_core).value_or(core_times{});
        auto const own_before = own_cpu_times();
        auto const acked_before = acked_total_;
        pump_until([&] { return clock_type::now() >= measure_until_; }, measure_until_ - clock_type::now() + 1s);
        auto const cpu_after = read_cpu_times(options_.server_pid).value_or(cpu_times{});
        auto const core_after = read_core_times(options_.server_core).value_or(core_times{});
        auto const own_after = own_cpu_times();
        auto const acked_in_window = acked_total_ - acked_before;
        sending_ = false;

        // Let the requests in flight finish, so the server is left quiet.
        pump_until([&] { return outstanding() == 0; }, 15s);

        double const rate = static_cast<double>(acked_in_window) / options_.seconds;
        double const cpu_per_post_us =
            acked_in_window == 0 ? 0.0 : (cpu_after.total() - cpu_before.total()) * 1e6 / static_cast<double>(acked_in_window);
        auto latency = summarise(latencies_);

        std::vector<std::string> lines;
        lines.push_back("ingest summary, " + std::to_string(options_.citizens) + " citizens x " + std::to_string(options_.window) +
                        " in flight:");
        lines.push_back("  durable posts acknowledged: " + fixed(rate, 0) + " posts/s (" + std::to_string(acked_in_window) +
                        " in " + fixed(options_.seconds, 0) + " s)");
        lines.push_back("  submit -> ack latency: " + describe(latency));
        std::string per_second = "  acks per second:";
        for (auto const& [second, count] : acks_per_second_)
            if (second >= 0 && second < static_cast<long>(options_.seconds))
            {
                per_second += ' ';
                per_second += std::to_string(count);
            }
        lines.push_back(per_second);
        lines.push_back("  server CPU " + fixed(cpu_after.total() - cpu_before.total(), 2) + " s = " + fixed(cpu_per_post_us, 1) +
                        " us per post; client CPU " + fixed(own_after.total() - own_before.total(), 2) + " s");
        lines.push_back("  CPU " + std::to_string(options_.server_core) + " busy " + fixed(core_after.busy_seconds - core_before.busy_seconds, 2) +
                        " s of " + fixed(options_.seconds, 0) + " s (of which softirq " +
                        fixed(core_after.softirq_seconds - core_before.softirq_seconds, 2) + " s)");
        if (!errors_.empty()) {
            std::string text = "  errors:";
            for (auto const& [code, count] : errors_)
                text += " " + code + " x" + std::to_string(count);
            lines.push_back(text);
        }
        if (closed_ > 0)
            lines.push_back("  " + std::to_string(closed_) + " connections closed early: " + first_failure_);
        if (outstanding() > 0)
            lines.push_back("  " + std::to_string(outstanding()) + " requests never answered");
        std::cout << "\n";
        for (auto const& line : lines)
            std::cout << line << "\n";
        std::cout.flush();
        if (!options_.summary_file.empty()) {
            std::ofstream output(options_.summary_file, std::ios::app);
            for (auto const& line : lines)
                output << line << "\n";
        }
        return 0;
    }

    void on_open(websocket_client& client) override { client.send_text(R"({"type":"hello","req":1,"role":"citizen"})"); }

    void on_message(websocket_client& client, std::string_view text, clock_type::time_point received_at) override
    {
        if (!scan_messages(text, fields_))
            return;
        auto& state = states_[client.index()];
        for (auto const& fields : fields_) {
            if (fields.type == "snapshot" && !state.ready) {
                state.ready = true;
                ++ready_;
                continue;
            }
            if ((fields.type != "ack" && fields.type != "error") || fields.req < 1000)
                continue;
            auto found = std::find_if(state.in_flight.begin(), state.in_flight.end(), [&](auto const& entry) { return entry.first == fields.req; });
            if (found == state.in_flight.end())
                continue;
            auto const sent_at = found->second;
            state.in_flight.erase(found);
            if (fields.type == "ack") {
                ++acked_total_;
                if (sent_at >= measure_from_ && sent_at < measure_until_)
                    latencies_.push_back(milliseconds_double(received_at - sent_at).count());
                if (received_at >= measure_from_)
                    ++acks_per_second_[static_cast<long>(milliseconds_double(received_at - measure_from_).count() / 1000.0)];
            } else {
                ++errors_[std::string(fields.code)];
                if (++error_count_ > 10000)
                    throw std::runtime_error("more than 10000 errors; is posts_per_citizen raised in the server's config?");
            }
            if (sending_)
                submit(client);
        }
    }

    void on_closed(websocket_client& client) override
    {
        ++closed_;
        if (first_failure_.empty())
            first_failure_ = client.failure();
        states_[client.index()].in_flight.clear();
    }

private:
    void submit(websocket_client& client)
    {
        static char const* const texts[] = {
            "¿Cuándo se arreglará el alumbrado de la calle Mayor? Lleva semanas apagado por la noche.",
            "Demano que es publiquin les actes del ple al web municipal el mateix dia, si us plau.",
            "Le marché du samedi pourrait-il rester sur la place de l'église pendant les travaux ?",
            "Thank you for streaming the session. Will the new cycle lane reach the secondary school?",
        };
        auto& state = states_[client.index()];
        std::int64_t const req = state.next_req++;
        json const message = {
            {"type", "submit_post"},
            {"req", req},
            {"client_id", "ingest-" + std::to_string(req)},
            {"author", "Vecino " + std::to_string(client.index())},
            {"text", std::string(texts[(req + client.index()) % 4]) + " #" + std::to_string(req)},
        };
        state.in_flight.emplace_back(req, clock_type::now());
        client.send_text(message.dump());
    }

    std::size_t outstanding() const
    {
        std::size_t total = 0;
        for (auto const& state : states_)
            total += state.in_flight.size();
        return total;
    }

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

    static void say(std::string const& line) { std::cout << line << std::endl; }

    options options_;
    event_loop loop_;
    std::vector<message_fields> fields_;
    std::vector<std::unique_ptr<websocket_client>> clients_;
    std::vector<citizen_state> states_;
    std::size_t ready_ = 0;
    std::size_t closed_ = 0;
    std::string first_failure_;
    bool sending_ = false;
    clock_type::time_point measure_from_ = clock_type::time_point::max();
    clock_type::time_point measure_until_ = clock_type::time_point::max();
    std::size_t acked_total_ = 0;
    std::vector<double> latencies_;
    std::map<long, std::size_t> acks_per_second_;
    std::map<std::string, std::size_t> errors_;
    std::size_t error_count_ = 0;
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
        settings.citizens = static_cast<int>(command_line.integer("citizens", settings.citizens));
        settings.window = static_cast<int>(command_line.integer("window", settings.window));
        settings.seconds = command_line.real("seconds", settings.seconds);
        settings.warmup_seconds = command_line.real("warmup-seconds", settings.warmup_seconds);
        settings.summary_file = command_line.text("summary", "");
        settings.server_core = static_cast<int>(command_line.integer("server-core", settings.server_core));
        command_line.check_all_known();
        if (settings.port == 0 || settings.server_pid <= 0)
            throw std::runtime_error("--port and --server-pid are required (see --help)");
        if (settings.citizens < 1 || settings.window < 1 || settings.seconds <= 0 || settings.seconds > 600 ||
            settings.warmup_seconds < 0 || settings.warmup_seconds > 60)
            throw std::runtime_error("counts must be positive (and at most 600 s measured)");
        ingest_bench bench(std::move(settings));
        return bench.run();
    } catch (std::exception const& problem) {
        std::cerr << "pleno-bench-ingest: " << problem.what() << "\n";
        return 1;
    }
}
