#include "live_server.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "app/config.hpp"
#include "app/demo.hpp"
#include "app/log.hpp"
#include "app/service.hpp"
#include "auth/password.hpp"
#include "net/server.hpp"
#include "store/store.hpp"

namespace pleno::fuzz {

namespace {

struct live {
    live()
    {
        std::random_device random;
        root = std::filesystem::temp_directory_path() / ("pleno-fuzz-" + std::to_string(random()));
        std::filesystem::create_directories(root);
        settings.listen_address = "127.0.0.1";
        settings.listen_port = 0;
        settings.data_dir = root / "data";
        settings.web_root = PLENO_FUZZ_WEB_ROOT;
        settings.demo = true;
        settings.demo_audience_interval = std::chrono::milliseconds(0);
        settings.test_synchronous_normal = true;  // no fsync per input: speed, not durability, is wanted here
        settings.limits.connections_per_address = 10000;
        settings.limits.handshake_timeout = std::chrono::seconds(2);
        settings.auth.argon2_operations = 1;
        settings.auth.argon2_memory_bytes = 8 * 1024;
        settings.council.posts_per_citizen = {1000.0, 1000.0};
        settings.council.new_citizens_per_address = {1000.0, 1000.0};
        app::set_log_quiet(true);
        auth::initialise_crypto();
        {
            store::store target(settings.database_file());
            app::demo_credentials const credentials;
            app::seed_demo(target, settings, credentials);
        }
        service = std::make_unique<app::service>(settings);
        server = std::make_unique<net::server>(*service, settings);
        host = "127.0.0.1:" + std::to_string(server->port());
        port = server->port();
        runner = std::thread([this] { server->run(); });
        runner.detach();  // runs until the process exits
    }

    std::filesystem::path root;
    app::config settings;
    std::unique_ptr<app::service> service;
    std::unique_ptr<net::server> server;
    std::thread runner;
    std::string host;
    unsigned short port = 0;
};

live& the_server()
{
    static live* const instance = new live();  // never destroyed: its threads run to the end
    return *instance;
}

int connect_to(unsigned short port)
{
    int const fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        std::abort();
    timeval timeout{5, 0};  // generous: two fuzzers with sanitizers may share one CPU
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr const*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool send_all(int fd, std::string_view bytes)
{
    while (!bytes.empty()) {
        ssize_t const sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent <= 0)
            return false;
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

}  // namespace

std::string const& host()
{
    return the_server().host;
}

std::string exchange(std::string_view first, std::string_view bytes)
{
    auto& server = the_server();
    int const fd = connect_to(server.port);
    if (fd < 0)
        return {};
    std::string answer;
    char buffer[4096];
    bool open = true;
    if (!first.empty()) {
        open = send_all(fd, first);
        // The head of the answer (101 or an error) before the rest is sent.
        while (open && answer.find("\r\n\r\n") == std::string::npos) {
            ssize_t const got = ::recv(fd, buffer, sizeof buffer, 0);
            if (got <= 0)
                open = false;
            else
                answer.append(buffer, static_cast<std::size_t>(got));
        }
    }
    if (open && send_all(fd, bytes)) {
        ::shutdown(fd, SHUT_WR);
        for (;;) {
            ssize_t const got = ::recv(fd, buffer, sizeof buffer, 0);
            if (got <= 0)
                break;
            answer.append(buffer, static_cast<std::size_t>(got));
        }
    }
    ::close(fd);
    return answer;
}

bool healthy()
{
    std::string const answer = exchange({}, "GET /healthz HTTP/1.1\r\nHost: " + host() + "\r\nConnection: close\r\n\r\n");
    return answer.rfind("HTTP/1.1 200 ", 0) == 0;
}

}  // namespace pleno::fuzz
