#include "app/config.hpp"

#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace pleno::app {
namespace {

using json = nlohmann::json;

[[noreturn]] void bad(std::string const& where, std::string const& what)
{
    throw std::runtime_error("configuration: " + where + ": " + what);
}

std::uint64_t positive(json const& value, std::string const& where, bool zero_allowed = false)
{
    if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0))
        bad(where, "must be a whole number");
    auto const number = value.get<std::uint64_t>();
    if (number == 0 && !zero_allowed)
        bad(where, "must be greater than 0");
    return number;
}

double positive_real(json const& value, std::string const& where)
{
    if (!value.is_number() || value.get<double>() <= 0)
        bad(where, "must be a number greater than 0");
    return value.get<double>();
}

std::string text(json const& value, std::string const& where)
{
    if (!value.is_string())
        bad(where, "must be a string");
    return value.get<std::string>();
}

std::vector<std::string> texts(json const& value, std::string const& where)
{
    if (!value.is_array())
        bad(where, "must be an array of strings");
    std::vector<std::string> result;
    for (auto const& entry : value)
        result.push_back(text(entry, where));
    return result;
}

// The Origin header is compared exactly with each allowed origin, so an entry
// must be written as a browser sends it: a lowercase http:// or https://, a
// host, perhaps a port, nothing after. Anything else could never match (a
// trailing slash, a path, capitals), or would let any page in ("null" is what
// sandboxed frames and local files send).
std::vector<std::string> origins(json const& value, std::string const& where)
{
    static std::regex const form(R"(^https?://([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$)");
    std::vector<std::string> result = texts(value, where);
    for (auto const& entry : result)
        if (!std::regex_match(entry, form))
            bad(where, "'" + entry + "' is not an origin as browsers send it: lowercase http:// or https://, a host and an "
                                     "optional port, without a path or a trailing slash (and never null)");
    return result;
}

// {"per_seconds": 20, "burst": 3}: one token each per_seconds, at most burst.
domain::bucket_rule rule(json const& value, std::string const& where)
{
    if (!value.is_object())
        bad(where, "must be an object with per_seconds and burst");
    domain::bucket_rule result;
    for (auto const& [key, field] : value.items()) {
        if (key == "per_seconds")
            result.tokens_per_second = 1.0 / positive_real(field, where + ".per_seconds");
        else if (key == "burst")
            result.burst = positive_real(field, where + ".burst");
        else
            bad(where + "." + key, "unknown setting");
    }
    return result;
}

using setter = std::function<void(json const&, std::string const&)>;

void apply_object(json const& object, std::string const& where, std::map<std::string, setter> const& setters)
{
    if (!object.is_object())
        bad(where, "must be an object");
    for (auto const& [key, value] : object.items()) {
        auto found = setters.find(key);
        std::string const path = where.empty() ? key : where + "." + key;
        if (found == setters.end())
            bad(path, "unknown setting");
        found->second(value, path);
    }
}

}  // namespace

void parse_listen(std::string const& listen, config& target)
{
    auto const colon = listen.rfind(':');
    if (colon == std::string::npos)
        throw std::runtime_error("--listen wants ADDRESS:PORT, for example 0.0.0.0:8080 (got '" + listen + "')");
    std::string address = listen.substr(0, colon);
    std::string const port = listen.substr(colon + 1);
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
    if (address.empty())
        address = "0.0.0.0";
    unsigned long number = 0;
    try {
        std::size_t used = 0;
        number = std::stoul(port, &used);
        if (used != port.size())
            throw std::invalid_argument("trailing characters");
    } catch (std::exception const&) {
        throw std::runtime_error("--listen: '" + port + "' is not a port number");
    }
    if (number > 65535)
        throw std::runtime_error("--listen: port " + port + " is out of range");
    target.listen_address = address;
    target.listen_port = static_cast<unsigned short>(number);
}

config load_config_file(std::filesystem::path const& file, config base)
{
    std::ifstream input(file);
    if (!input)
        throw std::runtime_error("configuration: cannot read " + file.string());
    json document = json::parse(input, nullptr, false, true);
    if (document.is_discarded())
        throw std::runtime_error("configuration: " + file.string() + " is not valid JSON");

    config& result = base;
    auto seconds = [](std::chrono::seconds& target) {
        return [&target](json const& value, std::string const& where) { target = std::chrono::seconds(positive(value, where)); };
    };
    auto size = [](std::size_t& target) {
        return [&target](json const& value, std::string const& where) { target = positive(value, where); };
    };

    std::map<std::string, setter> const limits{
        {"websocket_message_max", size(result.limits.websocket_message_max)},
        {"http_header_max", size(result.limits.http_header_max)},
        {"http_body_max", size(result.limits.http_body_max)},
        {"handshake_timeout_seconds", seconds(result.limits.handshake_timeout)},
        {"http_idle_timeout_seconds", seconds(result.limits.http_idle_timeout)},
        {"websocket_idle_timeout_seconds", seconds(result.limits.websocket_idle_timeout)},
        {"hello_timeout_seconds", seconds(result.limits.hello_timeout)},
        {"outgoing_queue_max_messages", size(result.limits.outgoing_queue_max_messages)},
        {"outgoing_queue_max_bytes", size(result.limits.outgoing_queue_max_bytes)},
        {"connections_per_address", size(result.limits.connections_per_address)},
        {"connections_total", size(result.limits.connections_total)},
        {"staff_lane_connections", [&](json const& value, std::string const& where) {
             result.limits.staff_lane_connections = positive(value, where, true);  // 0: no staff lane
         }},
    };
    std::map<std::string, setter> const auth{
        {"login_idle_expiry_minutes", [&](json const& value, std::string const& where) { result.auth.login_idle_expiry = std::chrono::minutes(positive(value, where)); }},
        {"login_absolute_expiry_hours", [&](json const& value, std::string const& where) { result.auth.login_absolute_expiry = std::chrono::hours(positive(value, where)); }},
        // The same in seconds, for tests that must see a login expire.
        {"login_idle_expiry_seconds", [&](json const& value, std::string const& where) { result.auth.login_idle_expiry = std::chrono::seconds(positive(value, where)); }},
        {"login_absolute_expiry_seconds", [&](json const& value, std::string const& where) { result.auth.login_absolute_expiry = std::chrono::seconds(positive(value, where)); }},
        {"login_per_account", [&](json const& value, std::string const& where) { result.auth.login_per_account = rule(value, where); }},
        {"login_per_address", [&](json const& value, std::string const& where) { result.auth.login_per_address = rule(value, where); }},
        {"concurrent_password_hashes", size(result.auth.concurrent_password_hashes)},
    };
    std::map<std::string, setter> const council{
        {"post_max_code_points", size(result.council.post_max_code_points)},
        {"name_max_code_points", size(result.council.name_max_code_points)},
        {"overlay_max_code_points", size(result.council.overlay_max_code_points)},
        {"reject_detail_max_code_points", size(result.council.reject_detail_max_code_points)},
        {"posting_opens_minutes_before", [&](json const& value, std::string const& where) { result.council.posting_opens_before = std::chrono::minutes(positive(value, where, true)); }},
        {"posts_per_citizen", [&](json const& value, std::string const& where) { result.council.posts_per_citizen = rule(value, where); }},
        {"new_citizens_per_address", [&](json const& value, std::string const& where) { result.council.new_citizens_per_address = rule(value, where); }},
        {"word_list", [&](json const& value, std::string const& where) { result.council.word_list = texts(value, where); }},
        {"recent_posts_in_snapshot", size(result.council.recent_posts_in_snapshot)},
        {"resume_event_limit", size(result.council.resume_event_limit)},
        {"reject_reasons", [&](json const& value, std::string const& where) {
             if (!value.is_array() || value.empty())
                 bad(where, "must be a non-empty array of {\"code\", \"label\"}");
             std::vector<domain::reject_reason> reasons;
             for (auto const& entry : value) {
                 if (!entry.is_object() || !entry.contains("code") || !entry.contains("label"))
                     bad(where, "each reason needs a code and a label");
                 reasons.push_back({text(entry["code"], where + ".code"), text(entry["label"], where + ".label")});
             }
             result.council.reject_reasons = std::move(reasons);
         }},
    };
    std::map<std::string, setter> const tls{
        {"cert", [&](json const& value, std::string const& where) { result.tls.cert = text(value, where); }},
        {"key", [&](json const& value, std::string const& where) { result.tls.key = text(value, where); }},
        {"plain_http", [&](json const& value, std::string const& where) {
             auto const choice = text(value, where);
             if (choice != "redirect" && choice != "refuse")
                 bad(where, "must be \"redirect\" or \"refuse\"");
             result.tls.redirect_plain_http = choice == "redirect";
         }},
        {"hsts_max_age_seconds", [&](json const& value, std::string const& where) {
             auto const max_age = positive(value, where, true);
             if (max_age > 315'360'000)
                 bad(where, "must be at most 315360000 (ten years)");
             result.tls.hsts_max_age = std::chrono::seconds(max_age);
         }},
    };
    std::map<std::string, setter> const top{
        {"listen", [&](json const& value, std::string const& where) { parse_listen(text(value, where), result); }},
        {"data", [&](json const& value, std::string const& where) { result.data_dir = text(value, where); }},
        {"web_root", [&](json const& value, std::string const& where) { result.web_root = text(value, where); }},
        {"allowed_origins", [&](json const& value, std::string const& where) { result.allowed_origins = origins(value, where); }},
        {"public_url", [&](json const& value, std::string const& where) { result.public_url = text(value, where); }},
        {"town_name", [&](json const& value, std::string const& where) { result.town_name = text(value, where); }},
        {"moderation_rules", [&](json const& value, std::string const& where) { result.moderation_rules = text(value, where); }},
        {"privacy_notice", [&](json const& value, std::string const& where) { result.privacy_notice = text(value, where); }},
        {"io_threads", size(result.io_threads)},
        {"demo_audience_seconds", [&](json const& value, std::string const& where) {
             result.demo_audience_interval = std::chrono::milliseconds(positive(value, where, true) * 1000);
         }},
        // Test only (see config.hpp): anything but "full" or "normal" is refused.
        {"test_synchronous", [&](json const& value, std::string const& where) {
             auto const level = text(value, where);
             if (level != "full" && level != "normal")
                 bad(where, "must be \"full\" or \"normal\" (test only: \"normal\" loses acknowledged writes at a power cut)");
             result.test_synchronous_normal = level == "normal";
         }},
        {"limits", [&](json const& value, std::string const& where) { apply_object(value, where, limits); }},
        {"auth", [&](json const& value, std::string const& where) {
             for (auto const& [coarse, fine] : {std::pair{"login_idle_expiry_minutes", "login_idle_expiry_seconds"},
                                                std::pair{"login_absolute_expiry_hours", "login_absolute_expiry_seconds"}})
                 if (value.is_object() && value.contains(coarse) && value.contains(fine))
                     bad(where + "." + fine, std::string("give either ") + coarse + " or " + fine + ", not both");
             apply_object(value, where, auth);
         }},
        {"council", [&](json const& value, std::string const& where) { apply_object(value, where, council); }},
        {"tls", [&](json const& value, std::string const& where) { apply_object(value, where, tls); }},
    };
    apply_object(document, "", top);
    return result;
}

std::filesystem::path locate_web_root(std::filesystem::path const& executable)
{
    std::error_code ignored;
    auto const folder = std::filesystem::weakly_canonical(executable, ignored).parent_path();
    for (auto const& candidate : {folder / "assets" / "web", folder / ".." / "assets" / "web", folder / ".." / ".." / "assets" / "web",
                                  folder / ".." / ".." / ".." / "assets" / "web", folder / ".." / "share" / "pleno" / "web",
                                  std::filesystem::path(PLENO_SOURCE_WEB_ROOT)}) {
        if (std::filesystem::is_regular_file(candidate / "index.html", ignored))
            return std::filesystem::weakly_canonical(candidate, ignored);
    }
    return std::filesystem::path(PLENO_SOURCE_WEB_ROOT);
}

}  // namespace pleno::app
