// The pleno-server binary as an administrator uses it: the administration
// commands on a real data folder, then the server itself started, used and
// stopped with SIGTERM.

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_client.hpp"

// Named, not anonymous: the integration tests are one unity translation unit.
namespace command_line_test {

namespace fs = std::filesystem;

std::string server_binary()
{
    char const* path = std::getenv("PLENO_SERVER_BINARY");
    REQUIRE_MESSAGE(path != nullptr, "PLENO_SERVER_BINARY must name the pleno-server binary (CTest sets it)");
    return path;
}

struct command_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string read_all(int descriptor)
{
    std::string text;
    std::array<char, 4096> buffer{};
    for (;;) {
        auto const got = ::read(descriptor, buffer.data(), buffer.size());
        if (got <= 0)
            break;
        text.append(buffer.data(), static_cast<std::size_t>(got));
    }
    return text;
}

// Runs pleno-server with `arguments`, feeding `input` on standard input.
command_result run_command(std::vector<std::string> const& arguments, std::string const& input = {})
{
    int in_pipe[2], out_pipe[2], err_pipe[2];
    REQUIRE(::pipe(in_pipe) == 0);
    REQUIRE(::pipe(out_pipe) == 0);
    REQUIRE(::pipe(err_pipe) == 0);
    pid_t const child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        for (int descriptor : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
            ::close(descriptor);
        std::string const binary = server_binary();
        std::vector<char*> argv{const_cast<char*>(binary.c_str())};
        for (auto const& argument : arguments)
            argv.push_back(const_cast<char*>(argument.c_str()));
        argv.push_back(nullptr);
        ::execv(binary.c_str(), argv.data());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (!input.empty())
        (void)!::write(in_pipe[1], input.data(), input.size());
    ::close(in_pipe[1]);
    command_result result;
    // Small outputs: reading one pipe fully, then the other, cannot deadlock here.
    result.out = read_all(out_pipe[0]);
    result.err = read_all(err_pipe[0]);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

struct temporary_folder {
    fs::path path;
    temporary_folder()
    {
        static int counter = 0;
        path = fs::temp_directory_path() / ("pleno-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temporary_folder()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

// A pleno-server running as its own process.
class running_server {
public:
    explicit running_server(std::vector<std::string> arguments)
    {
        int out_pipe[2];
        REQUIRE(::pipe(out_pipe) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(out_pipe[1], 1);
            int const null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, 2);
            ::close(out_pipe[0]);
            ::close(out_pipe[1]);
            std::string const binary = server_binary();
            std::vector<char*> argv{const_cast<char*>(binary.c_str())};
            for (auto& argument : arguments)
                argv.push_back(argument.data());
            argv.push_back(nullptr);
            ::execv(binary.c_str(), argv.data());
            ::_exit(127);
        }
        ::close(out_pipe[1]);
        output_ = ::fdopen(out_pipe[0], "r");
        // The first line names the address: "pleno-server listening on http://127.0.0.1:PORT ..."
        std::array<char, 512> line{};
        auto const deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (port_ == 0 && std::chrono::steady_clock::now() < deadline && std::fgets(line.data(), line.size(), output_)) {
            banner_ += line.data();
            std::smatch match;
            std::string const text = line.data();
            if (std::regex_search(text, match, std::regex(R"(listening on http://[^:]+:(\d+))")))
                port_ = static_cast<unsigned short>(std::stoi(match[1]));
        }
        // Read the rest of the banner (demo credentials) without blocking on a live server.
        ::fcntl(::fileno(output_), F_SETFL, O_NONBLOCK);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        while (std::fgets(line.data(), line.size(), output_))
            banner_ += line.data();
    }

    ~running_server()
    {
        if (pid_ > 0 && !stopped_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (output_)
            std::fclose(output_);
    }

    unsigned short port() const { return port_; }
    std::string const& banner() const { return banner_; }

    // SIGTERM, then the exit code (or nothing if it did not stop in time).
    std::optional<int> terminate(std::chrono::seconds patience = std::chrono::seconds(10))
    {
        ::kill(pid_, SIGTERM);
        auto const deadline = std::chrono::steady_clock::now() + patience;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                stopped_ = true;
                return WIFEXITED(status) ? std::optional<int>(WEXITSTATUS(status)) : std::nullopt;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return std::nullopt;
    }

private:
    pid_t pid_ = -1;
    FILE* output_ = nullptr;
    unsigned short port_ = 0;
    std::string banner_;
    bool stopped_ = false;
};

bool contains(std::string const& text, std::string const& part)
{
    return text.find(part) != std::string::npos;
}

}  // namespace command_line_test

using namespace command_line_test;

TEST_CASE("user commands add, list and remove accounts, reading the password from stdin, never from argv")
{
    temporary_folder data;
    std::string const folder = data.path.string();
    auto added = run_command({"--data", folder, "user", "add", "ana", "--role", "moderator"}, "a-long-password\n");
    CHECK(added.exit_code == 0);
    CHECK(contains(added.out, "ana added as moderator"));

    auto twice = run_command({"--data", folder, "user", "add", "ana", "--role", "moderator"}, "a-long-password\n");
    CHECK(twice.exit_code == 1);
    CHECK(contains(twice.err, "exists already"));

    CHECK(run_command({"--data", folder, "user", "add", "bea", "--role", "king"}, "a-long-password\n").exit_code == 1);
    auto short_password = run_command({"--data", folder, "user", "add", "bea", "--role", "chair"}, "short\n");
    CHECK(short_password.exit_code == 1);
    CHECK(contains(short_password.err, "at least 8"));
    CHECK(run_command({"--data", folder, "user", "add", "bea", "--role", "chair"}, "another-password\n").exit_code == 0);

    auto listed = run_command({"--data", folder, "user", "list"});
    CHECK(listed.exit_code == 0);
    CHECK(contains(listed.out, "ana\tmoderator"));
    CHECK(contains(listed.out, "bea\tchair"));
    CHECK_FALSE(contains(listed.out, "argon2"));

    CHECK(run_command({"--data", folder, "user", "remove", "ana"}).exit_code == 0);
    CHECK_FALSE(contains(run_command({"--data", folder, "user", "list"}).out, "ana"));
    CHECK(run_command({"--data", folder, "user", "remove", "ana"}).exit_code == 1);
}

TEST_CASE("display tokens are printed once, listed without the secret, and revoked")
{
    temporary_folder data;
    std::string const folder = data.path.string();
    auto created = run_command({"--data", folder, "display-token", "create", "sala"});
    REQUIRE(created.exit_code == 0);
    std::string token = created.out;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
        token.pop_back();
    CHECK(token.size() >= 22);  // at least 128 bits in URL-safe base64

    auto listed = run_command({"--data", folder, "display-token", "list"});
    CHECK(contains(listed.out, "sala"));
    CHECK(contains(listed.out, "valid"));
    CHECK_FALSE(contains(listed.out, token));

    CHECK(run_command({"--data", folder, "display-token", "revoke", "sala"}).exit_code == 0);
    CHECK(contains(run_command({"--data", folder, "display-token", "list"}).out, "revoked"));
    CHECK(run_command({"--data", folder, "display-token", "revoke", "sala"}).exit_code == 1);
}

TEST_CASE("sessions are created with an agenda file, listed, and their agenda replaced; bad files change nothing")
{
    temporary_folder data;
    std::string const folder = data.path.string();
    fs::path const agenda = data.path / "agenda.json";
    std::ofstream(agenda) << R"([{"title":"Aprobación del acta"},{"title":"Presupuesto 2027","description":"Debate"}])";
    fs::path const broken = data.path / "broken.json";
    std::ofstream(broken) << R"([{"name":"no title"}])";

    auto created = run_command({"--data", folder, "session", "create", "--title", "Pleno ordinario", "--starts-at",
                                "2026-12-01 19:00", "--place", "Salón de plenos", "--agenda", agenda.string()});
    REQUIRE(created.exit_code == 0);
    CHECK(created.out == "1\n");
    auto listed = run_command({"--data", folder, "session", "list"});
    CHECK(contains(listed.out, "scheduled"));
    CHECK(contains(listed.out, "2026-12-01 19:00"));
    CHECK(contains(listed.out, "Pleno ordinario (Salón de plenos)"));
    CHECK(contains(listed.out, "2 agenda items"));

    auto refused = run_command({"--data", folder, "session", "agenda-import", "1", broken.string()});
    CHECK(refused.exit_code == 1);
    CHECK(contains(refused.err, "unknown field 'name'"));
    CHECK(contains(run_command({"--data", folder, "session", "list"}).out, "2 agenda items"));

    std::ofstream(agenda) << R"({"items":[{"title":"Uno"},{"title":"Dos"},{"title":"Tres"}]})";
    CHECK(run_command({"--data", folder, "session", "agenda-import", "1", agenda.string()}).exit_code == 0);
    CHECK(contains(run_command({"--data", folder, "session", "list"}).out, "3 agenda items"));
    CHECK(run_command({"--data", folder, "session", "create", "--title", "X", "--starts-at", "tomorrow"}).exit_code == 1);
}

TEST_CASE("the demo server starts, prints its addresses and credentials, serves, and stops cleanly on SIGTERM")
{
    temporary_folder data;
    running_server server({"--demo", "--data", data.path.string(), "--listen", "127.0.0.1:0"});
    REQUIRE(server.port() != 0);
    CHECK(contains(server.banner(), "/moderate"));
    CHECK(contains(server.banner(), "moderadora / demo-moderadora"));

    auto health = pleno::test::http_request(server.port(), "GET", "/healthz");
    CHECK(health.status == 200u);
    auto session = pleno::test::http_request(server.port(), "GET", "/api/session").body_json();
    CHECK(session["session"]["state"] == "live");
    CHECK(session["posts"].size() == 5);

    // Sessions cannot be changed behind a running server's back.
    auto refused = run_command({"--data", data.path.string(), "session", "create", "--title", "X", "--starts-at", "2026-12-01 19:00"});
    CHECK(refused.exit_code == 1);
    CHECK(contains(refused.err, "running"));
    // A second server on the same folder is refused.
    auto second = run_command({"--data", data.path.string(), "--listen", "127.0.0.1:0"});
    CHECK(second.exit_code == 1);
    CHECK(contains(second.err, "another pleno-server"));

    // A user removed from the command line loses the console within seconds.
    CHECK(run_command({"--data", data.path.string(), "user", "add", "eva", "--role", "moderator"}, "eva-password\n").exit_code == 0);
    auto login = pleno::test::http_request(server.port(), "POST", "/api/login",
                                           {R"({"name":"eva","password":"eva-password"})", {}, std::chrono::seconds(5)});
    REQUIRE(login.status == 200u);
    pleno::test::ws_client console;
    REQUIRE(console.connect(server.port()).accepted);
    auto welcome = console.request({{"type", "hello"}, {"role", "moderator"}, {"token", login.body_json()["token"]}});
    REQUIRE(welcome.has_value());
    CHECK((*welcome)["type"] == "welcome");
    CHECK(run_command({"--data", data.path.string(), "user", "remove", "eva"}).exit_code == 0);
    CHECK(console.wait_closed(std::chrono::seconds(12)));

    auto exit_code = server.terminate();
    REQUIRE(exit_code.has_value());
    CHECK(*exit_code == 0);

    // Restarting on the same folder keeps the demo as it was, without seeding it twice.
    running_server again({"--demo", "--data", data.path.string(), "--listen", "127.0.0.1:0"});
    REQUIRE(again.port() != 0);
    auto restored = pleno::test::http_request(again.port(), "GET", "/api/session").body_json();
    CHECK(restored["posts"].size() == 5);
    CHECK(again.terminate() == std::optional<int>(0));
}
