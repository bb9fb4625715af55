#include <pleno/error_code.hpp>

#include <array>
#include <utility>

namespace pleno {
namespace {

struct error_text {
    error_code code;
    std::string_view name;
    std::string_view message;
};

constexpr std::array error_texts{
    error_text{error_code::bad_json, "bad_json", "The message is not a JSON object."},
    error_text{error_code::bad_request, "bad_request", "A field is missing or has the wrong type."},
    error_text{error_code::unknown_type, "unknown_type", "There is no message of this type."},
    error_text{error_code::binary_not_supported, "binary_not_supported", "Only text messages are understood."},
    error_text{error_code::hello_required, "hello_required", "Send hello first."},
    error_text{error_code::already_greeted, "already_greeted", "Hello was already accepted on this connection."},
    error_text{error_code::not_authenticated, "not_authenticated", "The token is unknown, revoked or expired. Log in again."},
    error_text{error_code::forbidden, "forbidden", "Your role may not do this."},
    error_text{error_code::bad_credentials, "bad_credentials", "Wrong name or password."},
    error_text{error_code::too_many_attempts, "too_many_attempts", "Too many login attempts. Wait a little and try again."},
    error_text{error_code::rate_limited, "rate_limited", "You are posting too fast. Wait a little and try again."},
    error_text{error_code::invalid_utf8, "invalid_utf8", "The text is not valid UTF-8."},
    error_text{error_code::text_empty, "text_empty", "The message is empty."},
    error_text{error_code::text_too_long, "text_too_long", "The message is too long."},
    error_text{error_code::invalid_name, "invalid_name", "The name is empty or too long."},
    error_text{error_code::session_not_found, "session_not_found", "There is no such session."},
    error_text{error_code::no_live_session, "no_live_session", "No session is taking place now."},
    error_text{error_code::posting_not_open, "posting_not_open", "Posting opens when the session starts."},
    error_text{error_code::session_closed, "session_closed", "The session is closed."},
    error_text{error_code::invalid_state, "invalid_state", "The session is not in a state that allows this."},
    error_text{error_code::another_session_live, "another_session_live", "Another session is live; close it first."},
    error_text{error_code::item_not_found, "item_not_found", "There is no such agenda item in this session."},
    error_text{error_code::post_not_found, "post_not_found", "There is no such post."},
    error_text{error_code::already_decided, "already_decided", "Another moderator already decided on this post."},
    error_text{error_code::not_approved, "not_approved", "The post is not on the wall."},
    error_text{error_code::not_pinned, "not_pinned", "The post is not pinned."},
    error_text{error_code::invalid_reason, "invalid_reason", "That reason is not in the list of reasons."},
    error_text{error_code::banned, "banned", "You can no longer post in this session."},
    error_text{error_code::citizen_not_found, "citizen_not_found", "There is no such citizen in this session."},
    error_text{error_code::store_unavailable, "store_unavailable", "The change could not be saved; nothing changed. Try again."},
    error_text{error_code::internal_error, "internal_error", "Something went wrong on the server."},
    error_text{error_code::not_found, "not_found", "Not found."},
    error_text{error_code::bad_origin, "bad_origin", "This page may not connect from that origin."},
    error_text{error_code::too_many_connections, "too_many_connections", "Too many connections from your address."},
    error_text{error_code::method_not_allowed, "method_not_allowed", "This method is not allowed here."},
    error_text{error_code::header_too_large, "header_too_large", "The request headers are too large."},
    error_text{error_code::body_too_large, "body_too_large", "The request body is too large."},
    error_text{error_code::upgrade_required, "upgrade_required", "This address only speaks WebSocket."},
    error_text{error_code::shutting_down, "shutting_down", "The server is stopping; try again in a moment."},
};

error_text const* find(error_code code)
{
    for (auto const& entry : error_texts)
        if (entry.code == code)
            return &entry;
    return nullptr;
}

}  // namespace

std::string_view to_string(error_code code)
{
    auto const* entry = find(code);
    return entry ? entry->name : "internal_error";
}

std::optional<error_code> parse_error_code(std::string_view text)
{
    for (auto const& entry : error_texts)
        if (entry.name == text)
            return entry.code;
    return std::nullopt;
}

std::string_view default_message(error_code code)
{
    auto const* entry = find(code);
    return entry ? entry->message : "Something went wrong on the server.";
}

}  // namespace pleno
