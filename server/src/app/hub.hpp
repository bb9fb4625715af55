#pragma once
// Who is connected and to which session, and the fan-out of events. Each
// event is serialised at most once per audience and the same buffer is
// queued on every connection of that audience.

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "app/client_link.hpp"
#include "domain/event_view.hpp"
#include "domain/model.hpp"

namespace pleno::app {

class hub {
public:
    // Every open connection, greeted or not (so shutdown can close them all).
    void join(std::shared_ptr<client_link> const& link);
    void leave(client_link& link);

    // Starts delivering `session_id`'s events with a seq above `after_seq`.
    void subscribe(std::shared_ptr<client_link> const& link, domain::id_type session_id, domain::seq_type after_seq);

    // Sends an event to the subscribers of its session, each in its audience's form.
    void publish(domain::event const& value);

    // Sends a message to every subscribed connection that follows another session.
    void send_to_others(domain::id_type session_id, shared_text const& message);

    // Calls `visit` for each subscribed connection (under the hub's lock: keep it short).
    void for_each_subscriber(std::function<void(client_link const&)> const& visit) const;

    // Closes the subscribed connections for which `match` is true.
    void close_where(std::function<bool(client_link const&)> const& match, close_reason reason);

    // Closes every connection, greeted or not.
    void close_all(close_reason reason);

    // Forgets every connection without closing it: for after the network has
    // stopped, so that the links the hub kept are destroyed while their
    // io_context still exists (a link leaving meanwhile finds nothing to do).
    void release_all();

    std::size_t connection_count() const;
    std::size_t subscriber_count(domain::id_type session_id) const;

private:
    struct subscriber {
        std::shared_ptr<client_link> link;
        domain::seq_type after_seq = 0;
    };

    mutable std::mutex mutex_;
    std::unordered_map<client_link*, std::shared_ptr<client_link>> connections_;
    std::unordered_map<domain::id_type, std::unordered_map<client_link*, subscriber>> sessions_;
    std::unordered_map<client_link*, domain::id_type> subscribed_to_;
};

// The audience a connection belongs to for an event.
domain::audience audience_of(connection_state const& state, std::string const& event_citizen);

}  // namespace pleno::app
