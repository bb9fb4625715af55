#pragma once
// Accepts connections: each socket gets its own strand, is admitted (or
// closed at once) through the connection registry, and becomes an
// http_session (on a TLS port, first a tls_door: net/tls_door.hpp).

#include <memory>
#include <string>

#include "app/service.hpp"
#include "net/boost_net.hpp"
#include "net/connection_registry.hpp"
#include "net/http_routes.hpp"
#include "net/staff_lane.hpp"
#include "net/tls_door.hpp"

namespace pleno::net {


class listener : public std::enable_shared_from_this<listener> {
public:
    // Opens, binds and listens at once; throws std::runtime_error
    // ("cannot listen on ADDR:PORT: ...") when it cannot.
    // Connections start on `context`; `staff` takes the /ws/staff upgrades.
    // With a `gate`, the port speaks TLS (plain HTTP is redirected or refused).
    listener(asio::io_context& context, tcp::endpoint const& endpoint, app::service& service,
             connection_registry& registry, std::shared_ptr<http_routes const> routes, staff_lane& staff,
             tls_gate* gate = nullptr);
    listener(listener const&) = delete;
    listener& operator=(listener const&) = delete;

    // Starts accepting (the loop runs on the io threads).
    void run();

    // Stops accepting; thread-safe.
    void stop();

    // The port actually bound (the configured one, or the one chosen for 0).
    unsigned short port() const { return port_; }

    // "127.0.0.1:8080", "[::1]:8080".
    static std::string describe(tcp::endpoint const& endpoint);

private:
    void do_accept();
    void on_accept(beast::error_code error, tcp::socket socket);
    void on_retry(beast::error_code error);

    asio::io_context& context_;
    asio::strand<asio::io_context::executor_type> strand_;  // the acceptor's own
    tcp::acceptor acceptor_;
    asio::steady_timer retry_timer_;
    app::service& service_;
    connection_registry& registry_;
    std::shared_ptr<http_routes const> routes_;
    staff_lane& staff_;
    tls_gate* gate_;  // null: plain HTTP
    unsigned short port_ = 0;
    bool stopped_ = false;
};

}  // namespace pleno::net
