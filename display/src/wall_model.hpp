#pragma once
// What the projector knows: the session, its agenda, the approved posts and
// the chair's wall controls, built from the server's messages. Plain C++: no
// SDL, no network; the tests feed it messages directly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pleno::display {

using millis = std::int64_t;  // Unix time in milliseconds
using seq_type = std::int64_t;

enum class session_state { scheduled, live, closed };
enum class wall_mode { live, hold, blank };

struct agenda_entry {
    std::int64_t id = 0;
    int number = 0;
    std::string title;
    std::string description;
};

struct session_info {
    std::int64_t id = 0;
    std::string title;
    std::string place;
    millis starts_at = 0;
    session_state state = session_state::scheduled;
    std::vector<agenda_entry> agenda;
    std::int64_t current_item_id = 0;
    wall_mode mode = wall_mode::live;
    std::string overlay;

    agenda_entry const* current_item() const;
    int current_position() const;  // 1-based position of the current item, 0 when none
};

struct wall_post {
    std::int64_t id = 0;
    std::int64_t item_id = 0;
    std::string author;
    std::string text;
    millis submitted_at = 0;
    millis approved_at = 0;
    bool pinned = false;
};

// What applying one message did.
enum class apply_result {
    applied,    // the state changed
    ignored,    // understood, nothing to change (an old seq, another session, a reply)
    rejected,   // not understood: logged by the caller, state unchanged
};

struct apply_outcome {
    apply_result result = apply_result::ignored;
    std::string reason;  // for rejected messages: why
};

class wall_model {
public:
    // Keeps at most max_posts approved posts (the oldest leave first; a pinned one stays).
    explicit wall_model(std::size_t max_posts = 500);

    // One server message: welcome, snapshot, resumed, current_session, an
    // event (post_approved, post_hidden, post_pinned, post_unpinned,
    // current_item_changed, wall_mode_changed, overlay_changed,
    // session_opened, session_closed, session_updated, agenda_updated,
    // session_created), ack, error. Events at or below the last seq are
    // ignored, so a replay never shows a post twice. Never throws.
    apply_outcome apply(nlohmann::json const& message);

    // A whole WebSocket text message: one JSON object, or an array of them.
    // Returns the outcome of each message, in order.
    std::vector<apply_outcome> apply_text(std::string_view text);

    // Forget everything (for example, the display token was revoked).
    void clear();

    bool has_snapshot() const { return has_snapshot_; }
    std::optional<session_info> const& session() const { return session_; }
    std::int64_t session_id() const { return session_ ? session_->id : followed_session_; }
    seq_type last_seq() const { return last_seq_; }

    // The posts to show, oldest first. While the wall is on hold this is the
    // content as it was when the hold began, minus posts hidden since (a
    // hidden post always leaves at once). Empty while the wall is blank.
    std::vector<wall_post> const& shown_posts() const;
    // Every approved, visible post, oldest first, whatever the wall mode.
    std::vector<wall_post> const& posts() const { return posts_; }
    wall_post const* pinned_post() const;  // among shown_posts(), or nullptr
    wall_mode mode() const { return session_ ? session_->mode : wall_mode::live; }

    // A session other than the followed one became current: the caller asks to follow it.
    std::optional<std::int64_t> take_session_change();

    // Increases on every change that can alter the picture.
    std::uint64_t version() const { return version_; }

private:
    apply_outcome apply_event(nlohmann::json const& message, std::string const& type);
    void apply_snapshot(nlohmann::json const& message);
    void changed();

    std::size_t max_posts_;
    bool has_snapshot_ = false;
    std::optional<session_info> session_;
    std::int64_t followed_session_ = 0;
    seq_type last_seq_ = 0;
    std::vector<wall_post> posts_;
    bool frozen_ = false;
    std::vector<wall_post> frozen_posts_;
    std::optional<std::int64_t> session_change_;
    std::uint64_t version_ = 0;
};

// Parsing helpers shared with the tests.
std::optional<session_info> parse_session(nlohmann::json const& value);
std::optional<wall_post> parse_post(nlohmann::json const& value);

}  // namespace pleno::display
