#include "store/store.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <map>
#include <utility>

#include <sqlite3.h>

#include "store/database.hpp"

namespace pleno::store {
namespace {

using domain::id_type;
using domain::millis;

// --- schema ---

// Version 1. Times are Unix milliseconds (UTC). Where the model says "0:
// none" (current_item_id, pinned_post_id, opened_at, decided_at, revoked_at,
// ...) the column holds 0 as well, so rows map to the model one to one.
// Enumerations are stored by their names from model.hpp, checked here so a
// bug elsewhere can never write a value start-up could not read back.
//
// Foreign keys only where the parent always exists before the child and is
// never deleted while children remain: posts keep their item_id without a
// key because save_session deletes and reinserts agenda rows, and citizen ids
// without one because a ban may name a citizen the store has not seen.
constexpr std::string_view schema_version_1 = R"sql(
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('probe', 'written by the health check');

CREATE TABLE accounts (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('moderator', 'chair')),
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE display_tokens (
    name TEXT PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE login_tokens (
    digest TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX login_tokens_by_account ON login_tokens (account);

CREATE TABLE citizens (
    id TEXT PRIMARY KEY,
    key_digest TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('scheduled', 'live', 'closed')),
    current_item_id INTEGER NOT NULL DEFAULT 0,
    wall_mode TEXT NOT NULL CHECK (wall_mode IN ('live', 'hold', 'blank')),
    overlay TEXT NOT NULL DEFAULT '',
    last_seq INTEGER NOT NULL DEFAULT 0,
    pinned_post_id INTEGER NOT NULL DEFAULT 0,
    opened_at INTEGER NOT NULL DEFAULT 0,
    closed_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE agenda_items (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    UNIQUE (session_id, position)
);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    item_id INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    citizen_id TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'hidden')),
    pinned INTEGER NOT NULL CHECK (pinned IN (0, 1)),
    flags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(flags)),
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at INTEGER NOT NULL DEFAULT 0,
    reject_reason TEXT NOT NULL DEFAULT '',
    reject_detail TEXT NOT NULL DEFAULT '',
    hidden_by TEXT NOT NULL DEFAULT '',
    hidden_at INTEGER NOT NULL DEFAULT 0,
    UNIQUE (citizen_id, client_id)
);
CREATE INDEX posts_by_session ON posts (session_id);

CREATE TABLE bans (
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    citizen_id TEXT NOT NULL,
    banned_by TEXT NOT NULL,
    banned_at INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, citizen_id)
) WITHOUT ROWID;

CREATE TABLE events (
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data)),
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
)sql";

void migrate_to_version_1(database& db) { db.execute(schema_version_1); }

// migrations[n] takes the schema from version n to version n + 1. Only ever
// append: databases in town halls have already run every shipped entry.
// A step is a function rather than a script so a later one can move data.
constexpr std::array<void (*)(database&), 1> migrations{
    &migrate_to_version_1,
};

// --- small helpers ---

void run(database& db, std::string_view sql)
{
    statement_use use{db.cached(sql)};
    use->run();
}

std::int64_t single_integer(statement& query)
{
    statement_use use{query};
    if (use->step() != step_result::row)
        throw store_error(SQLITE_ERROR, "no result from \"" + std::string{query.sql()} + "\"");
    return use->column_int64(0);
}

std::string single_text(statement& query)
{
    statement_use use{query};
    if (use->step() != step_result::row)
        throw store_error(SQLITE_ERROR, "no result from \"" + std::string{query.sql()} + "\"");
    return use->column_text(0);
}

// Ends a transaction after a failure without hiding that failure behind a
// second one: should the ROLLBACK itself fail, SQLite has already ended it.
void rollback_after_failure(database& db) noexcept
{
    try {
        if (db.in_transaction())
            db.execute("ROLLBACK");
    }
    catch (...) {
    }
}

std::string lowercase(std::string text)
{
    for (char& character : text)
        character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
    return text;
}

void migrate(database& db)
{
    // The version is read inside the write transaction, so two processes
    // opening a new file at once cannot both create the schema.
    db.execute("BEGIN IMMEDIATE");
    try {
        auto version_query = db.prepare("PRAGMA user_version");
        auto const version = single_integer(version_query);
        auto const latest = static_cast<std::int64_t>(migrations.size());
        if (version > latest)
            throw store_error(SQLITE_ERROR, "the database has schema version " + std::to_string(version) +
                                                " but this Pleno knows only up to " + std::to_string(latest) +
                                                "; it was written by a newer Pleno");
        for (auto step = version; step < latest; ++step) {
            migrations[static_cast<std::size_t>(step)](db);
            // PRAGMA takes no bound parameters; the number is ours, not input.
            db.execute("PRAGMA user_version = " + std::to_string(step + 1));
        }
        db.execute("COMMIT");
    }
    catch (...) {
        rollback_after_failure(db);
        throw;
    }
}

template <typename Value>
Value parsed_or_throw(std::optional<Value> value, std::string_view what, std::string const& text)
{
    if (!value)
        throw store_error(SQLITE_CORRUPT, "unknown " + std::string{what} + " \"" + text + "\" in the database");
    return *value;
}

std::string flags_to_text(std::vector<std::string> const& flags)
{
    try {
        return nlohmann::json(flags).dump();
    }
    catch (nlohmann::json::exception const& error) {
        // Only invalid UTF-8 gets here; the text rules make that a bug upstream.
        throw store_error(SQLITE_MISMATCH, std::string{"cannot store post flags: "} + error.what());
    }
}

std::vector<std::string> flags_from_text(std::string const& text)
{
    auto const parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array())
        throw store_error(SQLITE_CORRUPT, "post flags are not a JSON array: " + text);
    std::vector<std::string> flags;
    for (auto const& flag : parsed)
        if (flag.is_string())
            flags.push_back(flag.get<std::string>());
    return flags;
}

// --- row readers; column order matches the SELECT lists below ---

constexpr std::string_view select_sessions =
    "SELECT id, title, place, starts_at, state, current_item_id, wall_mode, overlay, last_seq, "
    "pinned_post_id, opened_at, closed_at FROM sessions ORDER BY id";

domain::council_session read_session(statement const& row)
{
    domain::council_session value;
    value.id = row.column_int64(0);
    value.title = row.column_text(1);
    value.place = row.column_text(2);
    value.starts_at = row.column_int64(3);
    auto const state = row.column_text(4);
    value.state = parsed_or_throw(domain::parse_session_state(state), "session state", state);
    value.current_item_id = row.column_int64(5);
    auto const mode = row.column_text(6);
    value.mode = parsed_or_throw(domain::parse_wall_mode(mode), "wall mode", mode);
    value.overlay = row.column_text(7);
    value.last_seq = row.column_int64(8);
    value.pinned_post_id = row.column_int64(9);
    value.opened_at = row.column_int64(10);
    value.closed_at = row.column_int64(11);
    return value;
}

std::vector<domain::council_session> read_sessions(database& db)
{
    std::vector<domain::council_session> sessions;
    std::map<id_type, std::size_t> index_of;
    {
        statement_use query{db.cached(select_sessions)};
        while (query->step() == step_result::row) {
            sessions.push_back(read_session(*query));
            index_of.emplace(sessions.back().id, sessions.size() - 1);
        }
    }
    statement_use query{db.cached(
        "SELECT id, session_id, number, title, description FROM agenda_items ORDER BY session_id, position")};
    while (query->step() == step_result::row) {
        auto const owner = index_of.find(query->column_int64(1));
        if (owner == index_of.end())
            continue;  // the foreign key makes this impossible
        domain::agenda_item item;
        item.id = query->column_int64(0);
        item.number = static_cast<int>(query->column_int64(2));
        item.title = query->column_text(3);
        item.description = query->column_text(4);
        sessions[owner->second].agenda.push_back(std::move(item));
    }
    return sessions;
}

domain::post read_post(statement const& row)
{
    domain::post value;
    value.id = row.column_int64(0);
    value.session_id = row.column_int64(1);
    value.item_id = row.column_int64(2);
    value.client_id = row.column_text(3);
    value.citizen_id = row.column_text(4);
    value.author = row.column_text(5);
    value.text = row.column_text(6);
    value.submitted_at = row.column_int64(7);
    auto const status = row.column_text(8);
    value.status = parsed_or_throw(domain::parse_post_status(status), "post status", status);
    value.pinned = row.column_int64(9) != 0;
    value.flags = flags_from_text(row.column_text(10));
    value.decided_by = row.column_text(11);
    value.decided_at = row.column_int64(12);
    value.reject_reason = row.column_text(13);
    value.reject_detail = row.column_text(14);
    value.hidden_by = row.column_text(15);
    value.hidden_at = row.column_int64(16);
    return value;
}

domain::event read_event(statement const& row)
{
    domain::event value;
    value.session_id = row.column_int64(0);
    value.seq = row.column_int64(1);
    value.at = row.column_int64(2);
    value.type = row.column_text(3);
    value.actor = row.column_text(4);
    auto const data = row.column_text(5);
    value.data = nlohmann::json::parse(data, nullptr, false);
    if (value.data.is_discarded())
        throw store_error(SQLITE_CORRUPT, "event " + std::to_string(value.session_id) + "/" +
                                              std::to_string(value.seq) + " has data that is not JSON");
    return value;
}

account read_account(statement const& row)
{
    account value;
    value.name = row.column_text(0);
    auto const kind = row.column_text(1);
    value.kind = parsed_or_throw(domain::parse_role(kind), "role", kind);
    value.password_hash = row.column_text(2);
    value.created_at = row.column_int64(3);
    return value;
}

display_token read_display_token(statement const& row)
{
    display_token value;
    value.name = row.column_text(0);
    value.digest = row.column_text(1);
    value.created_at = row.column_int64(2);
    value.revoked_at = row.column_int64(3);
    return value;
}

// The only tables count_rows answers for: the name chooses a constant
// statement, so no SQL is ever built from the caller's text.
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> countable_tables{{
    {"accounts", "SELECT count(*) FROM accounts"},
    {"display_tokens", "SELECT count(*) FROM display_tokens"},
    {"login_tokens", "SELECT count(*) FROM login_tokens"},
    {"citizens", "SELECT count(*) FROM citizens"},
    {"sessions", "SELECT count(*) FROM sessions"},
    {"agenda_items", "SELECT count(*) FROM agenda_items"},
    {"posts", "SELECT count(*) FROM posts"},
    {"bans", "SELECT count(*) FROM bans"},
    {"events", "SELECT count(*) FROM events"},
    {"audit", "SELECT count(*) FROM audit"},
}};

}  // namespace

store::store(std::filesystem::path const& file, durability level) : db_(std::make_unique<database>(file))
{
    // Set first, so that the switch to WAL below also waits for another
    // connection (the second store of the server, an admin command) instead
    // of failing at once.
    db_->set_busy_timeout(5000);

    auto journal_query = db_->prepare("PRAGMA journal_mode = WAL");
    auto const journal_mode = lowercase(single_text(journal_query));
    // SQLite answers with the mode it is really in; WAL is refused on some
    // network file systems, and group commit and concurrent reads rely on it.
    if (journal_mode != "wal")
        throw store_error(SQLITE_ERROR, "the database " + file.string() + " cannot use WAL mode (it stays in \"" +
                                            journal_mode + "\" mode); keep it on a local disk");

    db_->execute(level == durability::full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");

    db_->execute("PRAGMA foreign_keys = ON");
    auto foreign_keys_query = db_->prepare("PRAGMA foreign_keys");
    if (single_integer(foreign_keys_query) != 1)
        throw store_error(SQLITE_ERROR, "this SQLite library cannot enforce foreign keys");

    migrate(*db_);
}

store::~store() = default;

// --- transactions ---

void store::begin() { run(*db_, "BEGIN IMMEDIATE"); }

void store::commit() { run(*db_, "COMMIT"); }

void store::rollback()
{
    // After some failures (a full disk, an I/O error) SQLite has already
    // rolled the transaction back itself, and a second ROLLBACK would fail.
    if (db_->in_transaction())
        run(*db_, "ROLLBACK");
}

void store::savepoint() { run(*db_, "SAVEPOINT job"); }

void store::release_savepoint() { run(*db_, "RELEASE job"); }

void store::rollback_savepoint()
{
    run(*db_, "ROLLBACK TO job");
    run(*db_, "RELEASE job");
}

// --- writes ---

void store::save_session(domain::council_session const& session, agenda_rows agenda)
{
    {
        statement_use upsert{db_->cached(
            "INSERT INTO sessions (id, title, place, starts_at, state, current_item_id, wall_mode, overlay, "
            "last_seq, pinned_post_id, opened_at, closed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
            "ON CONFLICT (id) DO UPDATE SET title = excluded.title, place = excluded.place, "
            "starts_at = excluded.starts_at, state = excluded.state, current_item_id = excluded.current_item_id, "
            "wall_mode = excluded.wall_mode, overlay = excluded.overlay, last_seq = excluded.last_seq, "
            "pinned_post_id = excluded.pinned_post_id, opened_at = excluded.opened_at, closed_at = excluded.closed_at")};
        upsert->bind(1, session.id)
            .bind(2, session.title)
            .bind(3, session.place)
            .bind(4, session.starts_at)
            .bind(5, domain::to_string(session.state))
            .bind(6, session.current_item_id)
            .bind(7, domain::to_string(session.mode))
            .bind(8, session.overlay)
            .bind(9, session.last_seq)
            .bind(10, session.pinned_post_id)
            .bind(11, session.opened_at)
            .bind(12, session.closed_at);
        upsert->run();
    }
    if (agenda == agenda_rows::keep) {
        return;
    }
    {
        statement_use remove{db_->cached("DELETE FROM agenda_items WHERE session_id = ?1")};
        remove->bind(1, session.id);
        remove->run();
    }
    statement_use insert{db_->cached(
        "INSERT INTO agenda_items (id, session_id, position, number, title, description) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")};
    std::int64_t position = 0;
    for (auto const& item : session.agenda) {
        insert->bind(1, item.id)
            .bind(2, session.id)
            .bind(3, position++)
            .bind(4, std::int64_t{item.number})
            .bind(5, item.title)
            .bind(6, item.description);
        insert->run();
        insert->reset();
    }
}

void store::save_post(domain::post const& post)
{
    // Text is converted before the statement is touched, so a failure here
    // leaves nothing half-bound.
    auto const flags = flags_to_text(post.flags);
    statement_use upsert{db_->cached(
        "INSERT INTO posts (id, session_id, item_id, client_id, citizen_id, author, text, submitted_at, status, "
        "pinned, flags, decided_by, decided_at, reject_reason, reject_detail, hidden_by, hidden_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) "
        "ON CONFLICT (id) DO UPDATE SET session_id = excluded.session_id, item_id = excluded.item_id, "
        "client_id = excluded.client_id, citizen_id = excluded.citizen_id, author = excluded.author, "
        "text = excluded.text, submitted_at = excluded.submitted_at, status = excluded.status, "
        "pinned = excluded.pinned, flags = excluded.flags, decided_by = excluded.decided_by, "
        "decided_at = excluded.decided_at, reject_reason = excluded.reject_reason, "
        "reject_detail = excluded.reject_detail, hidden_by = excluded.hidden_by, hidden_at = excluded.hidden_at")};
    upsert->bind(1, post.id)
        .bind(2, post.session_id)
        .bind(3, post.item_id)
        .bind(4, post.client_id)
        .bind(5, post.citizen_id)
        .bind(6, post.author)
        .bind(7, post.text)
        .bind(8, post.submitted_at)
        .bind(9, domain::to_string(post.status))
        .bind(10, std::int64_t{post.pinned ? 1 : 0})
        .bind(11, flags)
        .bind(12, post.decided_by)
        .bind(13, post.decided_at)
        .bind(14, post.reject_reason)
        .bind(15, post.reject_detail)
        .bind(16, post.hidden_by)
        .bind(17, post.hidden_at);
    upsert->run();
}

void store::save_ban(domain::ban const& ban)
{
    statement_use upsert{db_->cached(
        "INSERT INTO bans (session_id, citizen_id, banned_by, banned_at, reason) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (session_id, citizen_id) DO UPDATE SET banned_by = excluded.banned_by, "
        "banned_at = excluded.banned_at, reason = excluded.reason")};
    upsert->bind(1, ban.session_id)
        .bind(2, ban.citizen_id)
        .bind(3, ban.banned_by)
        .bind(4, ban.banned_at)
        .bind(5, ban.reason);
    upsert->run();
}

void store::append_event(domain::event const& event)
{
    std::string data;
    try {
        data = event.data.dump();
    }
    catch (nlohmann::json::exception const& error) {
        throw store_error(SQLITE_MISMATCH, std::string{"cannot store event data: "} + error.what());
    }
    // A plain INSERT: a sequence number used twice is a bug, and the primary
    // key turns it into a failed job instead of a rewritten history.
    statement_use insert{db_->cached(
        "INSERT INTO events (session_id, seq, at, type, actor, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")};
    insert->bind(1, event.session_id)
        .bind(2, event.seq)
        .bind(3, event.at)
        .bind(4, event.type)
        .bind(5, event.actor)
        .bind(6, data);
    insert->run();
}

void store::append_audit(audit_entry const& entry)
{
    statement_use insert{
        db_->cached("INSERT INTO audit (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)")};
    // An empty detail is stored as an empty JSON object, so every row holds JSON.
    insert->bind(1, entry.at)
        .bind(2, entry.actor)
        .bind(3, entry.action)
        .bind(4, entry.target)
        .bind(5, entry.detail.empty() ? std::string_view{"{}"} : std::string_view{entry.detail});
    insert->run();
}

void store::save_citizen(citizen const& value)
{
    statement_use upsert{db_->cached(
        "INSERT INTO citizens (id, key_digest, created_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (id) DO UPDATE SET key_digest = excluded.key_digest, created_at = excluded.created_at")};
    upsert->bind(1, value.id).bind(2, value.key_digest).bind(3, value.created_at);
    upsert->run();
}

void store::save_account(account const& value)
{
    // An upsert rather than INSERT OR REPLACE: REPLACE deletes the old row
    // first, and the cascade would log the account out of every device.
    statement_use upsert{db_->cached(
        "INSERT INTO accounts (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, "
        "created_at = excluded.created_at")};
    upsert->bind(1, value.name)
        .bind(2, domain::to_string(value.kind))
        .bind(3, value.password_hash)
        .bind(4, value.created_at);
    upsert->run();
}

bool store::remove_account(std::string const& name)
{
    // Its login tokens go with it (ON DELETE CASCADE).
    statement_use remove{db_->cached("DELETE FROM accounts WHERE name = ?1")};
    remove->bind(1, name);
    remove->run();
    return db_->changes() > 0;
}

void store::save_display_token(display_token const& value)
{
    statement_use upsert{db_->cached(
        "INSERT INTO display_tokens (name, digest, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (name) DO UPDATE SET digest = excluded.digest, created_at = excluded.created_at, "
        "revoked_at = excluded.revoked_at")};
    upsert->bind(1, value.name).bind(2, value.digest).bind(3, value.created_at).bind(4, value.revoked_at);
    upsert->run();
}

bool store::revoke_display_token(std::string const& name, domain::millis at)
{
    statement_use update{
        db_->cached("UPDATE display_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at = 0")};
    update->bind(1, name).bind(2, at);
    update->run();
    return db_->changes() > 0;
}

void store::save_login_token(login_token const& value)
{
    statement_use upsert{db_->cached(
        "INSERT INTO login_tokens (digest, account, created_at, last_used_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (digest) DO UPDATE SET account = excluded.account, created_at = excluded.created_at, "
        "last_used_at = excluded.last_used_at, expires_at = excluded.expires_at")};
    upsert->bind(1, value.digest)
        .bind(2, value.account)
        .bind(3, value.created_at)
        .bind(4, value.last_used_at)
        .bind(5, value.expires_at);
    upsert->run();
}

void store::remove_login_token(std::string const& digest)
{
    statement_use remove{db_->cached("DELETE FROM login_tokens WHERE digest = ?1")};
    remove->bind(1, digest);
    remove->run();
}

void store::remove_login_tokens_of(std::string const& account)
{
    statement_use remove{db_->cached("DELETE FROM login_tokens WHERE account = ?1")};
    remove->bind(1, account);
    remove->run();
}

// --- reads ---

loaded_state store::load_all()
{
    loaded_state state;
    // One read transaction, so every table is read at the same moment even
    // if another connection writes meanwhile.
    bool const own_transaction = !db_->in_transaction();
    if (own_transaction)
        run(*db_, "BEGIN");
    try {
        state.sessions = read_sessions(*db_);
        {
            statement_use query{db_->cached(
                "SELECT id, session_id, item_id, client_id, citizen_id, author, text, submitted_at, status, pinned, "
                "flags, decided_by, decided_at, reject_reason, reject_detail, hidden_by, hidden_at "
                "FROM posts ORDER BY id")};
            while (query->step() == step_result::row)
                state.posts.push_back(read_post(*query));
        }
        {
            statement_use query{db_->cached(
                "SELECT session_id, citizen_id, banned_by, banned_at, reason FROM bans "
                "ORDER BY session_id, citizen_id")};
            while (query->step() == step_result::row) {
                domain::ban ban;
                ban.session_id = query->column_int64(0);
                ban.citizen_id = query->column_text(1);
                ban.banned_by = query->column_text(2);
                ban.banned_at = query->column_int64(3);
                ban.reason = query->column_text(4);
                state.bans.push_back(std::move(ban));
            }
        }
        {
            statement_use query{db_->cached(
                "SELECT session_id, seq, at, type, actor, data FROM events ORDER BY session_id, seq")};
            while (query->step() == step_result::row)
                state.events.push_back(read_event(*query));
        }
        {
            statement_use query{db_->cached("SELECT id, key_digest, created_at FROM citizens ORDER BY id")};
            while (query->step() == step_result::row)
                state.citizens.push_back(
                    citizen{query->column_text(0), query->column_text(1), query->column_int64(2)});
        }
        {
            statement_use query{db_->cached(
                "SELECT digest, account, created_at, last_used_at, expires_at FROM login_tokens ORDER BY digest")};
            while (query->step() == step_result::row)
                state.login_tokens.push_back(login_token{query->column_text(0), query->column_text(1),
                    query->column_int64(2), query->column_int64(3), query->column_int64(4)});
        }
        state.max_session_id = single_integer(db_->cached("SELECT coalesce(max(id), 0) FROM sessions"));
        state.max_post_id = single_integer(db_->cached("SELECT coalesce(max(id), 0) FROM posts"));
        // An item removed from an agenda is gone from agenda_items, but posts
        // and sessions may still name it; a new item must never take its id,
        // or those posts would move to the new item.
        state.max_item_id = single_integer(db_->cached(
            "SELECT max((SELECT coalesce(max(id), 0) FROM agenda_items), "
            "(SELECT coalesce(max(item_id), 0) FROM posts), "
            "(SELECT coalesce(max(current_item_id), 0) FROM sessions))"));
        if (own_transaction)
            run(*db_, "COMMIT");
    }
    catch (...) {
        if (own_transaction)
            rollback_after_failure(*db_);
        throw;
    }
    return state;
}

std::optional<account> store::find_account(std::string const& name)
{
    statement_use query{
        db_->cached("SELECT name, role, password_hash, created_at FROM accounts WHERE name = ?1")};
    query->bind(1, name);
    if (query->step() != step_result::row)
        return std::nullopt;
    return read_account(*query);
}

std::vector<account> store::accounts()
{
    std::vector<account> result;
    statement_use query{db_->cached("SELECT name, role, password_hash, created_at FROM accounts ORDER BY name")};
    while (query->step() == step_result::row)
        result.push_back(read_account(*query));
    return result;
}

std::optional<display_token> store::find_display_token_by_digest(std::string const& digest)
{
    statement_use query{db_->cached(
        "SELECT name, digest, created_at, revoked_at FROM display_tokens WHERE digest = ?1 AND revoked_at = 0")};
    query->bind(1, digest);
    if (query->step() != step_result::row)
        return std::nullopt;
    return read_display_token(*query);
}

std::vector<display_token> store::display_tokens()
{
    std::vector<display_token> result;
    statement_use query{
        db_->cached("SELECT name, digest, created_at, revoked_at FROM display_tokens ORDER BY name")};
    while (query->step() == step_result::row)
        result.push_back(read_display_token(*query));
    return result;
}

std::optional<login_token> store::find_login_token(std::string const& digest)
{
    statement_use query{db_->cached(
        "SELECT digest, account, created_at, last_used_at, expires_at FROM login_tokens WHERE digest = ?1")};
    query->bind(1, digest);
    if (query->step() != step_result::row)
        return std::nullopt;
    return login_token{query->column_text(0), query->column_text(1), query->column_int64(2), query->column_int64(3),
                       query->column_int64(4)};
}

std::vector<domain::council_session> store::sessions()
{
    bool const own_transaction = !db_->in_transaction();
    if (own_transaction)
        run(*db_, "BEGIN");
    try {
        auto result = read_sessions(*db_);
        if (own_transaction)
            run(*db_, "COMMIT");
        return result;
    }
    catch (...) {
        if (own_transaction)
            rollback_after_failure(*db_);
        throw;
    }
}

std::vector<audit_entry> store::audit_since(std::int64_t after_rowid, std::size_t limit)
{
    std::vector<audit_entry> result;
    auto const bounded_limit =
        static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
    statement_use query{db_->cached(
        "SELECT at, actor, action, target, detail FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2")};
    query->bind(1, after_rowid).bind(2, bounded_limit);
    while (query->step() == step_result::row)
        result.push_back(audit_entry{
            query->column_int64(0), query->column_text(1), query->column_text(2), query->column_text(3),
            query->column_text(4)});
    return result;
}

std::int64_t store::count_rows(std::string const& table)
{
    // Unknown names answer -1 rather than throwing: this runs after start-up
    // (health), where only start-up code may throw.
    for (auto const& [name, sql] : countable_tables)
        if (name == table)
            return single_integer(db_->cached(sql));
    return -1;
}

bool store::probe_writable()
{
    try {
        if (db_->in_transaction())
            return false;  // inside someone else's transaction the probe would prove nothing
        begin();
        try {
            // The update rewrites the row with its own value, yet the commit
            // still writes the page to the WAL and syncs it: that is the proof.
            run(*db_, "UPDATE meta SET value = value WHERE key = 'probe'");
            bool const changed = db_->changes() == 1;
            commit();
            return changed;
        }
        catch (...) {
            rollback_after_failure(*db_);
            throw;
        }
    }
    catch (...) {
        return false;
    }
}

std::string store::integrity_check()
{
    try {
        auto query = db_->prepare("PRAGMA integrity_check");
        std::string result;
        while (query.step() == step_result::row) {
            if (!result.empty())
                result += '\n';
            result += query.column_text(0);
        }
        return result.empty() ? std::string{"no answer from integrity_check"} : result;
    }
    catch (store_error const& error) {
        // A health check reports, it does not throw.
        return std::string{"integrity_check failed: "} + error.what();
    }
}

}  // namespace pleno::store
