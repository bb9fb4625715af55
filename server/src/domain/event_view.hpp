#pragma once
// What each audience may see of the council: the JSON forms of sessions,
// posts and events. Staff see everything; the author of a post sees its
// status and reason; everyone else sees only what is on the wall.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/model.hpp"

namespace pleno::domain {

enum class audience {
    wall,    // viewers, displays, citizens looking at posts that are not theirs
    author,  // the citizen who wrote the post the event is about
    staff,   // moderators and the chair
};

nlohmann::json session_json(council_session const& session);
nlohmann::json post_json(post const& value, audience who);

// The event as a message for `who`, or nothing when `who` must not see it.
std::optional<nlohmann::json> event_message(event const& value, audience who);

// The citizen an event concerns (the author of its post), or empty.
std::string event_citizen(event const& value);

// True when no wall audience sees this event (only staff and the author).
bool event_is_private(event const& value);

}  // namespace pleno::domain
