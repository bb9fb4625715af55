#pragma once
// Every open connection, from accept to the socket's last byte: admission
// through the service (counted per address), one ticket per connection that
// releases the address exactly once however the connection ends (HTTP or
// after the WebSocket upgrade, because the ticket moves with the socket), and
// a way for shutdown to close what is still open.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/service.hpp"
#include "net/edge_log.hpp"

namespace pleno::net {

// How hard shutdown asks a connection to go.
enum class close_urgency {
    when_idle,  // finish the request or the queued messages, then close
    now,        // close the socket
};

class connection_registry {
public:
    // Called by shutdown; the owner of the socket sets it and must make it
    // thread-safe (post onto its own strand) and harmless once it is gone.
    using closer = std::function<void(close_urgency)>;

    class ticket {
    public:
        ticket(ticket&& other) noexcept
            : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_), address_(std::move(other.address_))
        {
        }
        ticket& operator=(ticket&&) = delete;
        ticket(ticket const&) = delete;
        ticket& operator=(ticket const&) = delete;
        ~ticket()
        {
            if (registry_ != nullptr) {
                registry_->release(id_, address_);
            }
        }

        std::uint64_t id() const { return id_; }
        std::string const& address() const { return address_; }
        void set_closer(closer value)
        {
            if (registry_ != nullptr) {
                registry_->set_closer(id_, std::move(value));
            }
        }

    private:
        friend class connection_registry;
        ticket(connection_registry& registry, std::uint64_t id, std::string address)
            : registry_(&registry), id_(id), address_(std::move(address))
        {
        }

        connection_registry* registry_;
        std::uint64_t id_;
        std::string address_;
    };

    explicit connection_registry(app::service& service) : service_(service) {}
    connection_registry(connection_registry const&) = delete;
    connection_registry& operator=(connection_registry const&) = delete;

    // Asks the service; nothing when the address (or the server) is full.
    std::optional<ticket> admit(std::string address)
    {
        try {
            if (!service_.admit_connection(address)) {
                return std::nullopt;
            }
        } catch (std::exception const& error) {
            edge_log::line(std::string("admit_connection failed: ") + error.what());
            return std::nullopt;
        }
        std::lock_guard lock(mutex_);
        std::uint64_t const id = next_id_++;
        live_.emplace(id, closer{});
        return ticket(*this, id, std::move(address));
    }

    // Asks every open connection to close; returns at once.
    void close_all(close_urgency urgency)
    {
        std::vector<closer> closers;
        {
            std::lock_guard lock(mutex_);
            closers.reserve(live_.size());
            for (auto const& entry : live_) {
                if (entry.second) {
                    closers.push_back(entry.second);
                }
            }
        }
        for (auto const& request_close : closers) {
            request_close(urgency);
        }
    }

    std::size_t size() const
    {
        std::lock_guard lock(mutex_);
        return live_.size();
    }

private:
    void set_closer(std::uint64_t id, closer value)
    {
        std::lock_guard lock(mutex_);
        if (auto found = live_.find(id); found != live_.end()) {
            found->second = std::move(value);
        }
    }

    void release(std::uint64_t id, std::string const& address) noexcept
    {
        closer old;  // destroyed outside the lock
        {
            std::lock_guard lock(mutex_);
            if (auto found = live_.find(id); found != live_.end()) {
                old = std::move(found->second);
                live_.erase(found);
            }
        }
        try {
            service_.release_connection(address);
        } catch (...) {
            edge_log::line("release_connection failed");
        }
    }

    app::service& service_;
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, closer> live_;
    std::uint64_t next_id_ = 1;
};

}  // namespace pleno::net
