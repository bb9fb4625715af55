#pragma once
// Password hashing for moderator and chair accounts: Argon2id through libsodium.

#include <string>
#include <string_view>

namespace pleno::auth {

struct password_cost {
    unsigned long long operations = 2;              // t
    std::size_t memory_bytes = 19ull * 1024 * 1024;  // m
};

// Must be called once before any other function here (initialises libsodium).
// Throws std::runtime_error when libsodium cannot start (start-up only).
void initialise_crypto();

// Returns the encoded "$argon2id$..." string. Throws std::runtime_error when
// the hash cannot be computed (out of memory).
std::string hash_password(std::string_view password, password_cost cost = {});

// Constant-time verification against an encoded hash. False for a malformed hash.
bool verify_password(std::string_view encoded_hash, std::string_view password);

// True when the stored hash was made with weaker parameters than `cost`.
bool needs_rehash(std::string_view encoded_hash, password_cost cost = {});

}  // namespace pleno::auth
