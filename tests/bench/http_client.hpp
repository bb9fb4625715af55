#pragma once
// Blocking HTTP/1.1 requests to 127.0.0.1 for the few calls the benchmarks
// make outside the measured path (log in, read /healthz).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace pleno::bench {

struct http_answer {
    unsigned status = 0;  // 0: no answer; failure says why
    std::string body;
    std::string failure;
};

http_answer http_request(std::uint16_t port, std::string const& method, std::string const& target, std::string const& body,
                         std::chrono::milliseconds timeout);

// POST /api/login; the bearer token, or nullopt with `failure` filled in.
std::optional<std::string> log_in(std::uint16_t port, std::string const& name, std::string const& password, std::string& failure);

// GET /healthz's "connections" (every open connection the server counts); nullopt when unavailable.
std::optional<std::int64_t> server_connection_count(std::uint16_t port);

}  // namespace pleno::bench
