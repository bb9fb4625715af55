#pragma once
// Stable, machine-readable error codes. Clients match on the text form; never
// rename one, only add.

#include <optional>
#include <string_view>

namespace pleno {

enum class error_code {
    bad_json,              // the message is not a JSON object
    bad_request,           // a field is missing, of the wrong type or out of range
    unknown_type,          // no such message type
    binary_not_supported,  // a binary WebSocket message
    hello_required,        // the first message must be hello
    already_greeted,       // hello sent twice
    not_authenticated,     // the token is unknown, revoked or expired
    forbidden,             // the role may not do this
    bad_credentials,       // wrong name or password
    too_many_attempts,     // login throttled
    rate_limited,          // too many posts; retry_after_seconds tells when
    invalid_utf8,
    text_empty,
    text_too_long,
    invalid_name,          // display name empty or too long after cleaning
    session_not_found,
    no_live_session,
    posting_not_open,      // the session has not started (opens_at tells when)
    session_closed,
    invalid_state,         // e.g. opening a session that is not scheduled
    another_session_live,
    item_not_found,
    post_not_found,
    already_decided,       // another moderator decided first
    not_approved,          // hide or pin a post that is not on the wall
    not_pinned,
    invalid_reason,        // a reject reason that is not configured
    banned,                // the citizen is banned from this session
    citizen_not_found,
    store_unavailable,     // the database could not commit; nothing changed
    internal_error,
    not_found,             // HTTP: no such resource
    bad_origin,            // HTTP: WebSocket upgrade from a foreign Origin
    too_many_connections,
    method_not_allowed,    // HTTP: the path exists, the method does not
    header_too_large,      // HTTP: request headers over the limit
    body_too_large,        // HTTP: request body over the limit
    upgrade_required,      // HTTP: /ws without a WebSocket upgrade
    shutting_down,         // the server is stopping
};

std::string_view to_string(error_code code);
std::optional<error_code> parse_error_code(std::string_view text);

// A sentence a person can read, in English; clients may translate by code.
std::string_view default_message(error_code code);

}  // namespace pleno
