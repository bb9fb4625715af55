// The display's link (display/src/connection.cpp) against a real pleno-server
// in this process: hello as a display, refusal of a bad token, resume after a
// restart without duplicates, a dead link noticed through pings, the backoff
// between tries, and stop() never hanging. Small timings (ping 1 s, backoff
// of at most 2 s) keep the whole file to a few seconds per case.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

// -Wnull-dereference false positives inside Asio once optimised (as in server/src/net/boost_net.hpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#pragma GCC diagnostic pop
#include <nlohmann/json.hpp>

#include "connection.hpp"
#include "test_client.hpp"

// A named namespace, test cases included: this file shares one unity
// translation unit with the other integration tests, whose helpers are
// brought into the global namespace by using-directives.
namespace display_link_test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;
using pleno::display::connection;
using pleno::display::connection_settings;
using pleno::display::link_event;
using pleno::display::link_state;
using pleno::test::server_fixture;
using pleno::test::ws_client;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

double seconds_between(clock_type::time_point from, clock_type::time_point to)
{
    return std::chrono::duration<double>(to - from).count();
}

// A loopback port that is free now, so that a server can be started on it
// again and again (the fixture's restart keeps its configured port).
unsigned short free_port()
{
    asio::io_context context;
    tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    return acceptor.local_endpoint().port();
}

std::string url_for(unsigned short port)
{
    return "ws://127.0.0.1:" + std::to_string(port) + "/ws";
}

// Settings that make every timing of the link small.
connection_settings fast_settings(std::string url, std::string token = server_fixture::display_token)
{
    connection_settings settings;
    settings.url = std::move(url);
    settings.token = std::move(token);
    settings.max_backoff = 2s;
    settings.ping_interval = 1s;
    settings.connect_timeout = 2s;
    return settings;
}

std::string message_type(json const& message)
{
    return pleno::test::type_of(message);
}

std::int64_t integer_of(json const& message, char const* name)
{
    auto found = message.find(name);
    return found != message.end() && found->is_number_integer() ? found->get<std::int64_t>() : -1;
}

// What the UI thread does each frame: poll, split arrays into messages, and
// (when asked) keep the resume point as a wall_model would.
class link_watch {
public:
    enum class resume_tracking { off, on };

    explicit link_watch(connection& link, resume_tracking tracking = resume_tracking::off)
        : link_(link), tracking_(tracking)
    {
    }

    void pump()
    {
        for (auto& event : link_.poll()) {
            if (event.what == link_event::kind::message) {
                json const parsed = json::parse(event.text, nullptr, false);
                REQUIRE_MESSAGE(!parsed.is_discarded(), "not JSON: " << event.text);
                if (parsed.is_array()) {
                    for (auto const& item : parsed)
                        take(item);
                } else {
                    take(parsed);
                }
            }
            events.push_back(std::move(event));
        }
    }

    // Polls until `done` holds or the time is up; true when it held.
    bool wait_until(std::function<bool()> const& done, std::chrono::milliseconds timeout)
    {
        auto const deadline = clock_type::now() + timeout;
        for (;;) {
            pump();
            if (done())
                return true;
            if (clock_type::now() >= deadline)
                return false;
            std::this_thread::sleep_for(10ms);
        }
    }

    // The index of the first message of `type` at or after `from`, if any.
    std::optional<std::size_t> find(std::string const& type, std::size_t from = 0) const
    {
        for (std::size_t i = from; i < messages.size(); ++i)
            if (message_type(messages[i]) == type)
                return i;
        return std::nullopt;
    }

    std::optional<std::size_t> wait_message(std::string const& type, std::chrono::milliseconds timeout, std::size_t from = 0)
    {
        std::optional<std::size_t> found;
        wait_until([&] { return (found = find(type, from)).has_value(); }, timeout);
        return found;
    }

    bool wait_state(link_state wanted, std::chrono::milliseconds timeout)
    {
        return wait_until([&] { return link_.state() == wanted; }, timeout);
    }

    std::size_t count(link_event::kind what) const
    {
        return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](auto const& e) { return e.what == what; }));
    }

    // The states announced by state_changed events, in order.
    std::vector<link_state> states() const
    {
        std::vector<link_state> result;
        for (auto const& event : events)
            if (event.what == link_event::kind::state_changed)
                result.push_back(event.state);
        return result;
    }

    std::vector<link_event> events;
    std::vector<json> messages;  // every message object, arrays split
    std::vector<clock_type::time_point> refused_at;

private:
    void take(json const& message)
    {
        messages.push_back(message);
        if (tracking_ == resume_tracking::off || !message.is_object())
            return;
        std::string const type = message_type(message);
        std::int64_t const seq = integer_of(message, "seq");
        std::int64_t const session = integer_of(message, "session_id");
        if (type == "snapshot") {
            session_ = session;
            seq_ = seq;
        } else if (seq >= 0 && session == session_) {
            seq_ = std::max(seq_, seq);
        } else {
            return;
        }
        link_.set_resume_point(session_, seq_);
    }

    connection& link_;
    resume_tracking tracking_;
    std::int64_t session_ = 0;
    std::int64_t seq_ = 0;
};

// The chair's console: logs in, greets, and sends commands that must be acknowledged.
class chair_console {
public:
    explicit chair_console(server_fixture& server)
    {
        std::string const token = server.login(server_fixture::chair_name);
        REQUIRE_MESSAGE(!token.empty(), "the chair could not log in");
        auto const handshake = client_.connect(server.port());
        REQUIRE_MESSAGE(handshake.accepted, handshake.failure);
        auto const welcome = client_.hello({{"role", "chair"}, {"token", token}});
        REQUIRE(welcome.has_value());
        REQUIRE_MESSAGE(message_type(*welcome) == "welcome", welcome->dump());
    }

    json command(json message)
    {
        auto const reply = client_.request(message);
        REQUIRE_MESSAGE(reply.has_value(), "no reply to " << message.dump());
        REQUIRE_MESSAGE(pleno::test::is_ack(*reply), message.dump() << " -> " << reply->dump());
        return *reply;
    }

    std::int64_t create_session(std::string const& title)
    {
        json const agenda = json::array({{{"title", "Aprobación del acta"}}, {{"title", "Ruegos y preguntas"}}});
        json const reply = command({{"type", "create_session"},
                                    {"title", title},
                                    {"starts_at", pleno::test::now_millis()},
                                    {"agenda", agenda}});
        return reply["session_id"].get<std::int64_t>();
    }

    std::int64_t open_live_session(std::string const& title)
    {
        std::int64_t const id = create_session(title);
        command({{"type", "open_session"}, {"session_id", id}});
        return id;
    }

    void set_overlay(std::int64_t session_id, std::string const& text)
    {
        command({{"type", "set_overlay"}, {"session_id", session_id}, {"text", text}});
    }

private:
    ws_client client_;
};

// A TCP relay between the link and the server that can be told to stop
// relaying while keeping both sockets open: a proxy or a cable that stalls
// without anyone closing anything.
class stalling_proxy {
public:
    explicit stalling_proxy(unsigned short upstream_port)
        : acceptor_(context_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)), upstream_port_(upstream_port)
    {
        do_accept();
        thread_ = std::thread([this] { context_.run(); });
    }

    ~stalling_proxy()
    {
        context_.stop();
        thread_.join();
    }

    stalling_proxy(stalling_proxy const&) = delete;
    stalling_proxy& operator=(stalling_proxy const&) = delete;

    unsigned short port() const { return acceptor_.local_endpoint().port(); }

    // From now on nothing passes, in either direction, on old or new connections.
    void stall() { stalled_ = true; }

private:
    using buffer_type = std::array<char, 16 * 1024>;

    void do_accept()
    {
        acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
            if (error)
                return;
            auto client = std::make_shared<tcp::socket>(std::move(socket));
            held_.push_back(client);
            if (!stalled_) {
                auto server = std::make_shared<tcp::socket>(context_);
                boost::system::error_code connect_error;
                server->connect(tcp::endpoint(asio::ip::address_v4::loopback(), upstream_port_), connect_error);
                if (!connect_error) {
                    held_.push_back(server);
                    do_relay(client, server, std::make_shared<buffer_type>());
                    do_relay(server, client, std::make_shared<buffer_type>());
                }
            }
            do_accept();
        });
    }

    void do_relay(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to, std::shared_ptr<buffer_type> buffer)
    {
        from->async_read_some(asio::buffer(*buffer), [this, from, to, buffer](boost::system::error_code error, std::size_t size) {
            // Stalled: the bytes are swallowed and nothing more is read; the sockets stay open.
            if (error || stalled_)
                return;
            asio::async_write(*to, asio::buffer(*buffer, size), [this, from, to, buffer](boost::system::error_code write_error, std::size_t) {
                if (!write_error)
                    do_relay(from, to, buffer);
            });
        });
    }

    asio::io_context context_;
    tcp::acceptor acceptor_;
    unsigned short upstream_port_;
    std::atomic<bool> stalled_{false};
    std::vector<std::shared_ptr<tcp::socket>> held_;  // only touched on the proxy's thread
    std::thread thread_;
};

// Accepts TCP connections and closes each at once, noting when it came: every
// try of the link fails at its WebSocket handshake, so the times between
// connections are the link's backoff delays.
class knock_counter {
public:
    knock_counter() : acceptor_(context_, tcp::endpoint(asio::ip::address_v4::loopback(), 0))
    {
        do_accept();
        thread_ = std::thread([this] { context_.run(); });
    }

    ~knock_counter()
    {
        context_.stop();
        thread_.join();
    }

    knock_counter(knock_counter const&) = delete;
    knock_counter& operator=(knock_counter const&) = delete;

    unsigned short port() const { return acceptor_.local_endpoint().port(); }

    std::vector<clock_type::time_point> knocks() const
    {
        std::lock_guard lock(mutex_);
        return knocks_;
    }

private:
    void do_accept()
    {
        acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
            if (error)
                return;
            {
                std::lock_guard lock(mutex_);
                knocks_.push_back(clock_type::now());
            }
            boost::system::error_code ignored;
            socket.shutdown(tcp::socket::shutdown_both, ignored);
            socket.close(ignored);
            do_accept();
        });
    }

    asio::io_context context_;
    tcp::acceptor acceptor_;
    mutable std::mutex mutex_;
    std::vector<clock_type::time_point> knocks_;
    std::thread thread_;
};


TEST_CASE("parse_ws_url splits ws and wss addresses and refuses anything else")
{
    pleno::display::ws_address address;
    REQUIRE(pleno::display::parse_ws_url("ws://127.0.0.1:8080/ws", address));
    CHECK(address.host == "127.0.0.1");
    CHECK(address.port == "8080");
    CHECK(address.path == "/ws");
    CHECK_FALSE(address.secure);

    REQUIRE(pleno::display::parse_ws_url("wss://pleno.jun.example/ws", address));
    CHECK(address.host == "pleno.jun.example");
    CHECK(address.port == "443");
    CHECK(address.path == "/ws");
    CHECK(address.secure);

    REQUIRE(pleno::display::parse_ws_url("WS://[::1]:9000/ws?room=sala", address));
    CHECK(address.host == "::1");
    CHECK(address.port == "9000");
    CHECK(address.path == "/ws?room=sala");

    REQUIRE(pleno::display::parse_ws_url("ws://sala-de-plenos:8080", address));
    CHECK(address.host == "sala-de-plenos");
    CHECK(address.path == "/");

    for (char const* bad : {"", "http://127.0.0.1:8080/ws", "ws://", "ws://:8080/ws", "ws://host:/ws", "ws://host:0/ws",
                            "ws://host:65536/ws", "ws://host:80a/ws", "ws://user:pw@host:8080/ws", "ws://ho st:8080/ws",
                            "ws://host:8080/ws#top", "ws://[::1/ws", "ws://::1:8080/ws", "127.0.0.1:8080/ws"}) {
        pleno::display::ws_address untouched;
        untouched.host = "kept";
        CHECK_MESSAGE(!pleno::display::parse_ws_url(bad, untouched), bad);
        CHECK_MESSAGE(untouched.host == "kept", bad);
    }
}

TEST_CASE("a wss address whose CA file cannot be used, or a malformed address, is refused at once with a reason and never dialled")
{
    auto secure_settings = fast_settings("wss://127.0.0.1:1/ws");
    secure_settings.ca_file = "/nonexistent/pleno-ca.pem";
    connection secure(secure_settings);
    link_watch secure_watch(secure);
    secure.start();
    REQUIRE(secure_watch.wait_until([&] { return secure_watch.count(link_event::kind::refused) == 1; }, 1s));
    auto const refused = std::find_if(secure_watch.events.begin(), secure_watch.events.end(),
                                      [](auto const& e) { return e.what == link_event::kind::refused; });
    CHECK(refused->text.find("TLS") != std::string::npos);
    CHECK(refused->text.find("/nonexistent/pleno-ca.pem") != std::string::npos);
    CHECK(secure.state() == link_state::offline);

    connection malformed(fast_settings("pleno.example:8080"));
    link_watch malformed_watch(malformed);
    malformed.start();
    REQUIRE(malformed_watch.wait_until([&] { return malformed_watch.count(link_event::kind::refused) == 1; }, 1s));
    CHECK(malformed.state() == link_state::offline);
}

TEST_CASE("the display link says hello as a display and delivers the welcome and the snapshot")
{
    server_fixture server;
    connection link(fast_settings(url_for(server.port())));
    link_watch watch(link);
    CHECK(link.state() == link_state::connecting);
    link.start();

    auto const welcome = watch.wait_message("welcome", 3s);
    REQUIRE(welcome.has_value());
    CHECK(watch.messages[*welcome].value("role", "") == "display");
    CHECK(watch.messages[*welcome].value("display", "") == "sala");
    auto const snapshot = watch.wait_message("snapshot", 3s, *welcome);
    REQUIRE(snapshot.has_value());
    CHECK(integer_of(watch.messages[*snapshot], "session_id") == 0);

    CHECK(link.state() == link_state::online);
    CHECK(link.offline_for() == std::chrono::steady_clock::duration::zero());
    CHECK(watch.states() == std::vector<link_state>{link_state::online});
    CHECK(watch.count(link_event::kind::refused) == 0);

    auto const before = clock_type::now();
    link.stop();
    CHECK(seconds_between(before, clock_type::now()) < 1.5);
    CHECK(link.state() == link_state::offline);
}

TEST_CASE("a bad display token gives a refused event with the server's reason, and retries only every max_backoff")
{
    server_fixture server;
    connection link(fast_settings(url_for(server.port()), "not-a-display-token"));
    link_watch watch(link);
    link.start();

    std::vector<clock_type::time_point> refusals;
    std::size_t seen = 0;
    auto note_refusals = [&] {
        for (; seen < watch.events.size(); ++seen)
            if (watch.events[seen].what == link_event::kind::refused)
                refusals.push_back(clock_type::now());
        return refusals.size() >= 2;
    };
    REQUIRE(watch.wait_until(note_refusals, 5s));

    auto const refused = std::find_if(watch.events.begin(), watch.events.end(),
                                      [](auto const& e) { return e.what == link_event::kind::refused; });
    CHECK(refused->text == "Unknown or revoked display token.");
    CHECK(link.state() == link_state::offline);
    CHECK(watch.find("welcome") == std::nullopt);
    auto const states = watch.states();
    CHECK(std::find(states.begin(), states.end(), link_state::online) == states.end());
    // Not the 1 s of an ordinary first retry: a refusal waits max_backoff (2 s, shortened by at most a fifth).
    double const gap = seconds_between(refusals[0], refusals[1]);
    CHECK(gap >= 1.5);
    CHECK(gap <= 2.6);
}

TEST_CASE("after the server was down for seconds the link comes back by itself to the same address and resumes without duplicates")
{
    unsigned short const port = free_port();
    server_fixture server([port](pleno::app::config& settings) { settings.listen_port = port; });
    REQUIRE(server.port() == port);
    std::int64_t session_id = 0;
    {
        chair_console chair(server);
        session_id = chair.open_live_session("Pleno ordinario de abril");
    }

    connection link(fast_settings(url_for(port)));
    link_watch watch(link, link_watch::resume_tracking::on);
    link.start();
    auto const snapshot = watch.wait_message("snapshot", 3s);
    REQUIRE(snapshot.has_value());
    REQUIRE(integer_of(watch.messages[*snapshot], "session_id") == session_id);

    auto overlay_seen = [&](std::string const& text) {
        return std::count_if(watch.messages.begin(), watch.messages.end(), [&](json const& m) {
            return message_type(m) == "overlay_changed" && m.value("overlay", "") == text;
        });
    };
    {
        chair_console chair(server);
        chair.set_overlay(session_id, "Receso de cinco minutos");
        chair.set_overlay(session_id, "Se reanuda la sesión");
    }
    REQUIRE(watch.wait_until([&] { return overlay_seen("Se reanuda la sesión") == 1; }, 3s));
    std::int64_t last_seq_before = 0;
    for (auto const& message : watch.messages)
        last_seq_before = std::max(last_seq_before, integer_of(message, "seq"));
    std::size_t const messages_before = watch.messages.size();

    auto const stopped_at = clock_type::now();
    server.stop();
    REQUIRE(watch.wait_state(link_state::offline, 2s));
    CHECK(seconds_between(stopped_at, clock_type::now()) < 2.0);

    // Down for a few seconds: the tries meanwhile find nothing listening.
    std::this_thread::sleep_for(2500ms);
    watch.pump();
    CHECK(link.state() == link_state::offline);
    CHECK(link.offline_for() >= 2s);

    server.start();
    REQUIRE(server.port() == port);
    {
        // Changes made while the display may still be away: they must come through the resume.
        chair_console chair(server);
        chair.set_overlay(session_id, "Votación del punto 2");
        chair.set_overlay(session_id, "");
    }
    REQUIRE(watch.wait_state(link_state::online, 5s));
    auto const resumed = watch.wait_message("resumed", 3s, messages_before);
    REQUIRE(resumed.has_value());
    REQUIRE(watch.wait_until([&] { return overlay_seen("") == 1; }, 3s));
    watch.wait_until([] { return false; }, 300ms);  // anything doubled would arrive now

    CHECK(overlay_seen("Votación del punto 2") == 1);
    CHECK(overlay_seen("Se reanuda la sesión") == 1);
    CHECK(watch.find("snapshot", messages_before) == std::nullopt);
    // The changes came through the replay or live, depending on which was first: the display or the chair.
    CHECK(integer_of(watch.messages[*resumed], "seq") >= last_seq_before);

    // Every event after the reconnection is newer than the resume point, and no seq comes twice.
    std::vector<std::int64_t> seqs;
    for (std::size_t i = 0; i < watch.messages.size(); ++i) {
        auto const& message = watch.messages[i];
        std::string const type = message_type(message);
        if (type == "snapshot" || type == "resumed" || integer_of(message, "seq") < 0)
            continue;
        if (i >= messages_before)
            CHECK(integer_of(message, "seq") > last_seq_before);
        seqs.push_back(integer_of(message, "seq"));
    }
    CHECK(std::is_sorted(seqs.begin(), seqs.end()));
    CHECK(std::adjacent_find(seqs.begin(), seqs.end()) == seqs.end());
    CHECK(watch.states() == std::vector<link_state>{link_state::online, link_state::offline, link_state::online});
}

TEST_CASE("a link started with a resume point receives exactly the events after last_seq, then resumed, and no snapshot")
{
    server_fixture server;
    chair_console chair(server);
    std::int64_t const session_id = chair.open_live_session("Pleno ordinario de abril");
    chair.set_overlay(session_id, "Bienvenidos");

    std::int64_t seen_seq = 0;
    {
        connection first(fast_settings(url_for(server.port())));
        link_watch watch(first, link_watch::resume_tracking::on);
        first.start();
        auto const snapshot = watch.wait_message("snapshot", 3s);
        REQUIRE(snapshot.has_value());
        seen_seq = integer_of(watch.messages[*snapshot], "seq");
        REQUIRE(seen_seq > 0);
    }

    // While no display is connected.
    chair.set_overlay(session_id, "Receso de cinco minutos");
    chair.set_overlay(session_id, "Se reanuda la sesión");

    connection second(fast_settings(url_for(server.port())));
    second.set_resume_point(session_id, seen_seq);
    link_watch watch(second, link_watch::resume_tracking::on);
    second.start();
    auto const resumed = watch.wait_message("resumed", 3s);
    REQUIRE(resumed.has_value());
    watch.wait_until([] { return false; }, 200ms);  // anything more would arrive now

    std::vector<std::string> replayed;
    for (auto const& message : watch.messages) {
        std::string const type = message_type(message);
        CHECK(type != "snapshot");
        if (type == "overlay_changed") {
            CHECK(integer_of(message, "seq") > seen_seq);
            replayed.push_back(message.value("overlay", ""));
        }
    }
    CHECK(replayed == std::vector<std::string>{"Receso de cinco minutos", "Se reanuda la sesión"});
    CHECK(integer_of(watch.messages[*resumed], "seq") == seen_seq + 2);
    CHECK(integer_of(watch.messages[*resumed], "session_id") == session_id);
}

TEST_CASE("a stalled link is noticed through the ping timeout within about two ping intervals")
{
    server_fixture server;
    stalling_proxy proxy(server.port());
    connection link(fast_settings(url_for(proxy.port())));
    link_watch watch(link);
    link.start();
    REQUIRE(watch.wait_message("snapshot", 3s).has_value());
    REQUIRE(link.state() == link_state::online);

    // Quiet but healthy for longer than the idle limit (2 s): the pings keep it up.
    watch.wait_until([] { return false; }, 2500ms);
    CHECK(link.state() == link_state::online);

    proxy.stall();
    auto const stalled_at = clock_type::now();
    REQUIRE(watch.wait_state(link_state::offline, 5s));
    double const noticed_after = seconds_between(stalled_at, clock_type::now());
    CHECK(noticed_after <= 3.0);
    CHECK(watch.states() == std::vector<link_state>{link_state::online, link_state::offline});

    auto const before = clock_type::now();
    link.stop();  // while it tries again through a proxy that answers nothing
    CHECK(seconds_between(before, clock_type::now()) < 1.5);
}

TEST_CASE("delays between tries grow from one second and never exceed max_backoff")
{
    knock_counter door;
    connection link(fast_settings(url_for(door.port())));
    link_watch watch(link);
    link.start();
    REQUIRE(watch.wait_until([&] { return door.knocks().size() >= 4; }, 8s));
    auto const knocks = door.knocks();
    double const first = seconds_between(knocks[0], knocks[1]);
    double const second = seconds_between(knocks[1], knocks[2]);
    double const third = seconds_between(knocks[2], knocks[3]);
    CHECK(first >= 0.7);
    CHECK(first <= 1.3);
    // Doubled to 2 s, then held at max_backoff (2 s) instead of doubling to 4 s.
    CHECK(second >= 1.5);
    CHECK(second <= 2.5);
    CHECK(third >= 1.5);
    CHECK(third <= 2.5);
    CHECK(link.state() == link_state::offline);
    CHECK(watch.states() == std::vector<link_state>{link_state::offline});
    CHECK(link.offline_for() >= 4s);
}

TEST_CASE("stop returns promptly while the link waits on a connect or a handshake that never ends")
{
    SUBCASE("a listener that never accepts: the upgrade request goes unanswered")
    {
        asio::io_context context;
        tcp::acceptor silent(context, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
        connection_settings settings = fast_settings(url_for(silent.local_endpoint().port()));
        settings.connect_timeout = 30s;
        connection link(settings);
        link.start();
        std::this_thread::sleep_for(300ms);
        CHECK(link.state() == link_state::connecting);
        auto const before = clock_type::now();
        link.stop();
        CHECK(seconds_between(before, clock_type::now()) < 1.5);
    }
    SUBCASE("a TCP connect that never completes (the listener's queue is full), left to the destructor")
    {
        // With a backlog of 0 the kernel queues one connection and then drops
        // every SYN, so the next connect waits as for an unplugged host.
        asio::io_context context;
        tcp::acceptor full(context);
        full.open(tcp::v4());
        full.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
        full.listen(0);
        tcp::socket queued(context);
        queued.connect(full.local_endpoint());

        auto const before = clock_type::now();
        {
            connection_settings settings = fast_settings(url_for(full.local_endpoint().port()));
            settings.connect_timeout = 30s;
            connection link(settings);
            link.start();
            std::this_thread::sleep_for(300ms);
            CHECK(link.state() == link_state::connecting);
        }
        CHECK(seconds_between(before, clock_type::now()) < 1.8);
    }
}

TEST_CASE("follow asked before the link is up is sent after the welcome, and again while online")
{
    server_fixture server;
    std::int64_t live = 0;
    std::int64_t later = 0;
    {
        chair_console chair(server);
        live = chair.open_live_session("Pleno ordinario de mayo");
        later = chair.create_session("Pleno extraordinario de junio");
    }

    // A name, not an address: the lookup path (localhost may also give ::1, where nothing listens).
    connection link(fast_settings("ws://localhost:" + std::to_string(server.port()) + "/ws"));
    link_watch watch(link);
    link.follow(later);
    link.start();

    auto const first = watch.wait_message("snapshot", 3s);
    REQUIRE(first.has_value());
    CHECK(integer_of(watch.messages[*first], "session_id") == live);
    auto const second = watch.wait_message("snapshot", 3s, *first + 1);
    REQUIRE(second.has_value());
    CHECK(integer_of(watch.messages[*second], "session_id") == later);

    link.follow(live);
    auto const third = watch.wait_message("snapshot", 3s, *second + 1);
    REQUIRE(third.has_value());
    CHECK(integer_of(watch.messages[*third], "session_id") == live);
}

}  // namespace display_link_test
