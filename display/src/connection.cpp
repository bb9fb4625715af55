#include "connection.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>
#include <thread>
#include <utility>

// GCC's -Wnull-dereference reports false positives inside Asio's own inlined
// code once optimisation is on; silenced for these headers only (as the server does).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#pragma GCC diagnostic pop

#include <nlohmann/json.hpp>

#include <pleno/protocol.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <unistd.h>

namespace pleno::display {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The server batches whatever is queued for a connection into one message,
// and caps a connection's queue at 4 MiB; twice that leaves room without
// letting a broken peer make us allocate without bound.
constexpr std::size_t incoming_message_max = 8 * 1024 * 1024;

// The first delay after losing the link; it doubles up to max_backoff.
constexpr milliseconds first_backoff{1000};

// A delay is shortened by up to this share at random, so that several
// displays that lost the same server do not all knock at the same instant,
// and no delay ever exceeds max_backoff.
constexpr double backoff_jitter = 0.2;

// How long stop() lets a close handshake take before it drops the socket.
constexpr milliseconds close_grace{1000};

constexpr std::string_view user_agent = "pleno-display/1 (Boost.Beast)";

void log_line(std::string const& text)
{
    // One fprintf per line, so lines from several threads do not interleave.
    std::fprintf(stderr, "pleno-display: %s\n", text.c_str());
}

std::string describe(beast::error_code const& error)
{
    if (error == beast::error::timeout)
        return "no answer in time";
    return error.message();
}

std::string describe(websocket::close_reason const& reason)
{
    std::string text = std::to_string(reason.code);
    switch (reason.code) {
    case websocket::close_code::normal: text += " normal"; break;
    case websocket::close_code::going_away: text += " going away"; break;
    case websocket::close_code::policy_error: text += " policy"; break;
    case websocket::close_code::too_big: text += " message too big"; break;
    default: break;
    }
    if (!reason.reason.empty())
        text += ": " + std::string(reason.reason.data(), reason.reason.size());
    return text;
}

bool ascii_equal_ignoring_case(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

// A string member of a JSON object, or empty (never throws on odd types).
std::string string_member(json const& object, char const* name)
{
    auto found = object.find(name);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string{};
}

std::optional<std::int64_t> integer_member(json const& object, char const* name)
{
    auto found = object.find(name);
    if (found == object.end() || !found->is_number_integer())
        return std::nullopt;
    return found->get<std::int64_t>();
}

// Where to say hello from: the UI thread's latest resume point.
struct resume_point {
    std::int64_t session_id = 0;
    std::int64_t last_seq = 0;
};

// How the server answered our hello.
enum class hello_answer { none, welcome, refused, unknown_session };

// wss: TLS to the server on its own socket, and the WebSocket over a local
// socket pair whose other end this tunnel relays to and from the TLS stream
// (as pleno-server does on its side). Either side closing closes both, so
// the WebSocket's own timers and errors still see a lost link.
class tls_tunnel : public std::enable_shared_from_this<tls_tunnel> {
public:
    tls_tunnel(asio::io_context& context, asio::ssl::context& tls) : tls_(context, tls), inner_(context) {}

    asio::ssl::stream<tcp::socket>& tls() { return tls_; }

    // After the TLS handshake: the WebSocket's end of the pair, or an error.
    beast::error_code open_pair(tcp::socket& websocket_end)
    {
        beast::error_code error;
        asio::local::stream_protocol::socket outer(inner_.get_executor());
        asio::local::connect_pair(inner_, outer, error);
        if (error)
            return error;
        auto const handle = outer.release(error);
        if (error)
            return error;
        websocket_end.assign(tcp::v4(), handle, error);
        if (error)
            ::close(handle);
        return error;
    }

    void start()
    {
        from_server();
        from_websocket();
    }

    void close()
    {
        if (closed_)
            return;
        closed_ = true;
        beast::error_code ignored;
        tls_.next_layer().close(ignored);
        inner_.close(ignored);
    }

private:
    void from_server()
    {
        tls_.async_read_some(asio::buffer(down_), [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
            if (error || self->closed_)
                return self->close();
            asio::async_write(self->inner_, asio::buffer(self->down_.data(), bytes),
                              [self](beast::error_code write_error, std::size_t) {
                                  if (write_error || self->closed_)
                                      return self->close();
                                  self->from_server();
                              });
        });
    }

    void from_websocket()
    {
        inner_.async_read_some(asio::buffer(up_), [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
            if (error || self->closed_)
                return self->close();
            asio::async_write(self->tls_, asio::buffer(self->up_.data(), bytes),
                              [self](beast::error_code write_error, std::size_t) {
                                  if (write_error || self->closed_)
                                      return self->close();
                                  self->from_websocket();
                              });
        });
    }

    asio::ssl::stream<tcp::socket> tls_;
    asio::local::stream_protocol::socket inner_;
    std::array<char, 16 * 1024> up_{};
    std::array<char, 16 * 1024> down_{};
    bool closed_ = false;
};

// One try at a link: its socket and everything that belongs to it. Handlers
// keep it alive through a shared_ptr, so a failed try can be abandoned while
// its cancelled operations still complete; a new try gets a fresh one.
struct link_attempt {
    explicit link_attempt(asio::io_context& context)
        : resolver(context), stream(context), deadline(context)
    {
    }

    tcp::resolver resolver;
    websocket::stream<beast::tcp_stream> stream;
    std::shared_ptr<tls_tunnel> tunnel;  // wss only
    asio::steady_timer deadline;  // from the first step to the welcome
    beast::flat_buffer buffer;
    std::deque<std::string> outbox;
    bool writing = false;
    bool open = false;       // the WebSocket handshake is done
    bool greeted = false;    // the server welcomed our hello
    bool refused = false;    // the server refused our hello: try again only after max_backoff
    bool finished = false;   // failed or closed; its handlers only drain
    std::int64_t hello_req = 0;
    std::int64_t next_req = 1;
};

}  // namespace

struct connection::impl {
    explicit impl(connection_settings settings);

    // ---- called from the UI thread -------------------------------------
    void start();
    void stop();

    // ---- io thread ------------------------------------------------------
    void run();
    void do_attempt();
    void on_resolve(std::shared_ptr<link_attempt> const& attempt, beast::error_code error, tcp::resolver::results_type results);
    void do_connect(std::shared_ptr<link_attempt> const& attempt, tcp::resolver::results_type const& results);
    void on_connect(std::shared_ptr<link_attempt> const& attempt, beast::error_code error);
    void on_tls_connect(std::shared_ptr<link_attempt> const& attempt, beast::error_code error);
    void on_tls_handshake(std::shared_ptr<link_attempt> const& attempt, beast::error_code error);
    void on_handshake(std::shared_ptr<link_attempt> const& attempt, beast::error_code error);
    void do_read(std::shared_ptr<link_attempt> const& attempt);
    void on_read(std::shared_ptr<link_attempt> const& attempt, beast::error_code error);
    void do_write(std::shared_ptr<link_attempt> const& attempt);
    void on_write(std::shared_ptr<link_attempt> const& attempt, beast::error_code error);
    void on_deadline(std::shared_ptr<link_attempt> const& attempt, beast::error_code error);
    void send(std::shared_ptr<link_attempt> const& attempt, std::string text);
    void send_hello(std::shared_ptr<link_attempt> const& attempt, std::optional<resume_point> resume);
    void send_pending_follow(std::shared_ptr<link_attempt> const& attempt);
    hello_answer answer_to_hello(link_attempt const& attempt, std::string const& text, std::string& message) const;
    void on_welcome(std::shared_ptr<link_attempt> const& attempt);
    void fail(std::shared_ptr<link_attempt> const& attempt, std::string const& why);
    void schedule_retry(milliseconds delay);
    milliseconds next_delay(link_attempt const& attempt);
    void do_shutdown();
    void finish_shutdown();
    bool is_current(std::shared_ptr<link_attempt> const& attempt) const
    {
        return attempt == current_ && !attempt->finished && !stopping_;
    }

    // ---- shared, under mutex_ ------------------------------------------
    void push_event(link_event event);
    void push_message(std::string text);
    void set_state(link_state next);
    std::optional<resume_point> resume() const;

    connection_settings const settings_;
    ws_address address_;
    bool address_valid_ = false;
    std::string tls_problem_;  // why wss cannot be used (a CA file that cannot be loaded)

    // The context goes first so that it outlives every I/O object below.
    asio::io_context context_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    asio::ssl::context tls_{asio::ssl::context::tls_client};  // wss: checks the server's certificate
    std::thread thread_;
    std::mutex lifecycle_mutex_;
    bool started_ = false;
    bool stopped_ = false;

    mutable std::mutex mutex_;
    std::vector<link_event> events_;
    link_state state_ = link_state::connecting;
    clock_type::time_point down_since_ = clock_type::now();
    std::optional<resume_point> resume_;

    // Only the io thread touches these.
    asio::steady_timer retry_timer_{context_};
    asio::steady_timer shutdown_timer_{context_};
    std::shared_ptr<link_attempt> current_;
    std::optional<std::int64_t> pending_follow_;
    milliseconds backoff_ = first_backoff;
    std::minstd_rand random_{std::random_device{}()};
    bool stopping_ = false;
};

connection::impl::impl(connection_settings settings)
    : settings_(std::move(settings))
{
    address_valid_ = parse_ws_url(settings_.url, address_);
    if (address_valid_ && address_.secure) {
        // The server's certificate must chain to a trusted CA and name the host.
        SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
        tls_.set_verify_mode(asio::ssl::verify_peer);
        beast::error_code error;
        if (!settings_.ca_file.empty()) {
            tls_.load_verify_file(settings_.ca_file, error);
            if (error)
                tls_problem_ = "cannot use the CA file " + settings_.ca_file + ": " + error.message();
        } else {
            tls_.set_default_verify_paths(error);
            if (error)
                tls_problem_ = "cannot load the system's CA certificates: " + error.message();
        }
    }
}

// ---- lifecycle ----------------------------------------------------------

void connection::impl::start()
{
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (started_ || stopped_)
        return;
    started_ = true;
    {
        std::lock_guard lock(mutex_);
        down_since_ = clock_type::now();
    }
    if (!address_valid_ || !tls_problem_.empty()) {
        std::string const why = !address_valid_
            ? "The server address \"" + settings_.url + "\" is not of the form ws://host:port/path or wss://host:port/path."
            : "TLS: " + tls_problem_;
        log_line("not connecting: " + why);
        push_event({link_event::kind::refused, link_state::offline, why});
        set_state(link_state::offline);
        return;
    }
    work_.emplace(asio::make_work_guard(context_));
    asio::post(context_, [this] { do_attempt(); });
    thread_ = std::thread([this] { run(); });
}

void connection::impl::stop()
{
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (stopped_)
        return;
    stopped_ = true;
    if (thread_.joinable()) {
        asio::post(context_, [this] { do_shutdown(); });
        thread_.join();
    }
    set_state(link_state::offline);
}

void connection::impl::run()
{
    for (;;) {
        try {
            context_.run();
            return;
        } catch (std::exception const& error) {
            // No handler should throw; if one did, its chain of work is
            // broken, so the link it belonged to is given up and retried.
            log_line(std::string("link error: ") + error.what());
        } catch (...) {
            log_line("link error");
        }
        if (auto attempt = current_)
            fail(attempt, "internal error");
    }
}

void connection::impl::do_shutdown()
{
    stopping_ = true;
    retry_timer_.cancel();
    auto attempt = std::move(current_);
    if (attempt && !attempt->finished) {
        attempt->finished = true;
        attempt->deadline.cancel();
        attempt->resolver.cancel();
        if (attempt->open) {
            // Tell the server we leave, but give it only a moment.
            attempt->stream.async_close(websocket::close_code::going_away, [this, attempt](beast::error_code) {
                beast::error_code ignored;
                beast::get_lowest_layer(attempt->stream).socket().close(ignored);
                if (attempt->tunnel)
                    attempt->tunnel->close();
                finish_shutdown();
            });
        } else {
            beast::get_lowest_layer(attempt->stream).close();
            if (attempt->tunnel)
                attempt->tunnel->close();
        }
        if (attempt->greeted)
            log_line("disconnected from " + settings_.url + " (stopping)");
    }
    work_.reset();
    // Whatever is still pending (a close handshake, a name lookup) may not
    // hold up stop(): after the grace period the io_context is stopped.
    shutdown_timer_.expires_after(close_grace);
    shutdown_timer_.async_wait([this](beast::error_code error) {
        if (!error)
            context_.stop();
    });
    if (!attempt || !attempt->open)
        finish_shutdown();
}

void connection::impl::finish_shutdown()
{
    shutdown_timer_.cancel();
    // Stream internals (Beast's idle timer) may still wait; nothing more must run.
    context_.stop();
}

// ---- one attempt: resolve, connect, handshake, hello --------------------

void connection::impl::do_attempt()
{
    if (stopping_)
        return;
    auto attempt = std::make_shared<link_attempt>(context_);
    current_ = attempt;

    // One deadline for the whole way to the welcome: a lookup, a connect, an
    // upgrade or a hello that hangs ends the attempt.
    attempt->deadline.expires_after(settings_.connect_timeout);
    attempt->deadline.async_wait([this, attempt](beast::error_code error) { on_deadline(attempt, error); });

    beast::error_code parse_error;
    auto const numeric = asio::ip::make_address(address_.host, parse_error);
    if (!parse_error) {
        // A literal address needs no lookup (and no lookup thread that could hang).
        unsigned long const port = std::stoul(address_.port);
        auto results = tcp::resolver::results_type::create(tcp::endpoint(numeric, static_cast<unsigned short>(port)),
                                                           address_.host, address_.port);
        do_connect(attempt, results);
        return;
    }
    attempt->resolver.async_resolve(address_.host, address_.port,
                                    [this, attempt](beast::error_code error, tcp::resolver::results_type results) {
                                        on_resolve(attempt, error, std::move(results));
                                    });
}

void connection::impl::on_resolve(std::shared_ptr<link_attempt> const& attempt, beast::error_code error,
                                  tcp::resolver::results_type results)
{
    if (!is_current(attempt))
        return;
    if (error)
        return fail(attempt, "cannot resolve " + address_.host + ": " + describe(error));
    do_connect(attempt, results);
}

void connection::impl::do_connect(std::shared_ptr<link_attempt> const& attempt, tcp::resolver::results_type const& results)
{
    if (address_.secure) {
        attempt->tunnel = std::make_shared<tls_tunnel>(context_, tls_);
        asio::async_connect(attempt->tunnel->tls().next_layer(), results,
                            [this, attempt](beast::error_code error, tcp::endpoint const&) { on_tls_connect(attempt, error); });
        return;
    }
    auto& socket_layer = beast::get_lowest_layer(attempt->stream);
    socket_layer.expires_after(settings_.connect_timeout);
    socket_layer.async_connect(results, [this, attempt](beast::error_code error, tcp::endpoint const&) {
        on_connect(attempt, error);
    });
}

void connection::impl::on_tls_connect(std::shared_ptr<link_attempt> const& attempt, beast::error_code error)
{
    if (!is_current(attempt))
        return;
    if (error)
        return fail(attempt, "cannot connect: " + describe(error));
    auto& tls = attempt->tunnel->tls();
    beast::error_code not_an_address;
    asio::ip::make_address(address_.host, not_an_address);
    if (not_an_address)
        // SNI: which certificate we want (what SSL_set_tlsext_host_name does, without its cast).
        SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(address_.host.c_str()));
    // Asio checks the name (or the address) against the server's certificate;
    // a mismatch is recorded as such, so that the log says "hostname mismatch"
    // (or "IP address mismatch") rather than an unspecified verification error.
    int const mismatch = not_an_address ? X509_V_ERR_HOSTNAME_MISMATCH : X509_V_ERR_IP_ADDRESS_MISMATCH;
    tls.set_verify_callback([check = asio::ssl::host_name_verification(address_.host), mismatch](
                                bool preverified, asio::ssl::verify_context& context) mutable {
        bool const matches = check(preverified, context);
        if (preverified && !matches)
            X509_STORE_CTX_set_error(context.native_handle(), mismatch);
        return matches;
    });
    tls.async_handshake(asio::ssl::stream_base::client,
                        [this, attempt](beast::error_code handshake_error) { on_tls_handshake(attempt, handshake_error); });
}

void connection::impl::on_tls_handshake(std::shared_ptr<link_attempt> const& attempt, beast::error_code error)
{
    if (!is_current(attempt))
        return;
    if (error) {
        std::string why = "TLS with " + address_.host + " failed: " + describe(error);
        long const verdict = SSL_get_verify_result(attempt->tunnel->tls().native_handle());
        if (verdict != X509_V_OK)
            why += " (" + std::string(X509_verify_cert_error_string(verdict)) + ")";
        return fail(attempt, why);
    }
    if (auto const pair_error = attempt->tunnel->open_pair(beast::get_lowest_layer(attempt->stream).socket()))
        return fail(attempt, "cannot relay TLS: " + describe(pair_error));
    attempt->tunnel->start();
    on_connect(attempt, {});
}

void connection::impl::on_connect(std::shared_ptr<link_attempt> const& attempt, beast::error_code error)
{
    if (!is_current(attempt))
        return;
    if (error)
        return fail(attempt, "cannot connect: " + describe(error));

    // From here the WebSocket's own timers watch the link: the handshake and
    // close get connect_timeout, and an open link that hears nothing (not even
    // a pong) for two ping intervals is dead. Pings go out after one interval
    // of silence, so a live server always has something to answer.
    beast::get_lowest_layer(attempt->stream).expires_never();
    beast::error_code ignored;
    beast::get_lowest_layer(attempt->stream).socket().set_option(tcp::no_delay(true), ignored);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = settings_.connect_timeout;
    timeouts.idle_timeout = 2 * settings_.ping_interval;
    timeouts.keep_alive_pings = true;
    attempt->stream.set_option(timeouts);
    attempt->stream.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
        request.set(beast::http::field::user_agent, user_agent);
    }));
    attempt->stream.read_message_max(incoming_message_max);
    attempt->stream.auto_fragment(false);

    std::string host_header = address_.host.find(':') != std::string::npos ? "[" + address_.host + "]" : address_.host;
    host_header += ":" + address_.port;
    attempt->stream.async_handshake(host_header, address_.path,
                                    [this, attempt](beast::error_code handshake_error) { on_handshake(attempt, handshake_error); });
}

void connection::impl::on_handshake(std::shared_ptr<link_attempt> const& attempt, beast::error_code error)
{
    if (!is_current(attempt))
        return;
    if (error)
        return fail(attempt, "WebSocket handshake failed: " + describe(error));
    attempt->open = true;
    attempt->stream.text(true);
    do_read(attempt);
    send_hello(attempt, resume());
}

void connection::impl::send_hello(std::shared_ptr<link_attempt> const& attempt, std::optional<resume_point> resume)
{
    attempt->hello_req = attempt->next_req++;
    json hello = {{"type", "hello"},
                  {"req", attempt->hello_req},
                  {"role", "display"},
                  {"token", settings_.token},
                  {"protocol", protocol::version}};
    // A last_seq means something only together with its session (protocol §3.4).
    if (resume && resume->session_id > 0 && resume->last_seq >= 0) {
        hello["session_id"] = resume->session_id;
        hello["last_seq"] = resume->last_seq;
    }
    send(attempt, hello.dump());
}

void connection::impl::on_deadline(std::shared_ptr<link_attempt> const& attempt, beast::error_code error)
{
    if (error || !is_current(attempt) || attempt->greeted)
        return;
    fail(attempt, "no welcome within " + std::to_string(settings_.connect_timeout.count()) + " s");
}

// ---- reading ------------------------------------------------------------

void connection::impl::do_read(std::shared_ptr<link_attempt> const& attempt)
{
    attempt->stream.async_read(attempt->buffer, [this, attempt](beast::error_code error, std::size_t) {
        on_read(attempt, error);
    });
}

void connection::impl::on_read(std::shared_ptr<link_attempt> const& attempt, beast::error_code error)
{
    if (!is_current(attempt))
        return;
    if (error) {
        if (error == websocket::error::closed)
            return fail(attempt, "closed by the server (" + describe(attempt->stream.reason()) + ")");
        if (error == beast::error::timeout)
            return fail(attempt, "the server stopped answering (no pong within " +
                                     std::to_string(2 * settings_.ping_interval.count()) + " s)");
        return fail(attempt, "link lost: " + describe(error));
    }
    if (!attempt->stream.got_text()) {
        // The protocol has no binary messages; one is dropped, not applied.
        attempt->buffer.consume(attempt->buffer.size());
        return do_read(attempt);
    }
    std::string text = beast::buffers_to_string(attempt->buffer.data());
    attempt->buffer.consume(attempt->buffer.size());

    if (!attempt->greeted) {
        std::string server_message;
        auto const answer = answer_to_hello(*attempt, text, server_message);
        if (answer == hello_answer::welcome) {
            on_welcome(attempt);
        } else if (answer == hello_answer::unknown_session) {
            // The session we were following is gone (a replaced database):
            // start afresh on the current session instead of giving up.
            {
                std::lock_guard lock(mutex_);
                resume_.reset();
            }
            log_line("the session to resume is unknown to the server; asking for the current one");
            push_message(std::move(text));
            send_hello(attempt, std::nullopt);
            return do_read(attempt);
        } else if (answer == hello_answer::refused) {
            attempt->refused = true;
            push_message(std::move(text));
            push_event({link_event::kind::refused, link_state::offline, server_message});
            return fail(attempt, "refused by the server: \"" + server_message + "\"");
        }
    }
    push_message(std::move(text));
    do_read(attempt);
}

hello_answer connection::impl::answer_to_hello(link_attempt const& attempt, std::string const& text, std::string& message) const
{
    json const parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded())
        return hello_answer::none;
    auto judge = [&](json const& item) {
        if (!item.is_object() || integer_member(item, "req") != attempt.hello_req)
            return hello_answer::none;
        std::string const type = string_member(item, "type");
        if (type == "welcome")
            return hello_answer::welcome;
        if (type != "error")
            return hello_answer::none;
        std::string const code = string_member(item, "code");
        message = string_member(item, "message");
        if (message.empty())
            message = code.empty() ? "The server refused the display." : code;
        return code == "session_not_found" ? hello_answer::unknown_session : hello_answer::refused;
    };
    if (!parsed.is_array())
        return judge(parsed);
    for (auto const& item : parsed) {
        auto const answer = judge(item);
        if (answer != hello_answer::none)
            return answer;
    }
    return hello_answer::none;
}

void connection::impl::on_welcome(std::shared_ptr<link_attempt> const& attempt)
{
    attempt->greeted = true;
    attempt->deadline.cancel();
    backoff_ = first_backoff;
    log_line("connected to " + settings_.url);
    set_state(link_state::online);
    send_pending_follow(attempt);
}

// ---- writing: one write in flight ---------------------------------------

void connection::impl::send(std::shared_ptr<link_attempt> const& attempt, std::string text)
{
    attempt->outbox.push_back(std::move(text));
    if (!attempt->writing)
        do_write(attempt);
}

void connection::impl::do_write(std::shared_ptr<link_attempt> const& attempt)
{
    attempt->writing = true;
    attempt->stream.async_write(asio::buffer(attempt->outbox.front()),
                                [this, attempt](beast::error_code error, std::size_t) { on_write(attempt, error); });
}

void connection::impl::on_write(std::shared_ptr<link_attempt> const& attempt, beast::error_code error)
{
    attempt->writing = false;
    if (!is_current(attempt))
        return;
    if (error)
        return fail(attempt, "cannot send: " + describe(error));
    attempt->outbox.pop_front();
    if (!attempt->outbox.empty())
        do_write(attempt);
}

void connection::impl::send_pending_follow(std::shared_ptr<link_attempt> const& attempt)
{
    if (!pending_follow_ || !attempt->greeted)
        return;
    json const follow = {{"type", "follow"}, {"req", attempt->next_req++}, {"session_id", *pending_follow_}};
    pending_follow_.reset();
    send(attempt, follow.dump());
}

// ---- losing the link ----------------------------------------------------

void connection::impl::fail(std::shared_ptr<link_attempt> const& attempt, std::string const& why)
{
    if (!is_current(attempt))
        return;
    attempt->finished = true;
    current_.reset();
    attempt->deadline.cancel();
    attempt->resolver.cancel();
    // Closing the socket ends the pending operations; their handlers see a
    // finished attempt and only let go of it.
    beast::get_lowest_layer(attempt->stream).close();
    if (attempt->tunnel)
        attempt->tunnel->close();

    milliseconds const delay = next_delay(*attempt);
    std::string const retry = "; retrying in " + std::to_string((delay.count() + 500) / 1000) + " s";
    if (attempt->greeted)
        log_line("disconnected from " + settings_.url + ": " + why + retry);
    else
        log_line("cannot link to " + settings_.url + ": " + why + retry);
    set_state(link_state::offline);
    schedule_retry(delay);
}

milliseconds connection::impl::next_delay(link_attempt const& attempt)
{
    milliseconds const ceiling = std::max(milliseconds(settings_.max_backoff), milliseconds(1));
    // A refused token is not cured by hammering the server; a revoked token
    // may be restored, so keep asking, but slowly.
    milliseconds const base = attempt.refused ? ceiling : std::min(backoff_, ceiling);
    if (!attempt.refused)
        backoff_ = std::min(backoff_ * 2, ceiling);
    std::uniform_real_distribution<double> shave(0.0, backoff_jitter);
    return milliseconds(static_cast<milliseconds::rep>(static_cast<double>(base.count()) * (1.0 - shave(random_))));
}

void connection::impl::schedule_retry(milliseconds delay)
{
    retry_timer_.expires_after(delay);
    retry_timer_.async_wait([this](beast::error_code error) {
        if (!error && !stopping_)
            do_attempt();
    });
}

// ---- state shared with the UI thread ------------------------------------

void connection::impl::push_event(link_event event)
{
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
}

void connection::impl::push_message(std::string text)
{
    std::lock_guard lock(mutex_);
    events_.push_back({link_event::kind::message, state_, std::move(text)});
}

void connection::impl::set_state(link_state next)
{
    std::lock_guard lock(mutex_);
    if (state_ == next)
        return;
    if (state_ == link_state::online)
        down_since_ = clock_type::now();
    state_ = next;
    events_.push_back({link_event::kind::state_changed, next, {}});
}

std::optional<resume_point> connection::impl::resume() const
{
    std::lock_guard lock(mutex_);
    return resume_;
}

// ---- connection ---------------------------------------------------------

connection::connection(connection_settings settings) : impl_(std::make_unique<impl>(std::move(settings))) {}

connection::~connection()
{
    stop();
}

void connection::start()
{
    impl_->start();
}

void connection::stop()
{
    impl_->stop();
}

void connection::set_resume_point(std::int64_t session_id, std::int64_t last_seq)
{
    std::lock_guard lock(impl_->mutex_);
    impl_->resume_ = resume_point{session_id, last_seq};
}

void connection::follow(std::int64_t session_id)
{
    auto* self = impl_.get();
    asio::post(self->context_, [self, session_id] {
        self->pending_follow_ = session_id;
        if (self->current_ && !self->stopping_)
            self->send_pending_follow(self->current_);
    });
}

std::vector<link_event> connection::poll()
{
    std::vector<link_event> taken;
    std::lock_guard lock(impl_->mutex_);
    taken.swap(impl_->events_);
    return taken;
}

link_state connection::state() const
{
    std::lock_guard lock(impl_->mutex_);
    return impl_->state_;
}

std::chrono::steady_clock::duration connection::offline_for() const
{
    std::lock_guard lock(impl_->mutex_);
    if (impl_->state_ == link_state::online)
        return std::chrono::steady_clock::duration::zero();
    return clock_type::now() - impl_->down_since_;
}

// ---- addresses ----------------------------------------------------------

bool parse_ws_url(std::string const& url, ws_address& out)
{
    std::string_view rest = url;
    ws_address parsed;
    auto const scheme_end = rest.find("://");
    if (scheme_end == std::string_view::npos)
        return false;
    std::string_view const scheme = rest.substr(0, scheme_end);
    if (ascii_equal_ignoring_case(scheme, "ws"))
        parsed.secure = false;
    else if (ascii_equal_ignoring_case(scheme, "wss"))
        parsed.secure = true;
    else
        return false;
    rest.remove_prefix(scheme_end + 3);

    // Nothing that could not go on the wire as is: no spaces, no controls.
    for (char const c : rest)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return false;

    auto const authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view target = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
    if (authority.find('@') != std::string_view::npos)
        return false;  // credentials in the URL are not supported

    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        auto const close = authority.find(']');
        if (close == std::string_view::npos || close == 1)
            return false;
        parsed.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                return false;
            port = after.substr(1);
            if (port.empty())
                return false;
        }
    } else {
        auto const colon = authority.rfind(':');
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty())
                return false;
            authority = authority.substr(0, colon);
        }
        if (authority.empty() || authority.find(':') != std::string_view::npos)
            return false;
        parsed.host = std::string(authority);
    }

    if (port.empty()) {
        parsed.port = parsed.secure ? "443" : "80";
    } else {
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return false;
        unsigned long const number = std::stoul(std::string(port));
        if (number == 0 || number > 65535)
            return false;
        parsed.port = std::to_string(number);
    }

    auto const fragment = target.find('#');
    if (fragment != std::string_view::npos)
        return false;  // a fragment has no meaning for a WebSocket
    if (target.empty())
        parsed.path = "/";
    else if (target.front() == '?')
        parsed.path = "/" + std::string(target);
    else
        parsed.path = std::string(target);

    out = std::move(parsed);
    return true;
}

}  // namespace pleno::display
