#pragma once
// Random secrets: session tokens, display tokens, citizen keys.

#include <cstddef>
#include <string>
#include <string_view>

namespace pleno::auth {

// A random token of `bytes` bytes of entropy (at least 16), encoded as
// URL-safe base64 without padding.
std::string random_token(std::size_t bytes = 32);

// Hex of a keyed-free BLAKE2b hash (libsodium crypto_generichash, 32 bytes):
// what the store keeps instead of a bearer token.
std::string token_digest(std::string_view token);

// Constant-time equality for secrets of equal length.
bool secrets_equal(std::string_view a, std::string_view b);

}  // namespace pleno::auth
