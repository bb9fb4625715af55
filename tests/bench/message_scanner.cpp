#include "message_scanner.hpp"

namespace pleno::bench {
namespace {

constexpr int max_depth = 64;

class cursor {
public:
    explicit cursor(std::string_view text)
        : position_(text.data())
        , end_(text.data() + text.size())
    {
    }

    char peek()
    {
        skip_space();
        return position_ < end_ ? *position_ : '\0';
    }

    bool eat(char expected)
    {
        if (peek() != expected)
            return false;
        ++position_;
        return true;
    }

    bool at_end()
    {
        skip_space();
        return position_ == end_;
    }

    // The raw contents between the quotes; escapes are skipped, not decoded.
    bool string(std::string_view& contents)
    {
        if (!eat('"'))
            return false;
        char const* const start = position_;
        while (position_ < end_) {
            char const c = *position_;
            if (c == '\\') {
                if (end_ - position_ < 2)
                    return false;
                position_ += 2;
                continue;
            }
            if (c == '"') {
                contents = std::string_view(start, static_cast<std::size_t>(position_ - start));
                ++position_;
                return true;
            }
            ++position_;
        }
        return false;
    }

    // An integer value; a number with a fraction or exponent is skipped and gives -1.
    bool number(std::int64_t& value)
    {
        skip_space();
        bool negative = false;
        if (position_ < end_ && *position_ == '-') {
            negative = true;
            ++position_;
        }
        if (position_ >= end_ || *position_ < '0' || *position_ > '9')
            return false;
        std::int64_t result = 0;
        while (position_ < end_ && *position_ >= '0' && *position_ <= '9') {
            result = result * 10 + (*position_ - '0');
            ++position_;
        }
        bool integral = true;
        while (position_ < end_ && (*position_ == '.' || *position_ == 'e' || *position_ == 'E' || *position_ == '+' ||
                                    *position_ == '-' || (*position_ >= '0' && *position_ <= '9'))) {
            integral = false;
            ++position_;
        }
        value = !integral ? -1 : negative ? -result : result;
        return true;
    }

    bool skip_value(int depth)
    {
        if (depth > max_depth)
            return false;
        char const c = peek();
        if (c == '"') {
            std::string_view ignored;
            return string(ignored);
        }
        if (c == '{') {
            ++position_;
            if (eat('}'))
                return true;
            do {
                std::string_view key;
                if (!string(key) || !eat(':') || !skip_value(depth + 1))
                    return false;
            } while (eat(','));
            return eat('}');
        }
        if (c == '[') {
            ++position_;
            if (eat(']'))
                return true;
            do {
                if (!skip_value(depth + 1))
                    return false;
            } while (eat(','));
            return eat(']');
        }
        if (c == 't' || c == 'f' || c == 'n') {
            while (position_ < end_ && *position_ >= 'a' && *position_ <= 'z')
                ++position_;
            return true;
        }
        std::int64_t ignored = 0;
        return number(ignored);
    }

    bool integer_or_skip(std::int64_t& value)
    {
        char const c = peek();
        if (c == '-' || (c >= '0' && c <= '9'))
            return number(value);
        return skip_value(1);
    }

    bool string_or_skip(std::string_view& value)
    {
        if (peek() == '"')
            return string(value);
        return skip_value(1);
    }

    bool post_object(message_fields& fields)
    {
        if (peek() != '{')
            return skip_value(1);
        ++position_;
        if (eat('}'))
            return true;
        do {
            std::string_view key;
            if (!string(key) || !eat(':'))
                return false;
            bool const ok = key == "id" ? integer_or_skip(fields.post_id) : skip_value(2);
            if (!ok)
                return false;
        } while (eat(','));
        return eat('}');
    }

    bool message(message_fields& fields)
    {
        if (!eat('{'))
            return false;
        if (eat('}'))
            return true;
        do {
            std::string_view key;
            if (!string(key) || !eat(':'))
                return false;
            bool ok = false;
            if (key == "type")
                ok = string_or_skip(fields.type);
            else if (key == "code")
                ok = string_or_skip(fields.code);
            else if (key == "seq")
                ok = integer_or_skip(fields.seq);
            else if (key == "req")
                ok = integer_or_skip(fields.req);
            else if (key == "post_id")
                ok = integer_or_skip(fields.post_id);
            else if (key == "at")
                ok = integer_or_skip(fields.at);
            else if (key == "post")
                ok = post_object(fields);
            else
                ok = skip_value(1);
            if (!ok)
                return false;
        } while (eat(','));
        return eat('}');
    }

private:
    void skip_space()
    {
        while (position_ < end_ && (*position_ == ' ' || *position_ == '\n' || *position_ == '\r' || *position_ == '\t'))
            ++position_;
    }

    char const* position_;
    char const* end_;
};

}  // namespace

bool scan_messages(std::string_view text, std::vector<message_fields>& found)
{
    found.clear();
    cursor reader(text);
    if (reader.peek() == '{') {
        found.emplace_back();
        return reader.message(found.back()) && reader.at_end();
    }
    if (!reader.eat('['))
        return false;
    if (reader.eat(']'))
        return reader.at_end();
    do {
        found.emplace_back();
        if (!reader.message(found.back()))
            return false;
    } while (reader.eat(','));
    return reader.eat(']') && reader.at_end();
}

}  // namespace pleno::bench
