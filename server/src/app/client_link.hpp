#pragma once
// One live WebSocket connection as the service sees it. The network edge
// implements it; the service and the hub never see Beast.

#include <cstdint>
#include <memory>
#include <string>

#include "domain/model.hpp"

namespace pleno::app {

using shared_text = std::shared_ptr<std::string const>;

// Why the server closes a connection; the edge maps it to a WebSocket close code.
enum class close_reason {
    normal,          // 1000: logout, token revoked or expired
    policy,          // 1008: authentication failed, or no hello in time
    too_slow,        // 1008: the client does not read and its queue is full
    going_away,      // 1001: server shutdown
    invalid_text,    // 1007: a text message that is not valid UTF-8 (found by the edge)
};

// What the service knows about a connection. Written only while handling
// that connection's own messages (which arrive one at a time); read by the hub
// under its mutex.
struct connection_state {
    bool greeted = false;              // hello accepted
    domain::role kind = domain::role::viewer;
    std::string account;               // staff account name
    std::string login_digest;          // digest of the login token (staff)
    std::string citizen_id;            // citizens
    std::string display_name;          // display token name (displays)
    domain::id_type session_id = 0;    // the session followed
    bool browser = false;              // the upgrade carried an allowed Origin
    std::string cookie_token;          // login token from the upgrade's cookie, if any
};

class client_link {
public:
    virtual ~client_link() = default;

    // Queues a message; thread-safe and never blocks. A link whose queue is
    // full closes itself with close_reason::too_slow.
    virtual void send(shared_text message) = 0;

    // Closes the connection after what is queued; thread-safe.
    virtual void close(close_reason reason) = 0;

    // The peer's IP address as text.
    virtual std::string const& address() const = 0;

    // A number unique among the server's connections, for logs.
    virtual std::uint64_t id() const = 0;

    connection_state& state() { return state_; }
    connection_state const& state() const { return state_; }

private:
    connection_state state_;
};

}  // namespace pleno::app
