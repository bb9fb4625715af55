#pragma once
// One HTTP connection: reads one request at a time under a header limit, a
// body limit and a timeout, answers it (static file, API through the service,
// or an error), and hands a WebSocket upgrade to a websocket_session (for
// /ws/staff, on the staff lane's io_context).

#include <cstddef>
#include <memory>
#include <optional>

#include "app/service.hpp"
#include "net/boost_net.hpp"
#include "net/connection_registry.hpp"
#include "net/http_routes.hpp"
#include "net/staff_lane.hpp"

namespace pleno::net {


class http_session : public std::enable_shared_from_this<http_session> {
public:
    // The socket's executor is the connection's strand.
    http_session(tcp::socket&& socket, app::service& service, std::shared_ptr<http_routes const> routes,
                 staff_lane& staff, connection_registry::ticket ticket);
    http_session(http_session const&) = delete;
    http_session& operator=(http_session const&) = delete;

    void run();

private:
    enum class after_write { keep_alive, close };
    enum class websocket_lane { main, staff };

    void do_wait_for_request();
    void on_first_bytes(beast::error_code error, std::size_t bytes);
    void do_read_request();
    void on_read_request(beast::error_code error, std::size_t bytes);
    void handle_request();
    void do_upgrade(websocket_lane lane);
    void do_api();
    void on_api_reply(app::http_reply reply);
    void reply_error(http::status status, std::string_view code, std::string_view message, after_write then);

    template <class Body>
    void do_write(http::response<Body>&& response, after_write then);
    void on_write(after_write then, beast::error_code error);

    // Lingering close: stop sending, read what the peer still sends for a
    // moment, so that our last answer is not lost to a reset.
    void do_shutdown();
    void do_drain();
    void on_drain(beast::error_code error, std::size_t bytes);

    void on_close_requested(close_urgency urgency);

    beast::tcp_stream stream_;
    asio::any_io_executor executor_;  // the strand, kept apart so other threads may post to it
    app::service& service_;
    app::limits_config const& limits_;  // lives in the service
    std::shared_ptr<http_routes const> routes_;
    staff_lane& staff_;
    connection_registry::ticket ticket_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    unsigned version_ = 11;
    bool keep_alive_ = true;
    bool idle_ = false;             // waiting for the next request of a keep-alive connection
    bool close_after_reply_ = false;  // shutdown asked: answer what is asked, then close
    bool handed_off_ = false;       // the socket belongs to a websocket_session now
    bool closing_ = false;
};

}  // namespace pleno::net
