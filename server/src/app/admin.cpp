#include "app/admin.hpp"

#include <chrono>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>

#include <pleno/protocol.hpp>

#include "auth/password.hpp"
#include "auth/random_token.hpp"
#include "domain/council.hpp"
#include "domain/event_view.hpp"
#include "store/store.hpp"

namespace pleno::app {
namespace {

using domain::millis;

millis wall_now()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string format_time(millis at)
{
    if (at == 0)
        return "-";
    std::time_t const seconds = at / 1000;
    std::tm parts{};
    localtime_r(&seconds, &parts);
    std::ostringstream text;
    text << std::put_time(&parts, "%Y-%m-%d %H:%M");
    return text.str();
}

// "2026-11-24 18:30" (local time) or "2026-11-24T18:30" -> Unix ms.
millis parse_time(std::string const& text)
{
    std::tm parts{};
    std::string normalised = text;
    if (normalised.size() > 10 && normalised[10] == 'T')
        normalised[10] = ' ';
    std::istringstream input(normalised);
    input >> std::get_time(&parts, "%Y-%m-%d %H:%M");
    if (input.fail())
        throw std::runtime_error("'" + text + "' is not a time like 2026-11-24 18:30");
    parts.tm_isdst = -1;
    return static_cast<millis>(std::mktime(&parts)) * 1000;
}

std::string read_password(std::istream& in, std::ostream& err)
{
    bool const interactive = &in == &std::cin && ::isatty(STDIN_FILENO);
    auto read_line = [&](char const* prompt) {
        std::string line;
        if (interactive) {
            termios old_settings{};
            ::tcgetattr(STDIN_FILENO, &old_settings);
            termios quiet = old_settings;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
            err << prompt << std::flush;
            std::getline(in, line);
            ::tcsetattr(STDIN_FILENO, TCSANOW, &old_settings);
            err << '\n';
        } else {
            std::getline(in, line);
        }
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        return line;
    };
    std::string const password = read_line("Password: ");
    if (interactive && read_line("Password again: ") != password)
        throw std::runtime_error("the two passwords differ");
    if (password.size() < 8)
        throw std::runtime_error("a password needs at least 8 characters");
    return password;
}

bool valid_name(std::string const& name)
{
    if (name.empty() || name.size() > 64)
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            return false;
    return true;
}

std::string option(std::vector<std::string> const& arguments, std::string const& name, std::string fallback = {})
{
    for (std::size_t i = 0; i + 1 < arguments.size(); ++i)
        if (arguments[i] == name)
            return arguments[i + 1];
    return fallback;
}

void require_stopped_server(config const& settings)
{
    int const lock = lock_data_folder(settings.data_dir);
    if (lock < 0)
        throw std::runtime_error("pleno-server is running on " + settings.data_dir.string() +
                                 "; change sessions from the chair page, or stop the server first");
    ::close(lock);
}

domain::council load_council(store::store& target)
{
    domain::council council({});
    auto loaded = target.load_all();
    council.restore(std::move(loaded.sessions), std::move(loaded.posts), std::move(loaded.bans), std::move(loaded.events),
                    loaded.max_session_id, loaded.max_item_id, loaded.max_post_id);
    return council;
}

void save_changes(store::store& target, domain::council const& council, domain::change_set const& changes)
{
    target.begin();
    try {
        for (auto id : changes.sessions)
            target.save_session(*council.find_session(id));
        for (auto const& value : changes.events) {
            target.append_event(value);
            target.append_audit({value.at, value.actor, value.type, "session:" + std::to_string(value.session_id), "{\"via\":\"command line\"}"});
        }
        target.commit();
    } catch (...) {
        target.rollback();
        throw;
    }
}

std::vector<domain::agenda_item> read_agenda_file(std::string const& file)
{
    std::ifstream input(file);
    if (!input)
        throw std::runtime_error("cannot read " + file);
    auto document = nlohmann::json::parse(input, nullptr, false);
    if (document.is_discarded())
        throw std::runtime_error(file + " is not valid JSON");
    std::string problem;
    auto entries = protocol::parse_agenda(document, problem);
    if (!entries)
        throw std::runtime_error(file + ": " + problem);
    std::vector<domain::agenda_item> items;
    for (auto const& entry : *entries)
        items.push_back({0, entry.number, entry.title, entry.description});
    return items;
}

int usage(std::ostream& err)
{
    err << "usage:\n"
           "  pleno-server [--data DIR] user add NAME --role moderator|chair   (password from the prompt or stdin)\n"
           "  pleno-server [--data DIR] user list\n"
           "  pleno-server [--data DIR] user remove NAME\n"
           "  pleno-server [--data DIR] display-token create NAME\n"
           "  pleno-server [--data DIR] display-token revoke NAME\n"
           "  pleno-server [--data DIR] display-token list\n"
           "  pleno-server [--data DIR] session create --title T --starts-at 'YYYY-MM-DD HH:MM' [--place P] [--agenda FILE]\n"
           "  pleno-server [--data DIR] session list\n"
           "  pleno-server [--data DIR] session agenda-import SESSION_ID FILE\n";
    return 2;
}

int run(std::vector<std::string> const& arguments, config const& settings, std::istream& in, std::ostream& out, std::ostream& err)
{
    if (arguments.size() < 2)
        return usage(err);
    std::string const& group = arguments[0];
    std::string const& action = arguments[1];
    store::store target(settings.database_file());
    millis const now = wall_now();

    if (group == "user") {
        if (action == "add" && arguments.size() >= 3) {
            std::string const& name = arguments[2];
            auto kind = domain::parse_role(option(arguments, "--role"));
            if (!valid_name(name))
                throw std::runtime_error("a user name has 1 to 64 letters, digits, '-', '_' or '.'");
            if (!kind || !domain::can_moderate(*kind))
                throw std::runtime_error("--role must be moderator or chair");
            if (target.find_account(name))
                throw std::runtime_error("user " + name + " exists already");
            auth::initialise_crypto();
            std::string const password = read_password(in, err);
            target.begin();
            target.save_account({name, *kind, auth::hash_password(password, {settings.auth.argon2_operations, settings.auth.argon2_memory_bytes}), now});
            target.append_audit({now, "command line", "user_added", "user:" + name, "{\"role\":\"" + std::string(domain::to_string(*kind)) + "\"}"});
            target.commit();
            out << "user " << name << " added as " << domain::to_string(*kind) << "\n";
            return 0;
        }
        if (action == "list") {
            for (auto const& account : target.accounts())
                out << account.name << "\t" << domain::to_string(account.kind) << "\tsince " << format_time(account.created_at) << "\n";
            return 0;
        }
        if (action == "remove" && arguments.size() >= 3) {
            std::string const& name = arguments[2];
            target.begin();
            bool const removed = target.remove_account(name);
            target.remove_login_tokens_of(name);
            target.append_audit({now, "command line", "user_removed", "user:" + name, "{}"});
            target.commit();
            if (!removed)
                throw std::runtime_error("there is no user " + name);
            out << "user " << name << " removed; their open connections close within seconds\n";
            return 0;
        }
        return usage(err);
    }
    if (group == "display-token") {
        if (action == "create" && arguments.size() >= 3) {
            std::string const& name = arguments[2];
            if (!valid_name(name))
                throw std::runtime_error("a display name has 1 to 64 letters, digits, '-', '_' or '.'");
            auth::initialise_crypto();
            std::string const token = auth::random_token(32);
            target.begin();
            target.save_display_token({name, auth::token_digest(token), now, 0});
            target.append_audit({now, "command line", "display_token_created", "display:" + name, "{}"});
            target.commit();
            err << "display token for " << name << " (shown once; give it to pleno-display --token):\n";
            out << token << "\n";
            return 0;
        }
        if (action == "revoke" && arguments.size() >= 3) {
            std::string const& name = arguments[2];
            target.begin();
            bool const revoked = target.revoke_display_token(name, now);
            target.append_audit({now, "command line", "display_token_revoked", "display:" + name, "{}"});
            target.commit();
            if (!revoked)
                throw std::runtime_error("there is no valid display token named " + name);
            out << "display token " << name << " revoked; its display disconnects within seconds\n";
            return 0;
        }
        if (action == "list") {
            for (auto const& token : target.display_tokens())
                out << token.name << "\tcreated " << format_time(token.created_at)
                    << (token.revoked_at ? "\trevoked " + format_time(token.revoked_at) : std::string("\tvalid")) << "\n";
            return 0;
        }
        return usage(err);
    }
    if (group == "session") {
        if (action == "list") {
            for (auto const& session : target.sessions())
                out << session.id << "\t" << domain::to_string(session.state) << "\t" << format_time(session.starts_at) << "\t"
                    << session.title << (session.place.empty() ? "" : " (" + session.place + ")") << "\t"
                    << session.agenda.size() << " agenda items\n";
            return 0;
        }
        domain::actor const clerk{domain::role::chair, "command line"};
        domain::timestamp const stamp{now, std::chrono::steady_clock::now()};
        if (action == "create") {
            require_stopped_server(settings);
            auto council = load_council(target);
            domain::session_draft draft;
            draft.title = option(arguments, "--title");
            draft.place = option(arguments, "--place");
            std::string const starts = option(arguments, "--starts-at");
            if (draft.title.empty() || starts.empty())
                throw std::runtime_error("session create needs --title and --starts-at");
            draft.starts_at = parse_time(starts);
            if (auto file = option(arguments, "--agenda"); !file.empty())
                draft.agenda = read_agenda_file(file);
            auto result = council.create_session(clerk, draft, stamp);
            if (!result.ok())
                throw std::runtime_error(result.error->message);
            save_changes(target, council, result.changes);
            out << result.value << "\n";
            err << "session " << result.value << " created, scheduled for " << format_time(draft.starts_at) << "\n";
            return 0;
        }
        if (action == "agenda-import" && arguments.size() >= 4) {
            require_stopped_server(settings);
            auto council = load_council(target);
            domain::id_type session_id = 0;
            try {
                session_id = std::stoll(arguments[2]);
            } catch (std::exception const&) {
                throw std::runtime_error("'" + arguments[2] + "' is not a session number (see session list)");
            }
            auto result = council.set_agenda(clerk, session_id, read_agenda_file(arguments[3]), stamp);
            if (!result.ok())
                throw std::runtime_error(result.error->message);
            save_changes(target, council, result.changes);
            out << "agenda of session " << session_id << " replaced: " << council.find_session(session_id)->agenda.size() << " items\n";
            return 0;
        }
        return usage(err);
    }
    return usage(err);
}

}  // namespace

bool is_admin_command(std::string const& command)
{
    return command == "user" || command == "display-token" || command == "session";
}

int run_admin(std::vector<std::string> const& arguments, config const& settings, std::istream& in, std::ostream& out, std::ostream& err)
{
    try {
        return run(arguments, settings, in, out, err);
    } catch (std::exception const& problem) {
        err << "pleno-server: " << problem.what() << "\n";
        return 1;
    }
}

int lock_data_folder(std::filesystem::path const& data_dir)
{
    std::error_code ignored;
    std::filesystem::create_directories(data_dir, ignored);
    int const descriptor = ::open((data_dir / "pleno.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (descriptor < 0)
        return -1;
    if (::flock(descriptor, LOCK_EX | LOCK_NB) != 0) {
        ::close(descriptor);
        return -1;
    }
    return descriptor;
}

}  // namespace pleno::app
