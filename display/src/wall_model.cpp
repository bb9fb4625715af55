#include "wall_model.hpp"

#include <algorithm>
#include <exception>
#include <unordered_set>
#include <utility>

namespace pleno::display {
namespace {

using nlohmann::json;

// Ids, sequence numbers and times are integers no larger than 2^53 - 1 (the protocol's promise).
constexpr std::int64_t largest_integer = (std::int64_t{1} << 53) - 1;

// Generous bounds on text from the server: the server's own limits on raw
// input (4,096 bytes for a post, 1,024 for other strings) with room for
// normalisation. Anything longer is a broken message, not something to lay out.
constexpr std::size_t post_text_max_bytes = 16 * 1024;
constexpr std::size_t name_max_bytes = 4 * 1024;
constexpr std::size_t line_max_bytes = 4 * 1024;
constexpr std::size_t description_max_bytes = 16 * 1024;
constexpr std::size_t agenda_max_items = 1000;
constexpr std::size_t snapshot_max_posts = 10000;

enum class presence { required, optional };

apply_outcome rejected(std::string reason)
{
    return {apply_result::rejected, std::move(reason)};
}

apply_outcome ignored()
{
    return {apply_result::ignored, {}};
}

apply_outcome applied()
{
    return {apply_result::applied, {}};
}

// Reads typed fields from one JSON object without throwing. The first problem
// becomes the reason; later reads then return their fallbacks, so a caller
// reads everything and checks ok() once.
class field_reader {
public:
    field_reader(json const& object, std::string context) : object_(object), context_(std::move(context))
    {
        if (!object_.is_object())
            fail(context_.empty() ? "the message is not a JSON object" : context_ + " is not a JSON object");
    }

    bool ok() const { return error_.empty(); }
    std::string const& error() const { return error_; }

    void fail(std::string reason)
    {
        if (error_.empty())
            error_ = std::move(reason);
    }

    // The member, or nullptr when absent or null (a required one is then an error).
    json const* member(char const* key, presence need)
    {
        if (!ok())
            return nullptr;
        auto found = object_.find(key);
        if (found == object_.end() || found->is_null()) {
            if (need == presence::required)
                fail(prefix() + "missing field '" + key + "'");
            return nullptr;
        }
        return &*found;
    }

    std::int64_t integer(char const* key, std::int64_t minimum, std::int64_t maximum, presence need,
                         std::int64_t fallback = 0)
    {
        json const* value = member(key, need);
        if (value == nullptr)
            return fallback;
        if (!value->is_number_integer()) {
            fail(prefix() + "field '" + key + "' must be an integer");
            return fallback;
        }
        std::int64_t number = 0;
        if (value->is_number_unsigned()) {
            auto const unsigned_number = value->get<std::uint64_t>();
            if (unsigned_number > static_cast<std::uint64_t>(largest_integer)) {
                fail(prefix() + "field '" + key + "' is out of range");
                return fallback;
            }
            number = static_cast<std::int64_t>(unsigned_number);
        } else {
            number = value->get<std::int64_t>();
        }
        if (number < minimum || number > maximum) {
            fail(prefix() + "field '" + key + "' is out of range");
            return fallback;
        }
        return number;
    }

    std::string text(char const* key, std::size_t max_bytes, presence need)
    {
        json const* value = member(key, need);
        if (value == nullptr)
            return {};
        if (!value->is_string()) {
            fail(prefix() + "field '" + key + "' must be a string");
            return {};
        }
        auto const& content = value->get_ref<std::string const&>();
        if (content.size() > max_bytes) {
            fail(prefix() + "field '" + key + "' is too long");
            return {};
        }
        return content;
    }

    bool flag(char const* key, presence need, bool fallback = false)
    {
        json const* value = member(key, need);
        if (value == nullptr)
            return fallback;
        if (!value->is_boolean()) {
            fail(prefix() + "field '" + key + "' must be true or false");
            return fallback;
        }
        return value->get<bool>();
    }

private:
    std::string prefix() const { return context_.empty() ? std::string{} : context_ + ": "; }

    json const& object_;
    std::string context_;
    std::string error_;
};

std::optional<session_state> session_state_from(std::string const& text)
{
    if (text == "scheduled")
        return session_state::scheduled;
    if (text == "live")
        return session_state::live;
    if (text == "closed")
        return session_state::closed;
    return std::nullopt;
}

std::optional<wall_mode> wall_mode_from(std::string const& text)
{
    if (text == "live")
        return wall_mode::live;
    if (text == "hold")
        return wall_mode::hold;
    if (text == "blank")
        return wall_mode::blank;
    return std::nullopt;
}

std::optional<agenda_entry> read_agenda_entry(json const& value, std::size_t position, std::string& reason)
{
    field_reader fields(value, "agenda item " + std::to_string(position + 1));
    agenda_entry entry;
    entry.id = fields.integer("id", 1, largest_integer, presence::required);
    entry.number = static_cast<int>(fields.integer("number", 0, 9999, presence::optional));
    entry.title = fields.text("title", line_max_bytes, presence::required);
    entry.description = fields.text("description", description_max_bytes, presence::optional);
    if (!fields.ok()) {
        reason = fields.error();
        return std::nullopt;
    }
    return entry;
}

// A session object. Absent optional fields take their defaults; a field of
// the wrong type refuses the whole object. pinned_post_id, which session_info
// does not keep, is returned through `pinned_post_id` when present.
std::optional<session_info> read_session(json const& value, std::string& reason,
                                         std::optional<std::int64_t>* pinned_post_id = nullptr)
{
    field_reader fields(value, "session");
    session_info session;
    session.id = fields.integer("id", 1, largest_integer, presence::required);
    session.title = fields.text("title", line_max_bytes, presence::required);
    session.place = fields.text("place", line_max_bytes, presence::optional);
    session.starts_at = fields.integer("starts_at", 0, largest_integer, presence::optional);
    auto const state_text = fields.text("state", 64, presence::required);
    session.current_item_id = fields.integer("current_item_id", 0, largest_integer, presence::optional);
    auto const mode_text = fields.text("wall_mode", 64, presence::optional);
    session.overlay = fields.text("overlay", line_max_bytes, presence::optional);
    auto const pinned = fields.integer("pinned_post_id", 0, largest_integer, presence::optional, -1);
    json const* agenda = fields.member("agenda", presence::optional);
    if (!fields.ok()) {
        reason = fields.error();
        return std::nullopt;
    }
    if (auto state = session_state_from(state_text))
        session.state = *state;
    else {
        reason = "session: field 'state' must be scheduled, live or closed";
        return std::nullopt;
    }
    if (mode_text.empty())
        session.mode = wall_mode::live;
    else if (auto mode = wall_mode_from(mode_text))
        session.mode = *mode;
    else {
        reason = "session: field 'wall_mode' must be live, hold or blank";
        return std::nullopt;
    }
    if (agenda != nullptr) {
        if (!agenda->is_array()) {
            reason = "session: field 'agenda' must be an array";
            return std::nullopt;
        }
        if (agenda->size() > agenda_max_items) {
            reason = "session: the agenda has too many items";
            return std::nullopt;
        }
        session.agenda.reserve(agenda->size());
        for (std::size_t position = 0; position < agenda->size(); ++position) {
            auto entry = read_agenda_entry((*agenda)[position], position, reason);
            if (!entry)
                return std::nullopt;
            session.agenda.push_back(std::move(*entry));
        }
    }
    if (pinned_post_id != nullptr && pinned >= 0)
        *pinned_post_id = pinned;
    return session;
}

std::optional<wall_post> read_post(json const& value, std::string& reason)
{
    field_reader fields(value, "post");
    wall_post post;
    post.id = fields.integer("id", 1, largest_integer, presence::required);
    post.item_id = fields.integer("item_id", 0, largest_integer, presence::optional);
    post.author = fields.text("author", name_max_bytes, presence::required);
    post.text = fields.text("text", post_text_max_bytes, presence::required);
    post.submitted_at = fields.integer("submitted_at", 0, largest_integer, presence::optional);
    post.approved_at = fields.integer("approved_at", 0, largest_integer, presence::optional);
    post.pinned = fields.flag("pinned", presence::optional);
    if (!fields.ok()) {
        reason = fields.error();
        return std::nullopt;
    }
    return post;
}

struct snapshot_content {
    std::int64_t session_id = 0;
    seq_type seq = 0;
    std::optional<session_info> session;
    std::vector<wall_post> posts;
};

std::optional<snapshot_content> read_snapshot(json const& message, std::string& reason)
{
    field_reader fields(message, {});
    snapshot_content content;
    content.session_id = fields.integer("session_id", 0, largest_integer, presence::required);
    content.seq = fields.integer("seq", 0, largest_integer, presence::required);
    json const* session = fields.member("session", presence::optional);
    json const* posts = fields.member("posts", presence::optional);
    if (!fields.ok()) {
        reason = fields.error();
        return std::nullopt;
    }
    // A null session is a server with no session at all: valid, nothing to show.
    if (session == nullptr && message.find("session") == message.end()) {
        reason = "missing field 'session'";
        return std::nullopt;
    }
    std::optional<std::int64_t> pinned_post_id;
    if (session != nullptr) {
        content.session = read_session(*session, reason, &pinned_post_id);
        if (!content.session)
            return std::nullopt;
        if (content.session->id != content.session_id) {
            reason = "the snapshot's session is not the session it names";
            return std::nullopt;
        }
    }
    if (posts != nullptr) {
        if (!posts->is_array()) {
            reason = "field 'posts' must be an array";
            return std::nullopt;
        }
        if (posts->size() > snapshot_max_posts) {
            reason = "field 'posts' has too many posts";
            return std::nullopt;
        }
        std::unordered_set<std::int64_t> seen;
        content.posts.reserve(posts->size());
        for (auto const& value : *posts) {
            auto post = read_post(value, reason);
            if (!post)
                return std::nullopt;
            // The same id twice would show one post twice: the first one wins.
            if (seen.insert(post->id).second)
                content.posts.push_back(std::move(*post));
        }
    }
    // The session's pinned_post_id, when given, is the one truth about the pin.
    if (pinned_post_id)
        for (auto& post : content.posts)
            post.pinned = post.id == *pinned_post_id;
    return content;
}

std::vector<wall_post>::iterator find_post(std::vector<wall_post>& posts, std::int64_t id)
{
    return std::find_if(posts.begin(), posts.end(), [id](wall_post const& post) { return post.id == id; });
}

bool remove_post(std::vector<wall_post>& posts, std::int64_t id)
{
    auto found = find_post(posts, id);
    if (found == posts.end())
        return false;
    posts.erase(found);
    return true;
}

// Keeps at most `limit` posts: the oldest unpinned ones leave first.
void trim_posts(std::vector<wall_post>& posts, std::size_t limit)
{
    if (posts.size() <= limit)
        return;
    std::size_t excess = posts.size() - limit;
    std::vector<wall_post> kept;
    kept.reserve(limit + 1);
    for (auto& post : posts) {
        if (excess > 0 && !post.pinned) {
            --excess;
            continue;
        }
        kept.push_back(std::move(post));
    }
    posts = std::move(kept);
}

// What the wall shows when the mode becomes `mode`: a hold freezes what is on
// the wall now (a hold that is already frozen stays as it was); any other mode
// lets go of the frozen copy.
void follow_mode(wall_mode mode, bool& frozen, std::vector<wall_post>& frozen_posts,
                 std::vector<wall_post> const& posts)
{
    if (mode == wall_mode::hold) {
        if (!frozen) {
            frozen = true;
            frozen_posts = posts;
        }
        return;
    }
    frozen = false;
    frozen_posts.clear();
}

bool is_session_event(std::string const& type)
{
    return type == "session_created" || type == "session_updated" || type == "agenda_updated" ||
           type == "session_opened" || type == "session_closed";
}

// Events the wall never receives, or receives without anything to show.
bool is_private_event(std::string const& type)
{
    return type == "post_submitted" || type == "post_rejected" || type == "citizen_banned";
}

}  // namespace

agenda_entry const* session_info::current_item() const
{
    if (current_item_id == 0)
        return nullptr;
    for (auto const& entry : agenda)
        if (entry.id == current_item_id)
            return &entry;
    return nullptr;
}

int session_info::current_position() const
{
    if (current_item_id == 0)
        return 0;
    for (std::size_t index = 0; index < agenda.size(); ++index)
        if (agenda[index].id == current_item_id)
            return static_cast<int>(index) + 1;
    return 0;
}

std::optional<session_info> parse_session(nlohmann::json const& value)
{
    std::string reason;
    return read_session(value, reason);
}

std::optional<wall_post> parse_post(nlohmann::json const& value)
{
    std::string reason;
    return read_post(value, reason);
}

wall_model::wall_model(std::size_t max_posts) : max_posts_(max_posts) {}

apply_outcome wall_model::apply(nlohmann::json const& message)
{
    // Every path below checks before it reads, so nothing should throw; this
    // is the last guard that keeps the projector up whatever arrives.
    try {
        if (!message.is_object())
            return rejected("the message is not a JSON object");
        auto type_field = message.find("type");
        if (type_field == message.end() || !type_field->is_string())
            return rejected("missing field 'type'");
        auto const& type = type_field->get_ref<std::string const&>();

        if (type == "welcome" || type == "ack" || type == "error" || type == "pong")
            return ignored();

        if (type == "snapshot") {
            std::string reason;
            if (!read_snapshot(message, reason))
                return rejected(std::move(reason));
            apply_snapshot(message);
            return applied();
        }

        if (type == "resumed") {
            field_reader fields(message, {});
            auto const session_id = fields.integer("session_id", 0, largest_integer, presence::required);
            auto const seq = fields.integer("seq", 0, largest_integer, presence::required);
            if (!fields.ok())
                return rejected(fields.error());
            if (!has_snapshot_ || session_id != followed_session_ || seq <= last_seq_)
                return ignored();
            last_seq_ = seq;
            return applied();
        }

        if (type == "current_session") {
            field_reader fields(message, {});
            auto const session_id = fields.integer("session_id", 0, largest_integer, presence::required);
            if (!fields.ok())
                return rejected(fields.error());
            // 0 means the server has no session any more: keep what is shown.
            if (session_id == 0)
                return ignored();
            if (session_id == this->session_id()) {
                session_change_.reset();  // the current session came back before anyone asked to follow another
                return ignored();
            }
            session_change_ = session_id;
            return applied();
        }

        return apply_event(message, type);
    } catch (std::exception const& failure) {
        return rejected(std::string("could not read the message: ") + failure.what());
    }
}

std::vector<apply_outcome> wall_model::apply_text(std::string_view text)
{
    std::vector<apply_outcome> outcomes;
    try {
        auto const parsed = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
        if (parsed.is_discarded()) {
            outcomes.push_back(rejected("the text is not valid JSON"));
            return outcomes;
        }
        if (!parsed.is_array()) {
            outcomes.push_back(apply(parsed));
            return outcomes;
        }
        if (parsed.empty()) {
            outcomes.push_back(rejected("an empty batch"));
            return outcomes;
        }
        outcomes.reserve(parsed.size());
        for (auto const& message : parsed)
            outcomes.push_back(apply(message));
    } catch (std::exception const& failure) {
        outcomes.push_back(rejected(std::string("could not read the message: ") + failure.what()));
    }
    return outcomes;
}

void wall_model::clear()
{
    has_snapshot_ = false;
    session_.reset();
    followed_session_ = 0;
    last_seq_ = 0;
    posts_.clear();
    frozen_ = false;
    frozen_posts_.clear();
    session_change_.reset();
    changed();
}

std::vector<wall_post> const& wall_model::shown_posts() const
{
    static std::vector<wall_post> const nothing;
    switch (mode()) {
    case wall_mode::blank:
        return nothing;
    case wall_mode::hold:
        return frozen_ ? frozen_posts_ : posts_;
    case wall_mode::live:
        break;
    }
    return posts_;
}

wall_post const* wall_model::pinned_post() const
{
    auto const& shown = shown_posts();
    auto found = std::find_if(shown.begin(), shown.end(), [](wall_post const& post) { return post.pinned; });
    return found == shown.end() ? nullptr : &*found;
}

std::optional<std::int64_t> wall_model::take_session_change()
{
    auto change = session_change_;
    session_change_.reset();
    return change;
}

apply_outcome wall_model::apply_event(nlohmann::json const& message, std::string const& type)
{
    bool const known = is_session_event(type) || is_private_event(type) || type == "post_approved" ||
                       type == "post_hidden" || type == "post_pinned" || type == "post_unpinned" ||
                       type == "current_item_changed" || type == "wall_mode_changed" || type == "overlay_changed";
    if (!known)
        return rejected("unknown message type '" + type + "'");

    field_reader fields(message, {});
    auto const session_id = fields.integer("session_id", 1, largest_integer, presence::required);
    auto const seq = fields.integer("seq", 1, largest_integer, presence::required);
    if (!fields.ok())
        return rejected(fields.error());
    // Events of another session (just after a follow) and replays of what we have are not news.
    if (!has_snapshot_ || session_id != followed_session_ || seq <= last_seq_)
        return ignored();

    if (is_private_event(type)) {
        last_seq_ = seq;
        return ignored();
    }

    if (type == "post_approved") {
        json const* value = fields.member("post", presence::required);
        if (!fields.ok())
            return rejected(fields.error());
        std::string reason;
        auto post = read_post(*value, reason);
        if (!post)
            return rejected(std::move(reason));
        last_seq_ = seq;
        if (find_post(posts_, post->id) != posts_.end())
            return ignored();
        // The pin arrives through post_pinned; an approval never takes it from another post.
        if (post->pinned)
            for (auto& other : posts_)
                other.pinned = false;
        posts_.push_back(std::move(*post));
        trim_posts(posts_, max_posts_);
        changed();
        return applied();
    }

    if (type == "post_hidden") {
        json const* value = fields.member("post", presence::required);
        if (!fields.ok())
            return rejected(fields.error());
        field_reader post_fields(*value, "post");
        auto const post_id = post_fields.integer("id", 1, largest_integer, presence::required);
        if (!post_fields.ok())
            return rejected(post_fields.error());
        last_seq_ = seq;
        // A hidden post leaves at once, from the live wall and from a held one.
        bool const removed_live = remove_post(posts_, post_id);
        bool const removed_frozen = remove_post(frozen_posts_, post_id);
        if (!removed_live && !removed_frozen)
            return ignored();
        changed();
        return applied();
    }

    if (type == "post_pinned") {
        auto const post_id = fields.integer("post_id", 1, largest_integer, presence::required);
        // Checked but not needed: there is at most one pin, so every other post loses it below.
        fields.integer("unpinned_post_id", 0, largest_integer, presence::optional);
        if (!fields.ok())
            return rejected(fields.error());
        last_seq_ = seq;
        // A held wall keeps its frozen copy as it was, pins included.
        for (auto& post : posts_)
            post.pinned = post.id == post_id;
        changed();
        return applied();
    }

    if (type == "post_unpinned") {
        auto const post_id = fields.integer("post_id", 1, largest_integer, presence::required);
        if (!fields.ok())
            return rejected(fields.error());
        last_seq_ = seq;
        auto found = find_post(posts_, post_id);
        if (found == posts_.end() || !found->pinned)
            return ignored();
        found->pinned = false;
        changed();
        return applied();
    }

    if (type == "current_item_changed") {
        auto const item_id = fields.integer("current_item_id", 0, largest_integer, presence::required);
        if (!fields.ok())
            return rejected(fields.error());
        last_seq_ = seq;
        if (!session_ || session_->current_item_id == item_id)
            return ignored();
        session_->current_item_id = item_id;
        changed();
        return applied();
    }

    if (type == "wall_mode_changed") {
        auto const mode_text = fields.text("wall_mode", 64, presence::required);
        if (!fields.ok())
            return rejected(fields.error());
        auto const mode = wall_mode_from(mode_text);
        if (!mode)
            return rejected("field 'wall_mode' must be live, hold or blank");
        last_seq_ = seq;
        if (!session_)
            return ignored();
        session_->mode = *mode;
        follow_mode(*mode, frozen_, frozen_posts_, posts_);
        changed();
        return applied();
    }

    if (type == "overlay_changed") {
        auto overlay = fields.text("overlay", line_max_bytes, presence::optional);
        if (!fields.ok())
            return rejected(fields.error());
        last_seq_ = seq;
        if (!session_ || session_->overlay == overlay)
            return ignored();
        session_->overlay = std::move(overlay);
        changed();
        return applied();
    }

    // The session events carry the whole session after the change.
    json const* value = fields.member("session", presence::required);
    if (!fields.ok())
        return rejected(fields.error());
    std::string reason;
    std::optional<std::int64_t> pinned_post_id;
    auto session = read_session(*value, reason, &pinned_post_id);
    if (!session)
        return rejected(std::move(reason));
    if (session->id != session_id)
        return rejected("the event's session is not the session it names");
    last_seq_ = seq;
    if (pinned_post_id)
        for (auto& post : posts_)
            post.pinned = post.id == *pinned_post_id;
    follow_mode(session->mode, frozen_, frozen_posts_, posts_);
    session_ = std::move(*session);
    changed();
    return applied();
}

void wall_model::apply_snapshot(nlohmann::json const& message)
{
    // apply() has checked the snapshot; reading it again here keeps the
    // checking and the replacing in one place (read_snapshot).
    std::string reason;
    auto content = read_snapshot(message, reason);
    if (!content)
        return;
    bool const same_session = has_snapshot_ && content->session_id == followed_session_;
    auto const mode = content->session ? content->session->mode : wall_mode::live;

    trim_posts(content->posts, max_posts_);
    if (mode == wall_mode::hold && same_session && frozen_) {
        // Still on hold after a reconnection: keep the frozen picture, minus
        // what is no longer on the wall (hidden meanwhile).
        std::unordered_set<std::int64_t> present;
        for (auto const& post : content->posts)
            present.insert(post.id);
        std::erase_if(frozen_posts_, [&present](wall_post const& post) { return !present.contains(post.id); });
    } else {
        frozen_ = false;
        frozen_posts_.clear();
        follow_mode(mode, frozen_, frozen_posts_, content->posts);
    }

    has_snapshot_ = true;
    followed_session_ = content->session_id;
    last_seq_ = content->seq;
    session_ = std::move(content->session);
    posts_ = std::move(content->posts);
    if (session_change_ && *session_change_ == followed_session_)
        session_change_.reset();
    changed();
}

void wall_model::changed()
{
    ++version_;
}

}  // namespace pleno::display
