#include "http_client.hpp"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace pleno::bench {

http_answer http_request(std::uint16_t port, std::string const& method, std::string const& target, std::string const& body,
                         std::chrono::milliseconds timeout)
{
    http_answer answer;
    int const fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        answer.failure = std::string("socket: ") + std::strerror(errno);
        return answer;
    }
    timeval limit{};
    limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    limit.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr const*>(&address), sizeof address) != 0) {
        answer.failure = std::string("connect: ") + std::strerror(errno);
        ::close(fd);
        return answer;
    }
    std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nConnection: close\r\n";
    if (!body.empty() || method == "POST")
        request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    std::size_t sent = 0;
    while (sent < request.size()) {
        ssize_t const count = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (count <= 0) {
            answer.failure = std::string("send: ") + std::strerror(errno);
            ::close(fd);
            return answer;
        }
        sent += static_cast<std::size_t>(count);
    }
    std::string response;
    char buffer[16 * 1024];
    for (;;) {
        ssize_t const count = ::recv(fd, buffer, sizeof buffer, 0);
        if (count > 0) {
            response.append(buffer, static_cast<std::size_t>(count));
            continue;
        }
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            answer.failure = std::string("recv: ") + std::strerror(errno);
        break;
    }
    ::close(fd);
    auto const end_of_head = response.find("\r\n\r\n");
    if (response.rfind("HTTP/1.1 ", 0) != 0 || end_of_head == std::string::npos) {
        if (answer.failure.empty())
            answer.failure = "no HTTP response";
        return answer;
    }
    answer.status = static_cast<unsigned>(std::atoi(response.c_str() + 9));
    answer.body = response.substr(end_of_head + 4);
    // Connection: close, so the body is the rest; a chunked body is not expected from this server.
    answer.failure.clear();
    return answer;
}

std::optional<std::string> log_in(std::uint16_t port, std::string const& name, std::string const& password, std::string& failure)
{
    nlohmann::json const body = {{"name", name}, {"password", password}};
    auto const answer = http_request(port, "POST", "/api/login", body.dump(), std::chrono::seconds(30));
    if (answer.status != 200) {
        failure = answer.status == 0 ? answer.failure : "HTTP " + std::to_string(answer.status) + ": " + answer.body;
        return std::nullopt;
    }
    auto const parsed = nlohmann::json::parse(answer.body, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("token") || !parsed["token"].is_string()) {
        failure = "the login answer has no token: " + answer.body;
        return std::nullopt;
    }
    return parsed["token"].get<std::string>();
}

std::optional<std::int64_t> server_connection_count(std::uint16_t port)
{
    auto const answer = http_request(port, "GET", "/healthz", "", std::chrono::seconds(5));
    if (answer.status == 0)
        return std::nullopt;
    auto const parsed = nlohmann::json::parse(answer.body, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("connections") || !parsed["connections"].is_number_integer())
        return std::nullopt;
    return parsed["connections"].get<std::int64_t>();
}

}  // namespace pleno::bench
