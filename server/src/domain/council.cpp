#include "domain/council.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <utility>

#include <pleno/text.hpp>

#include "domain/event_view.hpp"

namespace pleno::domain {
namespace {

failure fail(error_code code, std::string message = {})
{
    return failure{code, message.empty() ? std::string(default_message(code)) : std::move(message), nlohmann::json::object()};
}

template <typename T>
outcome<T> failed(failure error)
{
    outcome<T> result;
    result.error = std::move(error);
    return result;
}

std::optional<failure> text_failure(text::text_error error, std::string_view field, std::size_t max)
{
    switch (error) {
    case text::text_error::none:
        return std::nullopt;
    case text::text_error::invalid_utf8:
        return fail(error_code::invalid_utf8, std::string(field) + " is not valid UTF-8.");
    case text::text_error::empty:
        return fail(error_code::text_empty, std::string(field) + " is empty.");
    case text::text_error::too_long:
        return fail(error_code::text_too_long,
                    std::string(field) + " is longer than " + std::to_string(max) + " characters.");
    }
    return fail(error_code::internal_error);
}

// A client id is chosen by the citizen's device: short, and safe to log.
bool valid_client_id(std::string const& id)
{
    if (id.empty() || id.size() > 64)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

std::string client_key(std::string const& citizen_id, std::string const& client_id)
{
    return citizen_id + '\n' + client_id;
}

std::vector<event> const no_events;

}  // namespace

council::council(council_settings settings)
    : settings_(std::move(settings))
    , words_(settings_.word_list)
    , post_buckets_(settings_.posts_per_citizen)
{
}

void council::restore(std::vector<council_session> sessions, std::vector<post> posts, std::vector<ban> bans,
                      std::vector<event> events, id_type max_session_id, id_type max_item_id, id_type max_post_id)
{
    sessions_.clear();
    posts_.clear();
    posts_by_client_.clear();
    session_posts_.clear();
    events_.clear();
    bans_.clear();
    for (auto& session : sessions)
        sessions_.emplace(session.id, std::move(session));
    for (auto& value : posts) {
        posts_by_client_[client_key(value.citizen_id, value.client_id)] = value.id;
        session_posts_[value.session_id].push_back(value.id);
        posts_.emplace(value.id, std::move(value));
    }
    for (auto& value : bans)
        bans_[value.session_id].insert(value.citizen_id);
    for (auto& value : events)
        events_[value.session_id].push_back(std::move(value));
    max_session_id_ = max_session_id;
    max_item_id_ = max_item_id;
    max_post_id_ = max_post_id;
}

event& council::record(change_set& changes, council_session& session, std::string type, actor const& who,
                       timestamp now, nlohmann::json data)
{
    ++session.last_seq;
    event value{session.id, session.last_seq, now.wall, std::move(type), who.name, std::move(data)};
    events_[session.id].push_back(value);
    if (std::find(changes.sessions.begin(), changes.sessions.end(), session.id) == changes.sessions.end())
        changes.sessions.push_back(session.id);  // last_seq is part of the session row
    changes.events.push_back(std::move(value));
    return changes.events.back();
}

council_session* council::session_for_change(id_type session_id, failure& error)
{
    auto found = sessions_.find(session_id);
    if (found == sessions_.end()) {
        error = fail(error_code::session_not_found);
        return nullptr;
    }
    return &found->second;
}

std::optional<failure> council::clean_agenda(std::vector<agenda_item>& items, council_session const* existing) const
{
    std::unordered_set<id_type> seen;
    for (std::size_t position = 0; position < items.size(); ++position) {
        auto& item = items[position];
        if (item.id != 0) {
            if (existing == nullptr || existing->find_item(item.id) == nullptr)
                return fail(error_code::item_not_found, "Agenda item " + std::to_string(item.id) + " is not in this session.");
            if (!seen.insert(item.id).second)
                return fail(error_code::bad_request, "Agenda item " + std::to_string(item.id) + " appears twice.");
        }
        auto title = text::clean(item.title, settings_.title_max_code_points, text::line_breaks::to_spaces);
        if (auto error = text_failure(title.error, "An agenda item's title", settings_.title_max_code_points))
            return error;
        item.title = std::move(title.text);
        if (!item.description.empty()) {
            auto description = text::clean(item.description, settings_.description_max_code_points, text::line_breaks::keep);
            if (description.error == text::text_error::empty)
                description.text.clear();
            else if (auto error = text_failure(description.error, "An agenda item's description", settings_.description_max_code_points))
                return error;
            item.description = std::move(description.text);
        }
        if (item.number < 0 || item.number > 9999)
            return fail(error_code::bad_request, "An agenda item's number must be between 0 and 9999.");
        if (item.number == 0)
            item.number = static_cast<int>(position) + 1;
    }
    if (items.size() > 200)
        return fail(error_code::bad_request, "An agenda has at most 200 items.");
    return std::nullopt;
}

std::optional<failure> council::clean_draft(session_draft& draft, bool with_agenda) const
{
    auto title = text::clean(draft.title, settings_.title_max_code_points, text::line_breaks::to_spaces);
    if (auto error = text_failure(title.error, "The session's title", settings_.title_max_code_points))
        return error;
    draft.title = std::move(title.text);
    auto place = text::clean(draft.place, settings_.title_max_code_points, text::line_breaks::to_spaces);
    if (place.error == text::text_error::empty)
        place.text.clear();
    else if (auto error = text_failure(place.error, "The session's place", settings_.title_max_code_points))
        return error;
    draft.place = std::move(place.text);
    if (draft.starts_at <= 0)
        return fail(error_code::bad_request, "The session needs a start time.");
    if (with_agenda)
        return clean_agenda(draft.agenda, nullptr);
    return std::nullopt;
}

outcome<id_type> council::create_session(actor const& who, session_draft draft, timestamp now)
{
    if (!can_chair(who.kind))
        return failed<id_type>(fail(error_code::forbidden, "Only the chair prepares sessions."));
    if (auto error = clean_draft(draft, true))
        return failed<id_type>(*error);

    council_session session;
    session.id = ++max_session_id_;
    session.title = std::move(draft.title);
    session.place = std::move(draft.place);
    session.starts_at = draft.starts_at;
    for (auto& item : draft.agenda) {
        item.id = ++max_item_id_;
        session.agenda.push_back(std::move(item));
    }
    auto& stored = sessions_.emplace(session.id, std::move(session)).first->second;
    outcome<id_type> result;
    result.value = stored.id;
    record(result.changes, stored, "session_created", who, now, {{"session", session_json(stored)}});
    result.changes.agendas.push_back(stored.id);
    return result;
}

outcome<id_type> council::update_session(actor const& who, id_type session_id, session_draft const& draft, timestamp now)
{
    failure error;
    auto* session = session_for_chair(who, session_id, "Only the chair edits sessions.", closed_sessions::refused, error);
    if (session == nullptr)
        return failed<id_type>(error);
    session_draft cleaned = draft;
    if (auto problem = clean_draft(cleaned, false))
        return failed<id_type>(*problem);
    session->title = std::move(cleaned.title);
    session->place = std::move(cleaned.place);
    session->starts_at = cleaned.starts_at;
    outcome<id_type> result;
    result.value = session_id;
    record(result.changes, *session, "session_updated", who, now, {{"session", session_json(*session)}});
    return result;
}

outcome<id_type> council::set_agenda(actor const& who, id_type session_id, std::vector<agenda_item> items, timestamp now)
{
    failure error;
    auto* session = session_for_chair(who, session_id, "Only the chair edits the agenda.", closed_sessions::refused, error);
    if (session == nullptr)
        return failed<id_type>(error);
    if (auto problem = clean_agenda(items, session))
        return failed<id_type>(*problem);
    for (auto& item : items)
        if (item.id == 0)
            item.id = ++max_item_id_;
    session->agenda = std::move(items);
    if (session->current_item_id != 0 && session->find_item(session->current_item_id) == nullptr)
        session->current_item_id = (session->state == session_state::live && !session->agenda.empty()) ? session->agenda.front().id : 0;
    outcome<id_type> result;
    result.value = session_id;
    record(result.changes, *session, "agenda_updated", who, now, {{"session", session_json(*session)}});
    result.changes.agendas.push_back(session_id);
    return result;
}

outcome<id_type> council::open_session(actor const& who, id_type session_id, timestamp now)
{
    failure error;
    auto* session = session_for_chair(who, session_id, "Only the chair opens a session.", closed_sessions::allowed, error);
    if (session == nullptr)
        return failed<id_type>(error);
    if (session->state != session_state::scheduled)
        return failed<id_type>(fail(error_code::invalid_state, "Only a scheduled session can be opened."));
    for (auto const& [id, other] : sessions_)
        if (id != session_id && other.state == session_state::live) {
            failure problem = fail(error_code::another_session_live, "Session " + std::to_string(id) + " is live; close it first.");
            problem.details["session_id"] = id;
            problem.details["title"] = other.title;
            return failed<id_type>(std::move(problem));
        }
    session->state = session_state::live;
    session->opened_at = now.wall;
    if (session->current_item_id == 0 && !session->agenda.empty())
        session->current_item_id = session->agenda.front().id;
    outcome<id_type> result;
    result.value = session_id;
    record(result.changes, *session, "session_opened", who, now, {{"session", session_json(*session)}});
    return result;
}

outcome<id_type> council::close_session(actor const& who, id_type session_id, timestamp now)
{
    failure error;
    auto* session = session_for_chair(who, session_id, "Only the chair closes a session.", closed_sessions::allowed, error);
    if (session == nullptr)
        return failed<id_type>(error);
    if (session->state != session_state::live)
        return failed<id_type>(fail(error_code::invalid_state, "Only a live session can be closed."));
    session->state = session_state::closed;
    session->closed_at = now.wall;
    session->mode = wall_mode::live;
    session->overlay.clear();
    outcome<id_type> result;
    result.value = session_id;
    record(result.changes, *session, "session_closed", who, now, {{"session", session_json(*session)}});
    return result;
}

outcome<id_type> council::set_current_item(actor const& who, id_type session_id, id_type item_id, timestamp now)
{
    failure error;
    auto* session = session_for_chair(who, session_id, "Only the chair moves the agenda.", closed_sessions::refused, error);
    if (session == nullptr)
        return failed<id_type>(error);
    if (session->find_item(item_id) == nullptr)
        return failed<id_type>(fail(error_code::item_not_found));
    session->current_item_id = item_id;
    outcome<id_type> result;
    result.value = item_id;
    record(result.changes, *session, "current_item_changed", who, now, {{"current_item_id", item_id}});
    return result;
}

outcome<id_type> council::set_wall_mode(actor const& who, id_type session_id, wall_mode mode, timestamp now)
{
    failure error;
    auto* session = session_for_chair(who, session_id, "Only the chair controls the wall.", closed_sessions::refused, error);
    if (session == nullptr)
        return failed<id_type>(error);
    session->mode = mode;
    outcome<id_type> result;
    result.value = session_id;
    record(result.changes, *session, "wall_mode_changed", who, now, {{"wall_mode", to_string(mode)}});
    return result;
}

outcome<id_type> council::set_overlay(actor const& who, id_type session_id, std::string const& text_value, timestamp now)
{
    failure error;
    auto* session = session_for_chair(who, session_id, "Only the chair sets the overlay.", closed_sessions::refused, error);
    if (session == nullptr)
        return failed<id_type>(error);
    std::string cleaned;
    if (!text_value.empty()) {
        auto result = text::clean(text_value, settings_.overlay_max_code_points, text::line_breaks::to_spaces);
        if (result.error != text::text_error::empty) {
            if (auto problem = text_failure(result.error, "The overlay", settings_.overlay_max_code_points))
                return failed<id_type>(*problem);
            cleaned = std::move(result.text);
        }
    }
    session->overlay = cleaned;
    outcome<id_type> result;
    result.value = session_id;
    record(result.changes, *session, "overlay_changed", who, now, {{"overlay", cleaned}});
    return result;
}

std::optional<failure> council::posting_window(council_session const& session, millis now) const
{
    if (session.state == session_state::live)
        return std::nullopt;
    if (session.state == session_state::closed)
        return fail(error_code::session_closed, "The session is closed; posting has ended.");
    millis const opens_at = session.starts_at - settings_.posting_opens_before;
    if (settings_.posting_opens_before > 0 && now >= opens_at)
        return std::nullopt;
    auto problem = fail(error_code::posting_not_open);
    problem.details["opens_at"] = settings_.posting_opens_before > 0 ? opens_at : session.starts_at;
    return problem;
}

outcome<submitted_post> council::submit_post(actor const& who, post_request request, timestamp now)
{
    if (who.kind != role::citizen || who.name.empty())
        return failed<submitted_post>(fail(error_code::forbidden, "Only citizens post."));
    if (!valid_client_id(request.client_id))
        return failed<submitted_post>(fail(error_code::bad_request, "client_id must be 1 to 64 letters, digits, '-' or '_'."));

    // A retry of a post already stored gets that post back, whatever happened since.
    if (auto existing = posts_by_client_.find(client_key(who.name, request.client_id)); existing != posts_by_client_.end()) {
        outcome<submitted_post> result;
        result.value = {existing->second, true};
        return result;
    }

    id_type const session_id = request.session_id != 0 ? request.session_id : current_session_id(now.wall);
    auto found = sessions_.find(session_id);
    if (session_id == 0 || found == sessions_.end())
        return failed<submitted_post>(fail(request.session_id != 0 ? error_code::session_not_found : error_code::no_live_session));
    auto& session = found->second;
    if (is_banned(session_id, who.name))
        return failed<submitted_post>(fail(error_code::banned));
    if (auto problem = posting_window(session, now.wall))
        return failed<submitted_post>(*problem);

    id_type item_id = request.item_id != 0 ? request.item_id : session.current_item_id;
    if (request.item_id != 0 && session.find_item(request.item_id) == nullptr)
        return failed<submitted_post>(fail(error_code::item_not_found));

    auto body = text::clean(request.text, settings_.post_max_code_points, text::line_breaks::keep);
    if (auto problem = text_failure(body.error, "The message", settings_.post_max_code_points))
        return failed<submitted_post>(*problem);
    auto name = text::clean(request.author, settings_.name_max_code_points, text::line_breaks::to_spaces);
    if (name.error == text::text_error::invalid_utf8)
        return failed<submitted_post>(fail(error_code::invalid_utf8, "The name is not valid UTF-8."));
    if (name.error != text::text_error::none)
        return failed<submitted_post>(fail(error_code::invalid_name, "The name must have 1 to " +
                                                                         std::to_string(settings_.name_max_code_points) + " characters."));

    if (!post_buckets_.try_take(who.name, now.steady)) {
        auto problem = fail(error_code::rate_limited);
        // Whole seconds, rounded up and at least 1: a token less than a
        // millisecond away used to round down to "retry after 0", which sends
        // a client straight back into the limit. A rule that never refills
        // (a burst below one token) gives an infinite wait: a day, not a cast
        // of infinity to int.
        double const wait = post_buckets_.seconds_until_available(who.name, now.steady);
        problem.details["retry_after_seconds"] = static_cast<int>(std::clamp(std::ceil(wait), 1.0, 86400.0));
        return failed<submitted_post>(problem);
    }

    post value;
    value.id = ++max_post_id_;
    value.session_id = session_id;
    value.item_id = item_id;
    value.client_id = request.client_id;
    value.citizen_id = who.name;
    value.author = std::move(name.text);
    value.text = std::move(body.text);
    value.submitted_at = now.wall;
    value.flags = words_.matches(value.text);
    for (auto const& flag : words_.matches(value.author))
        if (std::find(value.flags.begin(), value.flags.end(), flag) == value.flags.end())
            value.flags.push_back(flag);

    posts_by_client_[client_key(value.citizen_id, value.client_id)] = value.id;
    session_posts_[session_id].push_back(value.id);
    auto& stored = posts_.emplace(value.id, std::move(value)).first->second;

    outcome<submitted_post> result;
    result.value = {stored.id, false};
    result.changes.posts.push_back(stored.id);
    record(result.changes, session, "post_submitted", who, now, {{"post", post_json(stored, audience::staff)}});
    return result;
}

council_session* council::session_for_chair(actor const& who, id_type session_id, std::string_view forbidden_message,
                                            closed_sessions closed, failure& error)
{
    if (!can_chair(who.kind)) {
        error = fail(error_code::forbidden, std::string(forbidden_message));
        return nullptr;
    }
    auto* session = session_for_change(session_id, error);
    if (session != nullptr && closed == closed_sessions::refused && session->state == session_state::closed) {
        error = fail(error_code::session_closed);
        return nullptr;
    }
    return session;
}

post* council::post_for_decision(actor const& who, id_type post_id, failure& error)
{
    if (!can_moderate(who.kind)) {
        error = fail(error_code::forbidden, "Only moderators decide on posts.");
        return nullptr;
    }
    auto found = posts_.find(post_id);
    if (found == posts_.end()) {
        error = fail(error_code::post_not_found);
        return nullptr;
    }
    return &found->second;
}

namespace {

failure already_decided(post const& value)
{
    auto problem = fail(error_code::already_decided);
    problem.details["status"] = to_string(value.status);
    problem.details["decided_by"] = value.status == post_status::hidden ? value.hidden_by : value.decided_by;
    return problem;
}

}  // namespace

outcome<id_type> council::approve(actor const& who, id_type post_id, timestamp now)
{
    failure error;
    auto* value = post_for_decision(who, post_id, error);
    if (value == nullptr)
        return failed<id_type>(error);
    if (value->status != post_status::pending)
        return failed<id_type>(already_decided(*value));
    value->status = post_status::approved;
    value->decided_by = who.name;
    value->decided_at = now.wall;
    outcome<id_type> result;
    result.value = post_id;
    result.changes.posts.push_back(post_id);
    record(result.changes, sessions_.at(value->session_id), "post_approved", who, now, {{"post", post_json(*value, audience::staff)}});
    return result;
}

outcome<id_type> council::reject(actor const& who, id_type post_id, std::string const& reason_code,
                                 std::string const& detail, timestamp now)
{
    failure error;
    auto* value = post_for_decision(who, post_id, error);
    if (value == nullptr)
        return failed<id_type>(error);
    if (value->status != post_status::pending)
        return failed<id_type>(already_decided(*value));
    // "banned" is reserved for rejections made by a ban.
    bool const known = std::any_of(settings_.reject_reasons.begin(), settings_.reject_reasons.end(),
                                   [&](reject_reason const& reason) { return reason.code == reason_code; });
    if (!known)
        return failed<id_type>(fail(error_code::invalid_reason));
    std::string cleaned_detail;
    if (!detail.empty()) {
        auto cleaned = text::clean(detail, settings_.reject_detail_max_code_points, text::line_breaks::to_spaces);
        if (cleaned.error != text::text_error::empty) {
            if (auto problem = text_failure(cleaned.error, "The reason", settings_.reject_detail_max_code_points))
                return failed<id_type>(*problem);
            cleaned_detail = std::move(cleaned.text);
        }
    }
    value->status = post_status::rejected;
    value->decided_by = who.name;
    value->decided_at = now.wall;
    value->reject_reason = reason_code;
    value->reject_detail = std::move(cleaned_detail);
    outcome<id_type> result;
    result.value = post_id;
    result.changes.posts.push_back(post_id);
    auto data = post_json(*value, audience::staff);
    data["reject_label"] = reason_label(reason_code);
    record(result.changes, sessions_.at(value->session_id), "post_rejected", who, now, {{"post", std::move(data)}});
    return result;
}

outcome<id_type> council::hide(actor const& who, id_type post_id, timestamp now)
{
    failure error;
    auto* value = post_for_decision(who, post_id, error);
    if (value == nullptr)
        return failed<id_type>(error);
    if (value->status == post_status::hidden)
        return failed<id_type>(already_decided(*value));
    if (value->status != post_status::approved)
        return failed<id_type>(fail(error_code::not_approved));
    auto& session = sessions_.at(value->session_id);
    value->status = post_status::hidden;
    value->hidden_by = who.name;
    value->hidden_at = now.wall;
    value->pinned = false;
    if (session.pinned_post_id == post_id)
        session.pinned_post_id = 0;
    outcome<id_type> result;
    result.value = post_id;
    result.changes.posts.push_back(post_id);
    record(result.changes, session, "post_hidden", who, now, {{"post", post_json(*value, audience::staff)}});
    return result;
}

outcome<id_type> council::pin(actor const& who, id_type post_id, timestamp now)
{
    failure error;
    auto* value = post_for_decision(who, post_id, error);
    if (value == nullptr)
        return failed<id_type>(error);
    if (value->status != post_status::approved)
        return failed<id_type>(fail(error_code::not_approved));
    auto& session = sessions_.at(value->session_id);
    outcome<id_type> result;
    result.value = post_id;
    id_type const previous = session.pinned_post_id;
    if (previous == post_id)
        return result;  // pinning the pinned post changes nothing
    if (previous != 0) {
        if (auto found = posts_.find(previous); found != posts_.end()) {
            found->second.pinned = false;
            result.changes.posts.push_back(previous);
        }
    }
    value->pinned = true;
    session.pinned_post_id = post_id;
    result.changes.posts.push_back(post_id);
    record(result.changes, session, "post_pinned", who, now, {{"post_id", post_id}, {"unpinned_post_id", previous}});
    return result;
}

outcome<id_type> council::unpin(actor const& who, id_type post_id, timestamp now)
{
    failure error;
    auto* value = post_for_decision(who, post_id, error);
    if (value == nullptr)
        return failed<id_type>(error);
    if (!value->pinned)
        return failed<id_type>(fail(error_code::not_pinned));
    auto& session = sessions_.at(value->session_id);
    value->pinned = false;
    if (session.pinned_post_id == post_id)
        session.pinned_post_id = 0;
    outcome<id_type> result;
    result.value = post_id;
    result.changes.posts.push_back(post_id);
    record(result.changes, session, "post_unpinned", who, now, {{"post_id", post_id}});
    return result;
}

outcome<std::size_t> council::ban_citizen(actor const& who, id_type session_id, std::string const& citizen_id,
                                          std::string const& reason, timestamp now)
{
    if (!can_moderate(who.kind))
        return failed<std::size_t>(fail(error_code::forbidden, "Only moderators ban."));
    failure error;
    auto* session = session_for_change(session_id, error);
    if (session == nullptr)
        return failed<std::size_t>(error);
    auto const& own_posts = posts_of_citizen(session_id, citizen_id);
    if (own_posts.empty())
        return failed<std::size_t>(fail(error_code::citizen_not_found));
    std::string cleaned_reason;
    if (!reason.empty()) {
        auto cleaned = text::clean(reason, settings_.reject_detail_max_code_points, text::line_breaks::to_spaces);
        if (cleaned.error != text::text_error::empty) {
            if (auto problem = text_failure(cleaned.error, "The reason", settings_.reject_detail_max_code_points))
                return failed<std::size_t>(*problem);
            cleaned_reason = std::move(cleaned.text);
        }
    }
    outcome<std::size_t> result;
    if (is_banned(session_id, citizen_id))
        return result;  // banning twice changes nothing

    nlohmann::json rejected = nlohmann::json::array();
    for (auto const* own : own_posts) {
        if (own->status != post_status::pending)
            continue;
        auto& value = posts_.at(own->id);
        value.status = post_status::rejected;
        value.decided_by = who.name;
        value.decided_at = now.wall;
        value.reject_reason = std::string(banned_reason_code);
        value.reject_detail = cleaned_reason;
        result.changes.posts.push_back(value.id);
        auto data = post_json(value, audience::staff);
        data["reject_label"] = reason_label(value.reject_reason);
        record(result.changes, *session, "post_rejected", who, now, {{"post", std::move(data)}});
        rejected.push_back(value.id);
    }
    bans_[session_id].insert(citizen_id);
    ban value{session_id, citizen_id, who.name, now.wall, cleaned_reason};
    result.changes.bans.push_back(value);
    result.value = rejected.size();
    record(result.changes, *session, "citizen_banned", who, now,
           {{"citizen_id", citizen_id}, {"reason", cleaned_reason}, {"rejected_post_ids", std::move(rejected)}});
    return result;
}

council_session const* council::find_session(id_type session_id) const
{
    auto found = sessions_.find(session_id);
    return found == sessions_.end() ? nullptr : &found->second;
}

post const* council::find_post(id_type post_id) const
{
    auto found = posts_.find(post_id);
    return found == posts_.end() ? nullptr : &found->second;
}

id_type council::current_session_id(millis now) const
{
    council_session const* live = nullptr;
    council_session const* next = nullptr;
    council_session const* last_closed = nullptr;
    for (auto const& [id, session] : sessions_) {
        switch (session.state) {
        case session_state::live:
            if (live == nullptr || session.opened_at > live->opened_at)
                live = &session;
            break;
        case session_state::scheduled:
            // The next one to start; one whose start has passed still counts until it is opened.
            if (next == nullptr || std::abs(session.starts_at - now) < std::abs(next->starts_at - now))
                next = &session;
            break;
        case session_state::closed:
            if (last_closed == nullptr || session.closed_at > last_closed->closed_at)
                last_closed = &session;
            break;
        }
    }
    if (live != nullptr)
        return live->id;
    if (next != nullptr)
        return next->id;
    return last_closed != nullptr ? last_closed->id : 0;
}

std::vector<council_session const*> council::sessions() const
{
    std::vector<council_session const*> result;
    result.reserve(sessions_.size());
    for (auto const& [id, session] : sessions_)
        result.push_back(&session);
    return result;
}

std::vector<post const*> council::posts_of(id_type session_id) const
{
    std::vector<post const*> result;
    auto found = session_posts_.find(session_id);
    if (found == session_posts_.end())
        return result;
    result.reserve(found->second.size());
    for (auto id : found->second)
        result.push_back(&posts_.at(id));
    return result;
}

std::vector<post const*> council::posts_of_citizen(id_type session_id, std::string const& citizen_id) const
{
    std::vector<post const*> result;
    for (auto const* value : posts_of(session_id))
        if (value->citizen_id == citizen_id)
            result.push_back(value);
    return result;
}

std::vector<event> const& council::events_of(id_type session_id) const
{
    auto found = events_.find(session_id);
    return found == events_.end() ? no_events : found->second;
}

bool council::is_banned(id_type session_id, std::string const& citizen_id) const
{
    auto found = bans_.find(session_id);
    return found != bans_.end() && found->second.count(citizen_id) > 0;
}

std::string council::reason_label(std::string const& code) const
{
    if (code == banned_reason_code)
        return "Author banned from this session";
    for (auto const& reason : settings_.reject_reasons)
        if (reason.code == code)
            return reason.label;
    return code;
}

}  // namespace pleno::domain
