#include "net/http_session.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <variant>

#include <unistd.h>

#include "net/edge_log.hpp"
#include "net/websocket_session.hpp"

namespace pleno::net {

namespace http_session_detail {

// How long a closing connection may keep sending before we drop it.
constexpr std::chrono::seconds linger_time{2};

// The first read of a keep-alive connection waits for any bytes at all.
constexpr std::size_t first_read_size = 2048;

bool is_parse_error(beast::error_code const& error)
{
    static auto const& category = http::make_error_code(http::error::bad_method).category();
    return error.category() == category && error != http::error::end_of_stream &&
           error != http::error::partial_message;
}

// Moves an open socket, with no operation pending on it, onto another
// io_context: its descriptor leaves this context's reactor and joins the
// other's, and the new socket's executor is a fresh strand there. On failure
// the descriptor is closed and the returned socket is closed too.
tcp::socket move_socket(tcp::socket& from, asio::io_context& to, beast::error_code& error)
{
    tcp::socket moved(asio::make_strand(to));
    // A connection relayed from TLS (net/tls_door.hpp) is a local socket pair
    // end: it has no TCP endpoint, and Asio only needs a protocol tag for it.
    auto protocol = tcp::v4();
    if (auto const local = from.local_endpoint(error); !error) {
        protocol = local.protocol();
    }
    error = {};
    auto const handle = from.release(error);
    if (error) {
        return moved;
    }
    moved.assign(protocol, handle, error);
    if (error) {
        ::close(handle);
    }
    return moved;
}

}  // namespace http_session_detail

http_session::http_session(tcp::socket&& socket, app::service& service, std::shared_ptr<http_routes const> routes,
                           staff_lane& staff, connection_registry::ticket ticket)
    : stream_(std::move(socket)),
      executor_(stream_.get_executor()),
      service_(service),
      limits_(service.settings().limits),
      routes_(std::move(routes)),
      staff_(staff),
      ticket_(std::move(ticket))
{
}

void http_session::run()
{
    ticket_.set_closer([weak = weak_from_this()](close_urgency urgency) {
        if (auto const session = weak.lock()) {
            asio::post(session->executor_, [session, urgency] { session->on_close_requested(urgency); });
        }
    });
    asio::dispatch(executor_, beast::bind_front_handler(&http_session::do_read_request, shared_from_this()));
}

void http_session::do_wait_for_request()
{
    if (close_after_reply_) {
        do_shutdown();
        return;
    }
    if (buffer_.size() > 0) {
        do_read_request();  // pipelined: the next request is already here
        return;
    }
    // Between requests the longer idle timeout applies; once bytes arrive,
    // the rest of the request must come within the handshake timeout.
    idle_ = true;
    stream_.expires_after(limits_.http_idle_timeout);
    stream_.async_read_some(buffer_.prepare(http_session_detail::first_read_size),
                            beast::bind_front_handler(&http_session::on_first_bytes, shared_from_this()));
}

void http_session::on_first_bytes(beast::error_code error, std::size_t bytes)
{
    idle_ = false;
    if (error) {
        return;  // closed, timed out or shut down: the socket closes with us
    }
    buffer_.commit(bytes);
    do_read_request();
}

void http_session::do_read_request()
{
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits_.http_header_max, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(static_cast<std::uint64_t>(limits_.http_body_max));
    stream_.expires_after(limits_.handshake_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read_request, shared_from_this()));
}

void http_session::on_read_request(beast::error_code error, std::size_t)
{
    if (error) {
        version_ = 11;
        if (error == http::error::header_limit) {
            reply_error(http::status::request_header_fields_too_large, "header_too_large",
                        "The request headers are too large.", after_write::close);
        } else if (error == http::error::body_limit) {
            reply_error(http::status::payload_too_large, "body_too_large", "The request body is too large.",
                        after_write::close);
        } else if (http_session_detail::is_parse_error(error)) {
            reply_error(http::status::bad_request, "bad_request", "The request could not be read.",
                        after_write::close);
        }
        // Otherwise the peer left, timed out or we are shutting down: the
        // socket closes when the last handler lets go of us.
        return;
    }
    handle_request();
}

template <class Body>
void http_session::do_write(http::response<Body>&& response, after_write then)
{
    if (close_after_reply_ || !keep_alive_) {
        then = after_write::close;
    }
    response.keep_alive(then == after_write::keep_alive);
    http_routes::add_security_headers(response);
    auto message = std::make_shared<http::response<Body>>(std::move(response));
    stream_.expires_after(limits_.http_idle_timeout);
    http::async_write(stream_, *message,
                      [session = shared_from_this(), message, then](beast::error_code error, std::size_t) {
                          session->on_write(then, error);
                      });
}

void http_session::handle_request()
{
    auto& message = parser_->get();
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    auto const then = keep_alive_ ? after_write::keep_alive : after_write::close;

    switch (http_routes::classify(message)) {
    case route_kind::websocket:
        do_upgrade(websocket_lane::main);
        return;
    case route_kind::staff_websocket:
        do_upgrade(websocket_lane::staff);
        return;
    case route_kind::websocket_refused: {
        auto response = http_routes::error_response(http::status::upgrade_required, "websocket_upgrade_required",
                                                    "This address only speaks WebSocket.", version_);
        response.set(http::field::upgrade, "websocket");
        do_write(std::move(response), then);
        return;
    }
    case route_kind::api:
        do_api();
        return;
    case route_kind::static_file:
        std::visit([this, then](auto&& response) { do_write(std::move(response), then); },
                   routes_->serve_static(message));
        return;
    case route_kind::method_not_allowed: {
        auto response = http_routes::error_response(http::status::method_not_allowed, "method_not_allowed",
                                                    "This method is not allowed here.", version_);
        response.set(http::field::allow, "GET, HEAD");
        do_write(std::move(response), then);
        return;
    }
    }
}

void http_session::do_upgrade(websocket_lane lane)
{
    auto& message = parser_->get();
    std::optional<std::string> origin;
    if (auto const found = message.find(http::field::origin); found != message.end()) {
        origin = std::string(found->value());
    }
    app::origin_verdict verdict = app::origin_verdict::refused;
    try {
        // A browser sends one Origin at most (RFC 6454 §7): with several, none is trusted.
        if (message.count(http::field::origin) <= 1) {
            verdict = service_.check_origin(origin, message[http::field::host]);
        }
    } catch (std::exception const& failure) {
        edge_log::line(std::string("check_origin failed: ") + failure.what());
    }
    if (verdict == app::origin_verdict::refused) {
        reply_error(http::status::forbidden, "bad_origin", "This page may not connect from another site.",
                    after_write::close);
        return;
    }
    if (close_after_reply_) {
        reply_error(http::status::service_unavailable, "shutting_down", "The server is shutting down.",
                    after_write::close);
        return;
    }
    std::string cookie_token;
    if (verdict == app::origin_verdict::browser_allowed) {
        if (auto token = http_routes::cookie_value(message[http::field::cookie], "pleno_token")) {
            cookie_token = std::move(*token);
        }
    }

    // The ticket moves with the socket, so the address is released once,
    // when the WebSocket ends.
    stream_.expires_never();
    tcp::socket socket = stream_.release_socket();
    handed_off_ = true;
    std::optional<staff_lane::seat> seat = lane == websocket_lane::staff ? staff_.take() : std::nullopt;
    if (lane == websocket_lane::staff && !seat && limits_.staff_lane_connections > 0) {
        edge_log::line("the staff lane is full (" + std::to_string(limits_.staff_lane_connections) +
                       "); a /ws/staff connection from " + ticket_.address() + " is served like /ws");
    }
    std::shared_ptr<websocket_session> session;
    if (seat) {
        beast::error_code error;
        tcp::socket moved = http_session_detail::move_socket(socket, staff_.context(), error);
        if (error) {
            // The peer sees the connection close; the ticket goes with us.
            edge_log::line("could not move a connection to the staff lane: " + error.message());
            return;
        }
        session = std::make_shared<websocket_session>(std::move(moved), service_, std::move(ticket_), std::move(seat));
    } else {
        session = std::make_shared<websocket_session>(std::move(socket), service_, std::move(ticket_), std::nullopt);
    }
    session->state().browser = verdict == app::origin_verdict::browser_allowed;
    session->state().cookie_token = std::move(cookie_token);
    session->run(parser_->release());
}

void http_session::do_api()
{
    auto info = http_routes::describe_api_request(parser_->get(), ticket_.address());
    // The service may answer on another thread, later; the answer comes back
    // onto our strand, and only the first one counts.
    auto answered = std::make_shared<std::atomic<bool>>(false);
    std::function<void(app::http_reply)> done = [session = shared_from_this(), answered](app::http_reply reply) {
        if (answered->exchange(true)) {
            return;
        }
        asio::post(session->executor_, [session, answer = std::move(reply)]() mutable {
            session->on_api_reply(std::move(answer));
        });
    };
    try {
        service_.handle_api(std::move(info), std::move(done));
    } catch (std::exception const& failure) {
        edge_log::line(std::string("handle_api failed: ") + failure.what());
        if (!answered->exchange(true)) {
            reply_error(http::status::internal_server_error, "internal_error", "Something went wrong.",
                        after_write::close);
        }
    }
}

void http_session::on_api_reply(app::http_reply reply)
{
    do_write(http_routes::api_response(std::move(reply), version_),
             keep_alive_ ? after_write::keep_alive : after_write::close);
}

void http_session::reply_error(http::status status, std::string_view code, std::string_view message,
                               after_write then)
{
    do_write(http_routes::error_response(status, code, message, version_), then);
}

void http_session::on_write(after_write then, beast::error_code error)
{
    if (error) {
        return;
    }
    if (then == after_write::close) {
        do_shutdown();
        return;
    }
    do_wait_for_request();
}

void http_session::do_shutdown()
{
    closing_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(http_session_detail::linger_time);
    buffer_.clear();
    do_drain();
}

void http_session::do_drain()
{
    stream_.async_read_some(buffer_.prepare(http_session_detail::first_read_size),
                            beast::bind_front_handler(&http_session::on_drain, shared_from_this()));
}

void http_session::on_drain(beast::error_code error, std::size_t)
{
    if (error) {
        stream_.close();
        return;
    }
    do_drain();  // discard: nothing after our last answer is read
}

void http_session::on_close_requested(close_urgency urgency)
{
    if (handed_off_) {
        return;
    }
    if (urgency == close_urgency::now) {
        stream_.close();
        return;
    }
    close_after_reply_ = true;
    if (idle_) {
        stream_.close();  // between requests: nothing to finish
    }
}

}  // namespace pleno::net
