#include "auth/random_token.hpp"

#include <sodium.h>

#include <algorithm>
#include <vector>

namespace pleno::auth {

namespace {

// Below 128 bits a bearer token could be guessed by a patient attacker, so a
// smaller request is raised rather than honoured.
constexpr std::size_t minimum_token_bytes = 16;
constexpr std::size_t digest_bytes = 32;
constexpr int token_variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

}  // namespace

std::string random_token(std::size_t bytes)
{
    bytes = std::max(bytes, minimum_token_bytes);
    std::vector<unsigned char> raw(bytes);
    randombytes_buf(raw.data(), raw.size());

    // sodium_base64_encoded_len counts the terminating NUL.
    std::string token(sodium_base64_encoded_len(raw.size(), token_variant), '\0');
    sodium_bin2base64(token.data(), token.size(), raw.data(), raw.size(), token_variant);
    token.resize(token.size() - 1);

    // The raw bytes are the secret itself; do not leave them in freed memory.
    sodium_memzero(raw.data(), raw.size());
    return token;
}

std::string token_digest(std::string_view token)
{
    unsigned char digest[digest_bytes];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<unsigned char const*>(token.data()),
                       token.size(), nullptr, 0);

    // sodium_bin2hex writes the terminating NUL too.
    std::string hex(digest_bytes * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest, sizeof digest);
    hex.resize(digest_bytes * 2);
    return hex;
}

bool secrets_equal(std::string_view a, std::string_view b)
{
    // The length of a token is not secret (every token of one kind has the
    // same length), so checking it first leaks nothing.
    if (a.size() != b.size()) {
        return false;
    }
    if (a.empty()) {
        return true;
    }
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace pleno::auth
