#pragma once
// The council: sessions, agendas, posts and the moderation state machine.
// Plain C++ without I/O. Every command checks who asks, validates, changes
// the state and returns the events it produced plus what the store must save.
// The caller serialises calls (one mutex in the service).

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>
#include <pleno/error_code.hpp>

#include "domain/model.hpp"
#include "domain/token_bucket.hpp"
#include "domain/word_list.hpp"

namespace pleno::domain {

struct council_settings {
    std::size_t post_max_code_points = 280;
    std::size_t name_max_code_points = 40;
    std::size_t title_max_code_points = 200;
    std::size_t description_max_code_points = 600;
    std::size_t overlay_max_code_points = 120;
    std::size_t reject_detail_max_code_points = 200;
    millis posting_opens_before = 0;  // ms before starts_at when a scheduled session accepts posts
    bucket_rule posts_per_citizen{1.0 / 20.0, 3.0};
    std::vector<reject_reason> reject_reasons;
    std::vector<std::string> word_list;
};

struct failure {
    error_code code = error_code::internal_error;
    std::string message;
    nlohmann::json details = nlohmann::json::object();
};

// What a command changed: the events to publish and the rows to save.
struct change_set {
    std::vector<event> events;
    std::vector<id_type> sessions;  // every session a command touched (last_seq is in its row)
    std::vector<id_type> agendas;   // of those, the sessions whose agenda changed
    std::vector<id_type> posts;
    std::vector<ban> bans;
};

template <typename T>
struct outcome {
    std::optional<failure> error;
    T value{};
    change_set changes;
    bool ok() const { return !error.has_value(); }
};

struct session_draft {
    std::string title;
    std::string place;
    millis starts_at = 0;
    std::vector<agenda_item> agenda;  // id 0: a new item; number 0: numbered by position
};

struct post_request {
    std::string client_id;
    std::string author;
    std::string text;
    id_type session_id = 0;  // 0: the current session
    id_type item_id = 0;     // 0: the session's current item
};

struct submitted_post {
    id_type post_id = 0;
    bool duplicate = false;  // the same client id was seen before: nothing new was stored
};

// The built-in reason used when a ban rejects a citizen's waiting posts.
inline constexpr std::string_view banned_reason_code = "banned";

class council {
public:
    explicit council(council_settings settings);

    // Start-up: the state as the store last committed it.
    void restore(std::vector<council_session> sessions, std::vector<post> posts, std::vector<ban> bans,
                 std::vector<event> events, id_type max_session_id, id_type max_item_id, id_type max_post_id);

    // Chair commands.
    outcome<id_type> create_session(actor const& who, session_draft draft, timestamp now);
    outcome<id_type> update_session(actor const& who, id_type session_id, session_draft const& draft, timestamp now);
    outcome<id_type> set_agenda(actor const& who, id_type session_id, std::vector<agenda_item> items, timestamp now);
    outcome<id_type> open_session(actor const& who, id_type session_id, timestamp now);
    outcome<id_type> close_session(actor const& who, id_type session_id, timestamp now);
    outcome<id_type> set_current_item(actor const& who, id_type session_id, id_type item_id, timestamp now);
    outcome<id_type> set_wall_mode(actor const& who, id_type session_id, wall_mode mode, timestamp now);
    outcome<id_type> set_overlay(actor const& who, id_type session_id, std::string const& text, timestamp now);

    // Citizen command.
    outcome<submitted_post> submit_post(actor const& who, post_request request, timestamp now);

    // Moderator commands (the chair may moderate too).
    outcome<id_type> approve(actor const& who, id_type post_id, timestamp now);
    outcome<id_type> reject(actor const& who, id_type post_id, std::string const& reason_code,
                            std::string const& detail, timestamp now);
    outcome<id_type> hide(actor const& who, id_type post_id, timestamp now);
    outcome<id_type> pin(actor const& who, id_type post_id, timestamp now);
    outcome<id_type> unpin(actor const& who, id_type post_id, timestamp now);
    outcome<std::size_t> ban_citizen(actor const& who, id_type session_id, std::string const& citizen_id,
                                     std::string const& reason, timestamp now);

    // Queries.
    council_session const* find_session(id_type session_id) const;
    post const* find_post(id_type post_id) const;
    // The live session; else the next scheduled one; else the last closed; 0 when none.
    id_type current_session_id(millis now) const;
    std::vector<council_session const*> sessions() const;
    std::vector<post const*> posts_of(id_type session_id) const;  // in id order
    std::vector<post const*> posts_of_citizen(id_type session_id, std::string const& citizen_id) const;
    std::vector<event> const& events_of(id_type session_id) const;
    bool is_banned(id_type session_id, std::string const& citizen_id) const;
    council_settings const& settings() const { return settings_; }
    std::vector<reject_reason> const& reject_reasons() const { return settings_.reject_reasons; }
    std::string reason_label(std::string const& code) const;

private:
    enum class closed_sessions { allowed, refused };
    council_session* session_for_change(id_type session_id, failure& error);
    // The session a chair command changes: the caller must be the chair and the session must exist.
    council_session* session_for_chair(actor const& who, id_type session_id, std::string_view forbidden_message,
                                       closed_sessions closed, failure& error);
    post* post_for_decision(actor const& who, id_type post_id, failure& error);
    event& record(change_set& changes, council_session& session, std::string type, actor const& who,
                  timestamp now, nlohmann::json data);
    std::optional<failure> clean_draft(session_draft& draft, bool with_agenda) const;
    std::optional<failure> clean_agenda(std::vector<agenda_item>& items, council_session const* existing) const;
    std::optional<failure> posting_window(council_session const& session, millis now) const;

    council_settings settings_;
    word_list words_;
    token_bucket_set post_buckets_;
    std::map<id_type, council_session> sessions_;
    std::map<id_type, post> posts_;
    std::unordered_map<std::string, id_type> posts_by_client_;  // citizen id + '\n' + client id
    std::map<id_type, std::vector<id_type>> session_posts_;
    std::map<id_type, std::vector<event>> events_;
    std::map<id_type, std::unordered_set<std::string>> bans_;
    id_type max_session_id_ = 0;
    id_type max_item_id_ = 0;
    id_type max_post_id_ = 0;
};

}  // namespace pleno::domain
