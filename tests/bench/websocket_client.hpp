#pragma once
// One client WebSocket connection to 127.0.0.1 on a non-blocking socket:
// connect, the HTTP upgrade, masked text frames out, whole text messages in
// (with the moment they were read), pings answered, the close recorded.
// Driven by event_loop; never blocks.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <string_view>

namespace pleno::bench {

class event_loop;
class websocket_client;

using clock_type = std::chrono::steady_clock;

// What a benchmark hears from its connections.
class client_listener {
public:
    virtual ~client_listener() = default;
    // The upgrade was accepted: the connection may send.
    virtual void on_open(websocket_client& client) = 0;
    // One whole text message, read at `received_at`.
    virtual void on_message(websocket_client& client, std::string_view text, clock_type::time_point received_at) = 0;
    // The connection ended (failure() says why); it sends and receives nothing more.
    virtual void on_closed(websocket_client& client) = 0;
};

class websocket_client {
public:
    enum class phase { idle, connecting, upgrading, open, closed };

    // `tag` and `index` are the benchmark's to use (role, position).
    websocket_client(client_listener& listener, std::uint32_t tag, std::uint32_t index);
    ~websocket_client();
    websocket_client(websocket_client const&) = delete;
    websocket_client& operator=(websocket_client const&) = delete;

    // The path of the upgrade request ("/ws" unless set); before start().
    void set_target(std::string target) { target_ = std::move(target); }

    // Starts connecting to 127.0.0.1:port. A receive buffer size other than
    // 0 is set before connecting (a small one makes a slow reader).
    void start(event_loop& loop, std::uint16_t port, int receive_buffer_bytes = 0);

    // Sends one text message (masked, one frame); what the socket does not
    // take now is written when it becomes writable.
    void send_text(std::string_view text);

    // Stops watching the socket: the connection stays open but is never read again.
    void stop_reading();

    // Reads what the socket holds now without the loop (after stop_reading).
    void drain();

    // Closes the socket at once.
    void abort(std::string why);

    // Called by event_loop.
    void on_ready(std::uint32_t events, char* scratch, std::size_t scratch_size);

    int fd() const { return fd_; }
    phase state() const { return phase_; }
    std::uint32_t tag() const { return tag_; }
    std::uint32_t index() const { return index_; }
    std::string const& failure() const { return failure_; }
    int close_code() const { return close_code_; }  // 0: no close frame seen
    std::string const& close_reason() const { return close_reason_; }
    std::size_t bytes_received() const { return bytes_received_; }

    // The kernel's TCP state of the socket (TCP_ESTABLISHED, TCP_CLOSE_WAIT, ...); -1 if unknown.
    int tcp_state() const;
    // Bytes in the socket's receive queue not yet read; -1 if unknown.
    int unread_bytes() const;

private:
    void on_connected();
    void on_readable(char* scratch, std::size_t scratch_size);
    void consume(char const* data, std::size_t size, clock_type::time_point now);
    std::size_t parse_frames(std::string_view data, clock_type::time_point now);
    void on_frame(unsigned opcode, bool final_frame, std::string_view payload, clock_type::time_point now);
    void send_frame(unsigned opcode, std::string_view payload);
    void send_raw(std::string_view bytes);
    void flush();
    void fail(std::string why);

    client_listener& listener_;
    event_loop* loop_ = nullptr;
    std::uint32_t tag_;
    std::uint32_t index_;
    int fd_ = -1;
    phase phase_ = phase::idle;
    bool watching_write_ = false;
    bool reading_ = true;
    std::uint16_t port_ = 0;
    std::string target_ = "/ws";
    std::string in_;        // bytes of an incomplete frame (or response head)
    std::string fragments_; // a fragmented message being assembled
    std::string out_;       // bytes the socket did not take yet
    std::string failure_;
    int close_code_ = 0;
    std::string close_reason_;
    std::size_t bytes_received_ = 0;
};

}  // namespace pleno::bench
