#include "app/hub.hpp"

#include <array>
#include <optional>
#include <vector>

namespace pleno::app {

domain::audience audience_of(connection_state const& state, std::string const& event_citizen)
{
    if (domain::can_moderate(state.kind))
        return domain::audience::staff;
    if (state.kind == domain::role::citizen && !event_citizen.empty() && state.citizen_id == event_citizen)
        return domain::audience::author;
    return domain::audience::wall;
}

void hub::join(std::shared_ptr<client_link> const& link)
{
    std::lock_guard lock(mutex_);
    connections_[link.get()] = link;
}

void hub::leave(client_link& link)
{
    std::lock_guard lock(mutex_);
    connections_.erase(&link);
    if (auto found = subscribed_to_.find(&link); found != subscribed_to_.end()) {
        if (auto session = sessions_.find(found->second); session != sessions_.end()) {
            session->second.erase(&link);
            if (session->second.empty())
                sessions_.erase(session);
        }
        subscribed_to_.erase(found);
    }
}

void hub::subscribe(std::shared_ptr<client_link> const& link, domain::id_type session_id, domain::seq_type after_seq)
{
    std::lock_guard lock(mutex_);
    if (connections_.count(link.get()) == 0)
        return;  // closed before its hello was answered
    if (auto previous = subscribed_to_.find(link.get()); previous != subscribed_to_.end())
        sessions_[previous->second].erase(link.get());
    sessions_[session_id][link.get()] = subscriber{link, after_seq};
    subscribed_to_[link.get()] = session_id;
}

void hub::publish(domain::event const& value)
{
    std::string const citizen = domain::event_citizen(value);
    // One buffer per audience, made on first need.
    std::array<std::optional<shared_text>, 3> made;
    auto message_for = [&](domain::audience who) -> shared_text const& {
        auto& slot = made[static_cast<std::size_t>(who)];
        if (!slot) {
            auto message = domain::event_message(value, who);
            slot = message ? std::make_shared<std::string const>(message->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
                           : shared_text{};
        }
        return *slot;
    };

    std::lock_guard lock(mutex_);
    auto session = sessions_.find(value.session_id);
    if (session == sessions_.end())
        return;
    for (auto& [key, entry] : session->second) {
        if (value.seq <= entry.after_seq)
            continue;  // already part of the snapshot this connection received
        auto const& message = message_for(audience_of(entry.link->state(), citizen));
        if (message)
            entry.link->send(message);
    }
}

// Only subscribed connections are looked at: their state is complete and no
// longer written, so reading it here does not race with their hello.
void hub::send_to_others(domain::id_type session_id, shared_text const& message)
{
    std::lock_guard lock(mutex_);
    for (auto& [followed, subscribers] : sessions_)
        if (followed != session_id)
            for (auto& [key, entry] : subscribers)
                entry.link->send(message);
}

void hub::for_each_subscriber(std::function<void(client_link const&)> const& visit) const
{
    std::lock_guard lock(mutex_);
    for (auto const& [session_id, subscribers] : sessions_)
        for (auto const& [key, entry] : subscribers)
            visit(*entry.link);
}

void hub::close_where(std::function<bool(client_link const&)> const& match, close_reason reason)
{
    std::vector<std::shared_ptr<client_link>> matching;
    {
        std::lock_guard lock(mutex_);
        for (auto& [session_id, subscribers] : sessions_)
            for (auto& [key, entry] : subscribers)
                if (match(*entry.link))
                    matching.push_back(entry.link);
    }
    for (auto& link : matching)
        link->close(reason);
}

void hub::close_all(close_reason reason)
{
    std::vector<std::shared_ptr<client_link>> all;
    {
        std::lock_guard lock(mutex_);
        for (auto& [key, link] : connections_)
            all.push_back(link);
    }
    for (auto& link : all)
        link->close(reason);
}

void hub::release_all()
{
    decltype(connections_) connections;
    decltype(sessions_) sessions;
    {
        std::lock_guard lock(mutex_);
        connections.swap(connections_);
        sessions.swap(sessions_);
        subscribed_to_.clear();
    }
    // Destroyed here, outside the lock: a link's destructor may call leave().
}

std::size_t hub::connection_count() const
{
    std::lock_guard lock(mutex_);
    return connections_.size();
}

std::size_t hub::subscriber_count(domain::id_type session_id) const
{
    std::lock_guard lock(mutex_);
    auto found = sessions_.find(session_id);
    return found == sessions_.end() ? 0 : found->second.size();
}

}  // namespace pleno::app
