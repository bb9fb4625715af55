#include "net/tls_door.hpp"

#include <array>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <unistd.h>

#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/edge_log.hpp"
#include "net/http_session.hpp"

namespace pleno::net {

namespace tls_detail {

// TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3 has its own list,
// all of them good). Browsers of the last ten years and OpenSSL 1.1+ speak them.
constexpr char const* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr std::size_t relay_buffer_size = 16 * 1024;
constexpr std::chrono::seconds close_notify_wait{2};
constexpr std::chrono::seconds plain_answer_linger{1};

// The last OpenSSL error as a sentence, or `fallback`.
std::string openssl_reason(std::string fallback)
{
    unsigned long const code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        return fallback;
    }
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    return text.data();
}

void require_readable(std::filesystem::path const& file, char const* what)
{
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) {
        throw std::runtime_error(std::string("TLS: the ") + what + " " + file.string() + " is not a readable file");
    }
    std::ifstream probe(file);
    if (!probe) {
        throw std::runtime_error(std::string("TLS: cannot read the ") + what + " " + file.string());
    }
}

// A PEM private key protected by a passphrase (PKCS#8 or the older
// Proc-Type form) says so in its armour.
bool sealed_key(std::filesystem::path const& file)
{
    std::ifstream in(file);
    std::string line;
    for (int lines = 0; lines < 64 && std::getline(in, line); ++lines) {
        if (line.find("ENCRYPTED") != std::string::npos) {
            return true;
        }
    }
    return false;
}

// A Host header fit to be put back into a Location: a name or an address and
// an optional port, nothing else.
bool plain_host(std::string_view host)
{
    if (host.empty() || host.size() > 255) {
        return false;
    }
    for (char const c : host) {
        bool const fine = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                          c == '-' || c == ':' || c == '[' || c == ']';
        if (!fine) {
            return false;
        }
    }
    return true;
}

}  // namespace tls_detail

tls_gate::tls_gate(app::tls_config const& settings)
    : context_(asio::ssl::context::tls_server), redirect_plain_http_(settings.redirect_plain_http)
{
    tls_detail::require_readable(settings.cert, "certificate");
    tls_detail::require_readable(settings.key, "key");
    SSL_CTX* native = context_.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_set_cipher_list(native, tls_detail::tls12_ciphers) != 1) {
        throw std::runtime_error("TLS: " + tls_detail::openssl_reason("no usable cipher suite"));
    }
    // A key sealed with a passphrase would make OpenSSL ask for it on the
    // terminal and wait; an unattended server refuses it instead (below).
    context_.set_password_callback([](std::size_t, asio::ssl::context::password_purpose) { return std::string(); });
    beast::error_code error;
    context_.use_certificate_chain_file(settings.cert.string(), error);
    if (error) {
        throw std::runtime_error("TLS: " + settings.cert.string() + " is not a PEM certificate chain (" +
                                 tls_detail::openssl_reason(error.message()) + ")");
    }
    context_.use_private_key_file(settings.key.string(), asio::ssl::context::pem, error);
    if (error) {
        std::string const reason = tls_detail::openssl_reason(error.message());
        if (reason.find("mismatch") != std::string::npos) {
            throw std::runtime_error("TLS: the key " + settings.key.string() + " does not belong to the certificate " +
                                     settings.cert.string());
        }
        if (tls_detail::sealed_key(settings.key)) {
            throw std::runtime_error("TLS: the key " + settings.key.string() +
                                     " is protected by a passphrase; pleno-server needs it without one (for example "
                                     "openssl pkey -in KEY -out PLAIN-KEY, readable only by the server's user)");
        }
        throw std::runtime_error("TLS: " + settings.key.string() + " is not a PEM private key (" + reason + ")");
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        ERR_clear_error();
        throw std::runtime_error("TLS: the key " + settings.key.string() + " does not belong to the certificate " +
                                 settings.cert.string());
    }
}

namespace {

class tls_door : public std::enable_shared_from_this<tls_door> {
public:
    tls_door(asio::io_context& context, tcp::socket&& socket, tls_gate& gate, app::service& service,
             std::shared_ptr<http_routes const> routes, staff_lane& staff, connection_registry::ticket ticket)
        : context_(context),
          stream_(std::move(socket), gate.context()),
          timer_(stream_.get_executor()),
          inner_(stream_.get_executor()),
          gate_(gate),
          service_(service),
          limits_(service.settings().limits),
          routes_(std::move(routes)),
          staff_(staff),
          ticket_(std::move(ticket))
    {
    }

    void run()
    {
        ticket_->set_closer([weak = weak_from_this()](close_urgency) {
            if (auto const door = weak.lock()) {
                asio::post(door->stream_.get_executor(), [door] { door->close_all(); });
            }
        });
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->start(); });
    }

private:
    enum class phase { detecting, plain, handshaking, relaying, closing };

    void start()
    {
        arm(limits_.handshake_timeout);
        beast::async_detect_ssl(stream_.next_layer(), buffer_,
                                [self = shared_from_this()](beast::error_code error, bool is_tls) {
                                    self->on_detect(error, is_tls);
                                });
    }

    // One deadline at a time: the handshake, a relayed write, the close.
    void arm(std::chrono::steady_clock::duration after)
    {
        std::uint64_t const generation = ++timer_generation_;
        timer_.expires_after(after);
        timer_.async_wait([self = shared_from_this(), generation](beast::error_code error) {
            if (!error && generation == self->timer_generation_) {
                self->close_all();
            }
        });
    }

    void disarm()
    {
        ++timer_generation_;
        timer_.cancel();
    }

    void on_detect(beast::error_code error, bool is_tls)
    {
        if (error || closed_) {
            close_all();
            return;
        }
        if (!is_tls) {
            phase_ = phase::plain;
            plain_request_.emplace();
            plain_request_->header_limit(static_cast<std::uint32_t>(
                std::min<std::size_t>(limits_.http_header_max, std::numeric_limits<std::uint32_t>::max())));
            http::async_read_header(stream_.next_layer(), buffer_, *plain_request_,
                                    [self = shared_from_this()](beast::error_code read_error, std::size_t) {
                                        self->on_plain_request(read_error);
                                    });
            return;
        }
        phase_ = phase::handshaking;
        stream_.async_handshake(asio::ssl::stream_base::server, buffer_.data(),
                                [self = shared_from_this()](beast::error_code handshake_error, std::size_t used) {
                                    self->on_handshake(handshake_error, used);
                                });
    }

    // ---- plain HTTP on the TLS port --------------------------------------

    void on_plain_request(beast::error_code error)
    {
        if (closed_) {
            return;
        }
        if (error) {
            close_all();  // not HTTP, too large or too slow: nothing worth answering
            return;
        }
        auto const& request = plain_request_->get();
        std::string_view const host = request[http::field::host];
        std::string_view const target = request.target();
        bool const upgrade = websocket::is_upgrade(request);
        bool const readable = request.method() == http::verb::get || request.method() == http::verb::head;
        auto response = std::make_shared<http::response<http::string_body>>();
        response->version(request.version());
        if (gate_.redirect_plain_http() && !upgrade && readable && tls_detail::plain_host(host) && !target.empty() &&
            target.front() == '/') {
            std::string location = "https://";
            location.append(host);
            location.append(target);
            response->result(http::status::permanent_redirect);
            response->set(http::field::location, location);
            response->set(http::field::content_type, "text/plain; charset=utf-8");
            response->body() = "This server speaks HTTPS: " + location + "\n";
        } else {
            response->result(http::status::bad_request);
            response->set(http::field::content_type, "application/json");
            response->body() =
                R"({"code":"https_required","message":"This server only speaks HTTPS: use https:// (and wss:// for WebSocket)."})";
        }
        http_routes::add_security_headers(*response);
        // Strict-Transport-Security only counts over TLS, and a server must not
        // send it over plain HTTP (RFC 6797, 7.2).
        response->erase(http::field::strict_transport_security);
        response->set(http::field::cache_control, "no-store");
        response->keep_alive(false);
        if (request.method() == http::verb::head) {
            response->body().clear();  // an answer to HEAD has no body
        }
        response->prepare_payload();
        http::async_write(stream_.next_layer(), *response,
                          [self = shared_from_this(), response](beast::error_code write_error, std::size_t) {
                              self->on_plain_answered(write_error);
                          });
    }

    void on_plain_answered(beast::error_code error)
    {
        if (error || closed_) {
            close_all();
            return;
        }
        // Stop sending, then read what the client still sends for a moment,
        // so that the answer is not lost to a reset.
        beast::error_code ignored;
        stream_.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
        arm(tls_detail::plain_answer_linger);
        drain();
    }

    void drain()
    {
        stream_.next_layer().async_read_some(asio::buffer(up_),
                                             [self = shared_from_this()](beast::error_code error, std::size_t) {
                                                 if (error) {
                                                     self->close_all();
                                                 } else {
                                                     self->drain();
                                                 }
                                             });
    }

    // ---- TLS ----------------------------------------------------------------

    void on_handshake(beast::error_code error, std::size_t used)
    {
        if (closed_) {
            return;
        }
        if (error) {
            edge_log::line("tls from " + ticket_->address() + ": handshake failed: " + error.message());
            close_all();
            return;
        }
        buffer_.consume(used);
        if (buffer_.size() > 0) {
            // Bytes sent before our handshake answer (early data): not accepted.
            close_all();
            return;
        }
        disarm();

        // The session's end of the pair becomes an ordinary connection.
        beast::error_code pair_error;
        asio::local::stream_protocol::socket outer(context_);
        asio::local::connect_pair(inner_, outer, pair_error);
        tcp::socket plain(asio::make_strand(context_));
        if (!pair_error) {
            auto const handle = outer.release(pair_error);
            if (!pair_error) {
                plain.assign(tcp::v4(), handle, pair_error);
                if (pair_error) {
                    ::close(handle);
                }
            }
        }
        if (pair_error) {
            edge_log::line("tls from " + ticket_->address() + ": cannot relay: " + pair_error.message());
            close_all();
            return;
        }
        phase_ = phase::relaying;
        auto session = std::make_shared<http_session>(std::move(plain), service_, routes_, staff_, std::move(*ticket_));
        ticket_.reset();
        session->run();
        read_from_client();
        read_from_session();
    }

    // Client -> session.
    void read_from_client()
    {
        stream_.async_read_some(asio::buffer(up_), [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
            self->on_client_bytes(error, bytes);
        });
    }

    void on_client_bytes(beast::error_code error, std::size_t bytes)
    {
        if (closed_) {
            return;
        }
        if (phase_ == phase::closing) {
            // The session ended and this read was cancelled: say goodbye in TLS.
            arm(tls_detail::close_notify_wait);
            stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close_all(); });
            return;
        }
        if (error) {
            // The client left (or broke TLS): the session sees the end of its input.
            client_gone_ = true;
            beast::error_code ignored;
            inner_.shutdown(asio::socket_base::shutdown_send, ignored);
            return;
        }
        asio::async_write(inner_, asio::buffer(up_.data(), bytes),
                          [self = shared_from_this()](beast::error_code write_error, std::size_t) {
                              if (write_error) {
                                  self->close_all();
                              } else if (!self->closed_) {
                                  self->read_from_client();
                              }
                          });
    }

    // Session -> client.
    void read_from_session()
    {
        inner_.async_read_some(asio::buffer(down_), [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
            self->on_session_bytes(error, bytes);
        });
    }

    void on_session_bytes(beast::error_code error, std::size_t bytes)
    {
        if (closed_) {
            return;
        }
        if (error) {
            // The session closed its end: everything it wrote has been relayed.
            if (client_gone_) {
                close_all();
                return;
            }
            phase_ = phase::closing;
            arm(tls_detail::close_notify_wait);
            beast::error_code ignored;
            stream_.next_layer().cancel(ignored);  // the pending client read ends, then close_notify
            return;
        }
        // A client that takes nothing for this long is gone.
        arm(limits_.websocket_idle_timeout);
        asio::async_write(stream_, asio::buffer(down_.data(), bytes),
                          [self = shared_from_this()](beast::error_code write_error, std::size_t) {
                              if (write_error) {
                                  self->close_all();
                                  return;
                              }
                              if (!self->closed_) {
                                  self->disarm();
                                  self->read_from_session();
                              }
                          });
    }

    void close_all()
    {
        if (closed_) {
            return;
        }
        closed_ = true;
        disarm();
        beast::error_code ignored;
        stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.next_layer().close(ignored);
        inner_.close(ignored);
    }

    asio::io_context& context_;
    asio::ssl::stream<tcp::socket> stream_;
    asio::steady_timer timer_;
    asio::local::stream_protocol::socket inner_;  // the door's end of the pair
    tls_gate& gate_;
    app::service& service_;
    app::limits_config const& limits_;
    std::shared_ptr<http_routes const> routes_;
    staff_lane& staff_;
    std::optional<connection_registry::ticket> ticket_;  // until the session takes it
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::empty_body>> plain_request_;
    std::array<char, tls_detail::relay_buffer_size> up_{};
    std::array<char, tls_detail::relay_buffer_size> down_{};
    std::uint64_t timer_generation_ = 0;
    phase phase_ = phase::detecting;
    bool client_gone_ = false;
    bool closed_ = false;
};

}  // namespace

void open_tls_door(asio::io_context& context, tcp::socket&& socket, tls_gate& gate, app::service& service,
                   std::shared_ptr<http_routes const> routes, staff_lane& staff, connection_registry::ticket ticket)
{
    std::make_shared<tls_door>(context, std::move(socket), gate, service, std::move(routes), staff, std::move(ticket))
        ->run();
}

}  // namespace pleno::net
