#include "auth/password.hpp"

#include <sodium.h>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

namespace pleno::auth {

namespace {

// libsodium reads encoded hashes as C strings of fewer than
// crypto_pwhash_STRBYTES bytes. A longer value or one with an embedded NUL is
// not a hash we made, and handing it over would let libsodium read a
// different string than the one we were given.
std::optional<std::string> as_encoded_hash(std::string_view encoded_hash)
{
    if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES
        || encoded_hash.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    return std::string{encoded_hash};
}

// An empty string_view may carry a null pointer; libsodium accepts that for a
// zero length, but a valid pointer keeps the contract obvious.
char const* password_data(std::string_view password)
{
    return password.empty() ? "" : password.data();
}

struct stored_cost {
    unsigned long long operations = 0;
    unsigned long long memory_kibibytes = 0;
};

// Reads "m" and "t" from "$argon2id$v=19$m=<kibibytes>,t=<passes>,p=<lanes>$...".
// Only called on strings libsodium has already decoded, so a failure here
// simply means "not a shape we can judge".
std::optional<stored_cost> parse_argon2id_cost(std::string_view encoded_hash)
{
    std::string_view rest = encoded_hash;
    auto consume = [&rest](std::string_view expected) {
        if (!rest.starts_with(expected)) {
            return false;
        }
        rest.remove_prefix(expected.size());
        return true;
    };
    auto consume_number = [&rest](unsigned long long& value) {
        auto const [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
        if (error != std::errc{} || end == rest.data()) {
            return false;
        }
        rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
        return true;
    };

    stored_cost cost;
    unsigned long long version = 0;
    if (!consume(crypto_pwhash_argon2id_STRPREFIX) || !consume("v=") || !consume_number(version)
        || !consume("$m=") || !consume_number(cost.memory_kibibytes) || !consume(",t=")
        || !consume_number(cost.operations)) {
        return std::nullopt;
    }
    return cost;
}

}  // namespace

void initialise_crypto()
{
    // sodium_init returns 1 when already initialised, which is fine: tests and
    // the server may both call this.
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

std::string hash_password(std::string_view password, password_cost cost)
{
    char encoded[crypto_pwhash_STRBYTES] = {};
    // The algorithm is named rather than left to crypto_pwhash_str, whose
    // default may change between libsodium releases.
    if (crypto_pwhash_str_alg(encoded, password_data(password), password.size(), cost.operations,
                              cost.memory_bytes, crypto_pwhash_ALG_ARGON2ID13)
        != 0) {
        throw std::runtime_error("password hash could not be computed (out of memory or invalid cost)");
    }
    return std::string{encoded};
}

bool verify_password(std::string_view encoded_hash, std::string_view password)
{
    auto const hash = as_encoded_hash(encoded_hash);
    if (!hash) {
        return false;
    }
    // libsodium compares the derived key in constant time and returns -1 for a
    // mismatch and for a malformed string alike.
    return crypto_pwhash_str_verify(hash->c_str(), password_data(password), password.size()) == 0;
}

bool needs_rehash(std::string_view encoded_hash, password_cost cost)
{
    auto const hash = as_encoded_hash(encoded_hash);
    if (!hash) {
        return true;
    }
    int const differs = crypto_pwhash_str_needs_rehash(hash->c_str(), cost.operations, cost.memory_bytes);
    if (differs == 0) {
        return false;
    }
    if (differs < 0) {
        // Malformed, or not Argon2id: nothing worth keeping.
        return true;
    }
    // libsodium reports any difference, including a hash that is stronger than
    // the configured cost. Lowering the cost in the configuration must not
    // silently downgrade stored hashes, so only a weaker one is replaced.
    auto const stored = parse_argon2id_cost(*hash);
    if (!stored) {
        return true;
    }
    return stored->operations < cost.operations || stored->memory_kibibytes < cost.memory_bytes / 1024;
}

}  // namespace pleno::auth
