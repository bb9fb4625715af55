#pragma once
// The network edge as one object: io threads, the staff lane's thread, the
// listener, signal handling.

#include <memory>

#include "app/config.hpp"
#include "app/service.hpp"

namespace pleno::net {

class server {
public:
    // Binds at once; throws std::runtime_error with the address when it cannot
    // (start-up fails rather than running without a listener).
    server(app::service& service, app::config const& settings);
    ~server();
    server(server const&) = delete;
    server& operator=(server const&) = delete;

    // The bound port (useful with port 0 in tests).
    unsigned short port() const;

    // Runs the I/O threads (io_threads for the main io_context, one for the
    // staff lane) until stop(), SIGINT or SIGTERM; then stops accepting, lets
    // the service finish pending commits and close every connection on both,
    // and returns.
    void run();

    // Thread-safe; run() returns soon after.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace pleno::net
