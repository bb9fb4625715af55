#include "store/database.hpp"

#include <limits>
#include <system_error>
#include <utility>

#include <sqlite3.h>

namespace pleno::store {
namespace {

std::string describe(sqlite3* connection, int code, std::string_view doing)
{
    std::string message{doing};
    message += ": ";
    // The connection's message is more precise ("UNIQUE constraint failed:
    // posts.citizen_id, posts.client_id") than the generic one for the code.
    message += connection != nullptr ? sqlite3_errmsg(connection) : sqlite3_errstr(code);
    return message;
}

[[noreturn]] void fail(sqlite3* connection, int code, std::string_view doing)
{
    int const extended = connection != nullptr ? sqlite3_extended_errcode(connection) : code;
    throw store_error(extended, describe(connection, code, doing));
}

// Enough of a statement to recognise it in a log line; the whole text of a
// long upsert would drown the error itself.
std::string quoted_start(std::string_view sql)
{
    constexpr std::size_t shown = 60;
    std::string text{"\""};
    text += sql.substr(0, shown);
    if (sql.size() > shown)
        text += "...";
    text += '"';
    return text;
}

int length_of(std::string_view text)
{
    if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw store_error(SQLITE_TOOBIG, "SQL text too long");
    return static_cast<int>(text.size());
}

}  // namespace

store_error::store_error(int extended_code, std::string const& message)
    : std::runtime_error(message), extended_code_(extended_code)
{
}

// --- statement ---

void statement::finalizer::operator()(sqlite3_stmt* handle) const noexcept { sqlite3_finalize(handle); }

statement::statement(sqlite3* connection, std::string_view sql, preparation kind)
{
    sqlite3_stmt* handle = nullptr;
    char const* tail = nullptr;
    unsigned const flags = kind == preparation::persistent ? SQLITE_PREPARE_PERSISTENT : 0;
    int const code = sqlite3_prepare_v3(connection, sql.data(), length_of(sql), flags, &handle, &tail);
    handle_.reset(handle);
    if (code != SQLITE_OK)
        fail(connection, code, "cannot prepare " + quoted_start(sql));
    if (handle == nullptr)
        throw store_error(SQLITE_MISUSE, "no SQL statement in " + quoted_start(sql));
    // A second statement after the first would be silently ignored; that is
    // always a mistake in the caller's SQL.
    for (char const* rest = tail; rest != sql.data() + sql.size(); ++rest)
        if (*rest != ' ' && *rest != '\n' && *rest != '\t' && *rest != '\r' && *rest != ';')
            throw store_error(SQLITE_MISUSE, "more than one SQL statement in " + quoted_start(sql));
}

statement& statement::bind(int index, std::int64_t value)
{
    int const code = sqlite3_bind_int64(handle_.get(), index, value);
    if (code != SQLITE_OK)
        fail(sqlite3_db_handle(handle_.get()), code, "cannot bind parameter " + std::to_string(index));
    return *this;
}

statement& statement::bind(int index, std::string_view value)
{
    // A default-constructed string_view has no data pointer, and SQLite binds
    // a null pointer as NULL; an empty text must stay an empty text.
    char const* data = value.data() != nullptr ? value.data() : "";
    int const code = sqlite3_bind_text64(handle_.get(), index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (code != SQLITE_OK)
        fail(sqlite3_db_handle(handle_.get()), code, "cannot bind parameter " + std::to_string(index));
    return *this;
}

statement& statement::bind(int index, std::nullptr_t)
{
    int const code = sqlite3_bind_null(handle_.get(), index);
    if (code != SQLITE_OK)
        fail(sqlite3_db_handle(handle_.get()), code, "cannot bind parameter " + std::to_string(index));
    return *this;
}

step_result statement::step()
{
    int const code = sqlite3_step(handle_.get());
    if (code == SQLITE_ROW)
        return step_result::row;
    if (code == SQLITE_DONE)
        return step_result::done;
    fail(sqlite3_db_handle(handle_.get()), code, "cannot run " + quoted_start(sql()));
}

void statement::run()
{
    while (step() == step_result::row) {
        // Statements run this way produce no rows worth reading (a PRAGMA
        // may echo its new value); stepping to the end completes them.
    }
}

std::int64_t statement::column_int64(int index) const { return sqlite3_column_int64(handle_.get(), index); }

std::string statement::column_text(int index) const
{
    auto const* text = sqlite3_column_text(handle_.get(), index);
    if (text == nullptr)
        return {};
    // The length must be read after the text, once SQLite has converted it.
    auto const size = static_cast<std::size_t>(sqlite3_column_bytes(handle_.get(), index));
    return std::string{reinterpret_cast<char const*>(text), size};
}

bool statement::column_is_null(int index) const
{
    return sqlite3_column_type(handle_.get(), index) == SQLITE_NULL;
}

void statement::reset() noexcept
{
    if (!handle_)
        return;  // moved from
    // sqlite3_reset repeats the error of the last step, which was already
    // reported by step(); here it only matters that the statement is ready.
    sqlite3_reset(handle_.get());
    sqlite3_clear_bindings(handle_.get());
}

std::string_view statement::sql() const
{
    char const* text = sqlite3_sql(handle_.get());
    return text != nullptr ? std::string_view{text} : std::string_view{};
}

// --- database ---

void database::closer::operator()(sqlite3* handle) const noexcept
{
    // close_v2 never leaves the handle half-open: should a statement still be
    // alive, the connection closes once it is finalized.
    sqlite3_close_v2(handle);
}

database::database(std::filesystem::path const& file)
{
    if (file.has_parent_path()) {
        std::error_code error;
        std::filesystem::create_directories(file.parent_path(), error);
        if (error)
            throw store_error(SQLITE_CANTOPEN,
                "cannot create the folder " + file.parent_path().string() + ": " + error.message());
    }
    sqlite3* handle = nullptr;
    // NOMUTEX: a connection is used by one thread at a time (see store.hpp),
    // so SQLite's own per-connection locking would only cost time.
    int const flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int const code = sqlite3_open_v2(file.c_str(), &handle, flags, nullptr);
    // SQLite allocates a handle even when opening fails; it must be closed.
    connection_.reset(handle);
    if (code != SQLITE_OK)
        fail(handle, code, "cannot open the database " + file.string());
    sqlite3_extended_result_codes(handle, 1);
}

void database::execute(std::string_view sql)
{
    std::string const text{sql};  // sqlite3_exec needs a terminating zero
    char* message = nullptr;
    int const code = sqlite3_exec(connection_.get(), text.c_str(), nullptr, nullptr, &message);
    if (code == SQLITE_OK)
        return;
    std::string detail = message != nullptr ? message : sqlite3_errstr(code);
    sqlite3_free(message);
    throw store_error(sqlite3_extended_errcode(connection_.get()), "cannot run " + quoted_start(text) + ": " + detail);
}

statement& database::cached(std::string_view sql)
{
    auto found = cache_.find(sql);
    if (found == cache_.end())
        found = cache_.emplace(std::string{sql}, statement{connection_.get(), sql, preparation::persistent}).first;
    return found->second;
}

statement database::prepare(std::string_view sql) { return statement{connection_.get(), sql, preparation::single_use}; }

int database::changes() const { return sqlite3_changes(connection_.get()); }

bool database::in_transaction() const { return sqlite3_get_autocommit(connection_.get()) == 0; }

void database::set_busy_timeout(int milliseconds) { sqlite3_busy_timeout(connection_.get(), milliseconds); }

}  // namespace pleno::store
