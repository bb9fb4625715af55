#include "net/http_routes.hpp"

#include <cstddef>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace pleno::net {

// Helpers of this file only, in a named namespace: the net files are compiled
// as one unity translation unit.
namespace routes_detail {

int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::optional<std::string> percent_decode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) {
            return std::nullopt;
        }
        int const high = hex_value(text[i + 1]);
        int const low = hex_value(text[i + 2]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

char lower_ascii(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower_ascii(a[i]) != lower_ascii(b[i])) {
            return false;
        }
    }
    return true;
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

// Header names and values from the service go on the wire as they are, so
// anything that could end a header line is refused.
bool safe_header_text(std::string_view text)
{
    for (char c : text) {
        if (c == '\r' || c == '\n' || c == '\0') {
            return false;
        }
    }
    return true;
}

constexpr std::string_view content_security_policy =
    "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'";

}  // namespace routes_detail

http_routes::http_routes(std::filesystem::path web_root) : web_root_(std::move(web_root)) {}

std::string_view http_routes::path_of(std::string_view target)
{
    std::size_t const end = target.find_first_of("?#");
    return end == std::string_view::npos ? target : target.substr(0, end);
}

route_kind http_routes::classify(request_type const& message)
{
    std::string_view const path = path_of(message.target());
    if (path == "/ws" || path == "/ws/staff") {
        if (!beast::websocket::is_upgrade(message)) {
            return route_kind::websocket_refused;
        }
        return path == "/ws" ? route_kind::websocket : route_kind::staff_websocket;
    }
    if (path == "/healthz" || path == "/api" || path.starts_with("/api/")) {
        return route_kind::api;
    }
    if (message.method() == http::verb::get || message.method() == http::verb::head) {
        return route_kind::static_file;
    }
    return route_kind::method_not_allowed;
}

std::variant<std::filesystem::path, http_routes::lookup_failure> http_routes::find_file(std::string_view target) const
{
    std::string_view const raw = path_of(target);
    if (raw.empty() || raw.front() != '/') {
        return lookup_failure::bad_path;
    }
    std::optional<std::string> const decoded = routes_detail::percent_decode(raw);
    if (!decoded) {
        return lookup_failure::bad_path;
    }
    for (char c : *decoded) {
        auto const byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f || c == '\\') {
            return lookup_failure::bad_path;
        }
    }

    std::vector<std::string_view> segments;
    std::string_view rest = *decoded;
    while (!rest.empty()) {
        std::size_t const slash = rest.find('/');
        std::string_view const segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (segment.empty()) {
            continue;
        }
        if (segment == "." || segment == ".." || segment.find("..") != std::string_view::npos) {
            return lookup_failure::bad_path;
        }
        if (segment.front() == '.') {
            return lookup_failure::not_found;  // no dot-files, even if someone left one there
        }
        segments.push_back(segment);
    }
    if (web_root_.empty()) {
        return lookup_failure::not_found;
    }

    std::filesystem::path file = web_root_;
    for (std::string_view segment : segments) {
        file /= std::filesystem::path(std::string(segment));
    }
    std::error_code error;
    if (segments.empty() || std::filesystem::is_directory(file, error)) {
        file /= "index.html";
    }
    if (std::filesystem::is_regular_file(file, error)) {
        return file;
    }
    // "/moderate" serves moderate.html: pages have clean addresses.
    if (!segments.empty() && segments.back().find('.') == std::string_view::npos) {
        std::filesystem::path page = file;
        page += ".html";
        if (std::filesystem::is_regular_file(page, error)) {
            return page;
        }
    }
    return lookup_failure::not_found;
}

http_routes::any_response http_routes::serve_static(request_type const& message) const
{
    unsigned const version = message.version();
    auto const found = find_file(message.target());
    if (auto const* failure = std::get_if<lookup_failure>(&found)) {
        if (*failure == lookup_failure::bad_path) {
            return error_response(http::status::bad_request, "bad_path", "This address is not valid.", version);
        }
        return error_response(http::status::not_found, "not_found", "Nothing here.", version);
    }
    auto const& file = std::get<std::filesystem::path>(found);

    beast::error_code error;
    http::file_body::value_type body;
    body.open(file.c_str(), beast::file_mode::scan, error);
    if (error) {
        return error_response(http::status::not_found, "not_found", "Nothing here.", version);
    }
    std::uint64_t const size = body.size();
    std::string_view const type = mime_type(file);

    if (message.method() == http::verb::head) {
        head_response response{http::status::ok, version};
        response.set(http::field::content_type, type);
        response.set(http::field::cache_control, "no-cache");
        response.content_length(size);
        return response;
    }
    file_response response{std::piecewise_construct, std::make_tuple(std::move(body)),
                           std::make_tuple(http::status::ok, version)};
    response.set(http::field::content_type, type);
    response.set(http::field::cache_control, "no-cache");
    response.content_length(size);
    return response;
}

app::http_request_info http_routes::describe_api_request(request_type& message, std::string const& address)
{
    app::http_request_info info;
    info.method = std::string(message.method_string());
    info.target = std::string(path_of(message.target()));
    info.body = std::move(message.body());
    info.address = address;
    if (auto const found = message.find(http::field::origin); found != message.end()) {
        info.origin = std::string(found->value());
    }
    info.host = std::string(message[http::field::host]);

    std::string_view const authorization = routes_detail::trim(message[http::field::authorization]);
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() > scheme.size() &&
        routes_detail::iequals(authorization.substr(0, scheme.size()), scheme)) {
        info.bearer_token = std::string(routes_detail::trim(authorization.substr(scheme.size())));
    }
    if (info.bearer_token.empty()) {
        if (auto token = cookie_value(message[http::field::cookie], "pleno_token")) {
            info.bearer_token = std::move(*token);
        }
    }
    return info;
}

std::optional<std::string> http_routes::cookie_value(std::string_view header, std::string_view name)
{
    while (!header.empty()) {
        std::size_t const end = header.find(';');
        std::string_view const pair = routes_detail::trim(header.substr(0, end));
        header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
        std::size_t const equals = pair.find('=');
        if (equals == std::string_view::npos || routes_detail::trim(pair.substr(0, equals)) != name) {
            continue;
        }
        std::string_view value = routes_detail::trim(pair.substr(equals + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        return std::string(value);
    }
    return std::nullopt;
}

http_routes::string_response http_routes::api_response(app::http_reply reply, unsigned version)
{
    string_response response;
    response.version(version);
    response.result(reply.status >= 100 && reply.status <= 599 ? reply.status : 500u);
    if (!reply.content_type.empty() && routes_detail::safe_header_text(reply.content_type)) {
        response.set(http::field::content_type, reply.content_type);
    }
    response.set(http::field::cache_control, "no-store");
    for (auto const& [name, value] : reply.headers) {
        if (name.empty() || name.find(':') != std::string::npos || name.find(' ') != std::string::npos ||
            !routes_detail::safe_header_text(name) || !routes_detail::safe_header_text(value)) {
            continue;
        }
        response.insert(name, value);
    }
    response.body() = std::move(reply.body);
    response.prepare_payload();
    return response;
}

http_routes::string_response http_routes::error_response(http::status status, std::string_view code,
                                                         std::string_view message, unsigned version)
{
    string_response response{status, version};
    response.set(http::field::content_type, "application/json");
    response.set(http::field::cache_control, "no-store");
    nlohmann::json const body = {{"code", code}, {"message", message}};
    response.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    response.prepare_payload();
    return response;
}

namespace routes_detail {
// Set once at start-up, before the io threads run; read-only afterwards.
std::string strict_transport_security;
}  // namespace routes_detail

void http_routes::set_strict_transport_security(std::chrono::seconds max_age)
{
    routes_detail::strict_transport_security = max_age.count() > 0 ? "max-age=" + std::to_string(max_age.count()) : "";
}

void http_routes::add_security_headers(http::fields& fields)
{
    fields.set(http::field::server, "pleno");
    fields.set("Content-Security-Policy", routes_detail::content_security_policy);
    fields.set("X-Content-Type-Options", "nosniff");
    fields.set("Referrer-Policy", "no-referrer");
    fields.set("X-Frame-Options", "DENY");
    if (!routes_detail::strict_transport_security.empty()) {
        fields.set(http::field::strict_transport_security, routes_detail::strict_transport_security);
    }
}

std::string_view http_routes::mime_type(std::filesystem::path const& file)
{
    std::string extension = file.extension().string();
    for (char& c : extension) {
        c = routes_detail::lower_ascii(c);
    }
    if (extension == ".html" || extension == ".htm") {
        return "text/html; charset=utf-8";
    }
    if (extension == ".css") {
        return "text/css; charset=utf-8";
    }
    if (extension == ".js" || extension == ".mjs") {
        return "text/javascript; charset=utf-8";
    }
    if (extension == ".json" || extension == ".webmanifest") {
        return "application/json";
    }
    if (extension == ".svg") {
        return "image/svg+xml";
    }
    if (extension == ".png") {
        return "image/png";
    }
    if (extension == ".woff2") {
        return "font/woff2";
    }
    if (extension == ".ico") {
        return "image/x-icon";
    }
    if (extension == ".txt") {
        return "text/plain; charset=utf-8";
    }
    return "application/octet-stream";
}

}  // namespace pleno::net
