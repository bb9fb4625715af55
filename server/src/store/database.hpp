#pragma once
// Thin RAII wrappers over the SQLite C API: a connection that owns its
// prepared statements, and statements that bind and read typed values.
// Only the store includes this header; nothing else in Pleno sees SQLite.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace pleno::store {

// A failed SQLite call. code() is the primary result code (SQLITE_BUSY,
// SQLITE_CONSTRAINT, ...), extended_code() the precise one
// (SQLITE_CONSTRAINT_UNIQUE, ...); the message names what was being done.
struct store_error : std::runtime_error {
    store_error(int extended_code, std::string const& message);

    int code() const noexcept { return extended_code_ & 0xff; }
    int extended_code() const noexcept { return extended_code_; }

private:
    int extended_code_;
};

enum class step_result { row, done };

// How long a statement is meant to live: SQLite keeps persistent statements
// out of its lookaside memory, which suits statements reused for the whole
// life of the connection.
enum class preparation { single_use, persistent };

class statement {
public:
    statement(sqlite3* connection, std::string_view sql, preparation kind);
    statement(statement&&) noexcept = default;
    statement& operator=(statement&&) noexcept = default;

    // Parameters are numbered from 1, as in SQL. Text is copied by SQLite,
    // so the caller's buffer may go away before step().
    statement& bind(int index, std::int64_t value);
    statement& bind(int index, std::string_view value);
    statement& bind(int index, std::nullptr_t);

    // Throws store_error on failure; the statement must then be reset.
    step_result step();
    // Steps a statement that returns no rows (INSERT, UPDATE, DELETE, ...).
    void run();

    // Columns are numbered from 0, as in sqlite3_column_*.
    std::int64_t column_int64(int index) const;
    std::string column_text(int index) const;  // "" for NULL
    bool column_is_null(int index) const;

    // Makes the statement ready to run again and forgets its bindings, so a
    // value bound for one job can never leak into the next.
    void reset() noexcept;

    std::string_view sql() const;

private:
    struct finalizer {
        void operator()(sqlite3_stmt* handle) const noexcept;
    };
    std::unique_ptr<sqlite3_stmt, finalizer> handle_;
};

// Resets a statement when the scope ends, also when an exception leaves it:
// a query abandoned half-way would otherwise keep its read snapshot open and
// stop the WAL from being checkpointed.
class statement_use {
public:
    explicit statement_use(statement& target) : target_(target) {}
    ~statement_use() { target_.reset(); }
    statement_use(statement_use const&) = delete;
    statement_use& operator=(statement_use const&) = delete;

    statement* operator->() const { return &target_; }
    statement& operator*() const { return target_; }

private:
    statement& target_;
};

class database {
public:
    // Opens the file for reading and writing, creating it (and its folder)
    // if needed. Throws store_error when that fails.
    explicit database(std::filesystem::path const& file);

    // Runs constant SQL, possibly several statements (schema scripts,
    // PRAGMAs without results). Never pass text that came from outside.
    void execute(std::string_view sql);

    // A statement prepared once and kept for the life of the connection, so
    // repeated writes pay for parsing and planning only the first time. Use
    // it through statement_use so it is reset after every use.
    statement& cached(std::string_view sql);

    // A statement for one use (PRAGMAs at start-up and the like).
    statement prepare(std::string_view sql);

    int changes() const;            // rows changed by the last INSERT, UPDATE or DELETE
    bool in_transaction() const;    // false in autocommit mode
    void set_busy_timeout(int milliseconds);

private:
    struct closer {
        void operator()(sqlite3* handle) const noexcept;
    };
    // Declared before the cache so it is destroyed after it: every statement
    // is finalized before the connection closes.
    std::unique_ptr<sqlite3, closer> connection_;
    std::map<std::string, statement, std::less<>> cache_;
};

}  // namespace pleno::store
