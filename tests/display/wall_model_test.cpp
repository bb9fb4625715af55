#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wall_model.hpp"

using namespace pleno::display;
using nlohmann::json;

namespace {

json agenda()
{
    return json::array({
        {{"id", 1}, {"number", 1}, {"title", "Aprobación del acta"}, {"description", "Acta de octubre."}},
        {{"id", 2}, {"number", 2}, {"title", "Presupuesto municipal 2027"}, {"description", "Debate y votación."}},
        {{"id", 3}, {"number", 3}, {"title", "Ordenanza de movilidad"}, {"description", ""}},
    });
}

json session(std::int64_t id = 1, std::string const& mode = "live", std::string const& state = "live")
{
    return {{"id", id},
            {"title", "Pleno ordinario de noviembre"},
            {"place", "Salón de plenos"},
            {"starts_at", 1795971600000},
            {"state", state},
            {"agenda", agenda()},
            {"current_item_id", 2},
            {"wall_mode", mode},
            {"overlay", ""},
            {"pinned_post_id", 0},
            {"opened_at", 1795971600000},
            {"closed_at", 0}};
}

json post(std::int64_t id, std::string const& text = "Bona tarda des de Jun!", std::int64_t session_id = 1)
{
    return {{"id", id},
            {"session_id", session_id},
            {"item_id", 2},
            {"author", "Montse"},
            {"text", text},
            {"submitted_at", 1795974036376 + id},
            {"approved_at", 1795974040884 + id},
            {"pinned", false}};
}

json snapshot(std::vector<std::int64_t> const& post_ids, std::int64_t seq = 10, std::string const& mode = "live")
{
    json posts = json::array();
    for (auto id : post_ids)
        posts.push_back(post(id));
    return {{"type", "snapshot"}, {"session_id", 1}, {"seq", seq}, {"session", session(1, mode)}, {"posts", posts}};
}

json event(std::string const& type, std::int64_t seq, json fields = json::object(), std::int64_t session_id = 1)
{
    fields["type"] = type;
    fields["session_id"] = session_id;
    fields["seq"] = seq;
    fields["at"] = 1795974050000 + seq;
    return fields;
}

json approved(std::int64_t seq, std::int64_t id)
{
    return event("post_approved", seq, {{"post", post(id)}});
}

json hidden(std::int64_t seq, std::int64_t id)
{
    return event("post_hidden", seq, {{"post", {{"id", id}, {"session_id", 1}, {"item_id", 2}}}});
}

json mode_changed(std::int64_t seq, std::string const& mode)
{
    return event("wall_mode_changed", seq, {{"wall_mode", mode}});
}

std::vector<std::int64_t> ids(std::vector<wall_post> const& posts)
{
    std::vector<std::int64_t> result;
    for (auto const& value : posts)
        result.push_back(value.id);
    return result;
}

// Everything the model shows, in one string, to prove that nothing changed.
std::string fingerprint(wall_model const& model)
{
    json state = {{"has_snapshot", model.has_snapshot()},  {"session_id", model.session_id()},
                  {"last_seq", model.last_seq()},          {"version", model.version()},
                  {"posts", ids(model.posts())},           {"shown", ids(model.shown_posts())},
                  {"mode", static_cast<int>(model.mode())}, {"pinned", model.pinned_post() ? model.pinned_post()->id : 0}};
    if (auto const& current = model.session()) {
        state["title"] = current->title;
        state["overlay"] = current->overlay;
        state["item"] = current->current_item_id;
        state["agenda"] = current->agenda.size();
        state["state"] = static_cast<int>(current->state);
    }
    return state.dump();
}

wall_model model_with(std::vector<std::int64_t> const& post_ids, std::string const& mode = "live")
{
    wall_model model;
    REQUIRE(model.apply(snapshot(post_ids, 10, mode)).result == apply_result::applied);
    return model;
}

}  // namespace

TEST_CASE("a snapshot fills in the session, its agenda and the approved posts")
{
    wall_model model;
    CHECK_FALSE(model.has_snapshot());
    auto const before = model.version();
    auto outcome = model.apply(snapshot({1, 2, 3}, 17));
    CHECK(outcome.result == apply_result::applied);
    CHECK(model.has_snapshot());
    CHECK(model.version() > before);
    CHECK(model.last_seq() == 17);
    CHECK(model.session_id() == 1);
    REQUIRE(model.session().has_value());
    CHECK(model.session()->title == "Pleno ordinario de noviembre");
    CHECK(model.session()->state == session_state::live);
    REQUIRE(model.session()->agenda.size() == 3);
    REQUIRE(model.session()->current_item() != nullptr);
    CHECK(model.session()->current_item()->title == "Presupuesto municipal 2027");
    CHECK(model.session()->current_position() == 2);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{1, 2, 3});
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 2, 3});
    CHECK(model.posts()[0].author == "Montse");
    CHECK(model.posts()[0].approved_at == 1795974040885);
    CHECK(model.pinned_post() == nullptr);
}

TEST_CASE("a snapshot without a session is valid and shows nothing")
{
    wall_model model;
    auto outcome = model.apply_text(R"({"type":"snapshot","session_id":0,"seq":0,"session":null,"posts":[]})");
    REQUIRE(outcome.size() == 1);
    CHECK(outcome[0].result == apply_result::applied);
    CHECK(model.has_snapshot());
    CHECK_FALSE(model.session().has_value());
    CHECK(model.session_id() == 0);
    CHECK(model.shown_posts().empty());
    CHECK(model.mode() == wall_mode::live);
}

TEST_CASE("welcome, ack, error and pong are understood and change nothing")
{
    auto model = model_with({1});
    auto const before = fingerprint(model);
    for (auto const* text : {
             R"({"type":"welcome","req":1,"protocol":1,"role":"display","display":"sala","session_id":1,"server_time":1795974015103,"limits":{"message_max_bytes":16384}})",
             R"({"type":"ack","req":25,"server_time":1795974058262})",
             R"({"type":"error","req":8,"code":"forbidden","message":"Only the chair controls the wall."})",
             R"({"type":"pong"})"}) {
        auto outcome = model.apply_text(text);
        REQUIRE(outcome.size() == 1);
        CHECK(outcome[0].result == apply_result::ignored);
    }
    CHECK(fingerprint(model) == before);
}

TEST_CASE("an approved post joins the wall once, even when it comes again")
{
    auto model = model_with({1, 2});
    auto const before = model.version();
    CHECK(model.apply(approved(11, 7)).result == apply_result::applied);
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 2, 7});
    CHECK(model.version() > before);
    CHECK(model.last_seq() == 11);
    // The same event replayed, and a later event for the same post: still one card.
    CHECK(model.apply(approved(11, 7)).result == apply_result::ignored);
    CHECK(model.apply(approved(12, 7)).result == apply_result::ignored);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{1, 2, 7});
    CHECK(model.last_seq() == 12);
}

TEST_CASE("a hidden post leaves the wall at once")
{
    auto model = model_with({1, 2, 3});
    auto const before = model.version();
    CHECK(model.apply(hidden(11, 2)).result == apply_result::applied);
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 3});
    CHECK(model.version() > before);
    // Hiding a post the wall never had moves the seq and nothing else.
    auto const after = model.version();
    CHECK(model.apply(hidden(12, 99)).result == apply_result::ignored);
    CHECK(model.version() == after);
    CHECK(model.last_seq() == 12);
}

TEST_CASE("pinning moves the pin, unpinning clears it, and hiding the pinned post unpins it")
{
    auto model = model_with({1, 2, 3});
    CHECK(model.apply(event("post_pinned", 11, {{"post_id", 1}, {"unpinned_post_id", 0}})).result == apply_result::applied);
    REQUIRE(model.pinned_post() != nullptr);
    CHECK(model.pinned_post()->id == 1);

    CHECK(model.apply(event("post_pinned", 12, {{"post_id", 3}, {"unpinned_post_id", 1}})).result == apply_result::applied);
    REQUIRE(model.pinned_post() != nullptr);
    CHECK(model.pinned_post()->id == 3);
    int pinned = 0;
    for (auto const& value : model.posts())
        pinned += value.pinned ? 1 : 0;
    CHECK(pinned == 1);

    CHECK(model.apply(event("post_unpinned", 13, {{"post_id", 3}})).result == apply_result::applied);
    CHECK(model.pinned_post() == nullptr);

    CHECK(model.apply(event("post_pinned", 14, {{"post_id", 2}, {"unpinned_post_id", 0}})).result == apply_result::applied);
    CHECK(model.apply(hidden(15, 2)).result == apply_result::applied);
    CHECK(model.pinned_post() == nullptr);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{1, 3});
}

TEST_CASE("a snapshot's pinned_post_id marks the pinned post")
{
    auto message = snapshot({1, 2, 3});
    message["session"]["pinned_post_id"] = 2;
    wall_model model;
    REQUIRE(model.apply(message).result == apply_result::applied);
    REQUIRE(model.pinned_post() != nullptr);
    CHECK(model.pinned_post()->id == 2);
}

TEST_CASE("hold freezes the wall: new posts wait, hidden ones still leave, live shows them all")
{
    auto model = model_with({1, 2, 3});
    CHECK(model.apply(mode_changed(11, "hold")).result == apply_result::applied);
    CHECK(model.mode() == wall_mode::hold);

    CHECK(model.apply(approved(12, 4)).result == apply_result::applied);
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 2, 3});
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{1, 2, 3, 4});

    // A pin during the hold waits as well: the frozen picture keeps its pins.
    CHECK(model.apply(event("post_pinned", 13, {{"post_id", 1}, {"unpinned_post_id", 0}})).result == apply_result::applied);
    CHECK(model.pinned_post() == nullptr);

    CHECK(model.apply(hidden(14, 2)).result == apply_result::applied);
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 3});

    // Hold again while on hold: the frozen picture stays as it is.
    CHECK(model.apply(mode_changed(15, "hold")).result == apply_result::applied);
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 3});

    CHECK(model.apply(mode_changed(16, "live")).result == apply_result::applied);
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 3, 4});
    REQUIRE(model.pinned_post() != nullptr);
    CHECK(model.pinned_post()->id == 1);
}

TEST_CASE("blank shows no posts but keeps the session, and live brings them back")
{
    auto model = model_with({1, 2});
    CHECK(model.apply(mode_changed(11, "blank")).result == apply_result::applied);
    CHECK(model.mode() == wall_mode::blank);
    CHECK(model.shown_posts().empty());
    CHECK(model.pinned_post() == nullptr);
    REQUIRE(model.session().has_value());
    CHECK(model.session()->current_item() != nullptr);
    CHECK(model.apply(approved(12, 3)).result == apply_result::applied);
    CHECK(model.shown_posts().empty());
    CHECK(model.apply(mode_changed(13, "live")).result == apply_result::applied);
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 2, 3});
}

TEST_CASE("hold after blank freezes the posts there are, not the blank wall")
{
    auto model = model_with({1, 2});
    model.apply(mode_changed(11, "blank"));
    model.apply(mode_changed(12, "hold"));
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 2});
    model.apply(approved(13, 3));
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("the overlay is set and cleared")
{
    auto model = model_with({1});
    auto const before = model.version();
    CHECK(model.apply(event("overlay_changed", 11, {{"overlay", "Receso hasta las 19:00"}})).result == apply_result::applied);
    CHECK(model.session()->overlay == "Receso hasta las 19:00");
    CHECK(model.version() > before);
    CHECK(model.apply(event("overlay_changed", 12, {{"overlay", ""}})).result == apply_result::applied);
    CHECK(model.session()->overlay.empty());
}

TEST_CASE("the current agenda item changes")
{
    auto model = model_with({1});
    CHECK(model.apply(event("current_item_changed", 11, {{"current_item_id", 3}})).result == apply_result::applied);
    REQUIRE(model.session()->current_item() != nullptr);
    CHECK(model.session()->current_item()->title == "Ordenanza de movilidad");
    CHECK(model.session()->current_position() == 3);
    CHECK(model.apply(event("current_item_changed", 12, {{"current_item_id", 0}})).result == apply_result::applied);
    CHECK(model.session()->current_item() == nullptr);
    CHECK(model.session()->current_position() == 0);
}

TEST_CASE("session events replace the session, and a closing resets a held wall")
{
    auto model = model_with({1, 2});
    model.apply(mode_changed(11, "hold"));
    model.apply(approved(12, 3));
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 2});

    auto closed = session(1, "live", "closed");
    closed["title"] = "Pleno ordinario (cerrado)";
    closed["closed_at"] = 1795974130023;
    CHECK(model.apply(event("session_closed", 13, {{"session", closed}})).result == apply_result::applied);
    CHECK(model.session()->state == session_state::closed);
    CHECK(model.session()->title == "Pleno ordinario (cerrado)");
    CHECK(model.mode() == wall_mode::live);
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 2, 3});

    auto updated = session(1, "live", "closed");
    updated["agenda"] = json::array({{{"id", 9}, {"number", 1}, {"title", "Único punto"}}});
    updated["current_item_id"] = 9;
    for (auto const* type : {"agenda_updated", "session_updated", "session_opened", "session_created"})
        CHECK(model.apply(event(type, model.last_seq() + 1, {{"session", updated}})).result == apply_result::applied);
    REQUIRE(model.session()->agenda.size() == 1);
    CHECK(model.session()->current_item()->title == "Único punto");
}

TEST_CASE("a resume applies exactly the events that were missed, in one batch")
{
    auto model = model_with({1, 2});
    model.apply(approved(11, 3));
    model.apply(approved(12, 4));
    model.apply(hidden(13, 3));
    REQUIRE(model.last_seq() == 13);
    REQUIRE(ids(model.posts()) == std::vector<std::int64_t>{1, 2, 4});

    // After a reconnection the server replays from last_seq; a replay that
    // reaches back too far must neither double a post nor bring back a hidden one.
    json batch = json::array({
        {{"type", "welcome"}, {"req", 1}, {"protocol", 1}, {"role", "display"}, {"session_id", 1}},
        approved(11, 3),
        approved(12, 4),
        hidden(13, 3),
        approved(14, 5),
        hidden(15, 1),
        event("overlay_changed", 16, {{"overlay", "Votación"}}),
        {{"type", "resumed"}, {"session_id", 1}, {"seq", 16}},
    });
    auto outcomes = model.apply_text(batch.dump());
    REQUIRE(outcomes.size() == 8);
    CHECK(outcomes[0].result == apply_result::ignored);
    CHECK(outcomes[1].result == apply_result::ignored);
    CHECK(outcomes[2].result == apply_result::ignored);
    CHECK(outcomes[3].result == apply_result::ignored);
    CHECK(outcomes[4].result == apply_result::applied);
    CHECK(outcomes[5].result == apply_result::applied);
    CHECK(outcomes[6].result == apply_result::applied);
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{2, 4, 5});
    CHECK(model.session()->overlay == "Votación");
    CHECK(model.last_seq() == 16);

    // The whole batch again: nothing changes.
    auto const before = fingerprint(model);
    model.apply_text(batch.dump());
    CHECK(fingerprint(model) == before);
}

TEST_CASE("resumed moves the resume point forward, never back")
{
    auto model = model_with({1});
    CHECK(model.apply({{"type", "resumed"}, {"session_id", 1}, {"seq", 20}}).result == apply_result::applied);
    CHECK(model.last_seq() == 20);
    CHECK(model.apply({{"type", "resumed"}, {"session_id", 1}, {"seq", 18}}).result == apply_result::ignored);
    CHECK(model.last_seq() == 20);
    CHECK(model.apply({{"type", "resumed"}, {"session_id", 2}, {"seq", 30}}).result == apply_result::ignored);
    CHECK(model.last_seq() == 20);
    // Events between the old and the new resume point are replays now.
    CHECK(model.apply(approved(19, 8)).result == apply_result::ignored);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{1});
}

TEST_CASE("a snapshot replaces everything the model knew")
{
    auto model = model_with({1, 2, 3});
    model.apply(event("overlay_changed", 11, {{"overlay", "Receso"}}));
    model.apply(approved(12, 4));
    auto replacement = snapshot({7, 8}, 5);
    replacement["session"]["title"] = "Pleno extraordinario";
    CHECK(model.apply(replacement).result == apply_result::applied);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{7, 8});
    CHECK(model.session()->title == "Pleno extraordinario");
    CHECK(model.session()->overlay.empty());
    // A fresh snapshot may carry a lower seq (the server's database was replaced): it wins.
    CHECK(model.last_seq() == 5);
    CHECK(model.apply(approved(6, 9)).result == apply_result::applied);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{7, 8, 9});
}

TEST_CASE("a snapshot during a hold keeps the frozen picture, minus posts hidden meanwhile")
{
    auto model = model_with({1, 2, 3});
    model.apply(mode_changed(11, "hold"));
    // Reconnected while held; post 2 was hidden and post 4 approved meanwhile.
    CHECK(model.apply(snapshot({1, 3, 4}, 20, "hold")).result == apply_result::applied);
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 3});
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{1, 3, 4});
    model.apply(mode_changed(21, "live"));
    CHECK(ids(model.shown_posts()) == std::vector<std::int64_t>{1, 3, 4});

    // A display that starts during a hold shows what the wall has now.
    wall_model fresh;
    fresh.apply(snapshot({5, 6}, 3, "hold"));
    CHECK(ids(fresh.shown_posts()) == std::vector<std::int64_t>{5, 6});
    fresh.apply(approved(4, 7));
    CHECK(ids(fresh.shown_posts()) == std::vector<std::int64_t>{5, 6});
}

TEST_CASE("a snapshot naming the same post twice shows it once")
{
    auto message = snapshot({1, 2});
    message["posts"].push_back(post(1));
    wall_model model;
    REQUIRE(model.apply(message).result == apply_result::applied);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("events of another session are ignored")
{
    auto model = model_with({1});
    auto const before = fingerprint(model);
    CHECK(model.apply(event("post_approved", 11, {{"post", post(5, "otra", 2)}}, 2)).result == apply_result::ignored);
    CHECK(model.apply(event("overlay_changed", 12, {{"overlay", "x"}}, 2)).result == apply_result::ignored);
    CHECK(model.apply(event("wall_mode_changed", 13, {{"wall_mode", "blank"}}, 2)).result == apply_result::ignored);
    CHECK(fingerprint(model) == before);
}

TEST_CASE("events before any snapshot are ignored")
{
    wall_model model;
    auto const before = fingerprint(model);
    CHECK(model.apply(approved(1, 1)).result == apply_result::ignored);
    CHECK(fingerprint(model) == before);
}

TEST_CASE("private events advance the resume point and show nothing")
{
    auto model = model_with({1});
    auto const version = model.version();
    CHECK(model.apply(event("post_submitted", 11, {{"post", post(9)}})).result == apply_result::ignored);
    CHECK(model.apply(event("citizen_banned", 12, {{"citizen_id", "c-x"}})).result == apply_result::ignored);
    CHECK(model.last_seq() == 12);
    CHECK(model.version() == version);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{1});
}

TEST_CASE("a change of current session is reported once, and not for the followed session")
{
    auto model = model_with({1});
    CHECK_FALSE(model.take_session_change().has_value());
    CHECK(model.apply({{"type", "current_session"}, {"session_id", 1}}).result == apply_result::ignored);
    CHECK_FALSE(model.take_session_change().has_value());
    CHECK(model.apply({{"type", "current_session"}, {"session_id", 0}}).result == apply_result::ignored);
    CHECK_FALSE(model.take_session_change().has_value());

    CHECK(model.apply({{"type", "current_session"}, {"session_id", 2}}).result == apply_result::applied);
    auto change = model.take_session_change();
    REQUIRE(change.has_value());
    CHECK(*change == 2);
    CHECK_FALSE(model.take_session_change().has_value());

    // The follow's snapshot settles a change that was not taken yet.
    model.apply({{"type", "current_session"}, {"session_id", 2}});
    auto second = snapshot({}, 4);
    second["session_id"] = 2;
    second["session"]["id"] = 2;
    CHECK(model.apply(second).result == apply_result::applied);
    CHECK(model.session_id() == 2);
    CHECK_FALSE(model.take_session_change().has_value());
}

TEST_CASE("malformed messages are rejected with a reason and change nothing")
{
    auto model = model_with({1, 2});
    model.apply(event("post_pinned", 11, {{"post_id", 2}, {"unpinned_post_id", 0}}));
    auto const before = fingerprint(model);

    std::vector<std::string> const texts = {
        R"(not json at all)",
        R"({"type":"post_approved","session_id":1,"seq":12,"post":{"id":3,"author":"A","text":"t"})",  // cut short
        R"(42)",
        R"("snapshot")",
        R"(null)",
        R"([1, "x", null, [], {"no_type": true}])",
        R"({"session_id":1,"seq":12})",
        R"({"type":7,"session_id":1,"seq":12})",
        R"({"type":"post_approved","session_id":1,"seq":"12","post":{"id":3,"author":"A","text":"t"}})",
        R"({"type":"post_approved","session_id":1,"seq":12.5,"post":{"id":3,"author":"A","text":"t"}})",
        R"({"type":"post_approved","session_id":1,"seq":99999999999999999999999,"post":{"id":3,"author":"A","text":"t"}})",
        R"({"type":"post_approved","session_id":1,"seq":12,"post":{"id":9007199254740992,"author":"A","text":"t"}})",
        R"({"type":"post_approved","session_id":1,"seq":12,"post":{"id":-3,"author":"A","text":"t"}})",
        R"({"type":"post_approved","session_id":1,"seq":12,"post":{"id":3,"author":"A"}})",
        R"({"type":"post_approved","session_id":1,"seq":12,"post":{"id":3,"author":["A"],"text":"t"}})",
        R"({"type":"post_approved","session_id":1,"seq":12,"post":{"id":3,"author":"A","text":"t","pinned":"yes"}})",
        R"({"type":"post_approved","session_id":1,"seq":12,"post":[3,"A","t"]})",
        R"({"type":"post_approved","session_id":1,"seq":12})",
        R"({"type":"post_hidden","session_id":1,"seq":12,"post":{"id":"2"}})",
        R"({"type":"post_pinned","session_id":1,"seq":12,"post_id":true})",
        R"({"type":"post_unpinned","session_id":1,"seq":12})",
        R"({"type":"wall_mode_changed","session_id":1,"seq":12,"wall_mode":"dance"})",
        R"({"type":"wall_mode_changed","session_id":1,"seq":12,"wall_mode":1})",
        R"({"type":"overlay_changed","session_id":1,"seq":12,"overlay":{"text":"x"}})",
        R"({"type":"current_item_changed","session_id":1,"seq":12,"current_item_id":1e300})",
        R"({"type":"current_item_changed","session_id":1,"seq":12,"current_item_id":null})",
        R"({"type":"session_updated","session_id":1,"seq":12,"session":{"id":1,"title":"x","state":"paused"}})",
        R"({"type":"session_updated","session_id":1,"seq":12,"session":{"id":2,"title":"x","state":"live"}})",
        R"({"type":"agenda_updated","session_id":1,"seq":12,"session":{"id":1,"title":"x","state":"live","agenda":[{"id":1,"title":"a"},"garbage"]}})",
        R"({"type":"agenda_updated","session_id":1,"seq":12,"session":{"id":1,"title":"x","state":"live","agenda":{"items":[]}}})",
        R"({"type":"session_opened","session_id":1,"seq":12,"session":"live"})",
        R"({"type":"snapshot","session_id":1,"seq":30,"session":{"id":1,"title":"x","state":"live"},"posts":[{"id":1,"author":"a","text":"b"},{"garbage":true}]})",
        R"({"type":"snapshot","session_id":1,"seq":30,"session":{"id":1,"title":"x","state":"live"},"posts":"none"})",
        R"({"type":"snapshot","session_id":1,"seq":30,"posts":[]})",
        R"({"type":"snapshot","session_id":3,"seq":30,"session":{"id":1,"title":"x","state":"live"},"posts":[]})",
        R"({"type":"snapshot","session_id":-1,"seq":30,"session":null,"posts":[]})",
        R"({"type":"resumed","session_id":1,"seq":-5})",
        R"({"type":"current_session","session_id":"2"})",
        R"({"type":"post_teleported","session_id":1,"seq":12})",
        R"({"type":"subscribe"})",
        R"([])",
    };
    for (auto const& text : texts) {
        CAPTURE(text);
        auto outcomes = model.apply_text(text);
        REQUIRE_FALSE(outcomes.empty());
        for (auto const& outcome : outcomes) {
            CHECK(outcome.result == apply_result::rejected);
            CHECK_FALSE(outcome.reason.empty());
        }
        CHECK(fingerprint(model) == before);
    }
    CHECK_FALSE(model.take_session_change().has_value());

    // After all that, the model still takes the next good event.
    CHECK(model.apply(approved(12, 3)).result == apply_result::applied);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{1, 2, 3});
}

TEST_CASE("a rejection names the problem")
{
    auto model = model_with({1});
    auto outcome = model.apply_text(R"({"type":"post_approved","session_id":1,"seq":12,"post":{"id":3,"author":"A","text":5}})");
    REQUIRE(outcome.size() == 1);
    CHECK(outcome[0].reason.find("text") != std::string::npos);
    outcome = model.apply_text(R"({"type":"dance","session_id":1,"seq":12})");
    REQUIRE(outcome.size() == 1);
    CHECK(outcome[0].reason.find("dance") != std::string::npos);
}

TEST_CASE("huge and deeply nested texts are rejected without a crash")
{
    auto model = model_with({1});
    auto const before = fingerprint(model);
    std::string const deep = std::string(100000, '[') + std::string(100000, ']');
    auto outcomes = model.apply_text(deep);
    REQUIRE(outcomes.size() == 1);
    CHECK(outcomes[0].result == apply_result::rejected);

    json long_text = approved(12, 3);
    long_text["post"]["text"] = std::string(100000, 'a');
    CHECK(model.apply(long_text).result == apply_result::rejected);

    json many_items = event("agenda_updated", 12, {{"session", session()}});
    many_items["session"]["agenda"] = json::array();
    for (int i = 1; i <= 5000; ++i)
        many_items["session"]["agenda"].push_back({{"id", i}, {"number", 1}, {"title", "x"}});
    CHECK(model.apply(many_items).result == apply_result::rejected);
    CHECK(fingerprint(model) == before);
}

TEST_CASE("a batch applies its messages in order, and a bad one does not stop the others")
{
    auto model = model_with({1});
    auto outcomes = model.apply_text(json::array({approved(11, 2), "garbage", approved(12, 3), mode_changed(13, "blank")}).dump());
    REQUIRE(outcomes.size() == 4);
    CHECK(outcomes[0].result == apply_result::applied);
    CHECK(outcomes[1].result == apply_result::rejected);
    CHECK(outcomes[2].result == apply_result::applied);
    CHECK(outcomes[3].result == apply_result::applied);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{1, 2, 3});
    CHECK(model.mode() == wall_mode::blank);
}

TEST_CASE("beyond max_posts the oldest unpinned posts leave first")
{
    wall_model model(3);
    REQUIRE(model.apply(snapshot({1, 2, 3, 4, 5})).result == apply_result::applied);
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{3, 4, 5});
    model.apply(event("post_pinned", 11, {{"post_id", 3}, {"unpinned_post_id", 0}}));
    model.apply(approved(12, 6));
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{3, 5, 6});
    model.apply(approved(13, 7));
    CHECK(ids(model.posts()) == std::vector<std::int64_t>{3, 6, 7});
    REQUIRE(model.pinned_post() != nullptr);
    CHECK(model.pinned_post()->id == 3);
}

TEST_CASE("a snapshot with thousands of posts keeps the newest max_posts, pinned one included")
{
    json message = snapshot({});
    for (std::int64_t id = 1; id <= 5000; ++id)
        message["posts"].push_back(post(id));
    message["session"]["pinned_post_id"] = 7;
    wall_model model(500);
    REQUIRE(model.apply(message).result == apply_result::applied);
    REQUIRE(model.posts().size() == 500);
    CHECK(model.posts().front().id == 7);
    CHECK(model.posts()[1].id == 4502);
    CHECK(model.posts().back().id == 5000);
}

TEST_CASE("the version grows with every visible change and stays with replays")
{
    auto model = model_with({1});
    auto version = model.version();
    model.apply(approved(11, 2));
    CHECK(model.version() > version);
    version = model.version();
    model.apply(approved(11, 2));
    model.apply({{"type", "ack"}, {"req", 3}});
    model.apply({{"type", "resumed"}, {"session_id", 1}, {"seq", 11}});
    CHECK(model.version() == version);
    model.apply(event("overlay_changed", 12, {{"overlay", ""}}));  // no change of overlay
    CHECK(model.version() == version);
}

TEST_CASE("clear forgets the session, the posts and the resume point")
{
    auto model = model_with({1, 2});
    auto const version = model.version();
    model.clear();
    CHECK_FALSE(model.has_snapshot());
    CHECK_FALSE(model.session().has_value());
    CHECK(model.posts().empty());
    CHECK(model.last_seq() == 0);
    CHECK(model.session_id() == 0);
    CHECK(model.version() > version);
}

TEST_CASE("parse_post and parse_session read the protocol's objects and refuse others")
{
    auto value = parse_post(post(10, "El pressupost inclou la reforma del pavelló d'esports?"));
    REQUIRE(value.has_value());
    CHECK(value->id == 10);
    CHECK(value->item_id == 2);
    CHECK(value->text == "El pressupost inclou la reforma del pavelló d'esports?");
    CHECK_FALSE(parse_post(json::array()).has_value());
    CHECK_FALSE(parse_post({{"id", 0}, {"author", "a"}, {"text", "b"}}).has_value());

    auto read = parse_session(session(4, "blank", "scheduled"));
    REQUIRE(read.has_value());
    CHECK(read->id == 4);
    CHECK(read->mode == wall_mode::blank);
    CHECK(read->state == session_state::scheduled);
    CHECK(read->agenda.size() == 3);
    CHECK(read->agenda[1].description == "Debate y votación.");
    CHECK_FALSE(parse_session(json(nullptr)).has_value());
    CHECK_FALSE(parse_session({{"id", 1}, {"title", "x"}, {"state", "live"}, {"starts_at", -1}}).has_value());
}
