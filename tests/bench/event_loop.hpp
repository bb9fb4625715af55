#pragma once
// A single-threaded epoll loop for the benchmark clients. Level-triggered:
// a connection that is not drained in one go is simply offered again.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <sys/epoll.h>

namespace pleno::bench {

class websocket_client;

class event_loop {
public:
    event_loop();
    ~event_loop();
    event_loop(event_loop const&) = delete;
    event_loop& operator=(event_loop const&) = delete;

    void add(websocket_client& client, bool writable_wanted);
    void modify(websocket_client& client, bool writable_wanted);
    void remove(websocket_client& client);

    // Waits at most `timeout` and handles every ready connection once.
    // Returns the number of ready connections.
    int poll(std::chrono::milliseconds timeout);

private:
    int epoll_fd_ = -1;
    std::vector<epoll_event> ready_;
    std::vector<char> scratch_;  // one receive buffer shared by every connection
};

}  // namespace pleno::bench
