// pleno-bench-send-floor: what the kernel alone charges for fan-out on loopback.
//
// One process (on --sender-cpu) writes one message of --bytes to each of N
// connected loopback sockets with plain send(), as a server without any
// framework would; a child process (on --reader-cpu) reads them all with epoll.
// It prints how long one round over all sockets takes on the sender's CPU:
// a floor under any server's approve-to-last-viewer latency on this machine,
// because on loopback the sending CPU also runs the receiving side of TCP.

#include <atomic>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <new>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arguments.hpp"
#include "process_probe.hpp"
#include "statistics.hpp"

namespace {

using namespace pleno::bench;
using steady = std::chrono::steady_clock;

void pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    ::sched_setaffinity(0, sizeof set, &set);
}

// Shared between the sender and the reader process.
struct shared_counters {
    std::atomic<std::uint64_t> received_bytes{0};
    std::atomic<std::uint64_t> connected{0};
    std::atomic<bool> stop{false};
};

// The child: connects every socket, then reads until told to stop.
[[noreturn]] void run_reader(sockaddr_in address, std::size_t sockets, int cpu, shared_counters& shared)
{
    pin_to(cpu);
    int const poller = ::epoll_create1(EPOLL_CLOEXEC);
    for (std::size_t i = 0; i < sockets; ++i) {
        int const client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (client < 0 || ::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            ::_exit(2);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = client;
        ::epoll_ctl(poller, EPOLL_CTL_ADD, client, &event);
        ++shared.connected;
    }
    std::vector<epoll_event> ready(1024);
    std::vector<char> buffer(64 * 1024);
    while (!shared.stop) {
        int const count = ::epoll_wait(poller, ready.data(), static_cast<int>(ready.size()), 50);
        for (int i = 0; i < count; ++i) {
            ssize_t const got = ::recv(ready[static_cast<std::size_t>(i)].data.fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
            if (got > 0)
                shared.received_bytes += static_cast<std::uint64_t>(got);
        }
    }
    ::_exit(0);
}

double thread_cpu_ms()
{
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

[[noreturn]] void fail(std::string const& what)
{
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        arguments command_line(argc, argv);
        if (command_line.wants_help()) {
            std::cout << "usage: pleno-bench-send-floor [--sockets N] [--rounds R] [--bytes B] [--sender-cpu C] [--reader-cpu C] [--summary FILE]\n";
            return 0;
        }
        auto const sockets = static_cast<std::size_t>(command_line.integer("sockets", 10000));
        int const rounds = static_cast<int>(command_line.integer("rounds", 20));
        auto const bytes = static_cast<std::size_t>(command_line.integer("bytes", 420));
        int const sender_cpu = static_cast<int>(command_line.integer("sender-cpu", 0));
        int const reader_cpu = static_cast<int>(command_line.integer("reader-cpu", 1));
        std::string const summary_file = command_line.text("summary", "");
        command_line.check_all_known();
        if (sockets < 1 || sockets > 50000 || rounds < 1 || rounds > 1000 || bytes < 1 || bytes > 65536)
            throw std::runtime_error("--sockets 1..50000, --rounds 1..1000, --bytes 1..65536");
        if (raise_open_file_limit() < sockets + 16)
            throw std::runtime_error("the open-file limit is too low for " + std::to_string(sockets) + " sockets");

        int const listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 4096) != 0)
            fail("bind/listen");
        socklen_t length = sizeof address;
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);

        void* memory = ::mmap(nullptr, sizeof(shared_counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED)
            fail("mmap");
        auto& shared = *new (memory) shared_counters;
        std::cout.flush();
        pid_t const child = ::fork();
        if (child < 0)
            fail("fork");
        if (child == 0)
            run_reader(address, sockets, reader_cpu, shared);

        std::vector<int> senders;
        int const one = 1;
        auto const connect_deadline = steady::now() + std::chrono::seconds(60);
        while (senders.size() < sockets && steady::now() < connect_deadline) {
            int const accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (accepted < 0)
                fail("accept");
            ::setsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            senders.push_back(accepted);
        }
        ::close(listener);
        auto& received_bytes = shared.received_bytes;

        pin_to(sender_cpu);
        std::string const message(bytes, 'x');
        std::vector<double> round_ms;
        std::vector<double> delivered_ms;
        std::vector<double> cpu_ms;
        for (int round = 0; round < rounds; ++round) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            std::uint64_t const target = received_bytes + sockets * bytes;
            auto const started = steady::now();
            double const cpu_before = thread_cpu_ms();
            for (int fd : senders)
                if (::send(fd, message.data(), message.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(message.size()))
                    fail("send");
            cpu_ms.push_back(thread_cpu_ms() - cpu_before);
            auto const sent = steady::now();
            while (received_bytes < target && steady::now() - started < std::chrono::seconds(10))
                std::this_thread::yield();
            auto const delivered = steady::now();
            round_ms.push_back(std::chrono::duration<double, std::milli>(sent - started).count());
            delivered_ms.push_back(std::chrono::duration<double, std::milli>(delivered - started).count());
        }
        shared.stop = true;
        int status = 0;
        ::waitpid(child, &status, 0);
        for (int fd : senders)
            ::close(fd);

        auto const rounds_summary = summarise(round_ms);
        auto const delivered_summary = summarise(delivered_ms);
        auto const cpu_summary = summarise(cpu_ms);
        std::vector<std::string> lines{
            "send floor, " + std::to_string(sockets) + " loopback sockets, " + std::to_string(bytes) + "-byte send() each, sender on CPU " +
                std::to_string(sender_cpu) + ":",
            "  one round of sends:        " + describe(rounds_summary) + " = " +
                fixed(rounds_summary.p50 * 1000.0 / static_cast<double>(sockets), 2) + " us per send",
            "  sender CPU time per round: " + describe(cpu_summary) + " = " +
                fixed(cpu_summary.p50 * 1000.0 / static_cast<double>(sockets), 2) + " us per send",
            "  until the reader had all:  " + describe(delivered_summary),
        };
        for (auto const& line : lines)
            std::cout << line << "\n";
        if (!summary_file.empty()) {
            std::ofstream output(summary_file, std::ios::app);
            for (auto const& line : lines)
                output << line << "\n";
        }
        return 0;
    } catch (std::exception const& problem) {
        std::cerr << "pleno-bench-send-floor: " << problem.what() << "\n";
        return 1;
    }
}
