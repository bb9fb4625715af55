#pragma once
// The SQLite store: schema, migrations, and the reads and writes the server
// needs. Only this module (and database.hpp) talks to SQLite, always through
// prepared statements with bound parameters.
//
// Threading: one store object is one connection and is used by one thread at
// a time. The server keeps one for the writer thread and one, behind a mutex,
// for the few reads made after start-up (login, display tokens).

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/model.hpp"

namespace pleno::store {

class database;

struct account {
    std::string name;
    domain::role kind = domain::role::moderator;  // moderator or chair
    std::string password_hash;                    // Argon2id encoded string
    domain::millis created_at = 0;
};

struct display_token {
    std::string name;
    std::string digest;  // auth::token_digest of the token; the token itself is never stored
    domain::millis created_at = 0;
    domain::millis revoked_at = 0;  // 0: valid
};

struct login_token {
    std::string digest;  // auth::token_digest of the bearer token
    std::string account;
    domain::millis created_at = 0;
    domain::millis last_used_at = 0;
    domain::millis expires_at = 0;  // absolute expiry
};

struct citizen {
    std::string id;          // public pseudonymous id
    std::string key_digest;  // digest of the secret key the device presents
    domain::millis created_at = 0;
};

struct audit_entry {
    domain::millis at = 0;
    std::string actor;
    std::string action;  // "post_approved", "user_added", "display_token_revoked", ...
    std::string target;  // "post:17", "session:2", "user:ana", ...
    std::string detail;  // JSON text with what else matters
};

// Everything the council needs at start-up.
struct loaded_state {
    std::vector<domain::council_session> sessions;  // with their agendas
    std::vector<domain::post> posts;                // ordered by id
    std::vector<domain::ban> bans;
    std::vector<domain::event> events;              // ordered by session, seq
    std::vector<citizen> citizens;
    std::vector<login_token> login_tokens;
    domain::id_type max_session_id = 0;
    domain::id_type max_item_id = 0;
    domain::id_type max_post_id = 0;
};

// What save_session does with a session's agenda rows.
enum class agenda_rows {
    replace,  // deletes and rewrites them from the session's agenda
    keep,     // leaves them as stored: the caller knows the agenda did not change
};

enum class durability {
    full,    // synchronous=FULL: a commit survives a power cut (the default)
    normal,  // synchronous=NORMAL: only for tests that prove the difference
};

class store {
public:
    // Opens (creating the file and folder if needed), sets WAL, foreign keys,
    // busy timeout and the synchronous level, and migrates the schema.
    // Throws std::runtime_error with a clear message on failure (start-up only).
    explicit store(std::filesystem::path const& file, durability level = durability::full);
    ~store();
    store(store const&) = delete;
    store& operator=(store const&) = delete;

    // Transactions (the writer groups many jobs in one).
    void begin();   // BEGIN IMMEDIATE
    void commit();
    void rollback();
    void savepoint();           // SAVEPOINT job
    void release_savepoint();   // RELEASE job
    void rollback_savepoint();  // ROLLBACK TO job; RELEASE job

    // Writes: each replaces the whole row (insert or update). They throw
    // store_error on failure; the writer turns that into a failed job.
    // The session row, and its agenda rows unless told to keep them (most
    // commands change only last_seq or another field of the session row).
    void save_session(domain::council_session const& session, agenda_rows agenda = agenda_rows::replace);
    void save_post(domain::post const& post);
    void save_ban(domain::ban const& ban);
    void append_event(domain::event const& event);
    void append_audit(audit_entry const& entry);
    void save_citizen(citizen const& value);
    void save_account(account const& value);
    bool remove_account(std::string const& name);  // false when there was none
    void save_display_token(display_token const& value);
    bool revoke_display_token(std::string const& name, domain::millis at);  // false when none valid
    void save_login_token(login_token const& value);
    void remove_login_token(std::string const& digest);
    void remove_login_tokens_of(std::string const& account);

    // Reads.
    loaded_state load_all();
    std::optional<account> find_account(std::string const& name);
    std::vector<account> accounts();
    std::optional<display_token> find_display_token_by_digest(std::string const& digest);  // valid ones only
    std::vector<display_token> display_tokens();
    std::optional<login_token> find_login_token(std::string const& digest);
    std::vector<domain::council_session> sessions();
    std::vector<audit_entry> audit_since(std::int64_t after_rowid, std::size_t limit);
    std::int64_t count_rows(std::string const& table);  // tests and health; table from a fixed list

    // A write that changes nothing, to prove the file is writable (health check).
    bool probe_writable();

    std::string integrity_check();  // "ok" when sound

private:
    std::unique_ptr<database> db_;
};

}  // namespace pleno::store
