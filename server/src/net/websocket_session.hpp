#pragma once
// One WebSocket connection: the read loop that hands whole text messages to
// the service, and a bounded write queue with one write in flight. Messages
// that pile up while a write is in flight leave as one JSON array.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/client_link.hpp"
#include "app/service.hpp"
#include "net/boost_net.hpp"
#include "net/connection_registry.hpp"
#include "net/staff_lane.hpp"

namespace pleno::net {


class websocket_session : public app::client_link, public std::enable_shared_from_this<websocket_session> {
public:
    // The socket's executor is the connection's strand, on the main io_context
    // or, with a seat, on the staff lane's.
    websocket_session(tcp::socket&& socket, app::service& service, connection_registry::ticket ticket,
                      std::optional<staff_lane::seat> seat);
    ~websocket_session() override;
    websocket_session(websocket_session const&) = delete;
    websocket_session& operator=(websocket_session const&) = delete;

    // Answers the upgrade request; state() must be filled in before.
    void run(http::request<http::string_body> request);

    // client_link: thread-safe, never block.
    void send(app::shared_text message) override;
    void close(app::close_reason reason) override;
    std::string const& address() const override;
    std::uint64_t id() const override;

private:
    enum class phase { handshaking, open, finished };

    void on_run();
    void on_accept(beast::error_code error);
    void do_read();
    void on_read(beast::error_code error, std::size_t bytes);
    void on_hello_timer(beast::error_code error);

    void on_inbox();
    bool enqueue(app::shared_text message);
    void close_inbox();
    void do_write();
    void on_write(beast::error_code error, std::size_t bytes);

    void on_close_requested(app::close_reason reason);
    void do_close();
    void on_close_sent(beast::error_code error);
    void on_close_deadline(beast::error_code error);

    // The close seen by the service, once; logs the end of the connection.
    void finish(beast::error_code error);
    void notify_closed() noexcept;
    void abort_socket();

    websocket::stream<beast::tcp_stream> stream_;
    asio::any_io_executor executor_;  // the strand, kept apart so other threads may post to it
    app::service& service_;
    connection_registry::ticket ticket_;
    std::optional<staff_lane::seat> seat_;
    app::limits_config const& limits_;  // lives in the service
    http::request<http::string_body> upgrade_request_;
    beast::flat_buffer buffer_;
    asio::steady_timer hello_timer_;
    asio::steady_timer close_timer_;

    phase phase_ = phase::handshaking;
    bool opened_ = false;           // the service has seen on_open
    bool close_notified_ = false;   // ... and on_close
    bool writing_ = false;
    bool close_started_ = false;    // async_close issued
    std::optional<app::close_reason> close_reason_;  // close requested

    // send() may be called from any thread, often thousands of times in a
    // burst: it appends to the inbox and posts onto the strand only when no
    // drain is already on its way. The inbox has the same bounds as the queue.
    std::mutex inbox_mutex_;
    std::vector<app::shared_text> inbox_;
    std::size_t inbox_bytes_ = 0;
    bool drain_scheduled_ = false;
    bool inbox_overflow_ = false;
    bool inbox_closed_ = false;
    std::vector<app::shared_text> draining_;  // strand only; keeps its capacity

    std::deque<app::shared_text> queue_;
    std::size_t queued_bytes_ = 0;
    app::shared_text in_flight_;  // a single message being written
    std::string batch_;           // several messages being written as one array
};

}  // namespace pleno::net
