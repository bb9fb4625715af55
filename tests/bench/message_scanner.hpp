#pragma once
// Reads the few fields the benchmarks need from a server message without
// building a JSON tree: with 10,000 viewers the client must stay much cheaper
// per message than the server it measures. A message is one JSON object or,
// when the server coalesced what was queued for a connection, an array of
// objects; both are handled.

#include <cstdint>
#include <string_view>
#include <vector>

namespace pleno::bench {

struct message_fields {
    std::string_view type;   // raw (still escaped) string contents
    std::string_view code;   // errors
    std::int64_t seq = -1;
    std::int64_t req = -1;      // integer req ids only
    std::int64_t post_id = -1;  // "post": {"id": N} or "post_id": N
    std::int64_t at = -1;       // events: the server's wall clock (ms) when it handled the command
};

// Appends one entry per object to `found` (which is cleared first). Returns
// false when the text is not an object or an array of objects.
bool scan_messages(std::string_view text, std::vector<message_fields>& found);

}  // namespace pleno::bench
