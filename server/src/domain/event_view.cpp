#include "domain/event_view.hpp"

#include <string_view>

namespace pleno::domain {
namespace {

bool is_post_event(std::string_view type)
{
    return type == "post_submitted" || type == "post_approved" || type == "post_rejected" || type == "post_hidden";
}

// Turns the full (staff) post object recorded in an event into another audience's view.
nlohmann::json narrow_post(nlohmann::json const& full, audience who)
{
    if (who == audience::staff)
        return full;
    nlohmann::json narrowed = nlohmann::json::object();
    for (auto const* key : {"id", "session_id", "item_id", "author", "text", "submitted_at", "pinned"})
        if (full.contains(key))
            narrowed[key] = full[key];
    // Only a post that reached the wall has an approval time; a rejection's time is not one.
    auto const status = full.value("status", "");
    if ((status == "approved" || status == "hidden") && full.contains("decided_at"))
        narrowed["approved_at"] = full["decided_at"];
    if (who == audience::author) {
        for (auto const* key : {"status", "client_id", "decided_at", "reject_reason", "reject_label", "reject_detail"})
            if (full.contains(key))
                narrowed[key] = full[key];
        narrowed["mine"] = true;
    }
    return narrowed;
}

}  // namespace

nlohmann::json session_json(council_session const& session)
{
    nlohmann::json agenda = nlohmann::json::array();
    for (auto const& item : session.agenda)
        agenda.push_back({{"id", item.id}, {"number", item.number}, {"title", item.title}, {"description", item.description}});
    return {
        {"id", session.id},
        {"title", session.title},
        {"place", session.place},
        {"starts_at", session.starts_at},
        {"state", to_string(session.state)},
        {"agenda", std::move(agenda)},
        {"current_item_id", session.current_item_id},
        {"wall_mode", to_string(session.mode)},
        {"overlay", session.overlay},
        {"pinned_post_id", session.pinned_post_id},
        {"opened_at", session.opened_at},
        {"closed_at", session.closed_at},
    };
}

nlohmann::json post_json(post const& value, audience who)
{
    nlohmann::json full = {
        {"id", value.id},
        {"session_id", value.session_id},
        {"item_id", value.item_id},
        {"author", value.author},
        {"text", value.text},
        {"submitted_at", value.submitted_at},
        {"status", to_string(value.status)},
        {"pinned", value.pinned},
        {"client_id", value.client_id},
        {"citizen_id", value.citizen_id},
        {"flags", value.flags},
        {"decided_by", value.decided_by},
        {"decided_at", value.decided_at},
        {"reject_reason", value.reject_reason},
        {"reject_detail", value.reject_detail},
        {"hidden_by", value.hidden_by},
        {"hidden_at", value.hidden_at},
    };
    return narrow_post(full, who);
}

std::string event_citizen(event const& value)
{
    if (is_post_event(value.type) && value.data.contains("post"))
        return value.data["post"].value("citizen_id", "");
    return {};
}

bool event_is_private(event const& value)
{
    return value.type == "post_submitted" || value.type == "post_rejected" || value.type == "citizen_banned";
}

std::optional<nlohmann::json> event_message(event const& value, audience who)
{
    if (who == audience::wall && event_is_private(value))
        return std::nullopt;
    if (who == audience::author && value.type == "citizen_banned")
        return std::nullopt;

    nlohmann::json message = {
        {"type", value.type},
        {"session_id", value.session_id},
        {"seq", value.seq},
        {"at", value.at},
    };
    if (who == audience::staff)
        message["actor"] = value.actor;
    for (auto const& [key, field] : value.data.items()) {
        if (key == "post" && who == audience::wall && value.type == "post_hidden")
            // A hidden post leaves the walls: its words must not travel to them once more.
            message["post"] = {{"id", field.value("id", id_type{0})}, {"session_id", field.value("session_id", id_type{0})},
                               {"item_id", field.value("item_id", id_type{0})}};
        else if (key == "post")
            message["post"] = narrow_post(field, who);
        else
            message[key] = field;
    }
    return message;
}

}  // namespace pleno::domain
