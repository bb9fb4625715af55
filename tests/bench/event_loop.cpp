#include "event_loop.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "websocket_client.hpp"

namespace pleno::bench {
namespace {

std::uint32_t interest(bool writable_wanted)
{
    return EPOLLIN | (writable_wanted ? EPOLLOUT : 0u);
}

}  // namespace

event_loop::event_loop()
    : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC))
    , ready_(1024)
    , scratch_(256 * 1024)
{
    if (epoll_fd_ < 0)
        throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
}

event_loop::~event_loop()
{
    ::close(epoll_fd_);
}

void event_loop::add(websocket_client& client, bool writable_wanted)
{
    epoll_event event{};
    event.events = interest(writable_wanted);
    event.data.ptr = &client;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, client.fd(), &event) != 0)
        throw std::runtime_error(std::string("epoll_ctl add: ") + std::strerror(errno));
}

void event_loop::modify(websocket_client& client, bool writable_wanted)
{
    epoll_event event{};
    event.events = interest(writable_wanted);
    event.data.ptr = &client;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, client.fd(), &event);
}

void event_loop::remove(websocket_client& client)
{
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, client.fd(), nullptr);
}

int event_loop::poll(std::chrono::milliseconds timeout)
{
    auto const wait = static_cast<int>(timeout.count() < 0 ? 0 : timeout.count());
    int const count = ::epoll_wait(epoll_fd_, ready_.data(), static_cast<int>(ready_.size()), wait);
    if (count < 0) {
        if (errno == EINTR)
            return 0;
        throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
    }
    for (int i = 0; i < count; ++i) {
        auto* client = static_cast<websocket_client*>(ready_[static_cast<std::size_t>(i)].data.ptr);
        client->on_ready(ready_[static_cast<std::size_t>(i)].events, scratch_.data(), scratch_.size());
    }
    return count;
}

}  // namespace pleno::bench
