#pragma once
// TLS served by pleno-server itself (--tls-cert, --tls-key).
//
// Each connection accepted on a TLS port goes through a tls_door first. The
// door reads the first bytes under the handshake deadline and tells TLS from
// plain HTTP:
//   - plain HTTP gets one answer, a 308 to the same address over https:// or
//     (tls.plain_http "refuse") a 400 that says to use https://, and is closed;
//     a plain WebSocket upgrade is always refused;
//   - TLS gets its handshake (TLS 1.2 or newer), and then the door relays:
//     the decrypted bytes go to an ordinary http_session through a local
//     socket pair, and what the session writes is encrypted on its way out.
//
// So HTTP, WebSocket, the staff lane and every limit and deadline are the
// same code with and without TLS. The price is one more copy of each
// message and two more file descriptors per TLS connection; a town that
// expects thousands of viewers can put nginx in front instead (README, TLS).
//
// The staff lane: the door does not know the path when it hands over (it
// never parses HTTP), so it stays on the main io_context and the session
// moves a /ws/staff upgrade to the lane as it does without TLS. A staff
// command is therefore decrypted on the main threads and then handled on the
// lane: correct, with less of the lane's head start under a viewer flood.

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "app/config.hpp"
#include "app/service.hpp"
#include "net/boost_net.hpp"
#include "net/connection_registry.hpp"
#include "net/http_routes.hpp"
#include "net/staff_lane.hpp"

namespace pleno::net {

// The server's TLS settings and certificate, loaded once at start-up.
class tls_gate {
public:
    // Throws std::runtime_error with a sentence for the operator when a file
    // cannot be read, is not PEM, or the key does not match the certificate.
    explicit tls_gate(app::tls_config const& settings);
    tls_gate(tls_gate const&) = delete;
    tls_gate& operator=(tls_gate const&) = delete;

    asio::ssl::context& context() { return context_; }
    bool redirect_plain_http() const { return redirect_plain_http_; }

private:
    asio::ssl::context context_;
    bool redirect_plain_http_;
};

// Starts serving one accepted connection of a TLS port (see above). The
// ticket counts it against the connection limits until it is closed.
void open_tls_door(asio::io_context& context, tcp::socket&& socket, tls_gate& gate, app::service& service,
                   std::shared_ptr<http_routes const> routes, staff_lane& staff, connection_registry::ticket ticket);

}  // namespace pleno::net
