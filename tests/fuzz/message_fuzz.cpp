// Fuzz target 1: one WebSocket text message as a client would send it, through
// the protocol's decoder and validator (pleno::protocol::parse_client_message),
// and the replies built from what it found. Checked on every input:
//   - it never throws (it promises so) and never crashes;
//   - a refused message has an error code and a message for the person;
//   - the error reply it leads to, and an ack echoing its req, are JSON objects
//     that parse back with the same req (a req is only ever echoed intact).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>
#include <pleno/protocol.hpp>

namespace {

void require(bool condition)
{
    if (!condition)
        std::abort();  // a finding: libFuzzer keeps the input
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view const text(reinterpret_cast<char const*>(data), size);
    auto const parsed = pleno::protocol::parse_client_message(text);
    if (!parsed.message) {
        require(!parsed.error_message.empty());
        auto const error = nlohmann::json::parse(
            pleno::protocol::make_error(parsed.req, parsed.error, parsed.error_message), nullptr, false);
        require(error.is_object());
        require(error.value("type", "") == "error");
        require(error["req"] == parsed.req);
    } else {
        require(!parsed.type.empty());
    }
    auto const ack = nlohmann::json::parse(pleno::protocol::make_ack(parsed.req), nullptr, false);
    require(ack.is_object());
    require(ack["req"] == parsed.req);
    return 0;
}
