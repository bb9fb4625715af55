// Fuzz target 3: HTTP request handling. Each input is sent as it is, as the
// bytes of one connection, to a real pleno-server in this process (static
// files, the API, upgrades, errors; see live_server.hpp). Checked: whatever
// the server answers starts as an HTTP/1.x response (or it closes without a
// word), and every 256 inputs it still serves GET /healthz.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "live_server.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    static unsigned long runs = 0;
    std::string_view const bytes(reinterpret_cast<char const*>(data), size);
    std::string const answer = pleno::fuzz::exchange({}, bytes);
    if (!answer.empty() && answer.rfind("HTTP/1.", 0) != 0)
        std::abort();
    if (++runs % 256 == 0 && !pleno::fuzz::healthy())
        std::abort();
    return 0;
}
