#pragma once
// The WebSocket protocol between pleno-server and its clients: the typed
// client requests, their validation from JSON, and the shape of replies.
// docs/protocol.md describes every message with an example.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <pleno/error_code.hpp>

namespace pleno::protocol {

inline constexpr int version = 1;

struct hello {
    std::string role;  // viewer, citizen, display, moderator, chair
    std::string token;          // display token or login token
    std::string citizen_id;     // citizens returning with the id the server issued
    std::string citizen_key;
    std::int64_t session_id = 0;               // 0: the current session
    std::optional<std::int64_t> last_seq;      // resume after this event
};

struct submit_post {
    std::string client_id;
    std::string author;
    std::string text;
    std::int64_t session_id = 0;
    std::int64_t item_id = 0;
};

enum class post_action { approve, hide, pin, unpin };

struct decide_post {
    post_action action = post_action::approve;
    std::int64_t post_id = 0;
};

struct reject_post {
    std::int64_t post_id = 0;
    std::string reason;
    std::string detail;
};

struct ban_citizen {
    std::int64_t session_id = 0;
    std::string citizen_id;
    std::string reason;
};

enum class session_action { open, close };

struct change_session_state {
    session_action action = session_action::open;
    std::int64_t session_id = 0;
};

struct set_current_item {
    std::int64_t session_id = 0;
    std::int64_t item_id = 0;
};

struct set_wall_mode {
    std::int64_t session_id = 0;
    std::string mode;  // live, hold, blank
};

struct set_overlay {
    std::int64_t session_id = 0;
    std::string text;  // empty clears
};

struct agenda_entry {
    std::int64_t id = 0;  // 0: new item
    int number = 0;       // 0: numbered by position
    std::string title;
    std::string description;
};

struct create_session {
    std::string title;
    std::string place;
    std::int64_t starts_at = 0;
    std::vector<agenda_entry> agenda;
};

struct update_session {
    std::int64_t session_id = 0;
    std::string title;
    std::string place;
    std::int64_t starts_at = 0;
};

struct set_agenda {
    std::int64_t session_id = 0;
    std::vector<agenda_entry> items;
};

// Follow another session (0: the current one) on a greeted connection.
struct follow {
    std::int64_t session_id = 0;
    std::optional<std::int64_t> last_seq;
};

struct list_sessions {};
struct ping {};

using client_message = std::variant<hello, submit_post, decide_post, reject_post, ban_citizen, change_session_state,
                                    set_current_item, set_wall_mode, set_overlay, create_session, update_session,
                                    set_agenda, follow, list_sessions, ping>;

struct parse_result {
    nlohmann::json req;        // the client's request id (null when absent or invalid)
    std::string type;          // the message type as sent (may be empty)
    std::optional<client_message> message;  // set when valid
    error_code error = error_code::bad_request;  // meaningful when !message
    std::string error_message;
};

// Parses and validates one text message. Never throws.
parse_result parse_client_message(std::string_view text);

// Parses an agenda given as JSON (an array of entries, or an object with an
// "items" array), as the chair's import and the command line use it.
std::optional<std::vector<agenda_entry>> parse_agenda(nlohmann::json const& value, std::string& error_message);

// Reply builders: serialised once, shared by every receiver.
std::string make_ack(nlohmann::json const& req, nlohmann::json body = nlohmann::json::object());
std::string make_error(nlohmann::json const& req, error_code code, std::string_view message,
                       nlohmann::json const& details = nlohmann::json::object());

}  // namespace pleno::protocol
