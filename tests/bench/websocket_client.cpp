#include "websocket_client.hpp"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event_loop.hpp"

namespace pleno::bench {
namespace {

// Server frames are never masked and the server never fragments, but a
// message may still be large (a snapshot); this bounds a broken stream.
constexpr std::size_t max_message_bytes = 64 * 1024 * 1024;
constexpr std::size_t keep_capacity = 64 * 1024;

enum : unsigned { op_continuation = 0, op_text = 1, op_binary = 2, op_close = 8, op_ping = 9, op_pong = 10 };

// Masking keys need not be secret here; they must only vary.
std::uint32_t next_mask()
{
    static std::uint32_t state = 0x9e3779b9u;
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

}  // namespace

websocket_client::websocket_client(client_listener& listener, std::uint32_t tag, std::uint32_t index)
    : listener_(listener)
    , tag_(tag)
    , index_(index)
{
}

websocket_client::~websocket_client()
{
    if (fd_ >= 0)
        ::close(fd_);
}

void websocket_client::start(event_loop& loop, std::uint16_t port, int receive_buffer_bytes)
{
    loop_ = &loop;
    port_ = port;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        phase_ = phase::closed;
        failure_ = std::string("socket: ") + std::strerror(errno);
        listener_.on_closed(*this);
        return;
    }
    int const one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (receive_buffer_bytes > 0)
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    phase_ = phase::connecting;
    int const result = ::connect(fd_, reinterpret_cast<sockaddr const*>(&address), sizeof address);
    if (result != 0 && errno != EINPROGRESS) {
        int const error = errno;
        ::close(fd_);
        fd_ = -1;
        phase_ = phase::closed;
        failure_ = std::string("connect: ") + std::strerror(error);
        listener_.on_closed(*this);
        return;
    }
    watching_write_ = true;
    loop.add(*this, true);
    if (result == 0)
        on_connected();
}

void websocket_client::on_ready(std::uint32_t events, char* scratch, std::size_t scratch_size)
{
    if (phase_ == phase::closed || phase_ == phase::idle)
        return;
    if (phase_ == phase::connecting) {
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0)
            return;
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            fail(std::string("connect: ") + std::strerror(error));
            return;
        }
        on_connected();
        return;
    }
    if ((events & EPOLLOUT) != 0) {
        flush();
        if (phase_ == phase::closed)
            return;
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0)
        on_readable(scratch, scratch_size);
}

void websocket_client::on_connected()
{
    phase_ = phase::upgrading;
    std::string request = "GET " + target_ + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: cGxlbm8tYmVuY2gta2V5IQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n";
    send_raw(request);
}

void websocket_client::on_readable(char* scratch, std::size_t scratch_size)
{
    for (;;) {
        ssize_t const received = ::recv(fd_, scratch, scratch_size, 0);
        if (received > 0) {
            bytes_received_ += static_cast<std::size_t>(received);
            consume(scratch, static_cast<std::size_t>(received), clock_type::now());
            if (phase_ == phase::closed || static_cast<std::size_t>(received) < scratch_size)
                return;
            continue;
        }
        if (received == 0) {
            fail("the server closed the connection" + (close_code_ ? " after close " + std::to_string(close_code_) : std::string()));
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            fail(std::string("recv: ") + std::strerror(errno));
        return;
    }
}

void websocket_client::drain()
{
    if (phase_ == phase::closed || fd_ < 0)
        return;
    static char scratch[256 * 1024];
    on_readable(scratch, sizeof scratch);
}

void websocket_client::consume(char const* data, std::size_t size, clock_type::time_point now)
{
    bool const buffered = !in_.empty();
    if (buffered)
        in_.append(data, size);
    std::string_view bytes = buffered ? std::string_view(in_) : std::string_view(data, size);
    std::size_t used = 0;

    if (phase_ == phase::upgrading) {
        auto const end_of_head = bytes.find("\r\n\r\n");
        if (end_of_head == std::string_view::npos) {
            if (!buffered)
                in_.assign(bytes);
            if (in_.size() > 16 * 1024)
                fail("the upgrade response head is too long");
            return;
        }
        std::string_view const head = bytes.substr(0, end_of_head);
        if (head.rfind("HTTP/1.1 101", 0) != 0) {
            auto const line_end = head.find("\r\n");
            fail("upgrade refused: " + std::string(head.substr(0, line_end)));
            return;
        }
        used = end_of_head + 4;
        phase_ = phase::open;
        listener_.on_open(*this);
        if (phase_ != phase::open)
            return;
    }
    used += parse_frames(bytes.substr(used), now);
    if (phase_ == phase::closed)
        return;
    if (buffered) {
        in_.erase(0, used);
    } else if (used < bytes.size()) {
        in_.assign(bytes.substr(used));
    }
    if (in_.empty() && in_.capacity() > keep_capacity)
        std::string().swap(in_);
}

std::size_t websocket_client::parse_frames(std::string_view data, clock_type::time_point now)
{
    std::size_t used = 0;
    while (phase_ == phase::open) {
        std::string_view const rest = data.substr(used);
        if (rest.size() < 2)
            break;
        auto const first = static_cast<unsigned char>(rest[0]);
        auto const second = static_cast<unsigned char>(rest[1]);
        bool const final_frame = (first & 0x80u) != 0;
        unsigned const opcode = first & 0x0fu;
        bool const masked = (second & 0x80u) != 0;
        std::uint64_t length = second & 0x7fu;
        std::size_t head = 2;
        if (length == 126) {
            if (rest.size() < 4)
                break;
            length = (std::uint64_t{static_cast<unsigned char>(rest[2])} << 8) | static_cast<unsigned char>(rest[3]);
            head = 4;
        } else if (length == 127) {
            if (rest.size() < 10)
                break;
            length = 0;
            for (std::size_t i = 2; i < 10; ++i)
                length = (length << 8) | static_cast<unsigned char>(rest[i]);
            head = 10;
        }
        if (masked) {
            fail("the server sent a masked frame");
            break;
        }
        if (length > max_message_bytes) {
            fail("a frame of " + std::to_string(length) + " bytes");
            break;
        }
        if (rest.size() - head < length)
            break;
        used += head + static_cast<std::size_t>(length);
        on_frame(opcode, final_frame, rest.substr(head, static_cast<std::size_t>(length)), now);
    }
    return used;
}

void websocket_client::on_frame(unsigned opcode, bool final_frame, std::string_view payload, clock_type::time_point now)
{
    switch (opcode) {
    case op_text:
    case op_binary:
    case op_continuation:
        if (opcode != op_continuation && !fragments_.empty()) {
            fail("a new message began inside a fragmented one");
            return;
        }
        if (final_frame && fragments_.empty()) {
            if (opcode == op_text || opcode == op_continuation)
                listener_.on_message(*this, payload, now);
            return;
        }
        fragments_.append(payload);
        if (fragments_.size() > max_message_bytes) {
            fail("a message over the size limit");
            return;
        }
        if (final_frame) {
            std::string message;
            message.swap(fragments_);
            listener_.on_message(*this, message, now);
        }
        return;
    case op_ping:
        send_frame(op_pong, payload);
        return;
    case op_pong:
        return;
    case op_close:
        if (payload.size() >= 2) {
            close_code_ = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
            close_reason_ = std::string(payload.substr(2));
        } else {
            close_code_ = 1005;
        }
        send_frame(op_close, payload.substr(0, payload.size() >= 2 ? 2 : 0));
        fail("closed by the server with code " + std::to_string(close_code_) +
             (close_reason_.empty() ? std::string() : " (" + close_reason_ + ")"));
        return;
    default:
        fail("unknown opcode " + std::to_string(opcode));
        return;
    }
}

void websocket_client::send_text(std::string_view text)
{
    send_frame(op_text, text);
}

void websocket_client::send_frame(unsigned opcode, std::string_view payload)
{
    if (phase_ != phase::open)
        return;
    std::string frame;
    frame.reserve(payload.size() + 14);
    frame += static_cast<char>(0x80u | opcode);
    if (payload.size() < 126) {
        frame += static_cast<char>(0x80u | payload.size());
    } else if (payload.size() < 65536) {
        frame += static_cast<char>(0x80u | 126u);
        frame += static_cast<char>((payload.size() >> 8) & 0xffu);
        frame += static_cast<char>(payload.size() & 0xffu);
    } else {
        frame += static_cast<char>(0x80u | 127u);
        for (int shift = 56; shift >= 0; shift -= 8)
            frame += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> shift) & 0xffu);
    }
    std::uint32_t const mask = next_mask();
    char const key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16), static_cast<char>(mask >> 8),
                         static_cast<char>(mask)};
    frame.append(key, 4);
    std::size_t const start = frame.size();
    frame.append(payload);
    for (std::size_t i = 0; i < payload.size(); ++i)
        frame[start + i] = static_cast<char>(frame[start + i] ^ key[i % 4]);
    send_raw(frame);
}

void websocket_client::send_raw(std::string_view bytes)
{
    if (phase_ == phase::closed)
        return;
    out_.append(bytes);
    flush();
}

void websocket_client::flush()
{
    while (!out_.empty()) {
        ssize_t const sent = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            out_.erase(0, static_cast<std::size_t>(sent));
            continue;
        }
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        fail(std::string("send: ") + std::strerror(errno));
        return;
    }
    bool const want = !out_.empty();
    if (want != watching_write_ && reading_ && loop_ != nullptr) {
        watching_write_ = want;
        loop_->modify(*this, want);
    }
}

void websocket_client::stop_reading()
{
    if (reading_ && loop_ != nullptr && fd_ >= 0)
        loop_->remove(*this);
    reading_ = false;
}

void websocket_client::abort(std::string why)
{
    fail(std::move(why));
}

void websocket_client::fail(std::string why)
{
    if (phase_ == phase::closed)
        return;
    phase_ = phase::closed;
    failure_ = std::move(why);
    if (fd_ >= 0) {
        if (reading_ && loop_ != nullptr)
            loop_->remove(*this);
        ::close(fd_);
        fd_ = -1;
    }
    out_.clear();
    std::string().swap(in_);
    listener_.on_closed(*this);
}

int websocket_client::tcp_state() const
{
    if (fd_ < 0)
        return -1;
    tcp_info info{};
    socklen_t length = sizeof info;
    if (::getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
        return -1;
    return info.tcpi_state;
}

int websocket_client::unread_bytes() const
{
    if (fd_ < 0)
        return -1;
    int bytes = 0;
    if (::ioctl(fd_, FIONREAD, &bytes) != 0)
        return -1;
    return bytes;
}

}  // namespace pleno::bench
