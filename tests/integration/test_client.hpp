#pragma once
// Test helpers that talk to a real pleno-server over loopback: a WebSocket
// client, an HTTP client, and a fixture that runs the server in this process
// on a free port with a database file of its own.
//
// Every wait has a deadline: a test that expects a message which never comes
// fails after the timeout instead of hanging the suite.

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "app/config.hpp"
#include "domain/model.hpp"

namespace pleno::app {
class service;
}
namespace pleno::net {
class server;
}

namespace pleno::test {

using json = nlohmann::json;
using namespace std::chrono_literals;

// Long enough for a loaded CI machine, short enough that a missing message
// fails the test quickly.
inline constexpr std::chrono::milliseconds default_timeout{3000};

// ---- HTTP ---------------------------------------------------------------

struct http_result {
    unsigned status = 0;  // 0: no answer (connection refused, timeout)
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string failure;  // why there was no answer

    // The value of a header (name compared without case), empty when absent.
    std::string header(std::string_view name) const;
    bool has_header(std::string_view name) const;
    // The body as JSON, or a discarded value when it is not JSON.
    json body_json() const;
};

struct http_options {
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds timeout = default_timeout;
};

// One request on a fresh connection. `target` goes on the wire exactly as
// given, so tests can send paths a browser would normalise ("/../x").
http_result http_request(unsigned short port, std::string_view method, std::string_view target,
                         http_options const& options = {});

// ---- WebSocket ----------------------------------------------------------

struct connect_options {
    std::optional<std::string> origin;
    std::optional<std::string> cookie;
    std::string target = "/ws";
};

// Options with only an Origin header, as a browser on that page would send.
inline connect_options from_origin(std::string origin)
{
    connect_options options;
    options.origin = std::move(origin);
    return options;
}

struct handshake_result {
    bool accepted = false;
    unsigned status = 0;  // the HTTP status of the upgrade answer (101 when accepted)
    std::string failure;  // the error when not accepted
};

class ws_client {
public:
    ws_client();
    ~ws_client();
    ws_client(ws_client const&) = delete;
    ws_client& operator=(ws_client const&) = delete;

    // Connects to 127.0.0.1:port and upgrades; Host is "127.0.0.1:port".
    handshake_result connect(unsigned short port, connect_options const& options = {},
                             std::chrono::milliseconds timeout = default_timeout);

    // Sends one text message. False when the write failed or timed out.
    bool send(json const& message, std::chrono::milliseconds timeout = default_timeout);
    bool send_text(std::string const& text, std::chrono::milliseconds timeout = default_timeout);

    // The next message, from the queue or the network. The server coalesces
    // queued messages into one JSON array; each element arrives here alone.
    std::optional<json> receive(std::chrono::milliseconds timeout = default_timeout);

    // Skips messages until one matches (the skipped ones stay in history()).
    std::optional<json> receive_until(std::function<bool(json const&)> const& predicate,
                                      std::chrono::milliseconds timeout = default_timeout);
    std::optional<json> receive_type(std::string_view type, std::chrono::milliseconds timeout = default_timeout);

    // Everything that arrives until the connection stays silent for `quiet`.
    std::vector<json> drain(std::chrono::milliseconds quiet = 300ms);

    // Sends `message` with a fresh "req" (unless it has one) and returns the
    // reply carrying that req (ack, error or welcome). Other messages that
    // arrive meanwhile stay queued, in order, for receive().
    std::optional<json> request(json message, std::chrono::milliseconds timeout = default_timeout);

    // hello, then the welcome; for a role that gets one, the snapshot or the
    // resumed marker is left queued. Returns the welcome (or the error).
    std::optional<json> hello(json fields, std::chrono::milliseconds timeout = default_timeout);

    // Our close handshake (code 1000).
    void close(std::chrono::milliseconds timeout = default_timeout);

    // Waits until the server ends the connection; true when it did.
    bool wait_closed(std::chrono::milliseconds timeout = default_timeout);

    bool is_open() const { return open_; }
    bool closed() const { return closed_; }
    // The code of the server's close frame; empty when none came (or not yet).
    std::optional<unsigned> close_code() const { return close_code_; }

    // Every message received so far, in order, including those skipped.
    std::vector<json> const& history() const { return history_; }

private:
    void start_read();
    void on_read(boost::beast::error_code error, std::size_t bytes);
    // Runs handlers until `done()` or the deadline; false on timeout.
    bool run_until(std::function<bool()> const& done, std::chrono::steady_clock::time_point deadline);

    boost::asio::io_context context_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> stream_;
    boost::beast::flat_buffer buffer_;
    std::deque<json> inbox_;
    std::vector<json> history_;
    bool open_ = false;
    bool reading_ = false;
    bool closed_ = false;
    std::optional<unsigned> close_code_;
    std::int64_t next_req_ = 1;
};

// ---- the server in this process -----------------------------------------

struct seeded_account {
    std::string name;
    std::string password;
    domain::role kind = domain::role::moderator;
};

class server_fixture {
public:
    // Accounts the fixture seeds (password equals the name plus "-secret").
    static inline std::string const chair_name = "clara";
    static inline std::string const moderator_name = "mario";
    static inline std::string const second_moderator_name = "marta";
    static inline std::string const display_token = "display-token-for-the-council-room-0123456789";

    // Prepares a fresh data folder, seeds it, and starts the server.
    // `adjust` may change the configuration before the first start.
    explicit server_fixture(std::function<void(app::config&)> const& adjust = {});
    ~server_fixture();
    server_fixture(server_fixture const&) = delete;
    server_fixture& operator=(server_fixture const&) = delete;

    unsigned short port() const { return port_; }
    app::config const& settings() const { return settings_; }
    std::filesystem::path const& root() const { return root_; }

    void start();
    void stop();
    // Stops and starts again on the same data folder (the port may change).
    void restart();

    // POST /api/login; the token, or empty when refused.
    std::string login(std::string const& name, std::string const& password);
    std::string login(std::string const& name) { return login(name, name + "-secret"); }

    // Rows in a table, read through a separate connection to the database file.
    std::int64_t count_rows(std::string const& table) const;

    // GET /healthz answers 200.
    bool healthy();

    static std::string password_of(std::string const& name) { return name + "-secret"; }

private:
    void seed();

    std::filesystem::path root_;
    app::config settings_;
    std::unique_ptr<app::service> service_;
    std::unique_ptr<net::server> server_;
    std::thread runner_;
    unsigned short port_ = 0;
};

// ---- small helpers for the tests ----------------------------------------

// A message's "type", or empty.
std::string type_of(json const& message);
bool is_error(json const& message, std::string_view code);
bool is_ack(json const& message);

// Milliseconds since the Unix epoch, as the protocol counts time.
std::int64_t now_millis();

}  // namespace pleno::test
