#pragma once
// The display's link to pleno-server: a thread with a Boost.Beast WebSocket
// client that says hello as a display, resumes from the last seq it was told,
// keeps the link alive with pings, notices a dead link within seconds and
// reconnects with backoff (1 s doubling to at most 20 s). The UI thread polls
// it each frame; nothing here blocks the UI.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pleno::display {

struct connection_settings {
    std::string url;    // ws://host:port/ws, or wss:// (TLS, the certificate and host name checked)
    std::string ca_file;  // wss: the CA certificates to trust (PEM); empty: the system's
    std::string token;  // display token
    // At most 20 s between tries: back within about 20 s of the network's return.
    std::chrono::seconds max_backoff{20};
    std::chrono::seconds ping_interval{5};   // a dead link is noticed within about 2 intervals
    std::chrono::seconds connect_timeout{10};
};

enum class link_state { connecting, online, offline };

struct link_event {
    enum class kind { state_changed, message, refused } what = kind::message;
    link_state state = link_state::connecting;
    std::string text;  // the message text (kind::message) or why it was refused (kind::refused: bad token)
};

class connection {
public:
    explicit connection(connection_settings settings);
    ~connection();  // stops the thread
    connection(connection const&) = delete;
    connection& operator=(connection const&) = delete;

    void start();
    void stop();

    // Where to resume after a reconnect; the UI thread sets it after applying messages.
    void set_resume_point(std::int64_t session_id, std::int64_t last_seq);

    // Asks to follow another session (sends {"type":"follow"} when online).
    void follow(std::int64_t session_id);

    // Everything that happened since the last call, in order.
    std::vector<link_event> poll();

    link_state state() const;
    // How long the link has been down (zero while online).
    std::chrono::steady_clock::duration offline_for() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Splits "ws://host:port/path"; false when the URL is not of that form.
struct ws_address {
    std::string host;
    std::string port;
    std::string path;
    bool secure = false;  // wss
};
bool parse_ws_url(std::string const& url, ws_address& out);

}  // namespace pleno::display
