// The server end to end: a real pleno-server in this process on a free
// loopback port, a real SQLite file in a fresh folder, real WebSocket and HTTP
// clients. Each test case names the behaviour it proves.

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/staff_lane.hpp"
#include "test_client.hpp"

using namespace pleno::test;

// Failures print the values compared, not "{?}".
namespace doctest {
template <>
struct StringMaker<pleno::test::json> {
    static String convert(pleno::test::json const& value) { return value.dump().c_str(); }
};
template <>
struct StringMaker<std::vector<std::int64_t>> {
    static String convert(std::vector<std::int64_t> const& values)
    {
        std::string text = "[";
        for (std::size_t i = 0; i < values.size(); ++i)
            text += (i == 0 ? "" : ", ") + std::to_string(values[i]);
        return (text + "]").c_str();
    }
};
}  // namespace doctest

namespace flow {

// A live session with a three-item agenda; the current item is the second,
// so a post that lands on the first would show a wrong item id.
struct live_session {
    std::int64_t id = 0;
    std::vector<std::int64_t> items;
    std::string chair_token;
};

// Connects (to /ws unless told otherwise) and greets; fails the test when
// either step is refused.
json greet(ws_client& client, server_fixture& server, json fields, std::string const& target = "/ws")
{
    connect_options options;
    options.target = target;
    auto const handshake = client.connect(server.port(), options);
    REQUIRE_MESSAGE(handshake.accepted, handshake.failure);
    auto welcome = client.hello(std::move(fields));
    REQUIRE(welcome.has_value());
    REQUIRE_MESSAGE(type_of(*welcome) == "welcome", welcome->dump());
    return *welcome;
}

// greet, then the snapshot that follows the welcome.
json greet_with_snapshot(ws_client& client, server_fixture& server, json fields, std::string const& target = "/ws")
{
    greet(client, server, std::move(fields), target);
    auto snapshot = client.receive_type("snapshot");
    REQUIRE(snapshot.has_value());
    return *snapshot;
}

json staff_hello(server_fixture& server, std::string const& name, std::string const& role)
{
    std::string const token = server.login(name);
    REQUIRE_MESSAGE(!token.empty(), "login of " << name << " failed");
    return {{"role", role}, {"token", token}};
}

json reply_to(ws_client& client, json message)
{
    auto reply = client.request(std::move(message));
    REQUIRE_MESSAGE(reply.has_value(), "no reply");
    return *reply;
}

// A request that must be acknowledged.
json acked(ws_client& client, json message)
{
    json const reply = reply_to(client, message);
    REQUIRE_MESSAGE(is_ack(reply), message.dump() << " -> " << reply.dump());
    return reply;
}

live_session prepare_live_session(server_fixture& server, ws_client& chair, std::string const& target = "/ws")
{
    live_session session;
    json hello = staff_hello(server, server_fixture::chair_name, "chair");
    session.chair_token = hello["token"].get<std::string>();
    auto const welcome = greet_with_snapshot(chair, server, hello, target);
    json const agenda = json::array({
        {{"title", "Aprobación del acta de la sesión anterior"}},
        {{"title", "Presupuesto municipal 2025"}, {"description", "Debate y votación del presupuesto."}},
        {{"title", "Ruegos y preguntas"}},
    });
    json const created = acked(chair, {{"type", "create_session"},
                                       {"title", "Pleno ordinario de marzo"},
                                       {"place", "Salón de plenos, Jun"},
                                       {"starts_at", now_millis()},
                                       {"agenda", agenda}});
    session.id = created["session_id"].get<std::int64_t>();
    REQUIRE(session.id > 0);

    acked(chair, {{"type", "follow"}, {"session_id", session.id}});
    auto const snapshot = chair.receive_type("snapshot");
    REQUIRE(snapshot.has_value());
    for (auto const& item : (*snapshot)["session"]["agenda"])
        session.items.push_back(item["id"].get<std::int64_t>());
    REQUIRE(session.items.size() == 3);

    acked(chair, {{"type", "open_session"}, {"session_id", session.id}});
    acked(chair, {{"type", "set_current_item"}, {"session_id", session.id}, {"item_id", session.items[1]}});
    return session;
}

json post_message(std::string const& client_id, std::string const& text, std::string const& author = "Ana")
{
    return {{"type", "submit_post"}, {"client_id", client_id}, {"author", author}, {"text", text}};
}

// Submits a post that must be accepted; returns its id.
std::int64_t submit(ws_client& citizen, std::string const& client_id, std::string const& text,
                    std::string const& author = "Ana")
{
    json const reply = acked(citizen, post_message(client_id, text, author));
    return reply["post"]["id"].get<std::int64_t>();
}

// The next event of `type` about post `post_id` (in "post" or "post_id").
std::optional<json> event_about(ws_client& client, std::string const& type, std::int64_t post_id)
{
    return client.receive_until([&](json const& message) {
        if (type_of(message) != type)
            return false;
        if (message.contains("post"))
            return message["post"].value("id", std::int64_t{0}) == post_id;
        return message.value("post_id", std::int64_t{0}) == post_id;
    });
}

bool received_type(ws_client const& client, std::string const& type)
{
    auto const& seen = client.history();
    return std::any_of(seen.begin(), seen.end(), [&](json const& message) { return type_of(message) == type; });
}

bool is_private_event(std::string const& type)
{
    return type == "post_submitted" || type == "post_rejected" || type == "citizen_banned";
}

// The seq of every event in `messages` (messages without one are skipped).
std::vector<std::int64_t> seqs_of(std::vector<json> const& messages, std::int64_t after = 0)
{
    std::vector<std::int64_t> result;
    for (auto const& message : messages) {
        auto const type = type_of(message);
        if (type == "snapshot" || type == "resumed" || !message.contains("seq"))
            continue;
        auto const seq = message["seq"].get<std::int64_t>();
        if (seq > after)
            result.push_back(seq);
    }
    return result;
}

// What must not change when a request is refused.
struct stored_counts {
    std::int64_t posts = 0;
    std::int64_t events = 0;
    std::int64_t bans = 0;
    std::int64_t sessions = 0;
    bool operator==(stored_counts const&) const = default;
};

stored_counts counts(server_fixture const& server)
{
    return {server.count_rows("posts"), server.count_rows("events"), server.count_rows("bans"),
            server.count_rows("sessions")};
}

// The refusal changed nothing and the server still answers.
void expect_unchanged(server_fixture& server, stored_counts const& before)
{
    auto const after = counts(server);
    CHECK(after.posts == before.posts);
    CHECK(after.events == before.events);
    CHECK(after.bans == before.bans);
    CHECK(after.sessions == before.sessions);
    CHECK(server.healthy());
}

std::string repeat(std::string const& piece, std::size_t times)
{
    std::string result;
    result.reserve(piece.size() * times);
    for (std::size_t i = 0; i < times; ++i)
        result += piece;
    return result;
}

}  // namespace flow

using namespace flow;

TEST_CASE("a post goes from a citizen through two moderators' queues to the display, the viewer and back to its author")
{
    server_fixture server;
    ws_client chair;
    auto const session = prepare_live_session(server, chair);

    ws_client first_moderator;
    ws_client second_moderator;
    auto const first_snapshot =
        greet_with_snapshot(first_moderator, server, staff_hello(server, server_fixture::moderator_name, "moderator"));
    greet_with_snapshot(second_moderator, server, staff_hello(server, server_fixture::second_moderator_name, "moderator"));
    CHECK(first_snapshot["session_id"] == session.id);
    CHECK(first_snapshot["queue"].empty());

    ws_client display;
    auto const display_snapshot =
        greet_with_snapshot(display, server, {{"role", "display"}, {"token", server_fixture::display_token}});
    CHECK(display_snapshot["session"]["state"] == "live");
    CHECK(display_snapshot["session"]["current_item_id"] == session.items[1]);
    CHECK_FALSE(display_snapshot.contains("queue"));
    ws_client viewer;
    greet_with_snapshot(viewer, server, {{"role", "viewer"}});

    ws_client citizen;
    auto const welcome = greet(citizen, server, {{"role", "citizen"}});
    REQUIRE(welcome.contains("citizen"));
    std::string const citizen_id = welcome["citizen"]["id"].get<std::string>();
    CHECK_FALSE(citizen_id.empty());
    CHECK(welcome["citizen"]["key"].get<std::string>().size() >= 22);  // at least 128 bits
    CHECK(citizen.receive_type("snapshot").has_value());

    std::string const text = "La basura del mercado se recoge demasiado tarde, ¿se va a cambiar el horario?";
    json const submitted = acked(citizen, post_message("phone-1-post-1", text, "Ana García"));
    CHECK(submitted["duplicate"] == false);
    CHECK(submitted["post"]["status"] == "pending");
    CHECK(submitted["post"]["mine"] == true);
    CHECK(submitted["post"]["item_id"] == session.items[1]);
    auto const post_id = submitted["post"]["id"].get<std::int64_t>();
    CHECK(server.count_rows("posts") == 1);

    for (auto* moderator : {&first_moderator, &second_moderator}) {
        auto const queued = event_about(*moderator, "post_submitted", post_id);
        REQUIRE(queued.has_value());
        CHECK((*queued)["post"]["citizen_id"] == citizen_id);
        CHECK((*queued)["post"]["text"] == text);
        CHECK((*queued)["post"]["item_id"] == session.items[1]);
        CHECK((*queued)["post"]["status"] == "pending");
        CHECK((*queued)["post"]["flags"] == json::array({"basura"}));
    }

    json const first = reply_to(first_moderator, {{"type", "approve"}, {"post_id", post_id}});
    CHECK(is_ack(first));
    json const second = reply_to(second_moderator, {{"type", "approve"}, {"post_id", post_id}});
    CHECK(is_error(second, "already_decided"));
    CHECK(second["details"]["decided_by"] == server_fixture::moderator_name);

    for (auto* wall : {&display, &viewer}) {
        auto const approved = event_about(*wall, "post_approved", post_id);
        REQUIRE(approved.has_value());
        auto const& post = (*approved)["post"];
        CHECK(post["item_id"] == session.items[1]);
        CHECK(post["text"] == text);
        CHECK(post["author"] == "Ana García");
        CHECK_FALSE(post.contains("citizen_id"));
        CHECK_FALSE(post.contains("flags"));
        CHECK_FALSE(post.contains("client_id"));
        CHECK_FALSE(approved->contains("actor"));
        CHECK_FALSE(received_type(*wall, "post_submitted"));
    }

    auto const told = event_about(citizen, "post_approved", post_id);
    REQUIRE(told.has_value());
    CHECK((*told)["post"]["mine"] == true);
    CHECK((*told)["post"]["status"] == "approved");

    auto const seen_by_second = event_about(second_moderator, "post_approved", post_id);
    REQUIRE(seen_by_second.has_value());
    CHECK((*seen_by_second)["post"]["decided_by"] == server_fixture::moderator_name);
    CHECK(server.count_rows("posts") == 1);
}

TEST_CASE("staff on /ws/staff and a viewer on /ws get the whole flow: the chair opens, a moderator approves, the viewer and the citizen receive")
{
    server_fixture server;
    ws_client chair;
    auto const session = prepare_live_session(server, chair, "/ws/staff");

    ws_client moderator;
    auto const moderator_snapshot =
        greet_with_snapshot(moderator, server, staff_hello(server, server_fixture::moderator_name, "moderator"), "/ws/staff");
    CHECK(moderator_snapshot["session_id"] == session.id);
    CHECK(moderator_snapshot.contains("queue"));
    ws_client viewer;
    greet_with_snapshot(viewer, server, {{"role", "viewer"}});
    ws_client citizen;
    greet(citizen, server, {{"role", "citizen"}});
    REQUIRE(citizen.receive_type("snapshot").has_value());

    auto const post_id = submit(citizen, "staff-lane-1", "¿Habrá autobús nocturno en las fiestas?");
    auto const queued = event_about(moderator, "post_submitted", post_id);
    REQUIRE(queued.has_value());
    CHECK((*queued)["post"]["status"] == "pending");

    CHECK(is_ack(reply_to(moderator, {{"type", "approve"}, {"post_id", post_id}})));
    auto const on_wall = event_about(viewer, "post_approved", post_id);
    REQUIRE(on_wall.has_value());
    CHECK((*on_wall)["post"]["item_id"] == session.items[1]);
    CHECK((*on_wall)["post"]["text"] == "¿Habrá autobús nocturno en las fiestas?");
    auto const told = event_about(citizen, "post_approved", post_id);
    REQUIRE(told.has_value());
    CHECK((*told)["post"]["mine"] == true);
    // The staff lane's connections get the events too, in their audience's form.
    auto const seen_by_moderator = event_about(moderator, "post_approved", post_id);
    REQUIRE(seen_by_moderator.has_value());
    CHECK((*seen_by_moderator)["post"]["decided_by"] == server_fixture::moderator_name);
    auto const seen_by_chair = event_about(chair, "post_approved", post_id);
    REQUIRE(seen_by_chair.has_value());

    // The chair's commands from the staff lane reach the viewer on /ws.
    acked(chair, {{"type", "set_overlay"}, {"session_id", session.id}, {"text", "Receso hasta las 18:30"}});
    auto const overlay = viewer.receive_type("overlay_changed");
    REQUIRE(overlay.has_value());
    CHECK((*overlay)["overlay"] == "Receso hasta las 18:30");

    // It is only a scheduling lane: each role may do only its own work there too.
    ws_client viewer_on_staff;
    greet_with_snapshot(viewer_on_staff, server, {{"role", "viewer"}}, "/ws/staff");
    auto const second_post = submit(citizen, "staff-lane-2", "Y otra pregunta.");
    CHECK(is_error(reply_to(viewer_on_staff, {{"type", "approve"}, {"post_id", second_post}}), "forbidden"));
    ws_client foreign;
    connect_options from_elsewhere = from_origin("https://evil.example");
    from_elsewhere.target = "/ws/staff";
    auto const refused = foreign.connect(server.port(), from_elsewhere);
    CHECK_FALSE(refused.accepted);
    CHECK(refused.status == 403u);
    auto const plain = http_request(server.port(), "GET", "/ws/staff");
    CHECK(plain.status == 426u);
    CHECK(plain.body_json().value("code", "") == "websocket_upgrade_required");
    CHECK(server.count_rows("posts") == 2);

    // A shutdown closes the staff lane's connections with 1001 as well.
    for (auto* other : {&chair, &viewer, &citizen, &viewer_on_staff})
        other->close();
    bool moderator_closed = false;
    std::thread waiter([&] { moderator_closed = moderator.wait_closed(10s); });
    server.stop();
    waiter.join();
    CHECK(moderator_closed);
    CHECK(moderator.close_code() == 1001u);
}

TEST_CASE("beyond the staff lane's capacity, /ws/staff connections are served like /ws and work the same")
{
    for (std::size_t capacity : {std::size_t{0}, std::size_t{1}}) {
        CAPTURE(capacity);
        server_fixture server([capacity](pleno::app::config& settings) { settings.limits.staff_lane_connections = capacity; });
        ws_client chair;
        auto const session = prepare_live_session(server, chair, "/ws/staff");
        ws_client first;
        ws_client second;
        greet_with_snapshot(first, server, staff_hello(server, server_fixture::moderator_name, "moderator"), "/ws/staff");
        greet_with_snapshot(second, server, staff_hello(server, server_fixture::second_moderator_name, "moderator"), "/ws/staff");
        ws_client citizen;
        greet(citizen, server, {{"role", "citizen"}});
        auto const one = submit(citizen, "full-lane-1", "Primera pregunta.");
        auto const two = submit(citizen, "full-lane-2", "Segunda pregunta.");
        CHECK(is_ack(reply_to(first, {{"type", "approve"}, {"post_id", one}})));
        CHECK(is_ack(reply_to(second, {{"type", "approve"}, {"post_id", two}})));
        CHECK(is_error(reply_to(second, {{"type", "approve"}, {"post_id", one}}), "already_decided"));
        for (auto* staff : {&chair, &first, &second}) {
            CHECK(event_about(*staff, "post_approved", one).has_value());
            CHECK(event_about(*staff, "post_approved", two).has_value());
        }
        CHECK(session.id > 0);
    }
}

TEST_CASE("the staff lane gives at most its capacity of seats and takes each back when its connection ends")
{
    pleno::net::staff_lane lane(2);
    auto first = lane.take();
    auto second = lane.take();
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(lane.size() == 2);
    CHECK_FALSE(lane.take().has_value());
    first.reset();
    CHECK(lane.size() == 1);
    auto again = lane.take();
    CHECK(again.has_value());
    auto moved = std::move(again);  // a moved seat is given back once
    again.reset();
    CHECK(lane.size() == 2);
    moved.reset();
    second.reset();
    CHECK(lane.size() == 0);

    pleno::net::staff_lane closed(0);
    CHECK_FALSE(closed.take().has_value());
}

TEST_CASE("a client reconnecting with its last seq gets exactly the events it missed, each audience its own")
{
    server_fixture server;
    ws_client chair;
    auto const session = prepare_live_session(server, chair);

    ws_client moderator;
    greet_with_snapshot(moderator, server, staff_hello(server, server_fixture::moderator_name, "moderator"));
    ws_client live_viewer;
    greet_with_snapshot(live_viewer, server, {{"role", "viewer"}});

    ws_client citizen;
    auto const welcome = greet(citizen, server, {{"role", "citizen"}});
    std::string const citizen_id = welcome["citizen"]["id"].get<std::string>();
    std::string const citizen_key = welcome["citizen"]["key"].get<std::string>();

    std::int64_t last_seen = 0;
    {
        ws_client leaving_viewer;
        auto const snapshot = greet_with_snapshot(leaving_viewer, server, {{"role", "viewer"}});
        last_seen = snapshot["seq"].get<std::int64_t>();
        CHECK(last_seen > 0);
        leaving_viewer.close();
    }
    citizen.close();

    // While the viewer and the citizen are away: private and public events mixed.
    ws_client author;
    greet(author, server, {{"role", "citizen"}, {"citizen_id", citizen_id}, {"citizen_key", citizen_key}});
    auto const kept = submit(author, "away-1", "Pido que el pleno se retransmita también por radio.");
    auto const refused = submit(author, "away-2", "Esto no tiene nada que ver con el orden del día.");
    author.close();
    acked(moderator, {{"type", "approve"}, {"post_id", kept}});
    acked(moderator, {{"type", "reject"}, {"post_id", refused}, {"reason", "off_topic"}});
    acked(chair, {{"type", "set_current_item"}, {"session_id", session.id}, {"item_id", session.items[2]}});
    acked(chair, {{"type", "set_overlay"}, {"session_id", session.id}, {"text", "Receso hasta las 18:30"}});
    acked(moderator, {{"type", "pin"}, {"post_id", kept}});

    // The moderator sees every event: the reference for what happened.
    REQUIRE(event_about(moderator, "post_pinned", kept).has_value());
    auto const all_events = seqs_of(moderator.history(), last_seen);
    REQUIRE(!all_events.empty());
    std::int64_t const last_seq = all_events.back();
    std::vector<std::int64_t> contiguous;
    for (auto seq = last_seen + 1; seq <= last_seq; ++seq)
        contiguous.push_back(seq);
    CHECK(all_events == contiguous);
    // Two submissions, an approval, a rejection, the item, the overlay, the pin.
    CHECK(all_events.size() == 7);

    std::vector<std::int64_t> public_events;
    for (auto const& message : moderator.history())
        if (message.contains("seq") && message["seq"].get<std::int64_t>() > last_seen && type_of(message) != "snapshot" &&
            !is_private_event(type_of(message)))
            public_events.push_back(message["seq"].get<std::int64_t>());
    CHECK(public_events.size() == 4);

    SUBCASE("a viewer gets the public events after its seq, then resumed")
    {
        ws_client returning;
        greet(returning, server, {{"role", "viewer"}, {"session_id", session.id}, {"last_seq", last_seen}});
        auto const resumed = returning.receive_type("resumed");
        REQUIRE(resumed.has_value());
        CHECK((*resumed)["seq"] == last_seq);
        auto const replayed = seqs_of(returning.history());
        CHECK(replayed == public_events);
        CHECK(std::set<std::int64_t>(replayed.begin(), replayed.end()).size() == replayed.size());
        CHECK_FALSE(received_type(returning, "snapshot"));
        CHECK_FALSE(received_type(returning, "post_submitted"));
        CHECK_FALSE(received_type(returning, "post_rejected"));

        // The viewer that stayed saw the same events live.
        REQUIRE(event_about(live_viewer, "post_pinned", kept).has_value());
        CHECK(seqs_of(live_viewer.history(), last_seen) == public_events);
        CHECK_FALSE(received_type(live_viewer, "post_submitted"));
        CHECK_FALSE(received_type(live_viewer, "post_rejected"));

        // And the next event reaches the returning viewer once, after resumed.
        acked(chair, {{"type", "set_overlay"}, {"session_id", session.id}, {"text", ""}});
        auto const next = returning.receive_type("overlay_changed");
        REQUIRE(next.has_value());
        CHECK((*next)["seq"] == last_seq + 1);
        CHECK(returning.drain(200ms).empty());
    }

    SUBCASE("a moderator gets every event after its seq, private ones included")
    {
        ws_client returning;
        json hello = staff_hello(server, server_fixture::second_moderator_name, "moderator");
        hello["session_id"] = session.id;
        hello["last_seq"] = last_seen;
        greet(returning, server, hello);
        auto const resumed = returning.receive_type("resumed");
        REQUIRE(resumed.has_value());
        CHECK((*resumed)["seq"] == last_seq);
        CHECK(seqs_of(returning.history()) == all_events);
        CHECK(received_type(returning, "post_submitted"));
        CHECK(received_type(returning, "post_rejected"));
        CHECK_FALSE(received_type(returning, "snapshot"));
    }

    SUBCASE("the author gets the rejection of their own post, with its reason")
    {
        ws_client returning;
        greet(returning, server, {{"role", "citizen"}, {"citizen_id", citizen_id}, {"citizen_key", citizen_key},
                                  {"session_id", session.id}, {"last_seq", last_seen}});
        REQUIRE(returning.receive_type("resumed").has_value());
        auto const& seen = returning.history();
        auto const rejection = std::find_if(seen.begin(), seen.end(), [&](json const& message) {
            return type_of(message) == "post_rejected" && message["post"]["id"] == refused;
        });
        REQUIRE(rejection != seen.end());
        CHECK((*rejection)["post"]["reject_reason"] == "off_topic");
        CHECK((*rejection)["post"]["mine"] == true);
        // The public events plus the private ones about the author's own posts.
        std::vector<std::int64_t> expected;
        for (auto const& message : moderator.history()) {
            if (!message.contains("seq") || type_of(message) == "snapshot" || message["seq"].get<std::int64_t>() <= last_seen)
                continue;
            bool const own = message.contains("post") && message["post"].value("citizen_id", "") == citizen_id;
            if (!is_private_event(type_of(message)) || (own && type_of(message) != "citizen_banned"))
                expected.push_back(message["seq"].get<std::int64_t>());
        }
        CHECK(seqs_of(returning.history()) == expected);
        CHECK(expected.size() == public_events.size() + 3);
    }
}

TEST_CASE("after a restart the session, its approved posts, the wall and the queue are back and seq continues")
{
    server_fixture server;
    std::int64_t session_id = 0;
    std::int64_t current_item = 0;
    std::int64_t last_seq = 0;
    std::vector<std::int64_t> approved;
    std::int64_t waiting = 0;
    std::string citizen_id;
    std::string citizen_key;
    std::string moderator_token;
    std::string chair_token;
    {
        ws_client chair;
        auto const session = prepare_live_session(server, chair);
        session_id = session.id;
        current_item = session.items[1];
        chair_token = session.chair_token;
        ws_client moderator;
        auto hello = staff_hello(server, server_fixture::moderator_name, "moderator");
        moderator_token = hello["token"].get<std::string>();
        greet_with_snapshot(moderator, server, hello);
        ws_client citizen;
        auto const welcome = greet(citizen, server, {{"role", "citizen"}});
        citizen_id = welcome["citizen"]["id"].get<std::string>();
        citizen_key = welcome["citizen"]["key"].get<std::string>();
        approved.push_back(submit(citizen, "r-1", "Gracias por publicar las actas a tiempo."));
        approved.push_back(submit(citizen, "r-2", "Merci pour la traduction simultanée."));
        waiting = submit(citizen, "r-3", "I would like to ask about the bus line.");
        for (auto id : approved)
            acked(moderator, {{"type", "approve"}, {"post_id", id}});
        acked(chair, {{"type", "set_wall_mode"}, {"session_id", session_id}, {"mode", "hold"}});
        acked(chair, {{"type", "set_overlay"}, {"session_id", session_id}, {"text", "Receso hasta las 18:30"}});
        auto const last = moderator.receive_type("overlay_changed");
        REQUIRE(last.has_value());
        last_seq = (*last)["seq"].get<std::int64_t>();

        chair.close();
        moderator.close();
        citizen.close();
        ws_client display;
        greet_with_snapshot(display, server, {{"role", "display"}, {"token", server_fixture::display_token}});
        // The display answers the server's close while the test thread waits
        // in restart(); only this thread touches it meanwhile.
        bool display_closed = false;
        std::thread listener([&] { display_closed = display.wait_closed(10s); });
        server.restart();
        listener.join();
        // A shutdown says goodbye rather than dropping the connection.
        CHECK(display_closed);
        CHECK(display.close_code() == 1001u);
    }
    CHECK(server.count_rows("posts") == 3);

    ws_client viewer;
    auto const snapshot = greet_with_snapshot(viewer, server, {{"role", "viewer"}});
    CHECK(snapshot["session_id"] == session_id);
    CHECK(snapshot["seq"] == last_seq);
    CHECK(snapshot["session"]["state"] == "live");
    CHECK(snapshot["session"]["wall_mode"] == "hold");
    CHECK(snapshot["session"]["overlay"] == "Receso hasta las 18:30");
    CHECK(snapshot["session"]["current_item_id"] == current_item);
    std::vector<std::int64_t> on_wall;
    for (auto const& post : snapshot["posts"])
        on_wall.push_back(post["id"].get<std::int64_t>());
    CHECK(on_wall == approved);
    REQUIRE(snapshot["posts"].size() == 2);
    CHECK(snapshot["posts"][1]["text"] == "Merci pour la traduction simultanée.");
    CHECK_FALSE(snapshot["posts"][0].contains("citizen_id"));
    // The public HTTP view of the current session shows the same wall.
    auto const public_view = http_request(server.port(), "GET", "/api/session").body_json();
    REQUIRE(public_view.contains("posts"));
    CHECK(public_view["posts"] == snapshot["posts"]);
    CHECK(public_view["seq"] == last_seq);

    // Login tokens survive too: the moderator comes back without a password.
    ws_client moderator;
    auto const queue_snapshot = greet_with_snapshot(moderator, server, {{"role", "moderator"}, {"token", moderator_token}});
    REQUIRE(queue_snapshot["queue"].size() == 1);
    CHECK(queue_snapshot["queue"][0]["id"] == waiting);

    // The citizen keeps their identity and a retried post is still the same post.
    ws_client citizen;
    auto const mine = greet_with_snapshot(citizen, server, {{"role", "citizen"}, {"citizen_id", citizen_id}, {"citizen_key", citizen_key}});
    CHECK(mine["my_posts"].size() == 3);
    json const retry = acked(citizen, post_message("r-3", "I would like to ask about the bus line."));
    CHECK(retry["duplicate"] == true);
    CHECK(retry["post"]["id"] == waiting);
    CHECK(server.count_rows("posts") == 3);

    ws_client chair;
    greet_with_snapshot(chair, server, {{"role", "chair"}, {"token", chair_token}});
    acked(chair, {{"type", "set_wall_mode"}, {"session_id", session_id}, {"mode", "live"}});
    auto const next = viewer.receive_type("wall_mode_changed");
    REQUIRE(next.has_value());
    CHECK((*next)["seq"] == last_seq + 1);
    CHECK((*next)["wall_mode"] == "live");

    // New posts do not reuse ids.
    ws_client newcomer;
    greet(newcomer, server, {{"role", "citizen"}});
    auto const fresh = submit(newcomer, "n-1", "Primera vez que participo.");
    CHECK(fresh > waiting);
}

TEST_CASE("hide, pin, unpin, ban, wall modes and the overlay reach a connected display")
{
    server_fixture server;
    ws_client chair;
    auto const session = prepare_live_session(server, chair);
    ws_client moderator;
    greet_with_snapshot(moderator, server, staff_hello(server, server_fixture::moderator_name, "moderator"));
    ws_client display;
    greet_with_snapshot(display, server, {{"role", "display"}, {"token", server_fixture::display_token}});

    ws_client citizen;
    greet(citizen, server, {{"role", "citizen"}});
    auto const first = submit(citizen, "d-1", "Bon dia a tothom.");
    auto const second = submit(citizen, "d-2", "Quan es farà la reunió del barri?");
    acked(moderator, {{"type", "approve"}, {"post_id", first}});
    acked(moderator, {{"type", "approve"}, {"post_id", second}});
    REQUIRE(event_about(display, "post_approved", second).has_value());

    SUBCASE("pin, move the pin, unpin, hide")
    {
        acked(moderator, {{"type", "pin"}, {"post_id", first}});
        auto pinned = event_about(display, "post_pinned", first);
        REQUIRE(pinned.has_value());
        CHECK((*pinned)["unpinned_post_id"] == 0);

        acked(moderator, {{"type", "pin"}, {"post_id", second}});
        pinned = event_about(display, "post_pinned", second);
        REQUIRE(pinned.has_value());
        CHECK((*pinned)["unpinned_post_id"] == first);  // at most one pinned post

        acked(moderator, {{"type", "unpin"}, {"post_id", second}});
        REQUIRE(event_about(display, "post_unpinned", second).has_value());
        CHECK(is_error(reply_to(moderator, {{"type", "unpin"}, {"post_id", second}}), "not_pinned"));

        acked(moderator, {{"type", "hide"}, {"post_id", first}});
        auto const hidden = event_about(display, "post_hidden", first);
        REQUIRE(hidden.has_value());
        CHECK_FALSE((*hidden)["post"].contains("citizen_id"));
        // The hidden words are not sent to the walls once more.
        CHECK_FALSE((*hidden)["post"].contains("text"));
        CHECK_FALSE((*hidden)["post"].contains("author"));
        // The author is told, with the new status.
        auto const told = event_about(citizen, "post_hidden", first);
        REQUIRE(told.has_value());
        CHECK((*told)["post"]["status"] == "hidden");
        CHECK((*told)["post"]["mine"] == true);

        // A display that connects now does not get the hidden post.
        ws_client late;
        auto const snapshot = greet_with_snapshot(late, server, {{"role", "display"}, {"token", server_fixture::display_token}});
        REQUIRE(snapshot["posts"].size() == 1);
        CHECK(snapshot["posts"][0]["id"] == second);
    }

    SUBCASE("hold, blank and live, then an overlay set and cleared")
    {
        for (std::string const mode : {"hold", "blank", "live"}) {
            acked(chair, {{"type", "set_wall_mode"}, {"session_id", session.id}, {"mode", mode}});
            auto const changed = display.receive_type("wall_mode_changed");
            REQUIRE(changed.has_value());
            CHECK((*changed)["wall_mode"] == mode);
        }
        acked(chair, {{"type", "set_overlay"}, {"session_id", session.id}, {"text", "Receso hasta las 18:30"}});
        auto overlay = display.receive_type("overlay_changed");
        REQUIRE(overlay.has_value());
        CHECK((*overlay)["overlay"] == "Receso hasta las 18:30");
        acked(chair, {{"type", "set_overlay"}, {"session_id", session.id}, {"text", ""}});
        overlay = display.receive_type("overlay_changed");
        REQUIRE(overlay.has_value());
        CHECK((*overlay)["overlay"] == "");
    }

    SUBCASE("a ban rejects the citizen's waiting posts and refuses their later ones")
    {
        ws_client troll;
        auto const welcome = greet(troll, server, {{"role", "citizen"}});
        std::string const troll_id = welcome["citizen"]["id"].get<std::string>();
        auto const waiting = submit(troll, "t-1", "Sois todos unos inútiles.");
        REQUIRE(event_about(moderator, "post_submitted", waiting).has_value());

        json const banned = acked(moderator, {{"type", "ban"}, {"session_id", session.id}, {"citizen_id", troll_id}, {"reason", "Insultos"}});
        CHECK(banned["rejected_posts"] == 1);
        auto const rejected = event_about(troll, "post_rejected", waiting);
        REQUIRE(rejected.has_value());
        CHECK((*rejected)["post"]["reject_reason"] == "banned");
        CHECK(moderator.receive_type("citizen_banned").has_value());
        CHECK(server.count_rows("bans") == 1);

        auto const before = counts(server);
        CHECK(is_error(reply_to(troll, post_message("t-2", "Y lo repito.")), "banned"));
        expect_unchanged(server, before);

        // The display saw none of it; a later public event proves it is still listening.
        acked(chair, {{"type", "set_overlay"}, {"session_id", session.id}, {"text", "Silencio, por favor"}});
        REQUIRE(display.receive_type("overlay_changed").has_value());
        CHECK_FALSE(received_type(display, "post_rejected"));
        CHECK_FALSE(received_type(display, "citizen_banned"));
        CHECK_FALSE(received_type(display, "post_submitted"));
    }
}

TEST_CASE("the same client_id sent twice returns the same post with duplicate=true and stores it once")
{
    server_fixture server;
    ws_client chair;
    prepare_live_session(server, chair);
    ws_client moderator;
    greet_with_snapshot(moderator, server, staff_hello(server, server_fixture::moderator_name, "moderator"));

    ws_client citizen;
    auto const welcome = greet(citizen, server, {{"role", "citizen"}});
    json const first = acked(citizen, post_message("retry-me", "¿Cuándo abrirá la piscina municipal?"));
    CHECK(first["duplicate"] == false);
    json const again = acked(citizen, post_message("retry-me", "¿Cuándo abrirá la piscina municipal?"));
    CHECK(again["duplicate"] == true);
    CHECK(again["post"]["id"] == first["post"]["id"]);
    CHECK(server.count_rows("posts") == 1);

    // A retry from a new connection (a phone that lost its network) too.
    citizen.close();
    ws_client back;
    greet(back, server, {{"role", "citizen"}, {"citizen_id", welcome["citizen"]["id"]}, {"citizen_key", welcome["citizen"]["key"]}});
    json const third = acked(back, post_message("retry-me", "¿Cuándo abrirá la piscina municipal?"));
    CHECK(third["duplicate"] == true);
    CHECK(third["post"]["id"] == first["post"]["id"]);
    CHECK(server.count_rows("posts") == 1);

    // Client ids belong to one citizen: another citizen's same id is a new post.
    ws_client other;
    greet(other, server, {{"role", "citizen"}});
    json const others = acked(other, post_message("retry-me", "Yo también pregunto por la piscina."));
    CHECK(others["duplicate"] == false);
    CHECK(others["post"]["id"] != first["post"]["id"]);
    CHECK(server.count_rows("posts") == 2);

    ws_client late_moderator;
    auto const snapshot =
        greet_with_snapshot(late_moderator, server, staff_hello(server, server_fixture::second_moderator_name, "moderator"));
    CHECK(snapshot["queue"].size() == 2);
    REQUIRE(event_about(moderator, "post_submitted", others["post"]["id"].get<std::int64_t>()).has_value());
    std::size_t submissions = 0;
    for (auto const& message : moderator.history())
        submissions += type_of(message) == "post_submitted" ? 1 : 0;
    CHECK(submissions == 2);
}

TEST_CASE("malformed messages get bad_json, unknown_type, bad_request or hello_required and change nothing")
{
    server_fixture server;
    ws_client chair;
    prepare_live_session(server, chair);
    auto const before = counts(server);

    ws_client client;
    REQUIRE(client.connect(server.port()).accepted);

    SUBCASE("before hello")
    {
        auto const early = reply_to(client, post_message("early-1", "Hola"));
        CHECK(is_error(early, "hello_required"));
        CHECK(early.contains("message"));
        CHECK(is_error(reply_to(client, {{"type", "hello"}, {"role", "mayor"}}), "bad_request"));
        CHECK(is_error(reply_to(client, {{"type", "hello"}, {"role", "viewer"}, {"protocol", 99}}), "bad_request"));
    }

    SUBCASE("after hello")
    {
        REQUIRE(type_of(*client.hello({{"role", "citizen"}})) == "welcome");
        CHECK(is_error(reply_to(client, {{"type", "hello"}, {"role", "citizen"}}), "already_greeted"));

        REQUIRE(client.send_text("{\"type\": \"submit_post\", \"text\": "));
        auto const broken = client.receive_type("error");
        REQUIRE(broken.has_value());
        CHECK(is_error(*broken, "bad_json"));

        REQUIRE(client.send_text("[{\"type\": \"ping\"}]"));
        auto const not_object = client.receive_type("error");
        REQUIRE(not_object.has_value());
        CHECK(is_error(*not_object, "bad_json"));

        CHECK(is_error(reply_to(client, {{"type", "dance"}}), "unknown_type"));
        CHECK(is_error(reply_to(client, {{"type", "submit_post"}, {"client_id", "m-1"}, {"author", "Ana"}}), "bad_request"));
        json extra_field = post_message("m-2", "Hola");
        extra_field["colour"] = "red";
        CHECK(is_error(reply_to(client, extra_field), "bad_request"));
        CHECK(is_error(reply_to(client, {{"type", "submit_post"}, {"client_id", "m-3"}, {"author", "Ana"}, {"text", 42}}), "bad_request"));
        CHECK(is_error(reply_to(client, post_message("not valid!", "Hola")), "bad_request"));
        CHECK(is_error(reply_to(client, {{"type", "approve"}, {"post_id", "seven"}}), "bad_request"));
        // A req that cannot be echoed is refused, answered with a null req.
        REQUIRE(client.send_text("{\"type\": \"ping\", \"req\": [1]}"));
        auto const bad_req = client.receive_type("error");
        REQUIRE(bad_req.has_value());
        CHECK(is_error(*bad_req, "bad_request"));
        CHECK((*bad_req)["req"].is_null());

        // The connection is still usable.
        CHECK(is_ack(reply_to(client, {{"type", "ping"}})));
    }
    expect_unchanged(server, before);
}

TEST_CASE("each role may do only its own work: refusals carry forbidden, not_authenticated or bad_credentials")
{
    server_fixture server;
    ws_client chair;
    auto const session = prepare_live_session(server, chair);
    ws_client author;
    greet(author, server, {{"role", "citizen"}});
    auto const pending = submit(author, "a-1", "Una pregunta sobre el presupuesto.");
    auto const before = counts(server);

    SUBCASE("a citizen may not approve")
    {
        ws_client citizen;
        greet(citizen, server, {{"role", "citizen"}});
        CHECK(is_error(reply_to(citizen, {{"type", "approve"}, {"post_id", pending}}), "forbidden"));
        CHECK(is_error(reply_to(citizen, {{"type", "set_wall_mode"}, {"session_id", session.id}, {"mode", "blank"}}), "forbidden"));
    }
    SUBCASE("a display may not post")
    {
        ws_client display;
        greet(display, server, {{"role", "display"}, {"token", server_fixture::display_token}});
        CHECK(is_error(reply_to(display, post_message("x-1", "Hola")), "forbidden"));
        CHECK(is_error(reply_to(display, {{"type", "approve"}, {"post_id", pending}}), "forbidden"));
    }
    SUBCASE("a viewer may not post")
    {
        ws_client viewer;
        greet(viewer, server, {{"role", "viewer"}});
        CHECK(is_error(reply_to(viewer, post_message("x-1", "Hola")), "forbidden"));
    }
    SUBCASE("a moderator may not run the session")
    {
        ws_client moderator;
        greet(moderator, server, staff_hello(server, server_fixture::moderator_name, "moderator"));
        CHECK(is_error(reply_to(moderator, {{"type", "close_session"}, {"session_id", session.id}}), "forbidden"));
        CHECK(is_error(reply_to(moderator, {{"type", "set_current_item"}, {"session_id", session.id}, {"item_id", session.items[0]}}), "forbidden"));
    }
    SUBCASE("a moderator account asking for the chair's role is refused, and may still greet as moderator")
    {
        ws_client moderator;
        REQUIRE(moderator.connect(server.port()).accepted);
        auto hello = staff_hello(server, server_fixture::moderator_name, "chair");
        CHECK(is_error(*moderator.hello(hello), "forbidden"));
        CHECK(is_error(reply_to(moderator, {{"type", "open_session"}, {"session_id", session.id}}), "hello_required"));
        hello["role"] = "moderator";
        auto const welcome = moderator.hello(hello);
        REQUIRE(welcome.has_value());
        CHECK((*welcome)["role"] == "moderator");
    }
    SUBCASE("a wrong display token is refused and the connection closed with 1008")
    {
        ws_client display;
        REQUIRE(display.connect(server.port()).accepted);
        CHECK(is_error(*display.hello({{"role", "display"}, {"token", "guessed-token"}}), "not_authenticated"));
        CHECK(display.wait_closed(2s));
        CHECK(display.close_code() == 1008u);
    }
    SUBCASE("a wrong login token is refused and the connection closed with 1008")
    {
        ws_client moderator;
        REQUIRE(moderator.connect(server.port()).accepted);
        CHECK(is_error(*moderator.hello({{"role", "moderator"}, {"token", "not-a-real-token"}}), "not_authenticated"));
        CHECK(moderator.wait_closed(2s));
        CHECK(moderator.close_code() == 1008u);
    }
    SUBCASE("a citizen with a wrong key is refused")
    {
        ws_client impostor;
        REQUIRE(impostor.connect(server.port()).accepted);
        auto const reply = impostor.hello({{"role", "citizen"}, {"citizen_id", "c-somebody"}, {"citizen_key", "guess"}});
        CHECK(is_error(*reply, "not_authenticated"));
    }
    SUBCASE("a wrong password gets HTTP 401 bad_credentials, as does an unknown name")
    {
        for (auto const& name : {server_fixture::moderator_name, std::string("nobody")}) {
            auto const reply = http_request(server.port(), "POST", "/api/login",
                                            {json{{"name", name}, {"password", "wrong password"}}.dump(),
                                             {{"Content-Type", "application/json"}}});
            CHECK(reply.status == 401u);
            CHECK(reply.body_json().value("code", "") == "bad_credentials");
            CHECK_FALSE(reply.has_header("Set-Cookie"));
        }
        CHECK(server.count_rows("login_tokens") == 1);  // only the chair's
    }
    expect_unchanged(server, before);
}

TEST_CASE("the text rules refuse empty, invisible-only and over-long posts and count code points after cleaning")
{
    server_fixture server;
    ws_client chair;
    prepare_live_session(server, chair);
    ws_client citizen;
    greet(citizen, server, {{"role", "citizen"}});
    auto const before = counts(server);

    CHECK(is_error(reply_to(citizen, post_message("e-1", "   \n\t  ")), "text_empty"));
    // Zero-width space, joiners, word joiner, BOM, a right-to-left override and an isolate.
    CHECK(is_error(reply_to(citizen, post_message("e-2", "\u200B\u200C\u200D\u2060\uFEFF\u202E\u2066\u2069")), "text_empty"));
    CHECK(is_error(reply_to(citizen, post_message("e-3", repeat("\u00e9", 281))), "text_too_long"));
    CHECK(is_error(reply_to(citizen, post_message("e-4", "Hola", "\u200B")), "invalid_name"));
    // A lone surrogate cannot be written as UTF-8: the JSON itself is refused.
    REQUIRE(citizen.send_text(R"({"type": "submit_post", "req": "s", "client_id": "e-8", "author": "Ana", "text": "a\ud800b"})"));
    auto const surrogate = citizen.receive_type("error");
    REQUIRE(surrogate.has_value());
    CHECK(is_error(*surrogate, "bad_json"));
    expect_unchanged(server, before);

    // Raw invalid UTF-8 (an overlong '/') in a text frame ends the connection with 1007.
    ws_client sloppy;
    greet(sloppy, server, {{"role", "citizen"}});
    REQUIRE(sloppy.send_text(std::string(R"({"type": "submit_post", "client_id": "e-9", "author": "Ana", "text": "a)") +
                             "\xC0\xAF" + R"("})"));
    CHECK(sloppy.wait_closed(2s));
    CHECK(sloppy.close_code() == 1007u);
    expect_unchanged(server, before);

    // Exactly at the limit passes; so does decomposed input that is 280 after NFC.
    json const at_limit = acked(citizen, post_message("e-5", repeat("\u00e9", 280)));
    CHECK(at_limit["post"]["text"] == repeat("\u00e9", 280));
    json const decomposed = acked(citizen, post_message("e-6", repeat("e\u0301", 280)));
    CHECK(decomposed["post"]["text"] == repeat("\u00e9", 280));
    // Controls and bidi overrides are removed, not kept for the wall.
    json const cleaned = acked(citizen, post_message("e-7", "Hola\u0007 \u202Emundo"));
    CHECK(cleaned["post"]["text"] == "Hola mundo");
    CHECK(server.count_rows("posts") == before.posts + 3);
}

TEST_CASE("the fourth post in a burst is rate_limited with retry_after_seconds and is not stored")
{
    server_fixture server;
    ws_client chair;
    prepare_live_session(server, chair);
    ws_client citizen;
    greet(citizen, server, {{"role", "citizen"}});
    for (int i = 1; i <= 3; ++i)
        submit(citizen, "burst-" + std::to_string(i), "Mensaje número " + std::to_string(i));
    auto const before = counts(server);
    json const refused = reply_to(citizen, post_message("burst-4", "Mensaje número 4"));
    REQUIRE(is_error(refused, "rate_limited"));
    REQUIRE(refused["details"]["retry_after_seconds"].is_number_integer());
    CHECK(refused["details"]["retry_after_seconds"].get<int>() >= 1);
    CHECK(refused["details"]["retry_after_seconds"].get<int>() <= 20);
    expect_unchanged(server, before);

    // Another citizen is not held back by the first one's burst.
    ws_client neighbour;
    greet(neighbour, server, {{"role", "citizen"}});
    submit(neighbour, "other-1", "Yo no he escrito nada aún.");
}

TEST_CASE("a message over 16 KiB closes the connection with 1009 and the server stays up")
{
    server_fixture server;
    ws_client chair;
    prepare_live_session(server, chair);
    auto const before = counts(server);

    ws_client citizen;
    greet(citizen, server, {{"role", "citizen"}});
    // Under the limit but over the field's limit: an error, not a close.
    auto const large = reply_to(citizen, post_message("big-1", std::string(15 * 1024, 'a')));
    CHECK(is_error(large, "bad_request"));
    CHECK(citizen.is_open());

    REQUIRE(citizen.send(post_message("big-2", std::string(17 * 1024, 'a'))));
    CHECK(citizen.wait_closed(2s));
    CHECK(citizen.close_code() == 1009u);
    expect_unchanged(server, before);

    ws_client next;
    greet(next, server, {{"role", "viewer"}});
}

TEST_CASE("a WebSocket upgrade from a foreign Origin is refused with 403 while the server's own and configured origins are accepted")
{
    server_fixture server([](pleno::app::config& settings) { settings.allowed_origins = {"https://pleno.jun.es"}; });
    std::string const own = "http://127.0.0.1:" + std::to_string(server.port());

    ws_client foreign;
    auto const refused = foreign.connect(server.port(), from_origin("https://evil.example"));
    CHECK_FALSE(refused.accepted);
    CHECK(refused.status == 403u);

    ws_client look_alike;
    auto const also_refused = look_alike.connect(server.port(), from_origin(own + ".evil.example"));
    CHECK_FALSE(also_refused.accepted);
    CHECK(also_refused.status == 403u);

    ws_client same_origin;
    auto const accepted = same_origin.connect(server.port(), from_origin(own));
    REQUIRE(accepted.accepted);
    CHECK(accepted.status == 101u);
    CHECK(type_of(*same_origin.hello({{"role", "viewer"}})) == "welcome");

    ws_client configured;
    REQUIRE(configured.connect(server.port(), from_origin("https://pleno.jun.es")).accepted);

    // The display and other programs send no Origin at all.
    ws_client program;
    REQUIRE(program.connect(server.port()).accepted);

    // A browser page of our own logs its staff in with the login cookie...
    std::string const token = server.login(server_fixture::moderator_name);
    REQUIRE_FALSE(token.empty());
    ws_client browser;
    auto with_cookie = from_origin(own);
    with_cookie.cookie = "theme=dark; pleno_token=" + token;
    REQUIRE(browser.connect(server.port(), with_cookie).accepted);
    auto const welcome = browser.hello({{"role", "moderator"}});
    REQUIRE(welcome.has_value());
    CHECK(type_of(*welcome) == "welcome");
    CHECK((*welcome)["account"] == server_fixture::moderator_name);

    // ...but a cookie without a browser Origin is not a login.
    ws_client cookie_only;
    connect_options no_origin;
    no_origin.cookie = "pleno_token=" + token;
    REQUIRE(cookie_only.connect(server.port(), no_origin).accepted);
    CHECK(is_error(*cookie_only.hello({{"role", "moderator"}}), "not_authenticated"));
    CHECK(server.healthy());
}

TEST_CASE("connections beyond the per-address limit are refused and a freed place can be taken again")
{
    server_fixture server([](pleno::app::config& settings) { settings.limits.connections_per_address = 3; });
    std::vector<std::unique_ptr<ws_client>> admitted;
    for (int i = 0; i < 3; ++i) {
        admitted.push_back(std::make_unique<ws_client>());
        greet(*admitted.back(), server, {{"role", "viewer"}});
    }
    ws_client fourth;
    CHECK_FALSE(fourth.connect(server.port()).accepted);
    // Plain HTTP from the same address is told why.
    auto refused = http_request(server.port(), "GET", "/healthz");
    CHECK(refused.status == 429u);
    CHECK(refused.body_json().value("code", "") == "too_many_connections");

    // The others are not disturbed.
    CHECK(is_ack(reply_to(*admitted.front(), {{"type", "ping"}})));

    // The server releases the place when it has seen the close; give it a moment.
    admitted.back()->close();
    bool admitted_again = false;
    for (int attempt = 0; attempt < 40 && !admitted_again; ++attempt) {
        ws_client retry;
        admitted_again = retry.connect(server.port()).accepted;
        if (!admitted_again)
            std::this_thread::sleep_for(50ms);
    }
    CHECK(admitted_again);
}

TEST_CASE("a connection that never says hello is closed with 1008 once hello_timeout has passed")
{
    server_fixture server([](pleno::app::config& settings) { settings.limits.hello_timeout = std::chrono::seconds(1); });
    ws_client silent;
    REQUIRE(silent.connect(server.port()).accepted);
    ws_client polite;
    greet(polite, server, {{"role", "viewer"}});

    CHECK_FALSE(silent.wait_closed(500ms));  // not before its time
    CHECK(silent.wait_closed(3s));
    CHECK(silent.close_code() == 1008u);
    CHECK(is_ack(reply_to(polite, {{"type", "ping"}})));
}

TEST_CASE("posting to a closed session gives session_closed and stores nothing")
{
    server_fixture server;
    ws_client chair;
    auto const session = prepare_live_session(server, chair);
    ws_client citizen;
    greet(citizen, server, {{"role", "citizen"}});
    submit(citizen, "before-close", "Última pregunta antes del cierre.");
    acked(chair, {{"type", "close_session"}, {"session_id", session.id}});

    auto const before = counts(server);
    CHECK(is_error(reply_to(citizen, post_message("after-close", "¿Llego tarde?")), "session_closed"));
    json explicit_session = post_message("after-close-2", "¿Llego tarde?");
    explicit_session["session_id"] = session.id;
    CHECK(is_error(reply_to(citizen, explicit_session), "session_closed"));
    CHECK(is_error(reply_to(chair, {{"type", "open_session"}, {"session_id", session.id}}), "invalid_state"));
    expect_unchanged(server, before);
}

TEST_CASE("logout over HTTP closes that token's live WebSocket and only that one")
{
    server_fixture server;
    std::string const token = server.login(server_fixture::moderator_name);
    std::string const other_token = server.login(server_fixture::moderator_name);
    REQUIRE_FALSE(token.empty());
    REQUIRE(token != other_token);

    ws_client logged_out;
    greet(logged_out, server, {{"role", "moderator"}, {"token", token}});
    ws_client other_device;
    greet(other_device, server, {{"role", "moderator"}, {"token", other_token}});

    auto const reply = http_request(server.port(), "POST", "/api/logout", {"", {{"Authorization", "Bearer " + token}}});
    REQUIRE(reply.status == 200u);
    CHECK(logged_out.wait_closed(2s));
    CHECK(logged_out.close_code() == 1000u);

    CHECK(other_device.is_open());
    CHECK(is_ack(reply_to(other_device, {{"type", "ping"}})));

    // The token is gone for good.
    CHECK(http_request(server.port(), "GET", "/api/me", {"", {{"Authorization", "Bearer " + token}}}).status == 401u);
    CHECK(http_request(server.port(), "GET", "/api/me", {"", {{"Authorization", "Bearer " + other_token}}}).status == 200u);
    // Without any token the answer is "nobody", not an error: login pages ask before showing their form.
    auto const nobody = http_request(server.port(), "GET", "/api/me");
    CHECK(nobody.status == 200u);
    CHECK(nobody.body_json()["account"].is_null());
    ws_client again;
    REQUIRE(again.connect(server.port()).accepted);
    CHECK(is_error(*again.hello({{"role", "moderator"}, {"token", token}}), "not_authenticated"));
}

TEST_CASE("HTTP: /healthz answers, every response carries the security headers, and no path leaves the web root")
{
    server_fixture server;

    auto const health = http_request(server.port(), "GET", "/healthz");
    REQUIRE(health.status == 200u);
    CHECK(health.header("Content-Type").starts_with("application/json"));
    CHECK(health.body_json().value("status", "") == "ok");

    auto const page = http_request(server.port(), "GET", "/");
    REQUIRE(page.status == 200u);
    CHECK(page.body.find("Pleno test page") != std::string::npos);
    CHECK(page.header("Content-Type").starts_with("text/html"));

    auto const api = http_request(server.port(), "GET", "/api/session");
    CHECK(api.status == 200u);
    auto const missing = http_request(server.port(), "GET", "/no-such-page.html");
    CHECK(missing.status == 404u);

    for (auto const* reply : {&health, &page, &api, &missing}) {
        auto const policy = reply->header("Content-Security-Policy");
        CHECK(policy.find("default-src 'self'") != std::string::npos);
        CHECK(policy.find("frame-ancestors 'none'") != std::string::npos);
        CHECK(reply->header("X-Content-Type-Options") == "nosniff");
        CHECK(reply->header("Referrer-Policy") == "no-referrer");
    }

    // Request limits answer with their own status and code.
    auto const big_body = http_request(server.port(), "POST", "/api/login",
                                       {std::string(70 * 1024, 'x'), {{"Content-Type", "application/json"}}});
    CHECK(big_body.status == 413u);
    CHECK(big_body.body_json().value("code", "") == "body_too_large");
    auto const big_header = http_request(server.port(), "GET", "/healthz", {"", {{"X-Filler", std::string(9 * 1024, 'a')}}});
    CHECK(big_header.status == 431u);
    CHECK(big_header.body_json().value("code", "") == "header_too_large");

    // secret.txt lies beside the web root.
    for (std::string const target : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/..%2fsecret.txt",
                                     "/%2e%2e%2fsecret.txt", "/static/../../secret.txt", "/..%5csecret.txt",
                                     "/%2e%2e/%2e%2e/%2e%2e/etc/passwd"}) {
        CAPTURE(target);
        auto const reply = http_request(server.port(), "GET", target);
        CHECK((reply.status == 400u || reply.status == 404u));
        CHECK(reply.body.find("not for the web") == std::string::npos);
        CHECK(reply.body.find("root:") == std::string::npos);
    }
    CHECK(server.healthy());
}
