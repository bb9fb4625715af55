#include "net/websocket_session.hpp"

#include <pleno/text.hpp>

#include <exception>
#include <string_view>
#include <utility>

#include "net/edge_log.hpp"
#include "net/http_routes.hpp"

namespace pleno::net {

namespace websocket_detail {

websocket::close_reason close_frame_for(app::close_reason reason)
{
    switch (reason) {
    case app::close_reason::normal:
        return websocket::close_reason(websocket::close_code::normal);
    case app::close_reason::going_away:
        return websocket::close_reason(websocket::close_code::going_away);
    case app::close_reason::policy:
        return websocket::close_reason(websocket::close_code::policy_error);
    case app::close_reason::too_slow:
        return websocket::close_reason(websocket::close_code::policy_error, "too slow");
    case app::close_reason::invalid_text:
        return websocket::close_reason(websocket::close_code::bad_payload);
    }
    return websocket::close_reason(websocket::close_code::normal);
}

// Buffers bigger than this are given back after use: one burst must not keep
// tens of kilobytes for each of ten thousand idle viewers.
constexpr std::size_t batch_keep_capacity = 4 * 1024;
constexpr std::size_t draining_keep_capacity = 64;

}  // namespace websocket_detail

websocket_session::websocket_session(tcp::socket&& socket, app::service& service, connection_registry::ticket ticket,
                                     std::optional<staff_lane::seat> seat)
    : stream_(std::move(socket)),
      executor_(stream_.get_executor()),
      service_(service),
      ticket_(std::move(ticket)),
      seat_(std::move(seat)),
      limits_(service.settings().limits),
      hello_timer_(executor_),
      close_timer_(executor_)
{
}

websocket_session::~websocket_session()
{
    // Only when the io_context dropped our handlers without running them.
    notify_closed();
}

std::string const& websocket_session::address() const
{
    return ticket_.address();
}

std::uint64_t websocket_session::id() const
{
    return ticket_.id();
}

void websocket_session::run(http::request<http::string_body> request)
{
    upgrade_request_ = std::move(request);
    ticket_.set_closer([weak = weak_from_this()](close_urgency urgency) {
        auto const session = weak.lock();
        if (!session) {
            return;
        }
        if (urgency == close_urgency::now) {
            asio::post(session->executor_, [session] { session->abort_socket(); });
        } else {
            session->close(app::close_reason::going_away);
        }
    });
    asio::dispatch(executor_, beast::bind_front_handler(&websocket_session::on_run, shared_from_this()));
}

void websocket_session::on_run()
{
    websocket::permessage_deflate deflate;
    deflate.server_enable = false;  // zlib state per connection would outweigh the connection itself
    deflate.client_enable = false;
    stream_.set_option(deflate);
    stream_.set_option(websocket::stream_base::timeout{
        limits_.handshake_timeout,
        limits_.websocket_idle_timeout,
        true,  // keep-alive pings: a phone that vanished is noticed
    });
    // Also decorates the error answers Beast gives to a bad handshake.
    stream_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { http_routes::add_security_headers(response); }));
    stream_.read_message_max(limits_.websocket_message_max);
    stream_.auto_fragment(false);
    stream_.async_accept(upgrade_request_,
                         beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code error)
{
    upgrade_request_ = {};
    if (error) {
        finish(error);
        return;
    }
    phase_ = phase::open;
    if (close_reason_) {
        // Shutdown asked while we were shaking hands: the service never hears of us.
        do_close();
        return;
    }
    opened_ = true;
    edge_log::line("ws #" + std::to_string(id()) + " open from " + address() + (seat_ ? " (staff lane)" : ""));
    try {
        service_.on_open(shared_from_this());
    } catch (std::exception const& failure) {
        edge_log::line("ws #" + std::to_string(id()) + " on_open failed: " + failure.what());
        on_close_requested(app::close_reason::policy);
    }
    if (!close_reason_) {
        hello_timer_.expires_after(limits_.hello_timeout);
        hello_timer_.async_wait(beast::bind_front_handler(&websocket_session::on_hello_timer, shared_from_this()));
    }
    do_read();
}

void websocket_session::do_read()
{
    stream_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code error, std::size_t)
{
    if (error) {
        finish(error);
        return;
    }
    // After a close was asked for, what the client still says is not heard.
    if (phase_ == phase::open && !close_reason_) {
        std::shared_ptr<app::client_link> const link = shared_from_this();
        try {
            if (stream_.got_text()) {
                auto const data = buffer_.cdata();
                std::string_view const message(static_cast<char const*>(data.data()), data.size());
                // Beast checks UTF-8 as frames arrive but misses a sequence cut at
                // the end of a message whose last frame is empty (Boost 1.81):
                // such text would reach the service. Checked whole here. The
                // close is posted so that it starts after the next read: begun
                // from here, Beast's close and a read that fails on a frame
                // already buffered would each wait for the other forever.
                if (text::is_valid_utf8(message)) {
                    service_.on_message(link, message);
                } else {
                    close(app::close_reason::invalid_text);
                }
            } else {
                service_.on_binary_message(link);
            }
        } catch (std::exception const& failure) {
            edge_log::line("ws #" + std::to_string(id()) + " message handling failed: " + failure.what());
            close(app::close_reason::policy);  // posted, as above
        }
    }
    buffer_.consume(buffer_.size());
    do_read();
}

void websocket_session::on_hello_timer(beast::error_code error)
{
    if (error || phase_ != phase::open || close_reason_) {
        return;
    }
    if (!state().greeted) {
        on_close_requested(app::close_reason::policy);
    }
}

void websocket_session::send(app::shared_text message)
{
    if (!message) {
        return;
    }
    bool schedule = false;
    {
        std::lock_guard lock(inbox_mutex_);
        if (inbox_closed_ || inbox_overflow_) {
            return;
        }
        std::size_t const size = message->size();
        if (inbox_.size() >= limits_.outgoing_queue_max_messages ||
            inbox_bytes_ + size > limits_.outgoing_queue_max_bytes) {
            inbox_overflow_ = true;
            inbox_.clear();
            inbox_bytes_ = 0;
        } else {
            inbox_.push_back(std::move(message));
            inbox_bytes_ += size;
        }
        schedule = !std::exchange(drain_scheduled_, true);
    }
    if (!schedule) {
        return;  // the drain already on its way takes this message too
    }
    if (auto keep_alive = weak_from_this().lock()) {
        asio::post(executor_, [session = std::move(keep_alive)] { session->on_inbox(); });
    }
}

void websocket_session::close(app::close_reason reason)
{
    auto keep_alive = weak_from_this().lock();
    if (!keep_alive) {
        return;
    }
    asio::post(executor_, [session = std::move(keep_alive), reason] { session->on_close_requested(reason); });
}

void websocket_session::on_inbox()
{
    bool overflow = false;
    {
        std::lock_guard lock(inbox_mutex_);
        draining_.swap(inbox_);
        inbox_bytes_ = 0;
        overflow = std::exchange(inbox_overflow_, false);
        drain_scheduled_ = false;
    }
    bool accepted = !overflow;
    for (auto& message : draining_) {
        if (accepted) {
            accepted = enqueue(std::move(message));
        }
    }
    if (draining_.capacity() > websocket_detail::draining_keep_capacity) {
        std::vector<app::shared_text>().swap(draining_);
    } else {
        draining_.clear();
    }
    if (!accepted) {
        if (phase_ != phase::finished && !close_reason_) {
            edge_log::line("ws #" + std::to_string(id()) + " does not read; closing");
        }
        on_close_requested(app::close_reason::too_slow);
        return;
    }
    // Everything that arrived together leaves together (see do_write).
    if (!writing_ && phase_ == phase::open) {
        do_write();
    }
}

bool websocket_session::enqueue(app::shared_text message)
{
    if (phase_ == phase::finished || close_reason_) {
        return true;  // closing: dropped quietly
    }
    std::size_t const size = message->size();
    if (queue_.size() >= limits_.outgoing_queue_max_messages ||
        queued_bytes_ + size > limits_.outgoing_queue_max_bytes) {
        return false;
    }
    queue_.push_back(std::move(message));
    queued_bytes_ += size;
    return true;
}

void websocket_session::close_inbox()
{
    std::lock_guard lock(inbox_mutex_);
    inbox_closed_ = true;
    inbox_.clear();
    inbox_bytes_ = 0;
}

void websocket_session::do_write()
{
    if (queue_.empty()) {
        if (close_reason_ && !close_started_) {
            do_close();
        }
        return;
    }
    asio::const_buffer payload;
    if (queue_.size() == 1) {
        in_flight_ = std::move(queue_.front());
        payload = asio::buffer(*in_flight_);
    } else {
        // Coalescing: with thousands of viewers, one frame (and one write) per
        // burst instead of one per event.
        batch_.clear();
        batch_.reserve(queued_bytes_ + queue_.size() + 1);
        batch_ += '[';
        bool first = true;
        for (auto const& message : queue_) {
            if (!first) {
                batch_ += ',';
            }
            first = false;
            batch_ += *message;
        }
        batch_ += ']';
        payload = asio::buffer(batch_);
    }
    queue_.clear();
    queued_bytes_ = 0;
    writing_ = true;
    stream_.text(true);
    stream_.async_write(payload, beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code error, std::size_t)
{
    writing_ = false;
    in_flight_.reset();
    if (batch_.capacity() > websocket_detail::batch_keep_capacity) {
        std::string().swap(batch_);
    } else {
        batch_.clear();
    }
    if (error) {
        abort_socket();  // the pending read ends and reports the close
        return;
    }
    if (phase_ == phase::finished) {
        return;
    }
    do_write();
}

void websocket_session::on_close_requested(app::close_reason reason)
{
    if (phase_ == phase::finished || close_started_) {
        return;
    }
    bool const first_request = !close_reason_;
    close_inbox();  // what is sent from now on is not delivered
    if (reason == app::close_reason::too_slow) {
        queue_.clear();
        queued_bytes_ = 0;
    }
    if (first_request || reason == app::close_reason::too_slow) {
        close_reason_ = reason;
    }
    hello_timer_.cancel();
    if (first_request) {
        // A write that never finishes (a peer that stopped reading) must not
        // hold the connection open: after this, the socket is closed hard.
        close_timer_.expires_after(2 * limits_.handshake_timeout);
        close_timer_.async_wait(
            beast::bind_front_handler(&websocket_session::on_close_deadline, shared_from_this()));
    }
    if (phase_ == phase::handshaking) {
        return;  // on_accept closes
    }
    if (!writing_) {
        do_close();  // not writing means nothing is queued
    }
}

void websocket_session::do_close()
{
    close_started_ = true;
    stream_.async_close(websocket_detail::close_frame_for(*close_reason_),
                        beast::bind_front_handler(&websocket_session::on_close_sent, shared_from_this()));
}

void websocket_session::on_close_sent(beast::error_code error)
{
    if (error) {
        abort_socket();
    }
    if (!opened_) {
        finish(error);  // no read loop to do it
    }
}

void websocket_session::on_close_deadline(beast::error_code error)
{
    if (error || phase_ == phase::finished) {
        return;
    }
    abort_socket();
}

void websocket_session::abort_socket()
{
    beast::get_lowest_layer(stream_).close();
}

void websocket_session::finish(beast::error_code error)
{
    if (phase_ == phase::finished) {
        return;
    }
    bool const was_open = phase_ == phase::open;
    phase_ = phase::finished;
    close_inbox();
    hello_timer_.cancel();
    close_timer_.cancel();
    queue_.clear();
    queued_bytes_ = 0;
    if (writing_) {
        abort_socket();
    }
    notify_closed();

    std::string line = "ws #" + std::to_string(id()) + (was_open ? " closed" : " handshake failed");
    if (close_reason_) {
        line += " by the server (" + std::to_string(websocket_detail::close_frame_for(*close_reason_).code) + ")";
    } else if (error == websocket::error::closed) {
        line += " by the client (" + std::to_string(stream_.reason().code) + ")";
    } else if (error) {
        line += ": " + error.message();
    }
    edge_log::line(line);
}

void websocket_session::notify_closed() noexcept
{
    if (!opened_ || close_notified_) {
        return;
    }
    close_notified_ = true;
    try {
        service_.on_close(*this);
    } catch (...) {
        edge_log::line("on_close failed");
    }
}

}  // namespace pleno::net
