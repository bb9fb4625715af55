#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "domain/council.hpp"
#include "domain/event_view.hpp"

using namespace pleno;
using namespace pleno::domain;

namespace {

constexpr millis start_of_session = 1'790'000'000'000;

timestamp at_second(int second)
{
    millis const wall = start_of_session + second * 1000LL;
    return {wall, std::chrono::steady_clock::time_point(std::chrono::milliseconds(wall))};
}

council_settings test_settings()
{
    council_settings settings;
    settings.reject_reasons = {{"off_topic", "Off topic"}, {"insult", "Insult"}};
    settings.word_list = {"idiota", "corrupt*"};
    return settings;
}

actor const chair{role::chair, "alcaldia"};
actor const moderator{role::moderator, "ana"};
actor const second_moderator{role::moderator, "bruno"};
actor const citizen{role::citizen, "c-1"};
actor const other_citizen{role::citizen, "c-2"};
actor const display{role::display, "sala"};

struct live_council {
    council value{test_settings()};
    id_type session_id = 0;
    id_type first_item = 0;
    id_type second_item = 0;

    live_council()
    {
        session_draft draft{"Pleno ordinario", "Salón de plenos", start_of_session,
                            {{0, 0, "Acta", ""}, {0, 0, "Presupuesto", "Debate del presupuesto"}}};
        auto created = value.create_session(chair, draft, at_second(-100));
        REQUIRE(created.ok());
        session_id = created.value;
        auto const& agenda = value.find_session(session_id)->agenda;
        first_item = agenda[0].id;
        second_item = agenda[1].id;
        REQUIRE(value.open_session(chair, session_id, at_second(0)).ok());
    }

    id_type post(actor const& who, std::string const& client_id, std::string const& text, int second = 1)
    {
        auto result = value.submit_post(who, {client_id, "Lucía", text, 0, 0}, at_second(second));
        REQUIRE(result.ok());
        return result.value.post_id;
    }
};

}  // namespace

TEST_CASE("a session moves scheduled -> live -> closed and numbers its agenda")
{
    council value(test_settings());
    auto created = value.create_session(chair, {"Pleno", "", start_of_session, {{0, 0, "Uno", ""}, {0, 7, "Siete", ""}}}, at_second(0));
    REQUIRE(created.ok());
    auto const* session = value.find_session(created.value);
    CHECK(session->state == session_state::scheduled);
    CHECK(session->agenda[0].number == 1);
    CHECK(session->agenda[1].number == 7);
    CHECK(value.close_session(chair, created.value, at_second(1)).error->code == error_code::invalid_state);
    REQUIRE(value.open_session(chair, created.value, at_second(2)).ok());
    CHECK(session->state == session_state::live);
    CHECK(session->current_item_id == session->agenda[0].id);  // opening starts at the first item
    CHECK(value.open_session(chair, created.value, at_second(3)).error->code == error_code::invalid_state);
    REQUIRE(value.close_session(chair, created.value, at_second(4)).ok());
    CHECK(session->state == session_state::closed);
    CHECK(session->last_seq == 3);
}

TEST_CASE("only the chair prepares, opens and steers sessions")
{
    live_council fixture;
    auto& value = fixture.value;
    CHECK(value.create_session(moderator, {"X", "", start_of_session, {}}, at_second(1)).error->code == error_code::forbidden);
    CHECK(value.set_current_item(citizen, fixture.session_id, fixture.second_item, at_second(1)).error->code == error_code::forbidden);
    CHECK(value.set_wall_mode(display, fixture.session_id, wall_mode::blank, at_second(1)).error->code == error_code::forbidden);
    CHECK(value.set_overlay(moderator, fixture.session_id, "Receso", at_second(1)).error->code == error_code::forbidden);
    CHECK(value.find_session(fixture.session_id)->last_seq == 2);  // created, opened: nothing else happened
}

TEST_CASE("a second session cannot go live while one is live")
{
    live_council fixture;
    auto other = fixture.value.create_session(chair, {"Extraordinario", "", start_of_session, {}}, at_second(1));
    REQUIRE(other.ok());
    auto opened = fixture.value.open_session(chair, other.value, at_second(2));
    CHECK(opened.error->code == error_code::another_session_live);
    CHECK(opened.error->details["session_id"] == fixture.session_id);
}

TEST_CASE("posting is refused before the session opens, unless the early window is configured")
{
    auto settings = test_settings();
    council strict(settings);
    auto created = strict.create_session(chair, {"Pleno", "", start_of_session + 3600'000, {}}, at_second(0));
    auto refused = strict.submit_post(citizen, {"a1", "Lucía", "Hola", created.value, 0}, at_second(10));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error->code == error_code::posting_not_open);
    CHECK(refused.error->details["opens_at"] == start_of_session + 3600'000);

    settings.posting_opens_before = 30 * 60 * 1000;
    council early(settings);
    auto scheduled = early.create_session(chair, {"Pleno", "", start_of_session + 3600'000, {}}, at_second(0));
    CHECK_FALSE(early.submit_post(citizen, {"a1", "Lucía", "Hola", scheduled.value, 0}, at_second(10)).ok());
    CHECK(early.submit_post(citizen, {"a2", "Lucía", "Hola", scheduled.value, 0}, at_second(31 * 60)).ok());
}

TEST_CASE("a post is cleaned once, tied to the current item, and flagged by the word list")
{
    live_council fixture;
    auto& value = fixture.value;
    REQUIRE(value.set_current_item(chair, fixture.session_id, fixture.second_item, at_second(1)).ok());
    auto result = value.submit_post(citizen, {"p1", "  Lucía\u200b ", "Eso es de idiota\u202e y CORRUPTOS", 0, 0}, at_second(2));
    REQUIRE(result.ok());
    auto const* stored = value.find_post(result.value.post_id);
    CHECK(stored->author == "Lucía");
    CHECK(stored->text == "Eso es de idiota y CORRUPTOS");
    CHECK(stored->item_id == fixture.second_item);
    CHECK(stored->status == post_status::pending);
    REQUIRE(stored->flags.size() == 2);
    CHECK(stored->flags[0] == "idiota");
    CHECK(result.changes.events.size() == 1);
    CHECK(result.changes.events[0].type == "post_submitted");
}

TEST_CASE("a citizen may pick another item of the same session, but not an unknown one")
{
    live_council fixture;
    auto chosen = fixture.value.submit_post(citizen, {"p1", "Lucía", "Sobre el acta", 0, fixture.second_item}, at_second(1));
    REQUIRE(chosen.ok());
    CHECK(fixture.value.find_post(chosen.value.post_id)->item_id == fixture.second_item);
    auto unknown = fixture.value.submit_post(citizen, {"p2", "Lucía", "?", 0, 999}, at_second(2));
    CHECK(unknown.error->code == error_code::item_not_found);
}

TEST_CASE("text rules give their error codes and store nothing")
{
    live_council fixture;
    auto& value = fixture.value;
    CHECK(value.submit_post(citizen, {"e1", "Lucía", " \u200b\u2066 ", 0, 0}, at_second(1)).error->code == error_code::text_empty);
    CHECK(value.submit_post(citizen, {"e2", "Lucía", std::string(281, 'a'), 0, 0}, at_second(1)).error->code == error_code::text_too_long);
    CHECK(value.submit_post(citizen, {"e3", "Lucía", "\xc0\xaf", 0, 0}, at_second(1)).error->code == error_code::invalid_utf8);
    CHECK(value.submit_post(citizen, {"e4", "", "Hola", 0, 0}, at_second(1)).error->code == error_code::invalid_name);
    CHECK(value.submit_post(citizen, {"bad id!", "Lucía", "Hola", 0, 0}, at_second(1)).error->code == error_code::bad_request);
    CHECK(value.posts_of(fixture.session_id).empty());
    CHECK(value.submit_post(citizen, {"ok", "Lucía", std::string(280, 'a'), 0, 0}, at_second(1)).ok());
}

TEST_CASE("the same client id returns the same post, never a second one")
{
    live_council fixture;
    auto first = fixture.value.submit_post(citizen, {"same", "Lucía", "Hola", 0, 0}, at_second(1));
    auto again = fixture.value.submit_post(citizen, {"same", "Lucía", "Hola otra vez", 0, 0}, at_second(2));
    REQUIRE(first.ok());
    REQUIRE(again.ok());
    CHECK(again.value.post_id == first.value.post_id);
    CHECK(again.value.duplicate);
    CHECK(again.changes.events.empty());
    CHECK(fixture.value.posts_of(fixture.session_id).size() == 1);
    // Another citizen may use the same client id for their own post.
    auto other = fixture.value.submit_post(other_citizen, {"same", "Pere", "Bon dia", 0, 0}, at_second(3));
    CHECK(other.value.post_id != first.value.post_id);
}

TEST_CASE("posts per citizen are rate limited by a token bucket")
{
    live_council fixture;
    auto& value = fixture.value;
    for (int i = 0; i < 3; ++i)
        REQUIRE(value.submit_post(citizen, {"b" + std::to_string(i), "Lucía", "Hola", 0, 0}, at_second(1)).ok());
    auto limited = value.submit_post(citizen, {"b3", "Lucía", "Hola", 0, 0}, at_second(1));
    REQUIRE_FALSE(limited.ok());
    CHECK(limited.error->code == error_code::rate_limited);
    CHECK(limited.error->details["retry_after_seconds"] == 20);
    CHECK(value.submit_post(other_citizen, {"b0", "Pere", "Hola", 0, 0}, at_second(1)).ok());
    CHECK(value.submit_post(citizen, {"b4", "Lucía", "Hola", 0, 0}, at_second(21)).ok());
}

TEST_CASE("retry_after_seconds rounds up: a token less than a millisecond away still says 1")
{
    live_council fixture;
    auto& value = fixture.value;
    for (int i = 0; i < 3; ++i)
        fixture.post(citizen, "r" + std::to_string(i), "Hola");  // the burst, spent at second 1
    auto halfway = value.submit_post(citizen, {"r3", "Lucía", "Hola", 0, 0}, at_second(11));
    REQUIRE_FALSE(halfway.ok());
    CHECK(halfway.error->details["retry_after_seconds"] == 10);
    // 19.9996 s after the burst was spent: the next token is 0.4 ms away.
    timestamp almost = at_second(20);
    almost.steady += std::chrono::microseconds(999'600);
    auto limited = value.submit_post(citizen, {"r4", "Lucía", "Hola", 0, 0}, almost);
    REQUIRE_FALSE(limited.ok());
    CHECK(limited.error->code == error_code::rate_limited);
    CHECK(limited.error->details["retry_after_seconds"] == 1);
}

TEST_CASE("the first moderator decision wins; the second gets already_decided")
{
    live_council fixture;
    auto const id = fixture.post(citizen, "p1", "Hola");
    auto approved = fixture.value.approve(moderator, id, at_second(2));
    REQUIRE(approved.ok());
    CHECK(approved.changes.events[0].type == "post_approved");
    auto late = fixture.value.approve(second_moderator, id, at_second(3));
    REQUIRE_FALSE(late.ok());
    CHECK(late.error->code == error_code::already_decided);
    CHECK(late.error->details["decided_by"] == "ana");
    auto late_reject = fixture.value.reject(second_moderator, id, "off_topic", "", at_second(3));
    CHECK(late_reject.error->code == error_code::already_decided);
    CHECK(fixture.value.find_post(id)->decided_by == "ana");
}

TEST_CASE("citizens and displays may not moderate")
{
    live_council fixture;
    auto const id = fixture.post(citizen, "p1", "Hola");
    CHECK(fixture.value.approve(citizen, id, at_second(2)).error->code == error_code::forbidden);
    CHECK(fixture.value.approve(display, id, at_second(2)).error->code == error_code::forbidden);
    CHECK(fixture.value.submit_post(display, {"d1", "Sala", "Hola", 0, 0}, at_second(2)).error->code == error_code::forbidden);
    CHECK(fixture.value.find_post(id)->status == post_status::pending);
}

TEST_CASE("rejection needs a configured reason and keeps the moderator's detail")
{
    live_council fixture;
    auto const id = fixture.post(citizen, "p1", "Hola");
    CHECK(fixture.value.reject(moderator, id, "made_up", "", at_second(2)).error->code == error_code::invalid_reason);
    CHECK(fixture.value.reject(moderator, id, "banned", "", at_second(2)).error->code == error_code::invalid_reason);  // reserved for bans
    auto rejected = fixture.value.reject(moderator, id, "off_topic", "Hable del punto del orden del día", at_second(2));
    REQUIRE(rejected.ok());
    auto const* stored = fixture.value.find_post(id);
    CHECK(stored->status == post_status::rejected);
    CHECK(stored->reject_reason == "off_topic");
    CHECK(stored->reject_detail == "Hable del punto del orden del día");
    CHECK(rejected.changes.events[0].data["post"]["reject_label"] == "Off topic");
}

TEST_CASE("hide takes an approved post off the wall and unpins it")
{
    live_council fixture;
    auto const id = fixture.post(citizen, "p1", "Hola");
    CHECK(fixture.value.hide(moderator, id, at_second(2)).error->code == error_code::not_approved);
    REQUIRE(fixture.value.approve(moderator, id, at_second(3)).ok());
    REQUIRE(fixture.value.pin(moderator, id, at_second(4)).ok());
    REQUIRE(fixture.value.hide(second_moderator, id, at_second(5)).ok());
    auto const* stored = fixture.value.find_post(id);
    CHECK(stored->status == post_status::hidden);
    CHECK_FALSE(stored->pinned);
    CHECK(fixture.value.find_session(fixture.session_id)->pinned_post_id == 0);
    CHECK(fixture.value.hide(moderator, id, at_second(6)).error->code == error_code::already_decided);
}

TEST_CASE("at most one post is pinned")
{
    live_council fixture;
    auto const first = fixture.post(citizen, "p1", "Uno");
    auto const second = fixture.post(other_citizen, "p2", "Dos");
    REQUIRE(fixture.value.approve(moderator, first, at_second(2)).ok());
    REQUIRE(fixture.value.approve(moderator, second, at_second(2)).ok());
    REQUIRE(fixture.value.pin(moderator, first, at_second(3)).ok());
    auto repinned = fixture.value.pin(moderator, second, at_second(4));
    REQUIRE(repinned.ok());
    CHECK(repinned.changes.events[0].data["unpinned_post_id"] == first);
    CHECK_FALSE(fixture.value.find_post(first)->pinned);
    CHECK(fixture.value.find_post(second)->pinned);
    CHECK(fixture.value.unpin(moderator, first, at_second(5)).error->code == error_code::not_pinned);
    REQUIRE(fixture.value.unpin(moderator, second, at_second(5)).ok());
    CHECK(fixture.value.find_session(fixture.session_id)->pinned_post_id == 0);
}

TEST_CASE("a ban rejects the citizen's waiting posts and refuses their later ones")
{
    live_council fixture;
    auto const waiting = fixture.post(citizen, "p1", "Uno");
    auto const shown = fixture.post(citizen, "p2", "Dos");
    REQUIRE(fixture.value.approve(moderator, shown, at_second(2)).ok());
    auto banned = fixture.value.ban_citizen(moderator, fixture.session_id, citizen.name, "Insultos", at_second(3));
    REQUIRE(banned.ok());
    CHECK(banned.value == 1);
    CHECK(fixture.value.find_post(waiting)->status == post_status::rejected);
    CHECK(fixture.value.find_post(waiting)->reject_reason == "banned");
    CHECK(fixture.value.find_post(shown)->status == post_status::approved);  // a ban does not rewrite the wall
    CHECK(banned.changes.bans.size() == 1);
    auto later = fixture.value.submit_post(citizen, {"p3", "Lucía", "Tres", 0, 0}, at_second(60));
    CHECK(later.error->code == error_code::banned);
    CHECK(fixture.value.ban_citizen(moderator, fixture.session_id, "c-unknown", "", at_second(4)).error->code ==
          error_code::citizen_not_found);
    CHECK(fixture.value.ban_citizen(citizen, fixture.session_id, other_citizen.name, "", at_second(4)).error->code ==
          error_code::forbidden);
}

TEST_CASE("wall control: hold, blank, live and the overlay")
{
    live_council fixture;
    auto& value = fixture.value;
    REQUIRE(value.set_wall_mode(chair, fixture.session_id, wall_mode::hold, at_second(1)).ok());
    CHECK(value.find_session(fixture.session_id)->mode == wall_mode::hold);
    REQUIRE(value.set_wall_mode(chair, fixture.session_id, wall_mode::blank, at_second(2)).ok());
    REQUIRE(value.set_overlay(chair, fixture.session_id, "Receso hasta las 18:30", at_second(3)).ok());
    CHECK(value.find_session(fixture.session_id)->overlay == "Receso hasta las 18:30");
    CHECK(value.set_overlay(chair, fixture.session_id, std::string(121, 'x'), at_second(4)).error->code == error_code::text_too_long);
    REQUIRE(value.set_overlay(chair, fixture.session_id, "", at_second(5)).ok());
    CHECK(value.find_session(fixture.session_id)->overlay.empty());
    REQUIRE(value.set_wall_mode(chair, fixture.session_id, wall_mode::live, at_second(6)).ok());
    REQUIRE(value.close_session(chair, fixture.session_id, at_second(7)).ok());
    CHECK(value.set_wall_mode(chair, fixture.session_id, wall_mode::hold, at_second(8)).error->code == error_code::session_closed);
}

TEST_CASE("editing the agenda keeps item ids and moves the current item if it was removed")
{
    live_council fixture;
    auto& value = fixture.value;
    REQUIRE(value.set_current_item(chair, fixture.session_id, fixture.second_item, at_second(1)).ok());
    auto edited = value.set_agenda(chair, fixture.session_id, {{fixture.first_item, 0, "Acta corregida", ""}, {0, 0, "Ruegos", ""}}, at_second(2));
    REQUIRE(edited.ok());
    auto const* session = value.find_session(fixture.session_id);
    REQUIRE(session->agenda.size() == 2);
    CHECK(session->agenda[0].id == fixture.first_item);
    CHECK(session->agenda[0].title == "Acta corregida");
    CHECK(session->agenda[1].id > fixture.second_item);
    CHECK(session->current_item_id == fixture.first_item);
    auto foreign = value.set_agenda(chair, fixture.session_id, {{12345, 0, "X", ""}}, at_second(3));
    CHECK(foreign.error->code == error_code::item_not_found);
}

TEST_CASE("only creating a session and editing its agenda mark the agenda as changed; every change marks the session")
{
    council value(test_settings());
    auto created = value.create_session(chair, {"Pleno", "", start_of_session, {{0, 0, "Uno", ""}}}, at_second(0));
    REQUIRE(created.ok());
    id_type const session_id = created.value;
    CHECK(created.changes.sessions == std::vector<id_type>{session_id});
    CHECK(created.changes.agendas == std::vector<id_type>{session_id});
    auto const item = value.find_session(session_id)->agenda[0].id;

    // The store rewrites agenda rows only for these; the others save the session row alone.
    auto const unchanged_agenda = [&](auto const& result) {
        REQUIRE(result.ok());
        CHECK(result.changes.sessions == std::vector<id_type>{session_id});
        CHECK(result.changes.agendas.empty());
    };
    unchanged_agenda(value.update_session(chair, session_id, {"Pleno ordinario", "Sala", start_of_session, {}}, at_second(1)));
    unchanged_agenda(value.open_session(chair, session_id, at_second(2)));
    unchanged_agenda(value.set_current_item(chair, session_id, item, at_second(3)));
    unchanged_agenda(value.set_wall_mode(chair, session_id, wall_mode::hold, at_second(4)));
    unchanged_agenda(value.set_overlay(chair, session_id, "Receso", at_second(5)));
    auto submitted = value.submit_post(citizen, {"p1", "Lucía", "Hola", 0, 0}, at_second(6));
    unchanged_agenda(submitted);
    unchanged_agenda(value.approve(moderator, submitted.value.post_id, at_second(7)));
    unchanged_agenda(value.pin(moderator, submitted.value.post_id, at_second(8)));

    auto edited = value.set_agenda(chair, session_id, {{item, 0, "Uno", ""}, {0, 0, "Dos", ""}}, at_second(9));
    REQUIRE(edited.ok());
    CHECK(edited.changes.agendas == std::vector<id_type>{session_id});
    unchanged_agenda(value.close_session(chair, session_id, at_second(10)));
}

TEST_CASE("every change gets the next seq and is kept for replay")
{
    live_council fixture;
    auto const id = fixture.post(citizen, "p1", "Hola");
    REQUIRE(fixture.value.approve(moderator, id, at_second(2)).ok());
    auto const& events = fixture.value.events_of(fixture.session_id);
    REQUIRE(events.size() == 4);
    for (std::size_t i = 0; i < events.size(); ++i)
        CHECK(events[i].seq == static_cast<seq_type>(i + 1));
    CHECK(events[2].type == "post_submitted");
    CHECK(events[3].actor == "ana");
}

TEST_CASE("the wall never sees pending or rejected posts, nor who wrote them")
{
    live_council fixture;
    auto const id = fixture.post(citizen, "p1", "Hola");
    auto const& submitted = fixture.value.events_of(fixture.session_id).back();
    CHECK_FALSE(event_message(submitted, audience::wall).has_value());
    auto for_author = event_message(submitted, audience::author);
    REQUIRE(for_author.has_value());
    CHECK((*for_author)["post"]["status"] == "pending");
    CHECK_FALSE((*for_author)["post"].contains("citizen_id"));
    CHECK((*event_message(submitted, audience::staff))["post"]["citizen_id"] == "c-1");

    REQUIRE(fixture.value.approve(moderator, id, at_second(2)).ok());
    auto const& approved = fixture.value.events_of(fixture.session_id).back();
    auto for_wall = event_message(approved, audience::wall);
    REQUIRE(for_wall.has_value());
    CHECK((*for_wall)["post"]["text"] == "Hola");
    CHECK_FALSE((*for_wall)["post"].contains("citizen_id"));
    CHECK_FALSE((*for_wall)["post"].contains("decided_by"));
    CHECK_FALSE(for_wall->contains("actor"));
    CHECK(event_citizen(approved) == "c-1");
}

TEST_CASE("the current session is the live one, else the nearest scheduled, else the last closed")
{
    council value(test_settings());
    CHECK(value.current_session_id(start_of_session) == 0);
    auto later = value.create_session(chair, {"Later", "", start_of_session + 86'400'000, {}}, at_second(0));
    auto sooner = value.create_session(chair, {"Sooner", "", start_of_session + 3'600'000, {}}, at_second(0));
    CHECK(value.current_session_id(start_of_session) == sooner.value);
    REQUIRE(value.open_session(chair, later.value, at_second(1)).ok());
    CHECK(value.current_session_id(start_of_session) == later.value);
}

TEST_CASE("restore brings back sessions, posts, bans and events with their counters")
{
    live_council fixture;
    auto const id = fixture.post(citizen, "p1", "Hola");
    REQUIRE(fixture.value.ban_citizen(moderator, fixture.session_id, citizen.name, "", at_second(2)).ok());
    std::vector<council_session> sessions;
    for (auto const* session : fixture.value.sessions())
        sessions.push_back(*session);
    std::vector<post> posts{*fixture.value.find_post(id)};
    std::vector<event> events = fixture.value.events_of(fixture.session_id);
    council restored(test_settings());
    restored.restore(sessions, posts, {{fixture.session_id, citizen.name, "ana", 0, ""}}, events, fixture.session_id, 2, id);
    CHECK(restored.is_banned(fixture.session_id, citizen.name));
    auto again = restored.submit_post(citizen, {"p1", "Lucía", "Hola", 0, 0}, at_second(3));
    CHECK(again.value.post_id == id);  // the client id index is rebuilt
    auto fresh = restored.submit_post(other_citizen, {"x", "Pere", "Nou", 0, 0}, at_second(3));
    REQUIRE(fresh.ok());
    CHECK(fresh.value.post_id == id + 1);
    CHECK(fresh.changes.events[0].seq == static_cast<seq_type>(events.size() + 1));
}
