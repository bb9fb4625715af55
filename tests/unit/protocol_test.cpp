#include <doctest/doctest.h>

#include <string>

#include <pleno/protocol.hpp>

using namespace pleno;
using namespace pleno::protocol;

namespace {

error_code error_of(std::string const& text)
{
    auto result = parse_client_message(text);
    REQUIRE_FALSE(result.message.has_value());
    return result.error;
}

}  // namespace

TEST_CASE("a hello is parsed with its role, token and resume point")
{
    auto result = parse_client_message(R"({"type":"hello","req":1,"role":"display","token":"abc","session_id":3,"last_seq":41})");
    REQUIRE(result.message.has_value());
    auto const& message = std::get<hello>(*result.message);
    CHECK(message.role == "display");
    CHECK(message.token == "abc");
    CHECK(message.session_id == 3);
    REQUIRE(message.last_seq.has_value());
    CHECK(*message.last_seq == 41);
    CHECK(result.req == 1);
}

TEST_CASE("a post submission carries its client id, author and text")
{
    auto result = parse_client_message(R"({"type":"submit_post","req":"r-7","client_id":"x1","author":"Núria","text":"Bon dia","item_id":4})");
    REQUIRE(result.message.has_value());
    auto const& message = std::get<submit_post>(*result.message);
    CHECK(message.client_id == "x1");
    CHECK(message.author == "Núria");
    CHECK(message.item_id == 4);
    CHECK(result.req == "r-7");
}

TEST_CASE("moderation and chair messages parse into their commands")
{
    auto approve = parse_client_message(R"({"type":"approve","post_id":9})");
    REQUIRE(approve.message);
    CHECK(std::get<decide_post>(*approve.message).action == post_action::approve);
    auto pin = parse_client_message(R"({"type":"pin","post_id":9})");
    CHECK(std::get<decide_post>(*pin.message).action == post_action::pin);
    auto reject = parse_client_message(R"({"type":"reject","post_id":9,"reason":"insult","detail":"..."})");
    CHECK(std::get<reject_post>(*reject.message).reason == "insult");
    auto mode = parse_client_message(R"({"type":"set_wall_mode","session_id":1,"mode":"blank"})");
    CHECK(std::get<set_wall_mode>(*mode.message).mode == "blank");
    auto create = parse_client_message(R"({"type":"create_session","title":"Pleno","starts_at":1790000000000,"agenda":[{"title":"Acta"},{"title":"Presupuesto","number":5}]})");
    REQUIRE(create.message);
    auto const& session = std::get<create_session>(*create.message);
    REQUIRE(session.agenda.size() == 2);
    CHECK(session.agenda[1].number == 5);
}

TEST_CASE("malformed messages get stable error codes")
{
    CHECK(error_of("not json") == error_code::bad_json);
    CHECK(error_of("[1,2]") == error_code::bad_json);
    CHECK(error_of(R"({"req":1})") == error_code::bad_request);
    CHECK(error_of(R"({"type":"launch_rockets"})") == error_code::unknown_type);
    CHECK(error_of(R"({"type":"approve"})") == error_code::bad_request);
    CHECK(error_of(R"({"type":"approve","post_id":"9"})") == error_code::bad_request);
    CHECK(error_of(R"({"type":"approve","post_id":9.5})") == error_code::bad_request);
    CHECK(error_of(R"({"type":"approve","post_id":-1})") == error_code::bad_request);
    CHECK(error_of(R"({"type":"approve","post_id":99999999999999999999})") == error_code::bad_request);
    CHECK(error_of(R"({"type":"approve","post_id":9,"extra":true})") == error_code::bad_request);
    CHECK(error_of(R"({"type":"set_wall_mode","session_id":1,"mode":"party"})") == error_code::bad_request);
    CHECK(error_of(R"({"type":"submit_post","client_id":"x","author":"A"})") == error_code::bad_request);
    CHECK(error_of(R"({"type":"ping","req":{"nested":1}})") == error_code::bad_request);
    CHECK(error_of(R"({"type":"hello","role":"viewer","protocol":2})") == error_code::bad_request);
}

TEST_CASE("the request id is echoed even when the message is refused")
{
    auto result = parse_client_message(R"({"type":"approve","req":42})");
    CHECK_FALSE(result.message.has_value());
    CHECK(result.req == 42);
    auto text = make_error(result.req, result.error, result.error_message);
    auto reply = nlohmann::json::parse(text);
    CHECK(reply["type"] == "error");
    CHECK(reply["req"] == 42);
    CHECK(reply["code"] == "bad_request");
}

TEST_CASE("an oversized text field is refused before any cleaning")
{
    std::string text(5000, 'a');
    CHECK(error_of(R"({"type":"submit_post","client_id":"x","author":"A","text":")" + text + "\"}") == error_code::bad_request);
}

TEST_CASE("an agenda file may be an array or an object with items")
{
    std::string problem;
    auto from_array = parse_agenda(nlohmann::json::parse(R"([{"title":"Uno"},{"title":"Dos","description":"d"}])"), problem);
    REQUIRE(from_array.has_value());
    CHECK(from_array->size() == 2);
    auto from_object = parse_agenda(nlohmann::json::parse(R"({"items":[{"title":"Uno"}]})"), problem);
    REQUIRE(from_object.has_value());
    auto broken = parse_agenda(nlohmann::json::parse(R"([{"name":"Uno"}])"), problem);
    CHECK_FALSE(broken.has_value());
    CHECK(problem.find("name") != std::string::npos);
}

TEST_CASE("error codes have stable names both ways")
{
    CHECK(to_string(error_code::already_decided) == "already_decided");
    CHECK(parse_error_code("rate_limited") == error_code::rate_limited);
    CHECK_FALSE(parse_error_code("nonsense").has_value());
}
