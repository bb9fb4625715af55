#pragma once
// Everything configurable, with the defaults a town gets when it sets nothing.
// Read from a JSON file (--config) and then from the command line.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "domain/model.hpp"
#include "domain/token_bucket.hpp"

namespace pleno::app {

struct limits_config {
    std::size_t websocket_message_max = 16 * 1024;      // bytes of one incoming message
    std::size_t http_header_max = 8 * 1024;              // bytes of a request's headers
    std::size_t http_body_max = 64 * 1024;               // bytes of a request body
    std::chrono::seconds handshake_timeout{10};          // HTTP request and WebSocket handshake
    std::chrono::seconds http_idle_timeout{30};          // keep-alive without a request
    std::chrono::seconds websocket_idle_timeout{60};     // no frame, not even a pong
    std::chrono::seconds hello_timeout{10};              // time to send hello after the upgrade
    std::size_t outgoing_queue_max_messages = 1024;      // per connection
    std::size_t outgoing_queue_max_bytes = 4 * 1024 * 1024;
    std::size_t connections_per_address = 20;
    std::size_t connections_total = 20000;
    // WebSockets served on the staff lane (/ws/staff, its own thread); more
    // are served like /ws (0: all of them). Enough for every moderator, chair and tool.
    std::size_t staff_lane_connections = 1000;
};

struct auth_config {
    // Set in minutes and hours (or, for tests, in seconds: login_*_expiry_seconds).
    std::chrono::seconds login_idle_expiry{std::chrono::minutes(120)};
    std::chrono::seconds login_absolute_expiry{std::chrono::hours(12)};
    domain::bucket_rule login_per_account{1.0 / 30.0, 5.0};  // 5 tries, then one each 30 s
    domain::bucket_rule login_per_address{1.0 / 10.0, 20.0};
    std::size_t concurrent_password_hashes = 2;          // Argon2id checks at once; 64 more may wait, then 429
    unsigned long long argon2_operations = 2;
    std::size_t argon2_memory_bytes = 19ull * 1024 * 1024;
};

struct council_config {
    std::size_t post_max_code_points = 280;
    std::size_t name_max_code_points = 40;
    std::size_t overlay_max_code_points = 120;
    std::size_t reject_detail_max_code_points = 200;
    std::chrono::minutes posting_opens_before{0};  // posting while scheduled, this long before the start
    domain::bucket_rule posts_per_citizen{1.0 / 20.0, 3.0};
    // Generous: a chamber full of neighbours may share the town's one Wi-Fi address.
    domain::bucket_rule new_citizens_per_address{1.0 / 5.0, 60.0};
    std::vector<domain::reject_reason> reject_reasons{
        {"off_topic", "Off topic"},
        {"insult", "Insult or harassment"},
        {"personal_data", "Personal data of someone"},
        {"advertising", "Advertising or spam"},
        {"duplicate", "Already said"},
        {"other", "Other"},
    };
    std::vector<std::string> word_list;
    std::size_t recent_posts_in_snapshot = 200;
    std::size_t resume_event_limit = 1000;  // more missed events than this: a fresh snapshot
};

// TLS served by pleno-server itself (see net/tls_door.hpp). Off while cert is empty.
struct tls_config {
    std::filesystem::path cert;  // PEM: the certificate, then its intermediates
    std::filesystem::path key;   // PEM: its private key
    bool redirect_plain_http = true;  // plain HTTP on the TLS port: 308 to https://, or (false) a 400 that says so
    std::chrono::seconds hsts_max_age{std::chrono::hours(24 * 365)};  // Strict-Transport-Security; 0: not sent

    bool enabled() const { return !cert.empty(); }
};

struct config {
    std::string listen_address = "127.0.0.1";
    unsigned short listen_port = 8080;
    std::filesystem::path data_dir = "data";
    std::filesystem::path web_root;  // assets/web; found next to the binary or the source tree when empty
    std::vector<std::string> allowed_origins;  // empty: only the server's own origin
    std::string public_url;                    // what citizens type, for logs and the display's QR code
    std::string town_name = "Pleno";
    // Shown on the citizen page: who moderates and by which rules, and what is kept
    // about a citizen. Empty: the page says it in general terms, in the reader's language.
    std::string moderation_rules;
    std::string privacy_notice;
    std::size_t io_threads = 2;
    bool demo = false;
    std::chrono::milliseconds demo_audience_interval{3000};  // demo only; 0: no simulated audience
    // TEST ONLY ("test_synchronous": "normal" in the config file; "full" is the
    // default): SQLite's synchronous=NORMAL, under which acknowledged writes are
    // lost at a power cut. The power-cut suite (tests/suites/power-cuts.test.mjs)
    // uses it to prove that it can see such a loss. Never set it for a council.
    bool test_synchronous_normal = false;
    limits_config limits;
    auth_config auth;
    council_config council;
    tls_config tls;

    std::filesystem::path database_file() const { return data_dir / "pleno.db"; }
};

// Reads a JSON config file over the defaults. Throws std::runtime_error with
// the file name and the offending key on any error (start-up only).
config load_config_file(std::filesystem::path const& file, config base = {});

// "127.0.0.1:8080", "[::1]:8080", ":8080" -> address and port. Throws on error.
void parse_listen(std::string const& text, config& target);

// Finds assets/web when web_root is not set.
std::filesystem::path locate_web_root(std::filesystem::path const& executable);

}  // namespace pleno::app
