#include "app/config.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

using namespace pleno::app;

namespace {

// Writes `text` to a temporary file and loads it over the defaults.
config load(std::string const& text)
{
    auto const file = std::filesystem::temp_directory_path() /
                      ("pleno-config-test-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".json");
    {
        std::ofstream out(file);
        out << text;
    }
    try {
        config result = load_config_file(file);
        std::filesystem::remove(file);
        return result;
    } catch (...) {
        std::filesystem::remove(file);
        throw;
    }
}

std::string error_of(std::string const& text)
{
    try {
        load(text);
    } catch (std::runtime_error const& problem) {
        return problem.what();
    }
    return "";
}

}  // namespace

TEST_CASE("login lifetimes default to 120 minutes idle and 12 hours in all, and may be given in seconds")
{
    config const defaults = load("{}");
    CHECK(defaults.auth.login_idle_expiry == std::chrono::minutes(120));
    CHECK(defaults.auth.login_absolute_expiry == std::chrono::hours(12));

    config const coarse = load(R"({"auth": {"login_idle_expiry_minutes": 30, "login_absolute_expiry_hours": 2}})");
    CHECK(coarse.auth.login_idle_expiry == std::chrono::minutes(30));
    CHECK(coarse.auth.login_absolute_expiry == std::chrono::hours(2));

    config const fine = load(R"({"auth": {"login_idle_expiry_seconds": 2, "login_absolute_expiry_seconds": 3}})");
    CHECK(fine.auth.login_idle_expiry == std::chrono::seconds(2));
    CHECK(fine.auth.login_absolute_expiry == std::chrono::seconds(3));

    CHECK(error_of(R"({"auth": {"login_idle_expiry_minutes": 1, "login_idle_expiry_seconds": 2}})").find("not both") != std::string::npos);
    CHECK(error_of(R"({"auth": {"login_absolute_expiry_hours": 1, "login_absolute_expiry_seconds": 2}})").find("not both") != std::string::npos);
    CHECK(error_of(R"({"auth": {"login_absolute_expiry_seconds": 0}})").find("greater than 0") != std::string::npos);
}

TEST_CASE("allowed_origins takes origins as browsers send them and refuses anything that could not match or would match too much")
{
    config const good = load(R"({"allowed_origins": ["https://pleno.example.org", "http://192.0.2.10:8080", "https://[2001:db8::1]:8443", "https://xn--jn-lia.es"]})");
    CHECK(good.allowed_origins.size() == 4);

    for (char const* bad : {"null", "https://pleno.example.org/", "https://pleno.example.org/moderate", "https://Pleno.example.org",
                            "HTTPS://pleno.example.org", "wss://pleno.example.org", "pleno.example.org", "https://*.example.org",
                            "https://pleno.example.org:", "https://pleno.example.org ", "", "https://user@pleno.example.org"}) {
        CAPTURE(bad);
        std::string const error = error_of(std::string(R"({"allowed_origins": [")") + bad + R"("]})");
        CHECK(error.find("allowed_origins") != std::string::npos);
    }
}

TEST_CASE("tls: off by default; cert, key, plain_http and hsts_max_age_seconds are read and checked")
{
    config const defaults = load("{}");
    CHECK_FALSE(defaults.tls.enabled());
    CHECK(defaults.tls.redirect_plain_http);
    CHECK(defaults.tls.hsts_max_age == std::chrono::hours(24 * 365));

    config const given = load(R"({"tls": {"cert": "/etc/pleno/fullchain.pem", "key": "/etc/pleno/privkey.pem",
                                           "plain_http": "refuse", "hsts_max_age_seconds": 0}})");
    CHECK(given.tls.enabled());
    CHECK(given.tls.cert == "/etc/pleno/fullchain.pem");
    CHECK(given.tls.key == "/etc/pleno/privkey.pem");
    CHECK_FALSE(given.tls.redirect_plain_http);
    CHECK(given.tls.hsts_max_age == std::chrono::seconds(0));

    CHECK(error_of(R"({"tls": {"plain_http": "allow"}})").find("\"redirect\" or \"refuse\"") != std::string::npos);
    CHECK(error_of(R"({"tls": {"hsts_max_age_seconds": -1}})").find("whole number") != std::string::npos);
    CHECK(error_of(R"({"tls": {"hsts_max_age_seconds": 18446744073709551615}})").find("at most") != std::string::npos);
    CHECK(error_of(R"({"tls": {"certificate": "x.pem"}})").find("certificate") != std::string::npos);
}
