// Fuzz target 4: the WebSocket session. Each input is a stream of client
// frames (masked or not, fragmented, control frames, any opcode), sent after
// a proper upgrade to /ws (or /ws/staff when the first byte is odd) of a real
// pleno-server in this process (see live_server.hpp): Beast's framing, the
// project's UTF-8 check, the service's handling of each message, the write
// queue and the close. Checked: the upgrade is accepted every time, and every
// 256 inputs (and whenever an answer did not come) the server still serves GET /healthz.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "live_server.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    static unsigned long runs = 0;
    if (size == 0)
        return 0;
    std::string_view const path = (data[0] & 1) != 0 ? "/ws/staff" : "/ws";
    std::string const upgrade = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + pleno::fuzz::host() +
                                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    std::string_view const frames(reinterpret_cast<char const*>(data) + 1, size - 1);
    std::string const answer = pleno::fuzz::exchange(upgrade, frames);
    // Another answer than 101 is a finding; no answer at all (the machine was
    // too busy to answer within the client's 5 s) is one only if the server
    // no longer serves.
    if (answer.empty() ? !pleno::fuzz::healthy() : answer.rfind("HTTP/1.1 101 ", 0) != 0)
        std::abort();
    if (++runs % 256 == 0 && !pleno::fuzz::healthy())
        std::abort();
    return 0;
}
