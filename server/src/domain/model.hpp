#pragma once
// The council's plain data: sessions, agenda items, posts, bans, events.
// No I/O here; the store and the network edge translate to and from these.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pleno::domain {

using id_type = std::int64_t;
using millis = std::int64_t;  // Unix time in milliseconds (UTC)
using seq_type = std::int64_t;

enum class session_state { scheduled, live, closed };
enum class post_status { pending, approved, rejected, hidden };
enum class wall_mode { live, hold, blank };
enum class role { viewer, citizen, display, moderator, chair };

std::string_view to_string(session_state);
std::string_view to_string(post_status);
std::string_view to_string(wall_mode);
std::string_view to_string(role);
std::optional<session_state> parse_session_state(std::string_view);
std::optional<post_status> parse_post_status(std::string_view);
std::optional<wall_mode> parse_wall_mode(std::string_view);
std::optional<role> parse_role(std::string_view);

// Staff roles may moderate; only the chair runs sessions.
inline bool can_moderate(role r) { return r == role::moderator || r == role::chair; }
inline bool can_chair(role r) { return r == role::chair; }

struct agenda_item {
    id_type id = 0;
    int number = 0;  // the number printed on the agenda ("3")
    std::string title;
    std::string description;
};

struct council_session {
    id_type id = 0;
    std::string title;
    std::string place;
    millis starts_at = 0;
    session_state state = session_state::scheduled;
    std::vector<agenda_item> agenda;  // in agenda order
    id_type current_item_id = 0;      // 0: none
    wall_mode mode = wall_mode::live;
    std::string overlay;              // empty: no overlay
    seq_type last_seq = 0;
    id_type pinned_post_id = 0;       // 0: none
    millis opened_at = 0;
    millis closed_at = 0;

    agenda_item const* find_item(id_type item_id) const;
};

struct post {
    id_type id = 0;
    id_type session_id = 0;
    id_type item_id = 0;
    std::string client_id;   // chosen by the citizen's device; unique per citizen
    std::string citizen_id;  // public pseudonymous id, never shown on the wall
    std::string author;      // cleaned display name
    std::string text;        // cleaned text, never edited afterwards
    millis submitted_at = 0;
    post_status status = post_status::pending;
    bool pinned = false;
    std::vector<std::string> flags;  // word-list matches, for the queue only
    std::string decided_by;
    millis decided_at = 0;
    std::string reject_reason;  // a configured reason code
    std::string reject_detail;  // optional free text from the moderator
    std::string hidden_by;
    millis hidden_at = 0;
};

struct ban {
    id_type session_id = 0;
    std::string citizen_id;
    std::string banned_by;
    millis banned_at = 0;
    std::string reason;
};

// One change to a session, numbered by the session's sequence. `data` holds
// the full (staff) form; what each audience receives is derived from it.
struct event {
    id_type session_id = 0;
    seq_type seq = 0;
    millis at = 0;
    std::string type;
    std::string actor;  // account name, citizen id, or "system"
    nlohmann::json data;
};

struct reject_reason {
    std::string code;
    std::string label;
};

// Who performs a command.
struct actor {
    role kind = role::viewer;
    std::string name;  // account name for staff, citizen id for citizens
};

// The two clocks a command needs: wall time for what is recorded, a steady
// clock for rate limits.
struct timestamp {
    millis wall = 0;
    std::chrono::steady_clock::time_point steady{};
};

}  // namespace pleno::domain
