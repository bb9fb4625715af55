#include "test_client.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <random>
#include <stdexcept>
#include <system_error>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "app/log.hpp"
#include "app/service.hpp"
#include "auth/password.hpp"
#include "auth/random_token.hpp"
#include "net/server.hpp"
#include "store/store.hpp"

namespace pleno::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace client_detail {

char lower_ascii(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool same_name(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lower_ascii(x) == lower_ascii(y);
           });
}

std::string host_for(unsigned short port)
{
    return "127.0.0.1:" + std::to_string(port);
}

tcp::endpoint loopback(unsigned short port)
{
    return {asio::ip::make_address_v4("127.0.0.1"), port};
}

// Runs `context` until `done()` or the deadline. False when the deadline came
// first or the context ran out of work before `done()`.
bool run_context_until(asio::io_context& context, std::function<bool()> const& done, clock_type::time_point deadline)
{
    while (!done()) {
        auto const now = clock_type::now();
        if (now >= deadline)
            return false;
        if (context.stopped())
            context.restart();
        std::size_t const handled = context.run_one_for(deadline - now);
        if (handled == 0 && context.stopped() && !done())
            return false;  // nothing left that could make done() true
    }
    return true;
}

}  // namespace client_detail

// ---- HTTP ---------------------------------------------------------------

std::string http_result::header(std::string_view name) const
{
    for (auto const& [key, value] : headers)
        if (client_detail::same_name(key, name))
            return value;
    return {};
}

bool http_result::has_header(std::string_view name) const
{
    return std::any_of(headers.begin(), headers.end(),
                       [&](auto const& entry) { return client_detail::same_name(entry.first, name); });
}

json http_result::body_json() const
{
    return json::parse(body, nullptr, false);
}

http_result http_request(unsigned short port, std::string_view method, std::string_view target, http_options const& options)
{
    http_result result;
    asio::io_context context;
    beast::tcp_stream stream(context);
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, client_detail::host_for(port));
    request.set(http::field::user_agent, "pleno-integration-test");
    for (auto const& [name, value] : options.headers)
        request.set(name, value);
    if (!options.body.empty() || method == "POST") {
        request.body() = options.body;
        request.prepare_payload();
    }
    request.keep_alive(false);

    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    if (method == "HEAD")
        parser.skip(true);  // a HEAD answer announces a body it does not send
    beast::flat_buffer buffer;
    bool finished = false;

    auto fail = [&](char const* step, beast::error_code error) {
        result.failure = std::string(step) + ": " + error.message();
        finished = true;
    };
    stream.async_connect(client_detail::loopback(port), [&](beast::error_code error) {
        if (error)
            return fail("connect", error);
        http::async_write(stream, request, [&](beast::error_code write_error, std::size_t) {
            if (write_error)
                return fail("write", write_error);
            http::async_read(stream, buffer, parser, [&](beast::error_code read_error, std::size_t) {
                if (read_error)
                    return fail("read", read_error);
                auto const& response = parser.get();
                result.status = response.result_int();
                for (auto const& field : response)
                    result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
                result.body = response.body();
                finished = true;
            });
        });
    });
    auto const deadline = clock_type::now() + options.timeout;
    if (!client_detail::run_context_until(context, [&] { return finished; }, deadline)) {
        result.failure = "no answer within the timeout";
        result.status = 0;
    }
    beast::error_code ignored;
    stream.socket().close(ignored);
    return result;
}

// ---- WebSocket ----------------------------------------------------------

ws_client::ws_client()
    : stream_(context_)
{
}

ws_client::~ws_client()
{
    // A test that failed half-way must not leave the server a half-open peer
    // for long, nor hang here: a short close, then the socket goes.
    if (open_ && !closed_)
        close(500ms);
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
}

bool ws_client::run_until(std::function<bool()> const& done, clock_type::time_point deadline)
{
    return client_detail::run_context_until(context_, done, deadline);
}

handshake_result ws_client::connect(unsigned short port, connect_options const& options, std::chrono::milliseconds timeout)
{
    // Shared with the handlers, which may outlive this call when it times out.
    struct attempt {
        handshake_result result;
        websocket::response_type response;
        bool finished = false;
    };
    auto state = std::make_shared<attempt>();
    auto const deadline = clock_type::now() + timeout;

    stream_.set_option(websocket::stream_base::decorator(
        [origin = options.origin, cookie = options.cookie](websocket::request_type& request) {
            request.set(http::field::user_agent, "pleno-integration-test");
            if (origin)
                request.set(http::field::origin, *origin);
            if (cookie)
                request.set(http::field::cookie, *cookie);
        }));
    // Large enough for any snapshot; the limit under test is the server's.
    stream_.read_message_max(64 * 1024 * 1024);

    beast::get_lowest_layer(stream_).async_connect(
        client_detail::loopback(port), [this, state, host = client_detail::host_for(port), target = options.target](beast::error_code error) {
            if (error) {
                state->result.failure = "connect: " + error.message();
                state->finished = true;
                return;
            }
            stream_.async_handshake(state->response, host, target, [state](beast::error_code handshake_error) {
                state->result.status = state->response.result_int();
                if (handshake_error)
                    state->result.failure = "handshake: " + handshake_error.message();
                else
                    state->result.accepted = true;
                state->finished = true;
            });
        });
    if (!run_until([&] { return state->finished; }, deadline)) {
        beast::error_code ignored;
        beast::get_lowest_layer(stream_).socket().close(ignored);
        run_until([&] { return state->finished; }, clock_type::now() + 500ms);
        handshake_result failed;
        failed.failure = "no handshake within the timeout";
        return failed;
    }
    if (state->result.accepted) {
        open_ = true;
        stream_.text(true);
        start_read();
    }
    return state->result;
}

void ws_client::start_read()
{
    reading_ = true;
    stream_.async_read(buffer_, [this](beast::error_code error, std::size_t bytes) { on_read(error, bytes); });
}

void ws_client::on_read(beast::error_code error, std::size_t)
{
    if (error) {
        reading_ = false;
        closed_ = true;
        open_ = false;
        if (error == websocket::error::closed)
            close_code_ = static_cast<unsigned>(stream_.reason().code);
        return;
    }
    std::string const text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    json parsed = json::parse(text, nullptr, false);
    auto keep = [this](json message) {
        history_.push_back(message);
        inbox_.push_back(std::move(message));
    };
    if (parsed.is_discarded()) {
        // Made visible rather than dropped: the server must only send JSON.
        keep(json{{"type", "unparseable"}, {"raw", text}});
    } else if (parsed.is_array()) {
        for (auto& element : parsed)
            keep(std::move(element));
    } else {
        keep(std::move(parsed));
    }
    start_read();
}

bool ws_client::send_text(std::string const& text, std::chrono::milliseconds timeout)
{
    if (!open_)
        return false;
    // Shared with the handler, which may outlive this call when it times out.
    struct write_state {
        std::string payload;
        bool finished = false;
        bool written = false;
    };
    auto state = std::make_shared<write_state>();
    state->payload = text;
    stream_.async_write(asio::buffer(state->payload), [state](beast::error_code error, std::size_t) {
        state->written = !error;
        state->finished = true;
    });
    if (!run_until([&] { return state->finished; }, clock_type::now() + timeout)) {
        // A write stuck for this long means the connection is unusable.
        beast::error_code ignored;
        beast::get_lowest_layer(stream_).socket().close(ignored);
        run_until([&] { return state->finished && !reading_; }, clock_type::now() + 1s);
        open_ = false;
        return false;
    }
    return state->written;
}

bool ws_client::send(json const& message, std::chrono::milliseconds timeout)
{
    return send_text(message.dump(), timeout);
}

std::optional<json> ws_client::receive(std::chrono::milliseconds timeout)
{
    run_until([this] { return !inbox_.empty() || !reading_; }, clock_type::now() + timeout);
    if (inbox_.empty())
        return std::nullopt;
    json message = std::move(inbox_.front());
    inbox_.pop_front();
    return message;
}

std::optional<json> ws_client::receive_until(std::function<bool(json const&)> const& predicate,
                                             std::chrono::milliseconds timeout)
{
    auto const deadline = clock_type::now() + timeout;
    for (;;) {
        auto const now = clock_type::now();
        auto const left = deadline > now ? std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) : 0ms;
        auto message = receive(left);
        if (!message)
            return std::nullopt;
        if (predicate(*message))
            return message;
    }
}

std::optional<json> ws_client::receive_type(std::string_view type, std::chrono::milliseconds timeout)
{
    return receive_until([type](json const& message) { return type_of(message) == type; }, timeout);
}

std::vector<json> ws_client::drain(std::chrono::milliseconds quiet)
{
    std::vector<json> messages;
    while (auto message = receive(quiet))
        messages.push_back(std::move(*message));
    return messages;
}

std::optional<json> ws_client::request(json message, std::chrono::milliseconds timeout)
{
    if (!message.contains("req"))
        message["req"] = next_req_++;
    json const req = message["req"];
    if (!send(message, timeout))
        return std::nullopt;
    auto find_reply = [&]() {
        return std::find_if(inbox_.begin(), inbox_.end(), [&](json const& candidate) {
            return candidate.is_object() && candidate.contains("req") && candidate["req"] == req;
        });
    };
    run_until([&] { return find_reply() != inbox_.end() || !reading_; }, clock_type::now() + timeout);
    auto found = find_reply();
    if (found == inbox_.end())
        return std::nullopt;
    json reply = std::move(*found);
    inbox_.erase(found);
    return reply;
}

std::optional<json> ws_client::hello(json fields, std::chrono::milliseconds timeout)
{
    fields["type"] = "hello";
    return request(std::move(fields), timeout);
}

void ws_client::close(std::chrono::milliseconds timeout)
{
    if (!open_ || closed_)
        return;
    auto const deadline = clock_type::now() + timeout;
    auto finished = std::make_shared<bool>(false);
    stream_.async_close(websocket::close_code::normal, [finished](beast::error_code) { *finished = true; });
    // The read loop sees the server's answering close frame and stops.
    if (!run_until([&] { return *finished && !reading_; }, deadline)) {
        beast::error_code ignored;
        beast::get_lowest_layer(stream_).socket().close(ignored);
        run_until([&] { return *finished && !reading_; }, clock_type::now() + 500ms);
    }
    open_ = false;
    closed_ = true;
}

bool ws_client::wait_closed(std::chrono::milliseconds timeout)
{
    run_until([this] { return !reading_; }, clock_type::now() + timeout);
    return !reading_;
}

// ---- the server in this process -----------------------------------------

server_fixture::server_fixture(std::function<void(app::config&)> const& adjust)
{
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    root_ = std::filesystem::temp_directory_path() /
            ("pleno-integration-" + std::to_string(random()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(root_ / "web");
    std::ofstream(root_ / "web" / "index.html") << "<!doctype html><title>Pleno</title><p>Pleno test page</p>\n";
    // Beside the web root, where a path traversal would reach.
    std::ofstream(root_ / "secret.txt") << "not for the web\n";

    settings_.listen_address = "127.0.0.1";
    settings_.listen_port = 0;
    settings_.data_dir = root_ / "data";
    settings_.web_root = root_ / "web";
    settings_.io_threads = 2;
    // libsodium's smallest Argon2id cost: the server hashes a decoy at login.
    settings_.auth.argon2_operations = 1;
    settings_.auth.argon2_memory_bytes = 8 * 1024;
    // Every test connects from 127.0.0.1, and a closed connection is released
    // asynchronously: room for the tests, the per-address rule is not under test.
    settings_.limits.connections_per_address = 200;
    settings_.council.word_list = {"basura"};
    if (adjust)
        adjust(settings_);

    app::set_log_quiet(true);
    seed();
    start();
}

server_fixture::~server_fixture()
{
    try {
        stop();
    } catch (...) {
        // A destructor in a failing test must not terminate the suite.
    }
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
}

void server_fixture::seed()
{
    auth::initialise_crypto();
    store::store target(settings_.database_file());
    auth::password_cost const cheap{1, 8 * 1024};
    std::int64_t const now = now_millis();
    for (auto const& [name, kind] : {std::pair{chair_name, domain::role::chair},
                                     std::pair{moderator_name, domain::role::moderator},
                                     std::pair{second_moderator_name, domain::role::moderator}})
        target.save_account({name, kind, auth::hash_password(password_of(name), cheap), now});
    target.save_display_token({"sala", auth::token_digest(display_token), now, 0});
}

void server_fixture::start()
{
    if (server_)
        return;
    service_ = std::make_unique<app::service>(settings_);
    server_ = std::make_unique<net::server>(*service_, settings_);
    port_ = server_->port();
    runner_ = std::thread([server = server_.get()] { server->run(); });
}

void server_fixture::stop()
{
    if (!server_)
        return;
    server_->stop();
    if (runner_.joinable())
        runner_.join();
    server_.reset();
    service_.reset();
}

void server_fixture::restart()
{
    stop();
    start();
}

std::string server_fixture::login(std::string const& name, std::string const& password)
{
    auto const reply = http_request(port_, "POST", "/api/login",
                                    {json{{"name", name}, {"password", password}}.dump(),
                                     {{"Content-Type", "application/json"}}, default_timeout});
    if (reply.status != 200)
        return {};
    auto const body = reply.body_json();
    if (!body.is_object() || !body.contains("token") || !body["token"].is_string())
        return {};
    return body["token"].get<std::string>();
}

std::int64_t server_fixture::count_rows(std::string const& table) const
{
    store::store reader(settings_.database_file());
    return reader.count_rows(table);
}

bool server_fixture::healthy()
{
    return http_request(port_, "GET", "/healthz").status == 200;
}

// ---- small helpers ------------------------------------------------------

std::string type_of(json const& message)
{
    if (!message.is_object())
        return {};
    auto found = message.find("type");
    return found != message.end() && found->is_string() ? found->get<std::string>() : std::string{};
}

bool is_error(json const& message, std::string_view code)
{
    return type_of(message) == "error" && message.value("code", "") == code;
}

bool is_ack(json const& message)
{
    return type_of(message) == "ack";
}

std::int64_t now_millis()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace pleno::test
