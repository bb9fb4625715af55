#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "store/database.hpp"
#include "store/store.hpp"
#include "store/writer.hpp"

namespace fs = std::filesystem;
using namespace pleno;
using store::durability;
using store::job_result;

namespace {

// A folder of its own under the system's temporary folder, removed with
// everything in it (the database, its -wal and -shm files) at the end.
class temporary_folder {
public:
    temporary_folder()
    {
        static std::atomic<unsigned> counter{0};
        std::random_device random;
        path_ = fs::temp_directory_path() /
                ("pleno-store-test-" + std::to_string(random()) + "-" + std::to_string(random()) + "-" +
                 std::to_string(counter++));
    }
    ~temporary_folder()
    {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    temporary_folder(temporary_folder const&) = delete;
    temporary_folder& operator=(temporary_folder const&) = delete;

    // One level deeper than the folder, to prove the store creates folders.
    fs::path database_file() const { return path_ / "data" / "pleno.db"; }

private:
    fs::path path_;
};

domain::council_session sample_session(domain::id_type id = 1)
{
    domain::council_session session;
    session.id = id;
    session.title = "Pleno ordinario de marzo";
    session.place = "Salón de plenos, Jun";
    session.starts_at = 1'710'000'000'000;
    session.state = domain::session_state::live;
    session.agenda = {
        {id * 10 + 1, 1, "Aprobación del acta", "Acta de la sesión anterior"},
        {id * 10 + 2, 2, "Presupuesto 2024", ""},
        {id * 10 + 3, 7, "Ruegos y preguntas", "Turno abierto"},
    };
    session.current_item_id = id * 10 + 2;
    session.mode = domain::wall_mode::hold;
    session.overlay = "Receso de 10 minutos";
    session.last_seq = 3;
    session.pinned_post_id = 2;
    session.opened_at = 1'710'000'100'000;
    session.closed_at = 0;
    return session;
}

domain::post sample_post(domain::id_type id, domain::id_type session_id = 1)
{
    domain::post post;
    post.id = id;
    post.session_id = session_id;
    post.item_id = session_id * 10 + 2;
    post.client_id = "client-" + std::to_string(id);
    post.citizen_id = "citizen-" + std::to_string(id % 7);
    post.author = "Ana";
    post.text = "¿Cuánto se destina a la biblioteca? \"comillas\" y 'apóstrofos'";
    post.submitted_at = 1'710'000'200'000 + id;
    return post;
}

domain::post decided_post(domain::id_type id)
{
    auto post = sample_post(id);
    post.status = domain::post_status::rejected;
    post.pinned = true;
    post.flags = {"insult", "palabra con espacio", "ñ"};
    post.decided_by = "moderadora";
    post.decided_at = 1'710'000'300'000;
    post.reject_reason = "off_topic";
    post.reject_detail = "No trata del punto del orden del día";
    post.hidden_by = "presidente";
    post.hidden_at = 1'710'000'400'000;
    return post;
}

void check_same(domain::post const& actual, domain::post const& expected)
{
    CHECK(actual.id == expected.id);
    CHECK(actual.session_id == expected.session_id);
    CHECK(actual.item_id == expected.item_id);
    CHECK(actual.client_id == expected.client_id);
    CHECK(actual.citizen_id == expected.citizen_id);
    CHECK(actual.author == expected.author);
    CHECK(actual.text == expected.text);
    CHECK(actual.submitted_at == expected.submitted_at);
    CHECK(actual.status == expected.status);
    CHECK(actual.pinned == expected.pinned);
    CHECK(actual.flags == expected.flags);
    CHECK(actual.decided_by == expected.decided_by);
    CHECK(actual.decided_at == expected.decided_at);
    CHECK(actual.reject_reason == expected.reject_reason);
    CHECK(actual.reject_detail == expected.reject_detail);
    CHECK(actual.hidden_by == expected.hidden_by);
    CHECK(actual.hidden_at == expected.hidden_at);
}

void check_same(domain::council_session const& actual, domain::council_session const& expected)
{
    CHECK(actual.id == expected.id);
    CHECK(actual.title == expected.title);
    CHECK(actual.place == expected.place);
    CHECK(actual.starts_at == expected.starts_at);
    CHECK(actual.state == expected.state);
    CHECK(actual.current_item_id == expected.current_item_id);
    CHECK(actual.mode == expected.mode);
    CHECK(actual.overlay == expected.overlay);
    CHECK(actual.last_seq == expected.last_seq);
    CHECK(actual.pinned_post_id == expected.pinned_post_id);
    CHECK(actual.opened_at == expected.opened_at);
    CHECK(actual.closed_at == expected.closed_at);
    REQUIRE(actual.agenda.size() == expected.agenda.size());
    for (std::size_t index = 0; index < expected.agenda.size(); ++index) {
        CHECK(actual.agenda[index].id == expected.agenda[index].id);
        CHECK(actual.agenda[index].number == expected.agenda[index].number);
        CHECK(actual.agenda[index].title == expected.agenda[index].title);
        CHECK(actual.agenda[index].description == expected.agenda[index].description);
    }
}

std::string pragma_text(fs::path const& file, std::string_view pragma)
{
    store::database raw{file};
    auto query = raw.prepare(pragma);
    REQUIRE(query.step() == store::step_result::row);
    return query.column_text(0);
}

// Collects what the writer reports, from its thread, for the test thread.
struct reports {
    std::mutex mutex;
    std::vector<std::pair<int, job_result>> in_order;

    std::function<void(job_result)> for_job(int number)
    {
        return [this, number](job_result result) {
            std::lock_guard lock{mutex};
            in_order.emplace_back(number, result);
        };
    }
};

// A job that holds the writer inside its transaction until released. Jobs
// submitted while it is held are all waiting when the writer next looks, so
// they form the next group together (up to max_group).
class writer_gate {
public:
    writer_gate() : held_future_(held_.get_future()), released_future_(released_.get_future().share()) {}

    store::write_job job()
    {
        return store::write_job{[this, released = released_future_](store::store&) {
                                    held_.set_value();
                                    released.wait();
                                },
            [this](job_result result) { result_ = result; }};
    }
    void wait_until_held() { held_future_.wait(); }
    void release() { released_.set_value(); }
    std::optional<job_result> result() const { return result_; }

private:
    std::promise<void> held_;
    std::future<void> held_future_;
    std::promise<void> released_;
    std::shared_future<void> released_future_;
    std::optional<job_result> result_;
};

store::write_job post_job(domain::id_type id, reports& collected)
{
    return store::write_job{[id](store::store& target) { target.save_post(sample_post(id)); },
        collected.for_job(static_cast<int>(id))};
}

}  // namespace

TEST_SUITE("store")
{
    TEST_CASE("opening a new file creates its folder and the schema, in WAL mode with foreign keys")
    {
        temporary_folder folder;
        auto const file = folder.database_file();
        {
            store::store opened{file};
            CHECK(fs::exists(file));
            for (auto table : {"accounts", "display_tokens", "login_tokens", "citizens", "sessions", "agenda_items",
                     "posts", "bans", "events", "audit"})
                CHECK_MESSAGE(opened.count_rows(table) == 0, table);
            CHECK(opened.integrity_check() == "ok");

            // A post for a session that does not exist breaks a foreign key.
            CHECK_THROWS_AS(opened.save_post(sample_post(1, 99)), store::store_error);
        }
        CHECK(pragma_text(file, "PRAGMA journal_mode") == "wal");
        CHECK(pragma_text(file, "PRAGMA user_version") == "1");
    }

    TEST_CASE("a file that cannot be created is refused at start-up with a message naming it")
    {
        temporary_folder folder;
        auto const blocker = folder.database_file().parent_path();
        fs::create_directories(blocker.parent_path());
        { std::ofstream{blocker} << "a file where the folder should be"; }
        try {
            store::store opened{blocker / "pleno.db"};
            FAIL("the store opened");
        }
        catch (std::runtime_error const& error) {
            CHECK(std::string{error.what()}.find(blocker.string()) != std::string::npos);
        }
    }

    TEST_CASE("a database written by a newer schema version is refused at start-up")
    {
        temporary_folder folder;
        auto const file = folder.database_file();
        { store::store created{file}; }
        {
            store::database raw{file};
            raw.execute("PRAGMA user_version = 99");
        }
        CHECK_THROWS_AS(store::store{file}, std::runtime_error);
    }

    TEST_CASE("sessions with their agenda, posts, bans, events and citizens come back as saved")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};

        auto const session = sample_session(1);
        auto second = sample_session(2);
        second.state = domain::session_state::closed;
        second.mode = domain::wall_mode::blank;
        second.overlay.clear();
        second.closed_at = 1'710'009'000'000;
        target.save_session(second);  // saved first, read back in id order
        target.save_session(session);

        auto const plain = sample_post(1);
        auto const full = decided_post(2);
        target.save_post(full);
        target.save_post(plain);

        domain::ban ban{1, "citizen-3", "moderadora", 1'710'000'500'000, "insultos"};
        target.save_ban(ban);

        domain::event first{1, 1, 1'710'000'100'000, "session_opened", "system", nlohmann::json::object()};
        domain::event with_data{1, 2, 1'710'000'200'001, "post_submitted", "citizen-1",
            {{"post", {{"id", 1}, {"text", "¿Cuánto? \"sí\""}, {"flags", {"a", "b"}}}}, {"pinned", false},
                {"null", nullptr}, {"ratio", 0.5}}};
        domain::event other_session{2, 1, 1'710'000'000'000, "session_opened", "system", nullptr};
        target.append_event(with_data);
        target.append_event(other_session);
        target.append_event(first);

        target.save_citizen({"citizen-3", "digest-of-key", 1'710'000'000'123});

        auto const loaded = target.load_all();
        REQUIRE(loaded.sessions.size() == 2);
        check_same(loaded.sessions[0], session);
        check_same(loaded.sessions[1], second);
        CHECK(target.sessions().size() == 2);

        REQUIRE(loaded.posts.size() == 2);
        check_same(loaded.posts[0], plain);
        check_same(loaded.posts[1], full);

        REQUIRE(loaded.bans.size() == 1);
        CHECK(loaded.bans[0].session_id == ban.session_id);
        CHECK(loaded.bans[0].citizen_id == ban.citizen_id);
        CHECK(loaded.bans[0].banned_by == ban.banned_by);
        CHECK(loaded.bans[0].banned_at == ban.banned_at);
        CHECK(loaded.bans[0].reason == ban.reason);

        REQUIRE(loaded.events.size() == 3);
        CHECK(loaded.events[0].seq == 1);
        CHECK(loaded.events[0].data == first.data);
        CHECK(loaded.events[1].seq == 2);
        CHECK(loaded.events[1].at == with_data.at);
        CHECK(loaded.events[1].type == with_data.type);
        CHECK(loaded.events[1].actor == with_data.actor);
        CHECK(loaded.events[1].data == with_data.data);
        CHECK(loaded.events[2].session_id == 2);
        CHECK(loaded.events[2].data.is_null());

        REQUIRE(loaded.citizens.size() == 1);
        CHECK(loaded.citizens[0].id == "citizen-3");
        CHECK(loaded.citizens[0].key_digest == "digest-of-key");
        CHECK(loaded.citizens[0].created_at == 1'710'000'000'123);

        CHECK(loaded.max_session_id == 2);
        CHECK(loaded.max_item_id == 23);
        CHECK(loaded.max_post_id == 2);
    }

    TEST_CASE("saving a row again replaces it, and save_session replaces the agenda keeping item ids")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        auto session = sample_session(1);
        target.save_session(session);

        auto post = sample_post(1);
        target.save_post(post);
        post.status = domain::post_status::approved;
        post.decided_by = "moderadora";
        post.decided_at = 5;
        post.flags = {"spam"};
        target.save_post(post);

        // Item 12 leaves the agenda; the other two swap places.
        session.agenda = {session.agenda[2], session.agenda[0]};
        session.agenda[0].title = "Ruegos (adelantado)";
        session.current_item_id = 13;
        target.save_session(session);

        auto const loaded = target.load_all();
        REQUIRE(loaded.sessions.size() == 1);
        check_same(loaded.sessions[0], session);
        CHECK(target.count_rows("agenda_items") == 2);
        REQUIRE(loaded.posts.size() == 1);
        check_same(loaded.posts[0], post);
        // The post still names item 12, so a new item must not reuse that id.
        CHECK(loaded.max_item_id == 13);

        // Appending an event twice with the same sequence number is refused.
        domain::event event{1, 1, 0, "x", "system", nlohmann::json::object()};
        target.append_event(event);
        CHECK_THROWS_AS(target.append_event(event), store::store_error);
    }

    TEST_CASE("save_session told to keep the agenda writes the session row and leaves the agenda rows as stored")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        auto const session = sample_session(1);
        target.save_session(session);

        // A command that changed only the row: last_seq, the wall, the current item.
        auto changed = session;
        changed.last_seq = 4;
        changed.mode = domain::wall_mode::live;
        changed.overlay.clear();
        changed.current_item_id = 13;
        // What the caller holds of the agenda is not looked at: the stored rows stay.
        changed.agenda.clear();
        target.save_session(changed, store::agenda_rows::keep);

        auto loaded = target.load_all();
        REQUIRE(loaded.sessions.size() == 1);
        CHECK(loaded.sessions[0].last_seq == 4);
        CHECK(loaded.sessions[0].mode == domain::wall_mode::live);
        CHECK(loaded.sessions[0].overlay.empty());
        CHECK(loaded.sessions[0].current_item_id == 13);
        CHECK(target.count_rows("agenda_items") == 3);
        auto expected = changed;
        expected.agenda = session.agenda;
        check_same(loaded.sessions[0], expected);

        // A new session saved with keep gets its row (and no agenda rows).
        auto second = sample_session(2);
        target.save_session(second, store::agenda_rows::keep);
        loaded = target.load_all();
        REQUIRE(loaded.sessions.size() == 2);
        CHECK(loaded.sessions[1].agenda.empty());
        CHECK(target.count_rows("agenda_items") == 3);

        // replace (the default) rewrites them again.
        target.save_session(second);
        CHECK(target.count_rows("agenda_items") == 6);
    }

    TEST_CASE("a citizen's client id is unique: a second post with it is refused")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        target.save_session(sample_session(1));
        auto const first = sample_post(1);
        target.save_post(first);

        auto duplicate = sample_post(2);
        duplicate.citizen_id = first.citizen_id;
        duplicate.client_id = first.client_id;
        try {
            target.save_post(duplicate);
            FAIL("the duplicate was stored");
        }
        catch (store::store_error const& error) {
            CHECK(error.code() == SQLITE_CONSTRAINT);
            CHECK(error.extended_code() == SQLITE_CONSTRAINT_UNIQUE);
        }

        // The same client id from another citizen is a different post.
        duplicate.citizen_id = "someone-else";
        CHECK_NOTHROW(target.save_post(duplicate));
        CHECK(target.count_rows("posts") == 2);
    }

    TEST_CASE("accounts, login tokens and display tokens come back; revoked display tokens are not found")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};

        store::account ana{"ana", domain::role::chair, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", 100};
        store::account luis{"luis", domain::role::moderator, "$argon2id$other", 200};
        target.save_account(luis);
        target.save_account(ana);

        auto found = target.find_account("ana");
        REQUIRE(found);
        CHECK(found->name == "ana");
        CHECK(found->kind == domain::role::chair);
        CHECK(found->password_hash == ana.password_hash);
        CHECK(found->created_at == 100);
        CHECK_FALSE(target.find_account("nobody"));
        auto const all = target.accounts();
        REQUIRE(all.size() == 2);
        CHECK(all[0].name == "ana");
        CHECK(all[1].kind == domain::role::moderator);

        // Saving again changes the password, and keeps the account's tokens.
        target.save_login_token({"digest-a1", "ana", 1, 2, 3});
        target.save_login_token({"digest-a2", "ana", 4, 5, 6});
        target.save_login_token({"digest-l1", "luis", 7, 8, 9});
        ana.password_hash = "$argon2id$new";
        target.save_account(ana);
        CHECK(target.find_account("ana")->password_hash == "$argon2id$new");

        auto tokens = target.load_all().login_tokens;
        REQUIRE(tokens.size() == 3);
        CHECK(tokens[0].digest == "digest-a1");
        CHECK(tokens[0].account == "ana");
        CHECK(tokens[0].created_at == 1);
        CHECK(tokens[0].last_used_at == 2);
        CHECK(tokens[0].expires_at == 3);

        target.remove_login_token("digest-a1");
        CHECK(target.count_rows("login_tokens") == 2);
        target.remove_login_tokens_of("ana");
        CHECK(target.count_rows("login_tokens") == 1);

        // Removing an account takes its remaining tokens with it.
        CHECK(target.remove_account("luis"));
        CHECK_FALSE(target.remove_account("luis"));
        CHECK(target.count_rows("login_tokens") == 0);
        CHECK(target.count_rows("accounts") == 1);

        target.save_display_token({"sala", "digest-sala", 10, 0});
        target.save_display_token({"pasillo", "digest-pasillo", 11, 0});
        auto display = target.find_display_token_by_digest("digest-sala");
        REQUIRE(display);
        CHECK(display->name == "sala");
        CHECK(display->created_at == 10);
        CHECK(display->revoked_at == 0);

        CHECK(target.revoke_display_token("sala", 50));
        CHECK_FALSE(target.revoke_display_token("sala", 60));  // already revoked
        CHECK_FALSE(target.revoke_display_token("nowhere", 60));
        CHECK_FALSE(target.find_display_token_by_digest("digest-sala"));
        CHECK(target.find_display_token_by_digest("digest-pasillo"));
        auto const displays = target.display_tokens();
        REQUIRE(displays.size() == 2);
        CHECK(displays[1].name == "sala");
        CHECK(displays[1].revoked_at == 50);

        // Two tokens can never share a digest.
        CHECK_THROWS_AS(target.save_display_token({"copia", "digest-pasillo", 12, 0}), store::store_error);
    }

    TEST_CASE("audit entries are read back in order after a given row")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        for (int number = 1; number <= 5; ++number)
            target.append_audit({number * 10, "ana", "post_approved", "post:" + std::to_string(number),
                number == 3 ? std::string{} : R"({"reason":"ok"})"});
        auto const entries = target.audit_since(1, 3);
        REQUIRE(entries.size() == 3);
        CHECK(entries[0].at == 20);
        CHECK(entries[0].target == "post:2");
        CHECK(entries[0].detail == R"({"reason":"ok"})");
        CHECK(entries[1].detail == "{}");  // an empty detail is stored as an empty object
        CHECK(entries[2].actor == "ana");
        CHECK(entries[2].action == "post_approved");
        CHECK(target.audit_since(5, 10).empty());
    }

    TEST_CASE("reopening the file keeps everything, with the right highest ids")
    {
        temporary_folder folder;
        auto const file = folder.database_file();
        {
            store::store target{file};
            target.save_session(sample_session(1));
            target.save_session(sample_session(4));
            for (domain::id_type id = 1; id <= 9; ++id)
                target.save_post(sample_post(id, id % 2 == 0 ? 1 : 4));
            target.save_post(decided_post(17));
            target.append_event({4, 1, 5, "session_opened", "system", {{"k", "v"}}});
            target.save_account({"ana", domain::role::chair, "hash", 1});
            target.save_display_token({"sala", "digest-sala", 1, 0});
        }
        store::store reopened{file};
        auto const loaded = reopened.load_all();
        CHECK(loaded.sessions.size() == 2);
        CHECK(loaded.posts.size() == 10);
        check_same(loaded.posts.back(), decided_post(17));
        REQUIRE(loaded.events.size() == 1);
        CHECK(loaded.events[0].data == nlohmann::json{{"k", "v"}});
        CHECK(loaded.max_session_id == 4);
        CHECK(loaded.max_item_id == 43);
        CHECK(loaded.max_post_id == 17);
        CHECK(reopened.find_account("ana"));
        CHECK(reopened.find_display_token_by_digest("digest-sala"));
        CHECK(reopened.integrity_check() == "ok");
    }

    TEST_CASE("integrity_check answers ok and probe_writable proves the file is writable")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        target.save_session(sample_session(1));
        CHECK(target.integrity_check() == "ok");
        CHECK(target.probe_writable());
        // Inside an open transaction the probe would prove nothing, so it says no.
        target.begin();
        CHECK_FALSE(target.probe_writable());
        target.rollback();
        CHECK(target.probe_writable());
    }

    TEST_CASE("count_rows answers -1 for a table name outside its fixed list")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        CHECK(target.count_rows("posts") == 0);
        CHECK(target.count_rows("meta") == -1);
        CHECK(target.count_rows("sqlite_master") == -1);
        CHECK(target.count_rows("posts; DROP TABLE posts") == -1);
        CHECK(target.count_rows("") == -1);
        CHECK(target.count_rows("POSTS") == -1);
    }

    TEST_CASE("transactions: a rolled-back savepoint undoes only its own rows")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        target.save_session(sample_session(1));
        target.begin();
        target.savepoint();
        target.save_post(sample_post(1));
        target.release_savepoint();
        target.savepoint();
        target.save_post(sample_post(2));
        target.rollback_savepoint();
        target.commit();
        CHECK(target.count_rows("posts") == 1);

        target.begin();
        target.save_post(sample_post(3));
        target.rollback();
        CHECK(target.count_rows("posts") == 1);
        CHECK_NOTHROW(target.rollback());  // nothing open: nothing to do
    }

    TEST_CASE("the writer commits a group and reports each job in queue order")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        target.save_session(sample_session(1));
        reports collected;
        {
            store::writer writer{target};
            for (domain::id_type id = 1; id <= 50; ++id)
                writer.submit(post_job(id, collected));
            writer.stop();
            auto const stats = writer.stats();
            CHECK(stats.jobs == 50);
            CHECK(stats.failed == 0);
            CHECK(stats.groups >= 1);
            CHECK_FALSE(writer.broken());
        }
        REQUIRE(collected.in_order.size() == 50);
        for (int index = 0; index < 50; ++index) {
            CHECK(collected.in_order[static_cast<std::size_t>(index)].first == index + 1);
            CHECK(collected.in_order[static_cast<std::size_t>(index)].second == job_result::committed);
        }
        CHECK(target.count_rows("posts") == 50);
    }

    TEST_CASE("the writer groups the jobs that wait while a transaction runs")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        target.save_session(sample_session(1));
        reports collected;
        writer_gate gate;
        {
            store::writer writer{target, 100};
            writer.submit(gate.job());
            gate.wait_until_held();
            for (domain::id_type id = 1; id <= 1000; ++id)
                writer.submit(post_job(id, collected));
            gate.release();
            writer.stop();
            auto const stats = writer.stats();
            CHECK(stats.jobs == 1001);
            CHECK(stats.failed == 0);
            // The gate alone, then the 1,000 waiting jobs in groups of 100.
            CHECK(stats.groups == 11);
        }
        CHECK(gate.result() == job_result::committed);
        CHECK(collected.in_order.size() == 1000);
        CHECK(target.count_rows("posts") == 1000);
    }

    TEST_CASE("a job whose apply throws is rolled back alone and reported failed")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        target.save_session(sample_session(1));
        reports collected;
        writer_gate gate;
        {
            store::writer writer{target};
            writer.submit(gate.job());
            gate.wait_until_held();
            // The next five share one transaction.
            writer.submit(post_job(1, collected));
            writer.submit(post_job(2, collected));
            writer.submit({[](store::store& store_target) {
                               store_target.save_post(sample_post(3));
                               store_target.append_audit({1, "ana", "half_done", "post:3", ""});
                               throw std::runtime_error("the job changed its mind");
                           },
                collected.for_job(3)});
            writer.submit({[](store::store& store_target) {
                               // A database error fails its job just the same.
                               store_target.save_post(sample_post(4, 99));
                           },
                collected.for_job(4)});
            writer.submit(post_job(5, collected));
            gate.release();
            writer.stop();
            CHECK(writer.stats().groups == 2);
            CHECK(writer.stats().failed == 2);
            CHECK_FALSE(writer.broken());
        }
        REQUIRE(collected.in_order.size() == 5);
        CHECK(collected.in_order[0] == std::pair{1, job_result::committed});
        CHECK(collected.in_order[1] == std::pair{2, job_result::committed});
        CHECK(collected.in_order[2] == std::pair{3, job_result::failed});
        CHECK(collected.in_order[3] == std::pair{4, job_result::failed});
        CHECK(collected.in_order[4] == std::pair{5, job_result::committed});

        auto const posts = target.load_all().posts;
        REQUIRE(posts.size() == 3);
        CHECK(posts[0].id == 1);
        CHECK(posts[1].id == 2);
        CHECK(posts[2].id == 5);
        CHECK(target.count_rows("audit") == 0);
    }

    TEST_CASE("stop finishes every job still queued before it returns")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        target.save_session(sample_session(1));
        reports collected;
        std::atomic<bool> refused{false};
        store::writer writer{target, 10};
        // The first job holds the writer until stop() has begun: a job
        // submitted after that is refused at once, which is how it knows.
        writer.submit({[&writer, &refused](store::store&) {
                           while (!refused) {
                               writer.submit({{}, [&refused](job_result result) {
                                                  if (result == job_result::refused)
                                                      refused = true;
                                              }});
                               std::this_thread::sleep_for(std::chrono::milliseconds{1});
                           }
                       },
            collected.for_job(0)});
        for (domain::id_type id = 1; id <= 200; ++id)
            writer.submit(post_job(id, collected));
        writer.stop();

        CHECK(refused);
        REQUIRE(collected.in_order.size() == 201);
        for (auto const& [number, result] : collected.in_order)
            CHECK(result == job_result::committed);
        CHECK(target.count_rows("posts") == 200);
        writer.stop();  // a second stop is harmless
    }

    TEST_CASE("a job submitted after stop is reported refused at once and never runs")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        target.save_session(sample_session(1));
        store::writer writer{target};
        writer.stop();
        bool ran = false;
        std::optional<job_result> reported;
        writer.submit({[&ran](store::store&) { ran = true; }, [&reported](job_result result) { reported = result; }});
        CHECK_FALSE(ran);
        REQUIRE(reported);
        CHECK(*reported == job_result::refused);
        CHECK(writer.stats().refused == 1);
        CHECK(writer.stats().failed == 0);
    }

    TEST_CASE("a failed transaction breaks the writer: its group and every later job are reported failed")
    {
        temporary_folder folder;
        store::store target{folder.database_file()};
        target.save_session(sample_session(1));
        reports collected;
        writer_gate gate;
        {
            store::writer writer{target};
            writer.submit(gate.job());
            gate.wait_until_held();
            writer.submit(post_job(1, collected));
            // Ending the transaction under the writer's feet stands in for
            // SQLite abandoning it after an I/O error or a full disk.
            writer.submit({[](store::store& store_target) { store_target.rollback(); }, collected.for_job(2)});
            writer.submit(post_job(3, collected));
            gate.release();

            // Wait for the group to be reported before queueing more.
            for (int attempt = 0; attempt < 5000 && !writer.broken(); ++attempt)
                std::this_thread::sleep_for(std::chrono::milliseconds{1});
            REQUIRE(writer.broken());
            bool ran = false;
            writer.submit({[&ran](store::store&) { ran = true; }, collected.for_job(4)});
            writer.stop();
            CHECK_FALSE(ran);
        }
        CHECK(gate.result() == job_result::committed);  // its group came before the failure
        REQUIRE(collected.in_order.size() == 4);
        for (auto const& [number, result] : collected.in_order)
            CHECK(result == job_result::failed);
        CHECK(target.count_rows("posts") == 0);
    }

    TEST_CASE("writer throughput: 5,000 one-post jobs all commit, in far fewer groups (synchronous=FULL)")
    {
        temporary_folder folder;
        store::store target{folder.database_file(), durability::full};
        target.save_session(sample_session(1));
        constexpr int job_count = 5000;
        std::atomic<int> committed{0};
        std::promise<void> finished;
        auto const started = std::chrono::steady_clock::now();
        store::writer writer{target};
        for (domain::id_type id = 1; id <= job_count; ++id)
            writer.submit({[id](store::store& store_target) { store_target.save_post(sample_post(id)); },
                [&committed, &finished](job_result result) {
                    if (result == job_result::committed && ++committed == job_count)
                        finished.set_value();
                }});
        auto const outcome = finished.get_future().wait_for(std::chrono::minutes{2});
        auto const elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        writer.stop();

        REQUIRE(outcome == std::future_status::ready);
        auto const stats = writer.stats();
        CHECK(stats.jobs == static_cast<std::size_t>(job_count));
        CHECK(stats.failed == 0);
        CHECK(stats.groups < stats.jobs);
        CHECK(target.count_rows("posts") == job_count);
        // Measured, not asserted: the speed depends on the disk's fsync.
        MESSAGE("writer: " << job_count << " jobs in " << stats.groups << " groups, "
                           << static_cast<long>(job_count / elapsed) << " jobs/s");
    }
}
