#pragma once
// What an HTTP request asks for, and the responses the edge builds itself:
// static files from the web root, JSON errors, API replies turned into
// responses, and the security headers every response carries.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "app/service.hpp"
#include "net/boost_net.hpp"

namespace pleno::net {


enum class route_kind {
    websocket,          // GET /ws with an upgrade
    staff_websocket,    // GET /ws/staff with an upgrade: the same, served on the staff lane
    websocket_refused,  // /ws or /ws/staff without an upgrade
    api,                // /api/... and /healthz, answered by the service
    static_file,        // GET or HEAD of anything else
    method_not_allowed,
};

class http_routes {
public:
    using request_type = http::request<http::string_body>;
    using string_response = http::response<http::string_body>;
    using file_response = http::response<http::file_body>;
    using head_response = http::response<http::empty_body>;
    using any_response = std::variant<string_response, file_response, head_response>;

    explicit http_routes(std::filesystem::path web_root);

    static route_kind classify(request_type const& message);

    // A file under the web root (GET or HEAD), or a JSON error.
    any_response serve_static(request_type const& message) const;

    // The service's view of an API request; consumes the body.
    static app::http_request_info describe_api_request(request_type& message, std::string const& address);

    static string_response api_response(app::http_reply reply, unsigned version);
    static string_response error_response(http::status status, std::string_view code, std::string_view message,
                                          unsigned version);

    // Content-Security-Policy and friends; the session adds them to every response.
    static void add_security_headers(http::fields& fields);
    // With TLS served by the server itself: every response also carries
    // Strict-Transport-Security with this max-age (0: none). Call once,
    // before any connection is served.
    static void set_strict_transport_security(std::chrono::seconds max_age);

    // The target without query or fragment.
    static std::string_view path_of(std::string_view target);

    // The value of one cookie in a Cookie header.
    static std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

    static std::string_view mime_type(std::filesystem::path const& file);

private:
    enum class lookup_failure { bad_path, not_found };
    std::variant<std::filesystem::path, lookup_failure> find_file(std::string_view target) const;

    std::filesystem::path web_root_;
};

}  // namespace pleno::net
