#include "app/service.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <limits>
#include <map>
#include <thread>
#include <unordered_set>

#include <pleno/protocol.hpp>

#include "app/log.hpp"
#include "auth/password.hpp"
#include "auth/random_token.hpp"
#include "domain/event_view.hpp"

namespace pleno::app {
// Named rather than anonymous: this file is compiled in a unity build with the
// network edge, and impl holds a hash_pool.
namespace service_detail {

using json = nlohmann::json;
using domain::id_type;
using domain::millis;

millis wall_now()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

domain::timestamp now_stamp()
{
    return {wall_now(), std::chrono::steady_clock::now()};
}

shared_text share(std::string text)
{
    return std::make_shared<std::string const>(std::move(text));
}

std::string dump(json const& value)
{
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

domain::council_settings council_settings_from(config const& settings)
{
    domain::council_settings result;
    auto const& council = settings.council;
    result.post_max_code_points = council.post_max_code_points;
    result.name_max_code_points = council.name_max_code_points;
    result.overlay_max_code_points = council.overlay_max_code_points;
    result.reject_detail_max_code_points = council.reject_detail_max_code_points;
    result.posting_opens_before = std::chrono::duration_cast<std::chrono::milliseconds>(council.posting_opens_before).count();
    result.posts_per_citizen = council.posts_per_citizen;
    result.reject_reasons = council.reject_reasons;
    result.word_list = council.word_list;
    return result;
}

std::vector<domain::agenda_item> agenda_from(std::vector<protocol::agenda_entry> const& entries)
{
    std::vector<domain::agenda_item> items;
    items.reserve(entries.size());
    for (auto const& entry : entries)
        items.push_back({entry.id, entry.number, entry.title, entry.description});
    return items;
}

// The audit row that goes with an event, in the same transaction.
store::audit_entry audit_of(domain::event const& value)
{
    store::audit_entry entry;
    entry.at = value.at;
    entry.actor = value.actor;
    entry.action = value.type;
    json detail = {{"session_id", value.session_id}, {"seq", value.seq}};
    if (value.data.contains("post")) {
        auto const& post = value.data["post"];
        entry.target = "post:" + std::to_string(post.value("id", 0));
        detail["status"] = post.value("status", "");
        if (!post.value("reject_reason", "").empty())
            detail["reason"] = post.value("reject_reason", "");
    } else if (value.data.contains("post_id")) {
        entry.target = "post:" + std::to_string(value.data.value("post_id", 0));
    } else if (value.data.contains("citizen_id")) {
        entry.target = "citizen:" + value.data.value("citizen_id", "");
    } else {
        entry.target = "session:" + std::to_string(value.session_id);
        for (auto const* key : {"current_item_id", "wall_mode", "overlay"})
            if (value.data.contains(key))
                detail[key] = value.data[key];
    }
    entry.detail = dump(detail);
    return entry;
}

store::durability durability_of(config const& settings)
{
    return settings.test_synchronous_normal ? store::durability::normal : store::durability::full;
}

// Secure when pleno-server serves TLS itself: the browser then never sends it over plain HTTP.
std::string cookie_for(std::string const& token, std::chrono::seconds max_age, bool secure)
{
    return "pleno_token=" + token + "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" + std::to_string(max_age.count()) +
           (secure ? "; Secure" : "");
}

http_reply json_reply(unsigned status, json body, std::vector<std::pair<std::string, std::string>> headers = {})
{
    return http_reply{status, "application/json", dump(body), std::move(headers)};
}

http_reply error_reply(unsigned status, error_code code, std::string_view message = {}, json details = json::object())
{
    json body = {{"code", to_string(code)}, {"message", message.empty() ? default_message(code) : message}};
    if (!details.empty())
        body["details"] = std::move(details);
    return json_reply(status, std::move(body));
}

// Password hashing runs here, off the I/O threads, with a bounded queue so a
// login flood waits or is refused instead of starving the server.
class hash_pool {
public:
    hash_pool(std::size_t threads, std::size_t max_queued)
        : max_queued_(max_queued)
    {
        for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i)
            workers_.emplace_back([this] { run(); });
    }
    ~hash_pool() { stop(); }

    bool submit(std::function<void()> task)
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= max_queued_)
            return false;
        queue_.push_back(std::move(task));
        wake_.notify_one();
        return true;
    }

    void stop()
    {
        {
            std::lock_guard lock(mutex_);
            if (stopping_)
                return;
            stopping_ = true;
        }
        wake_.notify_all();
        for (auto& worker : workers_)
            worker.join();
    }

private:
    void run()
    {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                if (queue_.empty())
                    return;
                task = std::move(queue_.front());
                queue_.pop_front();
            }
            task();
        }
    }

    std::size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace service_detail

using namespace service_detail;

struct service::impl {
    explicit impl(config const& settings)
        : settings_(settings)
        , write_store_(settings.database_file(), durability_of(settings))
        , read_store_(settings.database_file(), durability_of(settings))
        , writer_(write_store_)
        , council_(council_settings_from(settings))
        , login_per_account_(settings.auth.login_per_account)
        , login_per_address_(settings.auth.login_per_address)
        , new_citizens_per_address_(settings.council.new_citizens_per_address)
        , hashes_(settings.auth.concurrent_password_hashes, 64)
    {
        if (settings.test_synchronous_normal)
            log_line("store", "WARNING: synchronous=NORMAL (test_synchronous, a test-only setting): "
                              "acknowledged writes can be lost at a power cut");
        auto loaded = read_store_.load_all();
        for (auto const& citizen : loaded.citizens)
            citizens_[citizen.id] = citizen.key_digest;
        std::size_t const events = loaded.events.size();
        council_.restore(std::move(loaded.sessions), std::move(loaded.posts), std::move(loaded.bans),
                         std::move(loaded.events), loaded.max_session_id, loaded.max_item_id, loaded.max_post_id);
        log_line("store", "loaded " + std::to_string(council_.sessions().size()) + " sessions, " +
                              std::to_string(events) + " events from " + settings.database_file().string());
        sweeper_ = std::thread([this] { sweep_loop(); });
    }

    config const& settings_;
    store::store write_store_;
    std::mutex read_mutex_;
    store::store read_store_;
    store::writer writer_;

    std::mutex council_mutex_;
    domain::council council_;
    std::unordered_map<std::string, std::string> citizens_;  // id -> key digest
    std::map<id_type, std::pair<domain::seq_type, shared_text>> wall_snapshots_;  // cached public snapshot per session
    id_type announced_current_ = -1;

    hub hub_;

    std::mutex connections_mutex_;
    std::unordered_map<std::string, std::size_t> connections_per_address_;
    std::size_t connections_total_ = 0;

    std::mutex login_mutex_;
    domain::token_bucket_set login_per_account_;
    domain::token_bucket_set login_per_address_;
    domain::token_bucket_set new_citizens_per_address_;
    hash_pool hashes_;

    std::atomic<bool> failed_{false};
    std::mutex fatal_mutex_;
    std::function<void()> fatal_handler_;

    std::mutex sweep_mutex_;
    std::condition_variable sweep_wake_;
    std::condition_variable sweeper_wake_;  // the sweeper's own: waking it early must not hurry the demo audience
    // The earliest absolute expiry of a login with a live connection (or
    // never): the sweeper wakes then, so expired consoles are closed at once.
    millis next_expiry_ = std::numeric_limits<millis>::max();
    bool stopping_ = false;
    std::thread sweeper_;
    std::thread demo_audience_;

    // ---- sending -------------------------------------------------------

    static void send(std::shared_ptr<client_link> const& link, std::string text) { link->send(share(std::move(text))); }

    static void send_error(std::shared_ptr<client_link> const& link, json const& req, domain::failure const& problem)
    {
        send(link, protocol::make_error(req, problem.code, problem.message, problem.details));
    }

    static void send_error(std::shared_ptr<client_link> const& link, json const& req, error_code code, std::string_view message = {})
    {
        send(link, protocol::make_error(req, code, message.empty() ? default_message(code) : message));
    }

    void fail_service(std::string const& why)
    {
        if (failed_.exchange(true))
            return;
        log_line("fatal", why + "; stopping so that a restart reloads the committed state");
        std::function<void()> handler;
        {
            std::lock_guard lock(fatal_mutex_);
            handler = fatal_handler_;
        }
        if (handler)
            handler();
    }

    // ---- committing ----------------------------------------------------

    // Queues the rows a command changed and, after the commit, sends the
    // requester its reply and everyone the events. Called with council_mutex_ held
    // so that the copies are consistent and jobs are queued in seq order.
    void commit(domain::change_set changes, std::weak_ptr<client_link> requester, std::string reply,
                json const& req, std::function<void(store::store&)> extra = {})
    {
        // Most commands change only the session row (at least its last_seq):
        // the agenda rows are rewritten only when the agenda changed.
        std::vector<std::pair<domain::council_session, store::agenda_rows>> sessions;
        for (auto id : changes.sessions)
            if (auto const* session = council_.find_session(id)) {
                bool const agenda_changed = std::find(changes.agendas.begin(), changes.agendas.end(), id) != changes.agendas.end();
                sessions.emplace_back(*session, agenda_changed ? store::agenda_rows::replace : store::agenda_rows::keep);
            }
        std::vector<domain::post> posts;
        for (auto id : changes.posts)
            if (auto const* value = council_.find_post(id))
                posts.push_back(*value);
        std::vector<store::audit_entry> audit;
        for (auto const& value : changes.events)
            audit.push_back(audit_of(value));

        bool const moves_current = std::any_of(changes.events.begin(), changes.events.end(), [](auto const& value) {
            return value.type == "session_opened" || value.type == "session_closed" || value.type == "session_created" ||
                   value.type == "session_updated";
        });
        auto events = std::make_shared<std::vector<domain::event>>(std::move(changes.events));
        auto bans = std::move(changes.bans);

        store::write_job job;
        job.apply = [sessions = std::move(sessions), posts = std::move(posts), bans = std::move(bans), events,
                     audit = std::move(audit), extra = std::move(extra)](store::store& target) {
            for (auto const& [session, agenda] : sessions)
                target.save_session(session, agenda);
            for (auto const& value : posts)
                target.save_post(value);
            for (auto const& value : bans)
                target.save_ban(value);
            for (auto const& value : *events)
                target.append_event(value);
            for (auto const& entry : audit)
                target.append_audit(entry);
            if (extra)
                extra(target);
        };
        job.done = [this, requester = std::move(requester), reply = std::move(reply), req, events, moves_current](store::job_result result) {
            auto link = requester.lock();
            if (result == store::job_result::refused) {
                // The server is stopping: nothing was applied, nothing failed.
                if (link)
                    send_error(link, req, error_code::shutting_down);
                return;
            }
            if (result != store::job_result::committed) {
                if (link)
                    send_error(link, req, error_code::store_unavailable);
                fail_service("a commit failed");
                return;
            }
            if (link && !reply.empty())
                send(link, reply);
            for (auto const& value : *events) {
                hub_.publish(value);
                if (value.type == "post_approved" || value.type == "post_rejected" || value.type == "post_hidden")
                    log_line("decision", value.type + " post " + std::to_string(value.data["post"].value("id", 0)) +
                                             " by " + value.actor);
            }
            if (moves_current)
                announce_current_session();
        };
        writer_.submit(std::move(job));
    }

    // A reply that must not overtake commits queued before it.
    void reply_after_commits(std::shared_ptr<client_link> const& link, std::string reply)
    {
        commit({}, link, std::move(reply), nullptr);
    }

    // Tells connections that follow another session which session is now current.
    void announce_current_session()
    {
        id_type current = 0;
        {
            std::lock_guard lock(council_mutex_);
            current = council_.current_session_id(wall_now());
            if (current == announced_current_)
                return;
            announced_current_ = current;
        }
        hub_.send_to_others(current, share(dump({{"type", "current_session"}, {"session_id", current}})));
    }

    // ---- snapshots -----------------------------------------------------

    json wall_posts_json(id_type session_id) const
    {
        std::vector<domain::post const*> wall;
        for (auto const* value : council_.posts_of(session_id))
            if (value->status == domain::post_status::approved)
                wall.push_back(value);
        std::stable_sort(wall.begin(), wall.end(), [](auto const* a, auto const* b) { return a->decided_at < b->decided_at; });
        std::size_t const limit = settings_.council.recent_posts_in_snapshot;
        json posts = json::array();
        std::size_t const first = wall.size() > limit ? wall.size() - limit : 0;
        for (std::size_t i = 0; i < wall.size(); ++i)
            if (i >= first || wall[i]->pinned)
                posts.push_back(domain::post_json(*wall[i], domain::audience::wall));
        return posts;
    }

    json snapshot_json(id_type session_id, connection_state const& state)
    {
        auto const* session = council_.find_session(session_id);
        json snapshot = {
            {"type", "snapshot"},
            {"session_id", session_id},
            {"seq", session ? session->last_seq : 0},
            {"session", session ? domain::session_json(*session) : json(nullptr)},
            {"posts", session ? wall_posts_json(session_id) : json::array()},
        };
        if (domain::can_moderate(state.kind)) {
            json queue = json::array();
            json decided = json::array();
            for (auto const* value : council_.posts_of(session_id)) {
                auto view = domain::post_json(*value, domain::audience::staff);
                if (value->status == domain::post_status::rejected)
                    view["reject_label"] = council_.reason_label(value->reject_reason);
                (value->status == domain::post_status::pending ? queue : decided).push_back(std::move(view));
            }
            if (decided.size() > 200)
                decided.erase(decided.begin(), decided.end() - 200);
            snapshot["queue"] = std::move(queue);
            snapshot["decided"] = std::move(decided);
        }
        if (state.kind == domain::role::citizen) {
            json mine = json::array();
            for (auto const* value : council_.posts_of_citizen(session_id, state.citizen_id)) {
                auto view = domain::post_json(*value, domain::audience::author);
                if (value->status == domain::post_status::rejected)
                    view["reject_label"] = council_.reason_label(value->reject_reason);
                mine.push_back(std::move(view));
            }
            snapshot["my_posts"] = std::move(mine);
            snapshot["banned"] = council_.is_banned(session_id, state.citizen_id);
        }
        return snapshot;
    }

    // The snapshot text for a connection; viewers and displays share one cached buffer.
    shared_text snapshot_for(id_type session_id, connection_state const& state)
    {
        bool const shared = state.kind == domain::role::viewer || state.kind == domain::role::display;
        auto const* session = council_.find_session(session_id);
        domain::seq_type const seq = session ? session->last_seq : 0;
        if (shared) {
            auto cached = wall_snapshots_.find(session_id);
            if (cached != wall_snapshots_.end() && cached->second.first == seq)
                return cached->second.second;
        }
        auto text = share(dump(snapshot_json(session_id, state)));
        if (shared)
            wall_snapshots_[session_id] = {seq, text};
        return text;
    }

    // Subscribes `link` to a session and queues, behind pending commits, either
    // a snapshot or exactly the events it missed. Called with council_mutex_ held.
    // last_seq < 0: no resume point, send a snapshot.
    void start_following(std::shared_ptr<client_link> const& link, id_type session_id,
                         domain::seq_type last_seq, std::string welcome,
                         std::function<void(store::store&)> extra = {})
    {
        auto& state = link->state();
        state.session_id = session_id;
        auto const* session = council_.find_session(session_id);
        domain::seq_type const seq = session ? session->last_seq : 0;

        std::vector<shared_text> messages;
        if (!welcome.empty())
            messages.push_back(share(std::move(welcome)));
        bool const can_resume = session && last_seq >= 0 && last_seq <= seq &&
                                seq - last_seq <= static_cast<domain::seq_type>(settings_.council.resume_event_limit);
        if (can_resume) {
            auto const& events = council_.events_of(session_id);
            for (auto const& value : events) {
                if (value.seq <= last_seq)
                    continue;
                auto const who = audience_of(state, domain::event_citizen(value));
                // A post hidden since its approval must not reach a wall again through the replay.
                if (who == domain::audience::wall && value.type == "post_approved") {
                    auto const* current = council_.find_post(value.data["post"].value("id", id_type{0}));
                    if (current != nullptr && current->status == domain::post_status::hidden)
                        continue;
                }
                if (auto message = domain::event_message(value, who))
                    messages.push_back(share(dump(*message)));
            }
            messages.push_back(share(dump({{"type", "resumed"}, {"session_id", session_id}, {"seq", seq}})));
        } else {
            messages.push_back(snapshot_for(session_id, state));
        }
        hub_.subscribe(link, session_id, seq);

        store::write_job job;
        job.apply = [extra = std::move(extra)](store::store& target) {
            if (extra)
                extra(target);
        };
        job.done = [this, weak = std::weak_ptr<client_link>(link), messages = std::move(messages)](store::job_result result) {
            auto alive = weak.lock();
            if (!alive)
                return;
            if (result == store::job_result::refused) {
                send_error(alive, nullptr, error_code::shutting_down);
                alive->close(close_reason::going_away);
                return;
            }
            if (result != store::job_result::committed) {
                send_error(alive, nullptr, error_code::store_unavailable);
                alive->close(close_reason::normal);
                fail_service("a commit failed");
                return;
            }
            for (auto const& message : messages)
                alive->send(message);
        };
        writer_.submit(std::move(job));
    }

    // ---- hello ---------------------------------------------------------

    std::optional<store::login_token> valid_login(std::string const& token, millis now)
    {
        if (token.empty())
            return std::nullopt;
        std::lock_guard lock(read_mutex_);
        auto found = read_store_.find_login_token(auth::token_digest(token));
        if (!found || found->expires_at <= now)
            return std::nullopt;
        auto const idle = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.auth.login_idle_expiry).count();
        if (found->last_used_at + idle <= now)
            return std::nullopt;
        return found;
    }

    void touch_login(store::login_token token, millis now)
    {
        token.last_used_at = now;
        store::write_job job;
        job.apply = [token](store::store& target) { target.save_login_token(token); };
        job.done = [](store::job_result) {};
        writer_.submit(std::move(job));
    }

    void on_hello(std::shared_ptr<client_link> const& link, json const& req, protocol::hello const& message)
    {
        auto const requested = domain::parse_role(message.role);
        if (!requested) {
            send_error(link, req, error_code::bad_request, "role must be viewer, citizen, display, moderator or chair");
            return;
        }
        // Worked on a copy and stored only once the hello is accepted, so a
        // refused hello leaves the connection as unprivileged as it was.
        connection_state accepted = link->state();
        millis const now = wall_now();
        json welcome = {{"type", "welcome"}, {"req", req}, {"protocol", protocol::version}, {"server_time", now}};
        std::function<void(store::store&)> extra;
        std::optional<domain::role> staff_role;  // a chair account asking for the moderator role keeps the chair's powers
        std::optional<store::login_token> login;

        switch (*requested) {
        case domain::role::viewer:
        case domain::role::citizen:
            break;
        case domain::role::display: {
            std::optional<store::display_token> token;
            if (!message.token.empty()) {
                std::lock_guard lock(read_mutex_);
                token = read_store_.find_display_token_by_digest(auth::token_digest(message.token));
            }
            if (!token) {
                send_error(link, req, error_code::not_authenticated, "Unknown or revoked display token.");
                link->close(close_reason::policy);
                return;
            }
            accepted.display_name = token->name;
            accepted.login_digest = token->digest;
            welcome["display"] = token->name;
            break;
        }
        case domain::role::moderator:
        case domain::role::chair: {
            // The cookie only counts for a browser whose Origin was checked at the upgrade.
            std::string const& token = !message.token.empty() ? message.token : (accepted.browser ? accepted.cookie_token : message.token);
            login = valid_login(token, now);
            std::optional<store::account> account;
            if (login) {
                std::lock_guard lock(read_mutex_);
                account = read_store_.find_account(login->account);
            }
            if (!account) {
                send_error(link, req, error_code::not_authenticated);
                link->close(close_reason::policy);
                return;
            }
            if (*requested == domain::role::chair && account->kind != domain::role::chair) {
                send_error(link, req, error_code::forbidden, "This account is not a chair account.");
                return;
            }
            staff_role = account->kind;
            accepted.account = account->name;
            accepted.login_digest = login->digest;
            welcome["account"] = account->name;
            break;
        }
        }

        std::lock_guard lock(council_mutex_);
        id_type const session_id = message.session_id != 0 ? message.session_id : council_.current_session_id(now);
        if (message.session_id != 0 && council_.find_session(session_id) == nullptr) {
            send_error(link, req, error_code::session_not_found);
            return;
        }
        if (*requested == domain::role::citizen) {
            if (!message.citizen_id.empty() || !message.citizen_key.empty()) {
                auto known = citizens_.find(message.citizen_id);
                if (known == citizens_.end() || !auth::secrets_equal(known->second, auth::token_digest(message.citizen_key))) {
                    send_error(link, req, error_code::not_authenticated, "Unknown citizen id or key; send hello without them to get new ones.");
                    return;
                }
                accepted.citizen_id = message.citizen_id;
            } else {
                // New ids per address are limited, so that dropping one's id is no way around the post limit.
                bool allowed = false;
                {
                    std::lock_guard login_lock(login_mutex_);
                    allowed = new_citizens_per_address_.try_take(link->address(), std::chrono::steady_clock::now());
                }
                if (!allowed) {
                    send_error(link, req, error_code::rate_limited, "Too many new participants from your address; keep your citizen id and key.");
                    return;
                }
                store::citizen fresh{"c-" + auth::random_token(12), {}, now};
                std::string const key = auth::random_token(32);
                fresh.key_digest = auth::token_digest(key);
                citizens_[fresh.id] = fresh.key_digest;
                accepted.citizen_id = fresh.id;
                welcome["citizen"] = {{"id", fresh.id}, {"key", key}};
                extra = [fresh](store::store& target) { target.save_citizen(fresh); };
            }
            welcome["citizen_id"] = accepted.citizen_id;
        }
        if (login) {
            touch_login(*login, now);
            watch_expiry(login->expires_at);
        }

        accepted.kind = staff_role.value_or(*requested);
        accepted.greeted = true;
        link->state() = accepted;
        welcome["role"] = domain::to_string(accepted.kind);
        welcome["session_id"] = session_id;
        welcome["limits"] = {
            {"post_max_code_points", settings_.council.post_max_code_points},
            {"name_max_code_points", settings_.council.name_max_code_points},
            {"message_max_bytes", settings_.limits.websocket_message_max},
        };
        if (domain::can_moderate(accepted.kind)) {
            json reasons = json::array();
            for (auto const& reason : council_.reject_reasons())
                reasons.push_back({{"code", reason.code}, {"label", reason.label}});
            welcome["reasons"] = std::move(reasons);
        }
        // A resume point only means something within the session it was counted in.
        domain::seq_type const resume_from = message.session_id != 0 && message.last_seq ? *message.last_seq : -1;
        start_following(link, session_id, resume_from, dump(welcome), std::move(extra));
        log_line("hello", "connection " + std::to_string(link->id()) + " from " + link->address() + " as " +
                              std::string(domain::to_string(accepted.kind)) +
                              (accepted.account.empty() ? "" : " " + accepted.account));
    }

    // ---- commands ------------------------------------------------------

    template <typename T>
    void finish(std::shared_ptr<client_link> const& link, json const& req, domain::outcome<T> result, json body)
    {
        if (!result.ok()) {
            send_error(link, req, *result.error);
            return;
        }
        commit(std::move(result.changes), link, protocol::make_ack(req, std::move(body)), req);
    }

    domain::actor actor_of(connection_state const& state) const
    {
        if (state.kind == domain::role::citizen)
            return {state.kind, state.citizen_id};
        if (domain::can_moderate(state.kind))
            return {state.kind, state.account};
        return {state.kind, state.display_name};
    }

    void handle(std::shared_ptr<client_link> const& link, json const& req, protocol::client_message const& message)
    {
        auto& state = link->state();
        auto const who = actor_of(state);
        auto const stamp = now_stamp();

        if (std::holds_alternative<protocol::ping>(message)) {
            send(link, protocol::make_ack(req, {{"server_time", stamp.wall}}));
            return;
        }

        std::lock_guard lock(council_mutex_);
        std::visit(
            [&](auto const& command) {
                using command_type = std::decay_t<decltype(command)>;
                if constexpr (std::is_same_v<command_type, protocol::submit_post>) {
                    // Without a session, a post goes to the session this connection follows,
                    // so its author hears of it.
                    id_type const session_id = command.session_id != 0 ? command.session_id : state.session_id;
                    auto result = council_.submit_post(who, {command.client_id, command.author, command.text, session_id, command.item_id}, stamp);
                    if (!result.ok()) {
                        send_error(link, req, *result.error);
                        return;
                    }
                    auto const* value = council_.find_post(result.value.post_id);
                    auto view = domain::post_json(*value, domain::audience::author);
                    if (value->status == domain::post_status::rejected)
                        view["reject_label"] = council_.reason_label(value->reject_reason);
                    json body = {{"post", std::move(view)}, {"duplicate", result.value.duplicate}};
                    commit(std::move(result.changes), link, protocol::make_ack(req, std::move(body)), req);
                } else if constexpr (std::is_same_v<command_type, protocol::decide_post>) {
                    domain::outcome<id_type> result;
                    switch (command.action) {
                    case protocol::post_action::approve: result = council_.approve(who, command.post_id, stamp); break;
                    case protocol::post_action::hide: result = council_.hide(who, command.post_id, stamp); break;
                    case protocol::post_action::pin: result = council_.pin(who, command.post_id, stamp); break;
                    case protocol::post_action::unpin: result = council_.unpin(who, command.post_id, stamp); break;
                    }
                    finish(link, req, std::move(result), {{"post_id", command.post_id}});
                } else if constexpr (std::is_same_v<command_type, protocol::reject_post>) {
                    finish(link, req, council_.reject(who, command.post_id, command.reason, command.detail, stamp),
                           {{"post_id", command.post_id}});
                } else if constexpr (std::is_same_v<command_type, protocol::ban_citizen>) {
                    auto result = council_.ban_citizen(who, command.session_id, command.citizen_id, command.reason, stamp);
                    std::size_t const rejected = result.value;
                    finish(link, req, std::move(result), {{"citizen_id", command.citizen_id}, {"rejected_posts", rejected}});
                } else if constexpr (std::is_same_v<command_type, protocol::change_session_state>) {
                    auto result = command.action == protocol::session_action::open ? council_.open_session(who, command.session_id, stamp)
                                                                                    : council_.close_session(who, command.session_id, stamp);
                    finish(link, req, std::move(result), {{"session_id", command.session_id}});
                } else if constexpr (std::is_same_v<command_type, protocol::set_current_item>) {
                    finish(link, req, council_.set_current_item(who, command.session_id, command.item_id, stamp),
                           {{"session_id", command.session_id}, {"item_id", command.item_id}});
                } else if constexpr (std::is_same_v<command_type, protocol::set_wall_mode>) {
                    auto mode = domain::parse_wall_mode(command.mode).value_or(domain::wall_mode::live);
                    finish(link, req, council_.set_wall_mode(who, command.session_id, mode, stamp), {{"session_id", command.session_id}});
                } else if constexpr (std::is_same_v<command_type, protocol::set_overlay>) {
                    finish(link, req, council_.set_overlay(who, command.session_id, command.text, stamp), {{"session_id", command.session_id}});
                } else if constexpr (std::is_same_v<command_type, protocol::create_session>) {
                    auto result = council_.create_session(who, {command.title, command.place, command.starts_at, agenda_from(command.agenda)}, stamp);
                    id_type const id = result.value;
                    finish(link, req, std::move(result), {{"session_id", id}});
                } else if constexpr (std::is_same_v<command_type, protocol::update_session>) {
                    finish(link, req, council_.update_session(who, command.session_id, {command.title, command.place, command.starts_at, {}}, stamp),
                           {{"session_id", command.session_id}});
                } else if constexpr (std::is_same_v<command_type, protocol::set_agenda>) {
                    auto result = council_.set_agenda(who, command.session_id, agenda_from(command.items), stamp);
                    json body = {{"session_id", command.session_id}};
                    if (result.ok())
                        body["session"] = domain::session_json(*council_.find_session(command.session_id));
                    finish(link, req, std::move(result), std::move(body));
                } else if constexpr (std::is_same_v<command_type, protocol::follow>) {
                    id_type const session_id = command.session_id != 0 ? command.session_id : council_.current_session_id(stamp.wall);
                    if (command.session_id != 0 && council_.find_session(session_id) == nullptr) {
                        send_error(link, req, error_code::session_not_found);
                        return;
                    }
                    domain::seq_type const resume_from = command.session_id != 0 && command.last_seq ? *command.last_seq : -1;
                    start_following(link, session_id, resume_from, protocol::make_ack(req, {{"session_id", session_id}}));
                } else if constexpr (std::is_same_v<command_type, protocol::list_sessions>) {
                    json sessions = json::array();
                    for (auto const* session : council_.sessions()) {
                        auto view = domain::session_json(*session);
                        sessions.push_back(std::move(view));
                    }
                    reply_after_commits(link, protocol::make_ack(req, {{"sessions", std::move(sessions)},
                                                                       {"current_session_id", council_.current_session_id(stamp.wall)}}));
                } else if constexpr (std::is_same_v<command_type, protocol::hello>) {
                    send_error(link, req, error_code::already_greeted);
                } else if constexpr (std::is_same_v<command_type, protocol::ping>) {
                    // answered above, without the lock
                }
            },
            message);
    }

    // ---- HTTP API ------------------------------------------------------

    void login(http_request_info const& request, std::function<void(http_reply)> done)
    {
        json body = json::parse(request.body, nullptr, false);
        if (body.is_discarded() || !body.is_object() || !body.contains("name") || !body["name"].is_string() ||
            !body.contains("password") || !body["password"].is_string()) {
            done(error_reply(400, error_code::bad_request, "Send {\"name\": ..., \"password\": ...}."));
            return;
        }
        std::string name = body["name"].get<std::string>();
        std::string password = body["password"].get<std::string>();
        if (name.size() > 64 || password.size() > 1024) {
            done(error_reply(400, error_code::bad_request, "Name or password too long."));
            return;
        }
        {
            std::lock_guard lock(login_mutex_);
            auto const now = std::chrono::steady_clock::now();
            if (!login_per_address_.try_take(request.address, now) || !login_per_account_.try_take(name, now)) {
                log_line("login", "throttled for " + name + " from " + request.address);
                done(error_reply(429, error_code::too_many_attempts));
                return;
            }
        }
        std::optional<store::account> account;
        {
            std::lock_guard lock(read_mutex_);
            account = read_store_.find_account(name);
        }
        auto task = [this, account, name, password, address = request.address, done]() mutable {
            // An unknown name costs the same hash as a known one, so timing does not tell which names exist.
            static std::string const decoy = auth::hash_password("pleno-decoy-password",
                                                                 {settings_.auth.argon2_operations, settings_.auth.argon2_memory_bytes});
            bool const verified = auth::verify_password(account ? account->password_hash : decoy, password);
            if (!account || !verified) {
                log_line("login", "failed for " + name + " from " + address);
                done(error_reply(401, error_code::bad_credentials));
                return;
            }
            millis const now = wall_now();
            std::string const token = auth::random_token(32);
            auto const lifetime = std::chrono::duration_cast<std::chrono::seconds>(settings_.auth.login_absolute_expiry);
            store::login_token record{auth::token_digest(token), account->name, now, now, now + lifetime.count() * 1000};
            store::write_job job;
            job.apply = [record](store::store& target) {
                target.save_login_token(record);
                target.append_audit({record.created_at, record.account, "login", "user:" + record.account, "{}"});
            };
            job.done = [this, done, token, record, kind = account->kind, lifetime](store::job_result result) {
                if (result == store::job_result::refused) {
                    done(error_reply(503, error_code::shutting_down));
                    return;
                }
                if (result != store::job_result::committed) {
                    done(error_reply(503, error_code::store_unavailable));
                    return;
                }
                log_line("login", record.account + " logged in");
                done(json_reply(200,
                                {{"token", token}, {"account", record.account}, {"role", domain::to_string(kind)}, {"expires_at", record.expires_at}},
                                {{"Set-Cookie", cookie_for(token, lifetime, settings_.tls.enabled())}}));
            };
            writer_.submit(std::move(job));
        };
        if (!hashes_.submit(std::move(task)))
            done(error_reply(429, error_code::too_many_attempts, "The server is busy with other logins; try again in a moment."));
    }

    void logout(http_request_info const& request, std::function<void(http_reply)> done)
    {
        auto login = valid_login(request.bearer_token, wall_now());
        if (!login) {
            done(error_reply(401, error_code::not_authenticated));
            return;
        }
        std::string const digest = login->digest;
        store::write_job job;
        job.apply = [digest, account = login->account](store::store& target) {
            target.remove_login_token(digest);
            target.append_audit({wall_now(), account, "logout", "user:" + account, "{}"});
        };
        job.done = [this, digest, done](store::job_result result) {
            if (result == store::job_result::refused) {
                done(error_reply(503, error_code::shutting_down));
                return;
            }
            if (result != store::job_result::committed) {
                done(error_reply(503, error_code::store_unavailable));
                return;
            }
            hub_.close_where([&](client_link const& link) { return link.state().login_digest == digest; }, close_reason::normal);
            done(json_reply(200, {{"ok", true}}, {{"Set-Cookie", cookie_for("", std::chrono::seconds(0), settings_.tls.enabled())}}));
        };
        writer_.submit(std::move(job));
    }

    void handle_api(http_request_info const& request, std::function<void(http_reply)> done)
    {
        auto const& target = request.target;
        if (target == "/healthz") {
            if (request.method != "GET" && request.method != "HEAD") {
                done(error_reply(405, error_code::method_not_allowed, "Use GET."));
                return;
            }
            bool writable = false;
            {
                std::lock_guard lock(read_mutex_);
                writable = !failed_ && read_store_.probe_writable();
            }
            done(json_reply(writable ? 200 : 503, {{"status", writable ? "ok" : "unavailable"}, {"connections", hub_.connection_count()}}));
            return;
        }
        if (target == "/api/login") {
            if (request.method != "POST")
                return done(error_reply(405, error_code::method_not_allowed, "Use POST."));
            login(request, std::move(done));
            return;
        }
        if (target == "/api/logout") {
            if (request.method != "POST")
                return done(error_reply(405, error_code::method_not_allowed, "Use POST."));
            logout(request, std::move(done));
            return;
        }
        if (target == "/api/me") {
            if (request.method != "GET")
                return done(error_reply(405, error_code::method_not_allowed, "Use GET."));
            // No token at all: nobody is logged in, which a login page asks
            // about before it shows its form. A token that is not (or no
            // longer) valid is an error.
            if (request.bearer_token.empty())
                return done(json_reply(200, {{"account", nullptr}, {"role", nullptr}, {"expires_at", 0}}));
            auto login = valid_login(request.bearer_token, wall_now());
            if (!login)
                return done(error_reply(401, error_code::not_authenticated));
            std::optional<store::account> account;
            {
                std::lock_guard lock(read_mutex_);
                account = read_store_.find_account(login->account);
            }
            if (!account)
                return done(error_reply(401, error_code::not_authenticated));
            return done(json_reply(200, {{"account", account->name}, {"role", domain::to_string(account->kind)}, {"expires_at", login->expires_at}}));
        }
        if (target == "/api/session" || target == "/api/sessions") {
            if (request.method != "GET")
                return done(error_reply(405, error_code::method_not_allowed, "Use GET."));
            std::lock_guard lock(council_mutex_);
            if (target == "/api/sessions") {
                json sessions = json::array();
                for (auto const* session : council_.sessions())
                    sessions.push_back(domain::session_json(*session));
                return done(json_reply(200, {{"sessions", std::move(sessions)}, {"current_session_id", council_.current_session_id(wall_now())}}));
            }
            id_type const current = council_.current_session_id(wall_now());
            connection_state anonymous;
            auto snapshot = snapshot_json(current, anonymous);
            snapshot.erase("type");
            snapshot["public_url"] = settings_.public_url;
            snapshot["town"] = settings_.town_name;
            snapshot["moderation_rules"] = settings_.moderation_rules;
            snapshot["privacy_notice"] = settings_.privacy_notice;
            return done(json_reply(200, std::move(snapshot)));
        }
        done(error_reply(404, error_code::not_found));
    }

    // ---- background checks ---------------------------------------------

    // Tells the sweeper that a live connection uses a login expiring at
    // `expires_at`, so that it wakes then instead of at its next round.
    void watch_expiry(millis expires_at)
    {
        {
            std::lock_guard lock(sweep_mutex_);
            if (expires_at >= next_expiry_)
                return;
            next_expiry_ = expires_at;
        }
        sweeper_wake_.notify_all();
    }

    // The sweeper's regular round: every 5 s, more often when logins go idle
    // sooner than a minute (a test configuration), so that a console in use
    // is marked used well before its login would look idle.
    std::chrono::milliseconds sweep_interval() const
    {
        auto const idle = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.auth.login_idle_expiry);
        return std::clamp(idle / 4, std::chrono::milliseconds(250), std::chrono::milliseconds(5000));
    }

    // Closes connections whose login or display token was revoked or has
    // expired (also by the command line, while the server runs). A console
    // that stays connected is in use: its login does not expire for idleness.
    // Returns the earliest expiry among the logins still in use.
    millis sweep_tokens()
    {
        std::unordered_set<std::string> digests;
        hub_.for_each_subscriber([&](client_link const& link) {
            if (!link.state().login_digest.empty())
                digests.insert(link.state().login_digest);
        });
        std::unordered_set<std::string> invalid;
        std::vector<store::login_token> in_use;
        millis const now = wall_now();
        millis earliest = std::numeric_limits<millis>::max();
        // Marked used often enough that a console's login never looks idle to its next hello.
        millis const touch_after = std::min<millis>(
            60'000, std::chrono::duration_cast<std::chrono::milliseconds>(settings_.auth.login_idle_expiry).count() / 2);
        {
            std::lock_guard lock(read_mutex_);
            for (auto const& digest : digests) {
                if (read_store_.find_display_token_by_digest(digest))
                    continue;
                auto login = read_store_.find_login_token(digest);
                if (!login || login->expires_at <= now || !read_store_.find_account(login->account)) {
                    invalid.insert(digest);
                    continue;
                }
                earliest = std::min(earliest, login->expires_at);
                if (now - login->last_used_at > touch_after)
                    in_use.push_back(*login);
            }
        }
        for (auto const& login : in_use)
            touch_login(login, now);
        if (!invalid.empty())
            hub_.close_where([&](client_link const& link) { return invalid.count(link.state().login_digest) > 0; }, close_reason::normal);
        return earliest;
    }

    // Sweeps at each round and just after the earliest expiry of a login in
    // use, whichever comes first.
    void sweep_loop()
    {
        using steady = std::chrono::steady_clock;
        constexpr millis never = std::numeric_limits<millis>::max();
        auto const round = sweep_interval();
        auto next_round = steady::now() + round;
        std::unique_lock lock(sweep_mutex_);
        while (!stopping_) {
            auto wake = next_round;
            if (next_expiry_ != never) {
                millis const left = std::max<millis>(0, next_expiry_ - wall_now() + 1);
                wake = std::min(wake, steady::now() + std::chrono::milliseconds(left));
            }
            sweeper_wake_.wait_until(lock, wake);
            if (stopping_)
                break;
            bool const is_round = steady::now() >= next_round;
            if (!is_round && (next_expiry_ == never || next_expiry_ > wall_now()))
                continue;  // told of an earlier expiry: wait again, for that
            if (is_round)
                next_round = steady::now() + round;
            next_expiry_ = never;  // this sweep finds the next one; hellos meanwhile may lower it
            lock.unlock();
            millis earliest = never;
            try {
                earliest = sweep_tokens();
                announce_current_session();  // a scheduled session may have become the nearest by the clock
            } catch (std::exception const& problem) {
                log_line("error", std::string("token sweep: ") + problem.what());
            }
            lock.lock();
            next_expiry_ = std::min(next_expiry_, earliest);
        }
    }

    // ---- the demo's simulated audience ----------------------------------

    void demo_audience_loop(std::vector<std::pair<std::string, std::string>> posts, std::chrono::milliseconds interval)
    {
        domain::actor const moderator{domain::role::moderator, "demo-moderation"};
        std::size_t next = 0;
        id_type waiting = 0;
        std::unique_lock lock(sweep_mutex_);
        while (!stopping_) {
            sweep_wake_.wait_for(lock, interval);
            if (stopping_)
                break;
            lock.unlock();
            {
                std::lock_guard council_lock(council_mutex_);
                auto const stamp = now_stamp();
                id_type const session_id = council_.current_session_id(stamp.wall);
                auto const* session = council_.find_session(session_id);
                if (session != nullptr && session->state == domain::session_state::live && !failed_) {
                    if (waiting != 0) {
                        // The post waited one step in the moderators' queue; a real moderator may have decided already.
                        auto approved = council_.approve(moderator, waiting, stamp);
                        if (approved.ok())
                            commit(std::move(approved.changes), {}, {}, nullptr);
                        waiting = 0;
                    } else {
                        auto const& [author, text] = posts[next % posts.size()];
                        domain::actor const citizen{domain::role::citizen, "c-demo-audience-" + std::to_string(next % 16)};
                        domain::post_request request{"demo-" + std::to_string(stamp.wall) + "-" + std::to_string(next), author + " (demo)",
                                                     text, session_id, 0};
                        auto submitted = council_.submit_post(citizen, request, stamp);
                        if (submitted.ok()) {
                            waiting = submitted.value.post_id;
                            commit(std::move(submitted.changes), {}, {}, nullptr);
                        }
                        ++next;
                    }
                }
            }
            lock.lock();
        }
    }

    void stop_background()
    {
        {
            std::lock_guard lock(sweep_mutex_);
            if (stopping_)
                return;
            stopping_ = true;
        }
        sweep_wake_.notify_all();
        sweeper_wake_.notify_all();
        if (sweeper_.joinable())
            sweeper_.join();
        if (demo_audience_.joinable())
            demo_audience_.join();
        hashes_.stop();
    }
};

service::service(config settings)
    : config_(std::move(settings))
{
    auth::initialise_crypto();
    impl_ = std::make_unique<impl>(config_);
}

service::~service()
{
    shutdown();
}

bool service::admit_connection(std::string const& address)
{
    std::lock_guard lock(impl_->connections_mutex_);
    auto& count = impl_->connections_per_address_[address];
    if (count >= config_.limits.connections_per_address || impl_->connections_total_ >= config_.limits.connections_total) {
        if (count == 0)
            impl_->connections_per_address_.erase(address);
        return false;
    }
    ++count;
    ++impl_->connections_total_;
    return true;
}

void service::release_connection(std::string const& address)
{
    std::lock_guard lock(impl_->connections_mutex_);
    auto found = impl_->connections_per_address_.find(address);
    if (found == impl_->connections_per_address_.end())
        return;
    if (--found->second == 0)
        impl_->connections_per_address_.erase(found);
    if (impl_->connections_total_ > 0)
        --impl_->connections_total_;
}

origin_verdict service::check_origin(std::optional<std::string> const& origin, std::string_view host) const
{
    if (!origin)
        return origin_verdict::not_a_browser;
    for (auto const& allowed : config_.allowed_origins)
        if (*origin == allowed)
            return origin_verdict::browser_allowed;
    // The server's own pages. With TLS served here they can only be https://
    // (plain HTTP on this port is redirected or refused), so an http:// page
    // of the same host name (port 80, another program) is not one of ours.
    // Behind a proxy that terminates TLS the server cannot tell: both count.
    if (!host.empty()) {
        std::string const own(host);
        if (*origin == "https://" + own || (!config_.tls.enabled() && *origin == "http://" + own))
            return origin_verdict::browser_allowed;
    }
    return origin_verdict::refused;
}

void service::on_open(std::shared_ptr<client_link> const& link)
{
    impl_->hub_.join(link);
}

void service::on_message(std::shared_ptr<client_link> const& link, std::string_view text)
{
    try {
        auto parsed = protocol::parse_client_message(text);
        if (!parsed.message) {
            impl::send_error(link, parsed.req, parsed.error, parsed.error_message);
            return;
        }
        if (impl_->failed_) {
            impl::send_error(link, parsed.req, error_code::store_unavailable);
            return;
        }
        bool const is_hello = std::holds_alternative<protocol::hello>(*parsed.message);
        if (!link->state().greeted) {
            if (!is_hello) {
                impl::send_error(link, parsed.req, error_code::hello_required);
                return;
            }
            impl_->on_hello(link, parsed.req, std::get<protocol::hello>(*parsed.message));
            return;
        }
        impl_->handle(link, parsed.req, *parsed.message);
    } catch (std::exception const& problem) {
        // Nothing a client sends may stop the server; the command changed nothing it could not undo.
        log_line("error", std::string("while handling a message: ") + problem.what());
        impl::send_error(link, nullptr, error_code::internal_error);
    }
}

void service::on_binary_message(std::shared_ptr<client_link> const& link)
{
    impl::send_error(link, nullptr, error_code::binary_not_supported);
}

void service::on_close(client_link& link)
{
    impl_->hub_.leave(link);
}

void service::handle_api(http_request_info request, std::function<void(http_reply)> done)
{
    try {
        impl_->handle_api(request, std::move(done));
    } catch (std::exception const& problem) {
        log_line("error", std::string("while answering ") + request.target + ": " + problem.what());
        done(error_reply(500, error_code::internal_error));
    }
}

void service::shutdown()
{
    if (!impl_)
        return;
    impl_->stop_background();
    impl_->hub_.close_all(close_reason::going_away);
    impl_->writer_.stop();
}

void service::release_connections()
{
    impl_->hub_.release_all();
}

bool service::failed() const
{
    return impl_->failed_;
}

void service::on_fatal(std::function<void()> handler)
{
    std::lock_guard lock(impl_->fatal_mutex_);
    impl_->fatal_handler_ = std::move(handler);
}

void service::start_demo_audience(std::vector<std::pair<std::string, std::string>> posts, std::chrono::milliseconds interval)
{
    if (posts.empty() || impl_->demo_audience_.joinable())
        return;
    impl_->demo_audience_ = std::thread([this, posts = std::move(posts), interval]() mutable {
        impl_->demo_audience_loop(std::move(posts), interval);
    });
}

std::size_t service::connection_count() const
{
    return impl_->hub_.connection_count();
}

}  // namespace pleno::app
