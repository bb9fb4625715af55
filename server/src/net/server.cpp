#include "net/server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "net/boost_net.hpp"
#include "net/connection_registry.hpp"
#include "net/edge_log.hpp"
#include "net/http_routes.hpp"
#include "net/listener.hpp"
#include "net/staff_lane.hpp"
#include "net/tls_door.hpp"

namespace pleno::net {

namespace server_detail {

// After the service has shut down, connections get this long to close
// themselves (queued messages written, close handshakes done) ...
constexpr std::chrono::seconds grace_period{2};
// ... then their sockets are closed hard, and this long later the io_context
// stops whatever is left.
constexpr std::chrono::seconds abort_period{1};
constexpr std::chrono::milliseconds poll_interval{20};
constexpr std::chrono::seconds failure_check_interval{1};

tcp::endpoint endpoint_for(app::config const& settings)
{
    std::string const host = settings.listen_address.empty() ? std::string("0.0.0.0") : settings.listen_address;
    beast::error_code error;
    auto const address = asio::ip::make_address(host, error);
    if (!error) {
        return tcp::endpoint(address, settings.listen_port);
    }
    // A name such as "localhost": resolved once, at start-up.
    asio::io_context lookup_context;
    tcp::resolver resolver(lookup_context);
    auto const results = resolver.resolve(host, std::to_string(settings.listen_port), error);
    if (error || results.empty()) {
        throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(settings.listen_port) + ": " +
                                 (error ? error.message() : std::string("no address")));
    }
    return results.begin()->endpoint();
}

}  // namespace server_detail

struct server::impl {
    impl(app::service& service_ref, app::config const& settings)
        : service(service_ref),
          thread_count(std::max<std::size_t>(1, settings.io_threads)),
          registry(service_ref),
          routes(std::make_shared<http_routes const>(service_ref.settings().web_root)),
          gate(settings.tls.enabled() ? std::make_unique<tls_gate>(settings.tls) : nullptr),
          staff(settings.limits.staff_lane_connections),
          context(static_cast<int>(std::min<std::size_t>(thread_count, 1024))),
          strand(asio::make_strand(context)),
          signals(strand, SIGINT, SIGTERM),
          shutdown_timer(strand),
          failure_timer(strand),
          acceptor(std::make_shared<listener>(context, server_detail::endpoint_for(settings), service_ref,
                                              registry, routes, staff, gate.get()))
    {
        // Read by every response; only TLS served here makes it meaningful.
        http_routes::set_strict_transport_security(gate ? settings.tls.hsts_max_age : std::chrono::seconds(0));
    }

    ~impl()
    {
        if (stopper.joinable()) {
            stopper.join();
        }
    }

    impl(impl const&) = delete;
    impl& operator=(impl const&) = delete;

    void start()
    {
        signals.async_wait([this](beast::error_code error, int signal_number) {
            if (error) {
                return;
            }
            edge_log::line("signal " + std::to_string(signal_number) + ": stopping");
            stop();
        });
        failure_timer.expires_after(server_detail::failure_check_interval);
        failure_timer.async_wait([this](beast::error_code error) { on_failure_check(error); });
        acceptor->run();
    }

    void run_loop()
    {
        for (;;) {
            try {
                context.run();
                return;
            } catch (std::exception const& failure) {
                // Handlers do not throw by design; if one does, the others
                // keep being served.
                edge_log::line(std::string("handler threw: ") + failure.what());
            }
        }
    }

    void stop()
    {
        if (stopping.exchange(true)) {
            return;
        }
        asio::post(strand, [this] { begin_shutdown(); });
    }

    void begin_shutdown()
    {
        edge_log::line("shutting down");
        acceptor->stop();
        beast::error_code ignored;
        signals.cancel(ignored);
        failure_timer.cancel();
        // service.shutdown() waits for pending commits and closes the
        // WebSockets through their links, which post onto the io threads:
        // blocking an io thread on it could deadlock with one thread.
        auto const shut_down_service = [this] {
            try {
                service.shutdown();
            } catch (std::exception const& failure) {
                edge_log::line(std::string("service shutdown failed: ") + failure.what());
            }
            asio::post(strand, [this] { on_service_shut_down(); });
        };
        try {
            stopper = std::thread(shut_down_service);
        } catch (std::exception const&) {
            shut_down_service();
        }
    }

    void on_service_shut_down()
    {
        registry.close_all(close_urgency::when_idle);
        auto const now = std::chrono::steady_clock::now();
        grace_deadline = now + server_detail::grace_period;
        abort_deadline = grace_deadline + server_detail::abort_period;
        wait_for_connections();
    }

    void wait_for_connections()
    {
        // The registry counts the connections of both io_contexts.
        std::size_t const open = registry.size();
        if (open == 0) {
            stop_contexts();
            return;
        }
        auto const now = std::chrono::steady_clock::now();
        if (now >= abort_deadline) {
            edge_log::line(std::to_string(open) + " connection(s) still open; stopping anyway");
            stop_contexts();
            return;
        }
        if (now >= grace_deadline && !aborted) {
            aborted = true;
            edge_log::line("closing " + std::to_string(open) + " connection(s) that did not close in time");
            registry.close_all(close_urgency::now);
        }
        shutdown_timer.expires_after(server_detail::poll_interval);
        shutdown_timer.async_wait([this](beast::error_code error) {
            if (!error) {
                wait_for_connections();
            }
        });
    }

    void stop_contexts()
    {
        staff.stop();
        context.stop();
    }

    // A failed commit means the process must exit so that a restart reloads.
    void on_failure_check(beast::error_code error)
    {
        if (error || stopping) {
            return;
        }
        if (service.failed()) {
            edge_log::line("the service reports a failure; stopping");
            stop();
            return;
        }
        failure_timer.expires_after(server_detail::failure_check_interval);
        failure_timer.async_wait([this](beast::error_code next_error) { on_failure_check(next_error); });
    }

    app::service& service;
    std::size_t thread_count;
    // Declared before the io_context: handlers destroyed with it may still
    // hold connections, whose tickets report to the registry.
    connection_registry registry;
    std::shared_ptr<http_routes const> routes;
    std::unique_ptr<tls_gate> gate;  // null without TLS
    // The staff lane's io_context and its thread (see staff_lane.hpp); it
    // outlives the main io_context, whose sessions hand connections to it.
    staff_lane staff;
    asio::io_context context;
    asio::strand<asio::io_context::executor_type> strand;  // for the members below
    asio::signal_set signals;
    asio::steady_timer shutdown_timer;
    asio::steady_timer failure_timer;
    std::shared_ptr<listener> acceptor;
    std::atomic<bool> stopping{false};
    std::thread stopper;
    std::chrono::steady_clock::time_point grace_deadline{};
    std::chrono::steady_clock::time_point abort_deadline{};
    bool aborted = false;
};

server::server(app::service& service, app::config const& settings)
    : impl_(std::make_unique<impl>(service, settings))
{
}

server::~server() = default;

unsigned short server::port() const
{
    return impl_->acceptor->port();
}

void server::run()
{
    impl_->start();
    std::thread staff_thread([this] { impl_->staff.run(); });
    std::vector<std::thread> threads;
    threads.reserve(impl_->thread_count - 1);
    for (std::size_t i = 1; i < impl_->thread_count; ++i) {
        threads.emplace_back([this] { impl_->run_loop(); });
    }
    impl_->run_loop();
    for (auto& thread : threads) {
        thread.join();
    }
    impl_->staff.stop();  // already stopped with the main io_context; in case it was not
    staff_thread.join();
    if (impl_->stopper.joinable()) {
        impl_->stopper.join();
    }
    // Every thread is done: connections the service still refers to (those
    // that had not finished when the io_contexts stopped) are let go now,
    // while their io_contexts exist; destroyed later, with the service, their
    // sockets would reach into a destroyed io_context.
    impl_->service.release_connections();
}

void server::stop()
{
    impl_->stop();
}

}  // namespace pleno::net
