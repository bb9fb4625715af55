#include <doctest/doctest.h>

#include <string>

#include "qr_code.hpp"

using namespace pleno::display;

namespace {

// A finder pattern: a 7x7 dark ring, a light ring, a dark 3x3 centre, and a
// light separator along its inner sides.
bool finder_pattern_at(qr_matrix const& matrix, int left, int top)
{
    for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 7; ++x) {
            bool const ring = x == 0 || y == 0 || x == 6 || y == 6;
            bool const centre = x >= 2 && x <= 4 && y >= 2 && y <= 4;
            if (matrix.at(left + x, top + y) != (ring || centre))
                return false;
        }
    return true;
}

bool separator_light(qr_matrix const& matrix, int left, int top)
{
    // The row and column of light modules between a finder and the rest of the code.
    int const column = left == 0 ? 7 : left - 1;
    int const row = top == 0 ? 7 : top - 1;
    for (int i = 0; i < 8; ++i) {
        int const x = left == 0 ? i : left - 1 + i;
        int const y = top == 0 ? i : top - 1 + i;
        if (matrix.at(x, row) || matrix.at(column, y))
            return false;
    }
    return true;
}

}  // namespace

TEST_CASE("a short URL becomes a version 2 code of 25 modules a side")
{
    // 20 bytes: too many for version 1 at level M (14 bytes), enough for version 2 (26).
    auto matrix = encode_qr("https://jun.es/pleno");
    REQUIRE(matrix.has_value());
    CHECK(matrix->size == 25);
    CHECK(matrix->dark.size() == 25U * 25U);
}

TEST_CASE("a longer URL takes a larger code")
{
    auto short_code = encode_qr("https://jun.es/p");
    auto long_code = encode_qr("https://participa.ajuntament-de-jun.example/pleno/2027/novembre");
    REQUIRE(short_code.has_value());
    REQUIRE(long_code.has_value());
    CHECK(long_code->size > short_code->size);
    CHECK((long_code->size - 17) % 4 == 0);  // every version is 17 + 4 * version modules wide
}

TEST_CASE("the same text always gives the same code")
{
    auto first = encode_qr("http://192.168.1.20:8080/");
    auto second = encode_qr("http://192.168.1.20:8080/");
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->size == second->size);
    CHECK(first->dark == second->dark);
}

TEST_CASE("the code is case-sensitive: upper and lower case give different codes")
{
    auto lower = encode_qr("https://jun.es/pleno?t=abc");
    auto upper = encode_qr("https://jun.es/pleno?t=ABC");
    REQUIRE(lower.has_value());
    REQUIRE(upper.has_value());
    CHECK(lower->dark != upper->dark);
}

TEST_CASE("finder patterns sit in three corners and not in the fourth")
{
    auto matrix = encode_qr("https://jun.es/pleno");
    REQUIRE(matrix.has_value());
    int const far = matrix->size - 7;
    CHECK(finder_pattern_at(*matrix, 0, 0));
    CHECK(finder_pattern_at(*matrix, far, 0));
    CHECK(finder_pattern_at(*matrix, 0, far));
    CHECK(separator_light(*matrix, 0, 0));
    CHECK(separator_light(*matrix, far, 0));
    CHECK(separator_light(*matrix, 0, far));
    CHECK_FALSE(finder_pattern_at(*matrix, far, far));
}

TEST_CASE("the timing patterns alternate between the finder patterns")
{
    auto matrix = encode_qr("https://jun.es/pleno");
    REQUIRE(matrix.has_value());
    for (int i = 8; i < matrix->size - 8; ++i) {
        CHECK(matrix->at(i, 6) == (i % 2 == 0));
        CHECK(matrix->at(6, i) == (i % 2 == 0));
    }
}

TEST_CASE("empty text, text with a NUL inside and text too long for any code give no code")
{
    CHECK_FALSE(encode_qr("").has_value());
    CHECK_FALSE(encode_qr(std::string("https://a\0b", 11)).has_value());
    // Version 40 at level M holds 2,331 bytes.
    CHECK_FALSE(encode_qr(std::string(3000, 'x')).has_value());
    CHECK(encode_qr(std::string(2000, 'x')).has_value());
}

TEST_CASE("accented text is encoded as its UTF-8 bytes")
{
    auto matrix = encode_qr("https://jun.es/participació");
    REQUIRE(matrix.has_value());
    CHECK(matrix->size >= 25);
}
