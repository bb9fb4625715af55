#include "net/listener.hpp"

#include <pleno/error_code.hpp>

#include <chrono>
#include <exception>
#include <stdexcept>
#include <utility>

#include "net/edge_log.hpp"
#include "net/http_session.hpp"

namespace pleno::net {

listener::listener(asio::io_context& context, tcp::endpoint const& endpoint, app::service& service,
                   connection_registry& registry, std::shared_ptr<http_routes const> routes, staff_lane& staff,
                   tls_gate* gate)
    : context_(context),
      strand_(asio::make_strand(context)),
      acceptor_(strand_),
      retry_timer_(strand_),
      service_(service),
      registry_(registry),
      routes_(std::move(routes)),
      staff_(staff),
      gate_(gate)
{
    beast::error_code error;
    auto const fail = [&endpoint, &error] {
        throw std::runtime_error("cannot listen on " + describe(endpoint) + ": " + error.message());
    };
    acceptor_.open(endpoint.protocol(), error);
    if (error) {
        fail();
    }
    acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (error) {
        fail();
    }
    acceptor_.bind(endpoint, error);
    if (error) {
        fail();
    }
    acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
        fail();
    }
    auto const bound = acceptor_.local_endpoint(error);
    if (error) {
        fail();
    }
    port_ = bound.port();
}

std::string listener::describe(tcp::endpoint const& endpoint)
{
    std::string address;
    try {
        address = endpoint.address().to_string();
    } catch (std::exception const&) {
        address = "?";
    }
    if (endpoint.address().is_v6()) {
        address = "[" + address + "]";
    }
    return address + ":" + std::to_string(endpoint.port());
}

void listener::run()
{
    asio::post(strand_, beast::bind_front_handler(&listener::do_accept, shared_from_this()));
}

void listener::stop()
{
    asio::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        beast::error_code ignored;
        self->acceptor_.close(ignored);
        self->retry_timer_.cancel();
    });
}

void listener::do_accept()
{
    if (stopped_) {
        return;
    }
    // Each connection gets its own strand: its handlers never run
    // concurrently, while different connections use all io threads.
    acceptor_.async_accept(asio::make_strand(context_),
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code error, tcp::socket socket)
{
    if (stopped_ || error == asio::error::operation_aborted) {
        return;
    }
    if (error) {
        if (error == asio::error::connection_aborted) {
            do_accept();  // the peer gave up before we got to it
            return;
        }
        // Out of descriptors or memory: retrying at once would spin.
        edge_log::line("accept failed: " + error.message());
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait(beast::bind_front_handler(&listener::on_retry, shared_from_this()));
        return;
    }

    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    beast::error_code endpoint_error;
    auto const remote = socket.remote_endpoint(endpoint_error);
    std::string address_text;
    if (!endpoint_error) {
        auto address = remote.address();
        // Dual-stack sockets see IPv4 peers as ::ffff:a.b.c.d; count them as IPv4.
        if (address.is_v6() && address.to_v6().is_v4_mapped()) {
            address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
        }
        try {
            address_text = address.to_string();
        } catch (std::exception const&) {
            endpoint_error = asio::error::invalid_argument;
        }
    }
    if (endpoint_error) {
        socket.close(ignored);  // the peer is already gone
        do_accept();
        return;
    }

    if (auto ticket = registry_.admit(address_text)) {
        if (gate_ != nullptr) {
            open_tls_door(context_, std::move(socket), *gate_, service_, routes_, staff_, std::move(*ticket));
        } else {
            std::make_shared<http_session>(std::move(socket), service_, routes_, staff_, std::move(*ticket))->run();
        }
    } else if (gate_ != nullptr) {
        // A TLS client could not read a plain answer: closed without one.
        socket.close(ignored);
        edge_log::line("refused a connection from " + address_text + " (too many connections)");
    } else {
        // One short answer so the client learns why, written without waiting:
        // a fresh socket's send buffer takes it at once, and if not, it is dropped.
        static std::string const refusal = [] {
            std::string const body = std::string("{\"code\":\"") + std::string(to_string(error_code::too_many_connections)) +
                                     "\",\"message\":\"" + std::string(default_message(error_code::too_many_connections)) + "\"}";
            return "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body;
        }();
        socket.non_blocking(true, ignored);
        socket.write_some(asio::buffer(refusal), ignored);
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        edge_log::line("refused a connection from " + address_text + " (too many connections)");
    }
    do_accept();
}

void listener::on_retry(beast::error_code error)
{
    if (error) {
        return;
    }
    do_accept();
}

}  // namespace pleno::net
