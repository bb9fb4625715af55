#include "auth/password.hpp"
#include "auth/random_token.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace pleno::auth;

namespace {

constexpr std::string_view test_password = "correct horse battery staple";

// Hashing at the default cost takes tens of milliseconds and 19 MiB, so the
// tests that only read a default-cost hash share this one.
std::string const& default_hash()
{
    static std::string const hash = [] {
        initialise_crypto();
        return hash_password(test_password);
    }();
    return hash;
}

// libsodium's smallest Argon2id cost: for tests about behaviour, not strength.
constexpr password_cost cheap_cost{1, 8 * 1024};

std::vector<std::string_view> split(std::string_view text, char separator)
{
    std::vector<std::string_view> parts;
    while (true) {
        auto const at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos) {
            return parts;
        }
        text.remove_prefix(at + 1);
    }
}

std::optional<unsigned long> parse_number(std::string_view text, std::string_view name)
{
    if (!text.starts_with(name) || text.size() <= name.size() || text[name.size()] != '=') {
        return std::nullopt;
    }
    text.remove_prefix(name.size() + 1);
    unsigned long value = 0;
    auto const [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

struct encoded_hash {
    std::string algorithm;
    unsigned long version = 0;
    unsigned long memory_kibibytes = 0;
    unsigned long operations = 0;
    unsigned long lanes = 0;
    std::string salt;
    std::string hash;
};

// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", parsed independently of
// the code under test.
std::optional<encoded_hash> parse_encoded(std::string_view text)
{
    auto const fields = split(text, '$');
    if (fields.size() != 6 || !fields[0].empty()) {
        return std::nullopt;
    }
    auto const version = parse_number(fields[2], "v");
    auto const parameters = split(fields[3], ',');
    if (!version || parameters.size() != 3) {
        return std::nullopt;
    }
    auto const memory = parse_number(parameters[0], "m");
    auto const operations = parse_number(parameters[1], "t");
    auto const lanes = parse_number(parameters[2], "p");
    if (!memory || !operations || !lanes) {
        return std::nullopt;
    }
    return encoded_hash{std::string{fields[1]}, *version, *memory, *operations, *lanes,
                        std::string{fields[4]}, std::string{fields[5]}};
}

bool is_url_safe_base64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::optional<std::size_t> decoded_size(std::string const& token)
{
    std::vector<unsigned char> bytes(token.size());
    std::size_t size = 0;
    if (sodium_base642bin(bytes.data(), bytes.size(), token.c_str(), token.size(), nullptr, &size, nullptr,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING)
        != 0) {
        return std::nullopt;
    }
    return size;
}

}  // namespace

TEST_CASE("initialise_crypto may be called more than once")
{
    CHECK_NOTHROW(initialise_crypto());
    CHECK_NOTHROW(initialise_crypto());
}

TEST_CASE("a password hash verifies with the right password and not with a wrong one")
{
    CHECK(verify_password(default_hash(), test_password));
    CHECK_FALSE(verify_password(default_hash(), "correct horse battery stapler"));
    CHECK_FALSE(verify_password(default_hash(), ""));
}

TEST_CASE("two hashes of the same password differ because each has its own salt")
{
    std::string const second = hash_password(test_password);
    CHECK(second != default_hash());
    auto const first_parts = parse_encoded(default_hash());
    auto const second_parts = parse_encoded(second);
    REQUIRE(first_parts);
    REQUIRE(second_parts);
    CHECK(first_parts->salt != second_parts->salt);
    CHECK(verify_password(second, test_password));
}

TEST_CASE("the default cost gives an Argon2id hash with m=19456 KiB and t=2")
{
    CHECK(password_cost{}.memory_bytes >= 19u * 1024 * 1024);
    CHECK(password_cost{}.operations >= 2);

    CHECK(default_hash().starts_with("$argon2id$"));
    auto const parts = parse_encoded(default_hash());
    REQUIRE(parts);
    CHECK(parts->algorithm == "argon2id");
    CHECK(parts->version == 19);
    CHECK(parts->memory_kibibytes == 19456);
    CHECK(parts->operations == 2);
    CHECK(parts->lanes == 1);
    CHECK(parts->salt.size() >= 22);  // at least 16 bytes of salt
}

TEST_CASE("a malformed or foreign hash is rejected without throwing")
{
    std::string const with_trailing_nul = default_hash() + std::string(1, '\0') + "x";
    std::string const truncated = default_hash().substr(0, default_hash().size() - 5);
    std::vector<std::string> const malformed{
        "",
        "not a hash",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  // bcrypt
        truncated,
        with_trailing_nul,
        std::string(300, 'a'),
    };
    for (std::string const& hash : malformed) {
        CAPTURE(hash);
        bool result = true;
        CHECK_NOTHROW(result = verify_password(hash, test_password));
        CHECK_FALSE(result);
    }
}

TEST_CASE("a hash whose parameters or digest were altered does not verify")
{
    std::string const hash = hash_password(test_password, cheap_cost);
    REQUIRE(verify_password(hash, test_password));

    std::string altered_digest = hash;
    std::size_t const digest_start = altered_digest.rfind('$') + 1;
    altered_digest[digest_start] = altered_digest[digest_start] == 'A' ? 'B' : 'A';
    CHECK_FALSE(verify_password(altered_digest, test_password));

    std::string altered_cost = hash;
    std::size_t const memory_at = altered_cost.find("m=8,");
    REQUIRE(memory_at != std::string::npos);
    altered_cost.replace(memory_at, 4, "m=16,");
    CHECK_FALSE(verify_password(altered_cost, test_password));
}

TEST_CASE("hash_password throws when the cost is below what Argon2id allows")
{
    CHECK_THROWS_AS(hash_password(test_password, password_cost{0, 8 * 1024}), std::runtime_error);
    CHECK_THROWS_AS(hash_password(test_password, password_cost{1, 1024}), std::runtime_error);
}

TEST_CASE("needs_rehash asks for a new hash when the stored one is weaker than the cost")
{
    std::string const weak = hash_password(test_password, cheap_cost);
    CHECK(needs_rehash(weak));
    CHECK(needs_rehash(weak, password_cost{1, 16 * 1024}));  // only memory weaker
    CHECK(needs_rehash(weak, password_cost{2, 8 * 1024}));   // only passes weaker
    CHECK_FALSE(needs_rehash(weak, cheap_cost));
    CHECK_FALSE(needs_rehash(default_hash()));
}

TEST_CASE("needs_rehash keeps a hash that is stronger than the configured cost")
{
    std::string const hash = hash_password(test_password, password_cost{2, 64 * 1024});
    CHECK_FALSE(needs_rehash(hash, password_cost{1, 64 * 1024}));
    CHECK_FALSE(needs_rehash(hash, password_cost{2, 32 * 1024}));
    CHECK_FALSE(needs_rehash(hash, password_cost{1, 8 * 1024}));
    CHECK(needs_rehash(hash, password_cost{3, 32 * 1024}));  // stronger memory cannot make up for fewer passes
    CHECK(needs_rehash(hash, password_cost{1, 128 * 1024}));
}

TEST_CASE("needs_rehash replaces a malformed hash and an Argon2i hash")
{
    CHECK(needs_rehash(""));
    CHECK(needs_rehash("not a hash"));
    CHECK(needs_rehash(std::string(300, 'a')));

    initialise_crypto();
    char argon2i[crypto_pwhash_STRBYTES] = {};
    REQUIRE(crypto_pwhash_str_alg(argon2i, test_password.data(), test_password.size(), 3, 8 * 1024,
                                  crypto_pwhash_ALG_ARGON2I13)
            == 0);
    REQUIRE(std::string_view{argon2i}.starts_with("$argon2i$"));
    CHECK(verify_password(argon2i, test_password));  // an old hash still logs in...
    CHECK(needs_rehash(argon2i, cheap_cost));        // ...and is then replaced
}

TEST_CASE("random_token encodes 32 bytes as 43 URL-safe base64 characters without padding")
{
    initialise_crypto();
    std::string const token = random_token();
    CHECK(token.size() == 43);
    CHECK(std::all_of(token.begin(), token.end(), is_url_safe_base64));
    CHECK(decoded_size(token) == std::optional<std::size_t>{32});
}

TEST_CASE("random_token never gives fewer than 128 bits")
{
    initialise_crypto();
    CHECK(decoded_size(random_token(16)) == std::optional<std::size_t>{16});
    CHECK(decoded_size(random_token(4)) == std::optional<std::size_t>{16});
    CHECK(decoded_size(random_token(0)) == std::optional<std::size_t>{16});
    CHECK(decoded_size(random_token(64)) == std::optional<std::size_t>{64});
}

TEST_CASE("1000 random tokens are all different and use the whole base64 alphabet")
{
    initialise_crypto();
    std::set<std::string> tokens;
    std::set<char> characters;
    bool all_well_formed = true;
    for (int i = 0; i < 1000; ++i) {
        std::string token = random_token();
        all_well_formed = all_well_formed && token.size() == 43
                          && std::all_of(token.begin(), token.end(), is_url_safe_base64);
        characters.insert(token.begin(), token.end());
        tokens.insert(std::move(token));
    }
    CHECK(all_well_formed);
    CHECK(tokens.size() == 1000);
    // 43,000 uniform characters miss one of 64 with probability about e^-670;
    // a generator stuck on part of the alphabet would not.
    CHECK(characters.size() == 64);
}

TEST_CASE("token_digest is the stable 64-hex-character BLAKE2b-256 of the token")
{
    initialise_crypto();
    // Reference values from Python's hashlib.blake2b(digest_size=32).
    CHECK(token_digest("") == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    CHECK(token_digest("abc") == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");

    std::string const token = random_token();
    std::string const digest = token_digest(token);
    CHECK(digest.size() == 64);
    CHECK(digest.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(token_digest(token) == digest);

    std::string other = token;
    other.back() = other.back() == 'A' ? 'B' : 'A';
    CHECK(token_digest(other) != digest);
}

TEST_CASE("secrets_equal is true only for identical secrets of the same length")
{
    CHECK(secrets_equal("abcdef", "abcdef"));
    CHECK(secrets_equal("", ""));
    CHECK_FALSE(secrets_equal("abcdef", "abcdeg"));
    CHECK_FALSE(secrets_equal("bbcdef", "abcdef"));
    CHECK_FALSE(secrets_equal("abc", "abcdef"));
    CHECK_FALSE(secrets_equal("abcdef", "abc"));
    CHECK_FALSE(secrets_equal("", "a"));
}
