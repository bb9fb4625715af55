#include <pleno/protocol.hpp>

#include <initializer_list>
#include <limits>
#include <string>

namespace pleno::protocol {
namespace {

using json = nlohmann::json;

// Largest id a JavaScript client can hold exactly.
constexpr std::int64_t max_safe_integer = (std::int64_t{1} << 53) - 1;
// Generous byte limits before cleaning; the text rules then count code points.
constexpr std::size_t max_text_bytes = 4096;
constexpr std::size_t max_short_bytes = 1024;

struct invalid {
    std::string message;
};

// Reads fields of one message, remembering the first problem.
class field_reader {
public:
    explicit field_reader(json const& object)
        : object_(object)
    {
    }

    bool ok() const { return !problem_; }
    std::string const& problem() const { return *problem_; }

    void only(std::initializer_list<std::string_view> allowed)
    {
        for (auto const& [key, value] : object_.items()) {
            if (key == "type" || key == "req")
                continue;
            bool known = false;
            for (auto name : allowed)
                known = known || key == name;
            if (!known)
                return fail("unknown field '" + key + "'");
        }
    }

    std::string text(char const* name, bool required, std::size_t max_bytes = max_short_bytes)
    {
        auto found = object_.find(name);
        if (found == object_.end() || found->is_null()) {
            if (required)
                fail(std::string("missing field '") + name + "'");
            return {};
        }
        if (!found->is_string()) {
            fail(std::string("field '") + name + "' must be a string");
            return {};
        }
        auto const& value = found->get_ref<std::string const&>();
        if (value.size() > max_bytes) {
            fail(std::string("field '") + name + "' is too long");
            return {};
        }
        return value;
    }

    std::int64_t integer(char const* name, bool required, std::int64_t minimum = 0, std::int64_t maximum = max_safe_integer)
    {
        auto found = object_.find(name);
        if (found == object_.end() || found->is_null()) {
            if (required)
                fail(std::string("missing field '") + name + "'");
            return 0;
        }
        std::int64_t value = 0;
        if (found->is_number_unsigned()) {
            auto const raw = found->get<std::uint64_t>();
            if (raw > static_cast<std::uint64_t>(max_safe_integer)) {
                fail(std::string("field '") + name + "' is out of range");
                return 0;
            }
            value = static_cast<std::int64_t>(raw);
        } else if (found->is_number_integer()) {
            value = found->get<std::int64_t>();
        } else {
            fail(std::string("field '") + name + "' must be an integer");
            return 0;
        }
        if (value < minimum || value > maximum) {
            fail(std::string("field '") + name + "' is out of range");
            return 0;
        }
        return value;
    }

    bool has(char const* name) const
    {
        auto found = object_.find(name);
        return found != object_.end() && !found->is_null();
    }

    void fail(std::string message)
    {
        if (!problem_)
            problem_ = std::move(message);
    }

private:
    json const& object_;
    std::optional<std::string> problem_;
};

std::optional<agenda_entry> read_agenda_entry(json const& value, std::string& error_message)
{
    if (!value.is_object()) {
        error_message = "an agenda item must be an object";
        return std::nullopt;
    }
    field_reader fields(value);
    fields.only({"id", "number", "title", "description"});
    agenda_entry entry;
    entry.id = fields.integer("id", false);
    entry.number = static_cast<int>(fields.integer("number", false, 0, 9999));
    entry.title = fields.text("title", true);
    entry.description = fields.text("description", false, max_text_bytes);
    if (!fields.ok()) {
        error_message = "agenda item: " + fields.problem();
        return std::nullopt;
    }
    return entry;
}

template <typename Message>
parse_result accept(parse_result result, field_reader const& fields, Message message)
{
    if (!fields.ok()) {
        result.error = error_code::bad_request;
        result.error_message = fields.problem();
        return result;
    }
    result.message = std::move(message);
    return result;
}

parse_result reject(parse_result result, error_code code, std::string message)
{
    result.error = code;
    result.error_message = std::move(message);
    return result;
}

}  // namespace

std::optional<std::vector<agenda_entry>> parse_agenda(json const& value, std::string& error_message)
{
    json const* items = &value;
    if (value.is_object()) {
        auto found = value.find("items");
        if (found == value.end()) {
            error_message = "the agenda needs an 'items' array";
            return std::nullopt;
        }
        items = &*found;
    }
    if (!items->is_array()) {
        error_message = "the agenda must be an array of items";
        return std::nullopt;
    }
    if (items->size() > 200) {
        error_message = "an agenda has at most 200 items";
        return std::nullopt;
    }
    std::vector<agenda_entry> entries;
    for (auto const& item : *items) {
        auto entry = read_agenda_entry(item, error_message);
        if (!entry)
            return std::nullopt;
        entries.push_back(std::move(*entry));
    }
    return entries;
}

parse_result parse_client_message(std::string_view text)
{
    parse_result result;
    json object = json::parse(text.begin(), text.end(), nullptr, false);
    if (object.is_discarded() || !object.is_object())
        return reject(std::move(result), error_code::bad_json, "the message must be one JSON object");

    if (auto req = object.find("req"); req != object.end()) {
        bool const usable = (req->is_string() && req->get_ref<std::string const&>().size() <= 64) ||
                            (req->is_number_integer() && !req->is_number_float());
        if (!usable)
            return reject(std::move(result), error_code::bad_request, "'req' must be an integer or a string of at most 64 bytes");
        result.req = *req;
    }
    auto type_field = object.find("type");
    if (type_field == object.end() || !type_field->is_string())
        return reject(std::move(result), error_code::bad_request, "missing field 'type'");
    result.type = type_field->get<std::string>();
    if (result.type.size() > 64)
        result.type.resize(64);
    std::string const& type = result.type;
    field_reader fields(object);

    if (type == "hello") {
        fields.only({"role", "token", "citizen_id", "citizen_key", "session_id", "last_seq", "protocol"});
        hello message;
        message.role = fields.text("role", true, 32);
        message.token = fields.text("token", false, 256);
        message.citizen_id = fields.text("citizen_id", false, 128);
        message.citizen_key = fields.text("citizen_key", false, 256);
        message.session_id = fields.integer("session_id", false);
        if (fields.has("last_seq"))
            message.last_seq = fields.integer("last_seq", false);
        if (fields.has("protocol") && fields.integer("protocol", false, 1, 1000) != version)
            fields.fail("unsupported protocol version");
        return accept(std::move(result), fields, std::move(message));
    }
    if (type == "submit_post") {
        fields.only({"client_id", "author", "text", "session_id", "item_id"});
        submit_post message;
        message.client_id = fields.text("client_id", true, 64);
        message.author = fields.text("author", true, 512);
        message.text = fields.text("text", true, max_text_bytes);
        message.session_id = fields.integer("session_id", false);
        message.item_id = fields.integer("item_id", false);
        return accept(std::move(result), fields, std::move(message));
    }
    if (type == "approve" || type == "hide" || type == "pin" || type == "unpin") {
        fields.only({"post_id"});
        decide_post message;
        message.action = type == "approve" ? post_action::approve
                         : type == "hide"  ? post_action::hide
                         : type == "pin"   ? post_action::pin
                                           : post_action::unpin;
        message.post_id = fields.integer("post_id", true, 1);
        return accept(std::move(result), fields, message);
    }
    if (type == "reject") {
        fields.only({"post_id", "reason", "detail"});
        reject_post message;
        message.post_id = fields.integer("post_id", true, 1);
        message.reason = fields.text("reason", true, 64);
        message.detail = fields.text("detail", false);
        return accept(std::move(result), fields, std::move(message));
    }
    if (type == "ban") {
        fields.only({"session_id", "citizen_id", "reason"});
        ban_citizen message;
        message.session_id = fields.integer("session_id", true, 1);
        message.citizen_id = fields.text("citizen_id", true, 128);
        message.reason = fields.text("reason", false);
        return accept(std::move(result), fields, std::move(message));
    }
    if (type == "open_session" || type == "close_session") {
        fields.only({"session_id"});
        change_session_state message;
        message.action = type == "open_session" ? session_action::open : session_action::close;
        message.session_id = fields.integer("session_id", true, 1);
        return accept(std::move(result), fields, message);
    }
    if (type == "set_current_item") {
        fields.only({"session_id", "item_id"});
        set_current_item message;
        message.session_id = fields.integer("session_id", true, 1);
        message.item_id = fields.integer("item_id", true, 1);
        return accept(std::move(result), fields, message);
    }
    if (type == "set_wall_mode") {
        fields.only({"session_id", "mode"});
        set_wall_mode message;
        message.session_id = fields.integer("session_id", true, 1);
        message.mode = fields.text("mode", true, 16);
        if (fields.ok() && message.mode != "live" && message.mode != "hold" && message.mode != "blank")
            fields.fail("field 'mode' must be live, hold or blank");
        return accept(std::move(result), fields, std::move(message));
    }
    if (type == "set_overlay") {
        fields.only({"session_id", "text"});
        set_overlay message;
        message.session_id = fields.integer("session_id", true, 1);
        message.text = fields.text("text", false);
        return accept(std::move(result), fields, std::move(message));
    }
    if (type == "create_session" || type == "update_session") {
        bool const creating = type == "create_session";
        if (creating)
            fields.only({"title", "place", "starts_at", "agenda"});
        else
            fields.only({"session_id", "title", "place", "starts_at"});
        std::int64_t const session_id = creating ? 0 : fields.integer("session_id", true, 1);
        std::string title = fields.text("title", true);
        std::string place = fields.text("place", false);
        std::int64_t const starts_at = fields.integer("starts_at", true, 1);
        if (!creating)
            return accept(std::move(result), fields, update_session{session_id, std::move(title), std::move(place), starts_at});
        create_session message{std::move(title), std::move(place), starts_at, {}};
        if (fields.ok() && fields.has("agenda")) {
            std::string problem;
            auto agenda = parse_agenda(object["agenda"], problem);
            if (!agenda)
                fields.fail(problem);
            else
                message.agenda = std::move(*agenda);
        }
        return accept(std::move(result), fields, std::move(message));
    }
    if (type == "set_agenda") {
        fields.only({"session_id", "items"});
        set_agenda message;
        message.session_id = fields.integer("session_id", true, 1);
        if (fields.ok()) {
            if (!fields.has("items")) {
                fields.fail("missing field 'items'");
            } else {
                std::string problem;
                auto agenda = parse_agenda(object["items"], problem);
                if (!agenda)
                    fields.fail(problem);
                else
                    message.items = std::move(*agenda);
            }
        }
        return accept(std::move(result), fields, std::move(message));
    }
    if (type == "follow") {
        fields.only({"session_id", "last_seq"});
        follow message;
        message.session_id = fields.integer("session_id", false);
        if (fields.has("last_seq"))
            message.last_seq = fields.integer("last_seq", false);
        return accept(std::move(result), fields, message);
    }
    if (type == "list_sessions") {
        fields.only({});
        return accept(std::move(result), fields, list_sessions{});
    }
    if (type == "ping") {
        fields.only({});
        return accept(std::move(result), fields, ping{});
    }
    return reject(std::move(result), error_code::unknown_type, "there is no message of type '" + result.type + "'");
}

std::string make_ack(json const& req, json body)
{
    if (!body.is_object())
        body = json::object();
    body["type"] = "ack";
    body["req"] = req;
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string make_error(json const& req, error_code code, std::string_view message, json const& details)
{
    json body = {{"type", "error"}, {"req", req}, {"code", to_string(code)}, {"message", message}};
    if (details.is_object() && !details.empty())
        body["details"] = details;
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace pleno::protocol
