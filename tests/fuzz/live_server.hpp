#pragma once
// A real pleno-server (service, network edge, SQLite store) running inside the
// fuzzer's process on a loopback port, seeded with the demo, for the HTTP and
// WebSocket fuzz targets. It starts on first use and runs until the process
// exits; a crash or a sanitizer report in it is the fuzzer's finding.

#include <string>
#include <string_view>

namespace pleno::fuzz {

// Connects, sends `first` (if not empty) and waits for the end of its HTTP
// answer's head, then sends `bytes`, closes its sending side and reads what
// the server still says until it closes (each wait at most 5 s).
// Returns everything the server sent.
std::string exchange(std::string_view first, std::string_view bytes);

// The server answers GET /healthz with 200 (it still serves).
bool healthy();

// "127.0.0.1:PORT" for Host headers.
std::string const& host();

}  // namespace pleno::fuzz
