#pragma once
// The service: the one place where requests from the network meet the
// council, the store and the hub. The network edge calls it; it knows nothing
// of Beast.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/client_link.hpp"
#include "app/config.hpp"
#include "app/hub.hpp"
#include "domain/council.hpp"
#include "domain/token_bucket.hpp"
#include "store/store.hpp"
#include "store/writer.hpp"

namespace pleno::app {

// An HTTP answer the edge turns into a response (security headers added there).
struct http_reply {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Set-Cookie
};

// What the edge knows of an HTTP request the service answers.
struct http_request_info {
    std::string method;  // "GET", "POST"
    std::string target;  // path without the query
    std::string body;
    std::string address;
    std::string bearer_token;  // from "Authorization: Bearer" or the pleno_token cookie
    std::optional<std::string> origin;
    std::string host;
};

enum class origin_verdict { browser_allowed, not_a_browser, refused };

class service {
public:
    explicit service(config settings);
    ~service();
    service(service const&) = delete;
    service& operator=(service const&) = delete;

    config const& settings() const { return config_; }

    // Connection admission, counted per address (the edge calls both).
    bool admit_connection(std::string const& address);
    void release_connection(std::string const& address);

    // Origin rule for WebSocket upgrades: a present Origin must be the
    // server's own (http(s)://Host; only https://Host when the server serves
    // TLS itself) or a configured one.
    origin_verdict check_origin(std::optional<std::string> const& origin, std::string_view host) const;

    // WebSocket lifecycle. on_message is called with one whole text message;
    // messages of one connection are never handled concurrently.
    void on_open(std::shared_ptr<client_link> const& link);
    void on_message(std::shared_ptr<client_link> const& link, std::string_view text);
    void on_binary_message(std::shared_ptr<client_link> const& link);
    void on_close(client_link& link);

    // HTTP API (/api/...) and /healthz. `done` may be called on another
    // thread, later (login hashes a password off the I/O threads).
    void handle_api(http_request_info request, std::function<void(http_reply)> done);

    // Finishes pending commits and closes every connection.
    void shutdown();

    // After the network has stopped (its threads joined, its io_contexts not
    // yet destroyed): drops the references the service keeps to connections,
    // so that each is destroyed while its socket's io_context still exists.
    void release_connections();

    // True after a failed commit: the process must exit so a restart reloads.
    bool failed() const;

    // Called once, from any thread, when the service fails (see failed()).
    void on_fatal(std::function<void()> handler);

    // Demo only: a simulated audience posts from `posts` (author, text) and a
    // simulated moderator approves, one step every `interval`, while a
    // session is live. Authors are shown with " (demo)" after their name.
    void start_demo_audience(std::vector<std::pair<std::string, std::string>> posts, std::chrono::milliseconds interval);

    // Figures for logs, health and benchmarks.
    std::size_t connection_count() const;

private:
    // ... defined in service.cpp
    struct impl;
    std::unique_ptr<impl> impl_;
    config config_;
};

}  // namespace pleno::app
