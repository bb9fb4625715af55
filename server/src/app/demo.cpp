#include "app/demo.hpp"

#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "auth/password.hpp"
#include "auth/random_token.hpp"
#include "app/log.hpp"
#include "domain/council.hpp"

namespace pleno::app {
namespace {

using domain::millis;

struct demo_post {
    char const* author;
    char const* text;
    int item;  // position in the agenda, from 0
    bool approve;
};

// Written for the demo: what neighbours might say during a budget debate.
constexpr demo_post demo_posts[] = {
    {"Lucía M.", "¿Cuánto del presupuesto de 2027 va a ir al mantenimiento de los caminos rurales? El de la Fuente Vieja está intransitable.", 1, true},
    {"Jordi", "Bona tarda des de Jun! Seria possible publicar el pressupost en català i en format obert?", 1, true},
    {"Marie-Claire", "Bonsoir ! Je suis française et j'habite ici depuis trois ans : merci de diffuser la séance en direct, c'est très clair.", 1, true},
    {"Tom (vecino)", "Great to follow the council live. Will the new library hours include Saturday mornings?", 3, true},
    {"Antonio", "Las calles peatonales están bien, pero los mayores necesitamos poder llegar en coche al centro de salud.", 2, true},
    {"Carmen R.", "Propongo que el transporte escolar a Granada pare también en la urbanización de arriba.", 4, false},
    {"Núria", "Quan es tornarà a obrir la piscina municipal? Fa dos estius que està tancada.", 1, false},
    {"Pablo", "¿Se puede preguntar por el alumbrado de la calle Real? Lleva una semana apagado 💡", 6, false},
    {"Élodie", "Est-ce que le budget prévoit des cours d'informatique pour les seniors, comme avant ?", 1, false},
};

millis wall_now()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void check(bool ok, char const* what)
{
    if (!ok)
        throw std::runtime_error(std::string("demo: could not ") + what);
}

}  // namespace

bool seed_demo(store::store& target, config const& settings, demo_credentials const& credentials)
{
    if (!target.sessions().empty())
        return false;

    millis const now = wall_now();
    millis const started = now - 40 * 60 * 1000;
    auto stamp = [](millis at) { return domain::timestamp{at, std::chrono::steady_clock::time_point(std::chrono::milliseconds(at))}; };

    domain::council_settings rules;
    rules.reject_reasons = settings.council.reject_reasons;
    rules.word_list = settings.council.word_list;
    rules.posts_per_citizen = {1.0, 100.0};
    domain::council council(rules);
    domain::actor const chair{domain::role::chair, credentials.chair_name};
    domain::actor const moderator{domain::role::moderator, credentials.moderator_name};

    domain::session_draft draft;
    draft.title = "Pleno ordinario de noviembre";
    draft.place = "Salón de plenos, Ayuntamiento";
    draft.starts_at = started;
    draft.agenda = {
        {0, 1, "Aprobación del acta de la sesión anterior", "Acta del pleno ordinario de octubre."},
        {0, 2, "Presupuesto municipal 2027", "Debate y votación del proyecto de presupuesto: inversiones, caminos rurales y servicios sociales."},
        {0, 3, "Ordenanza de movilidad", "Peatonalización de la calle Real y la plaza de la Constitución los fines de semana."},
        {0, 4, "Horario de la biblioteca municipal", "Propuesta de apertura los sábados por la mañana."},
        {0, 5, "Moción sobre el transporte escolar a Granada", "Nuevas paradas y horarios del autobús escolar."},
        {0, 6, "Informe de la Alcaldía", "Decretos y resoluciones desde el último pleno."},
        {0, 7, "Ruegos y preguntas", "Turno abierto a los vecinos y vecinas."},
    };

    std::vector<domain::event> events;
    auto keep = [&](domain::change_set& changes) {
        for (auto& value : changes.events)
            events.push_back(std::move(value));
    };

    auto created = council.create_session(chair, draft, stamp(started - 3 * 24 * 3600 * 1000LL));
    check(created.ok(), "create the session");
    keep(created.changes);
    auto opened = council.open_session(chair, created.value, stamp(started));
    check(opened.ok(), "open the session");
    keep(opened.changes);
    auto const& agenda = council.find_session(created.value)->agenda;
    auto moved = council.set_current_item(chair, created.value, agenda[1].id, stamp(started + 5 * 60 * 1000));
    check(moved.ok(), "move the agenda");
    keep(moved.changes);

    std::vector<store::citizen> citizens;
    millis at = started + 6 * 60 * 1000;
    int index = 0;
    for (auto const& sample : demo_posts) {
        store::citizen citizen{"c-demo-" + std::to_string(++index), auth::token_digest(auth::random_token(32)), at};
        citizens.push_back(citizen);
        domain::actor const author{domain::role::citizen, citizen.id};
        domain::post_request request{"demo-" + std::to_string(index), sample.author, sample.text, created.value, agenda[static_cast<std::size_t>(sample.item)].id};
        auto submitted = council.submit_post(author, request, stamp(at));
        check(submitted.ok(), "submit a post");
        keep(submitted.changes);
        at += 2 * 60 * 1000;
        if (sample.approve) {
            auto approved = council.approve(moderator, submitted.value.post_id, stamp(at));
            check(approved.ok(), "approve a post");
            keep(approved.changes);
            at += 30 * 1000;
        }
    }

    target.begin();
    try {
        for (auto const* session : council.sessions())
            target.save_session(*session);
        for (auto const* value : council.posts_of(created.value))
            target.save_post(*value);
        for (auto const& value : events) {
            target.append_event(value);
            target.append_audit({value.at, value.actor, value.type, "session:" + std::to_string(value.session_id), "{\"demo\":true}"});
        }
        for (auto const& citizen : citizens)
            target.save_citizen(citizen);
        auth::password_cost const cost{settings.auth.argon2_operations, settings.auth.argon2_memory_bytes};
        target.save_account({credentials.moderator_name, domain::role::moderator, auth::hash_password(credentials.moderator_password, cost), now});
        target.save_account({credentials.chair_name, domain::role::chair, auth::hash_password(credentials.chair_password, cost), now});
        target.save_display_token({credentials.display_name, auth::token_digest(credentials.display_token), now, 0});
        target.append_audit({now, "system", "demo_seeded", "session:" + std::to_string(created.value), "{}"});
        target.commit();
    } catch (...) {
        target.rollback();
        throw;
    }
    return true;
}

std::vector<std::pair<std::string, std::string>> load_demo_audience(std::filesystem::path const& file)
{
    std::vector<std::pair<std::string, std::string>> posts;
    std::ifstream input(file);
    auto document = nlohmann::json::parse(input, nullptr, false);
    if (!input || document.is_discarded() || !document.is_object() || !document.contains("posts") || !document["posts"].is_array()) {
        log_line("demo", "no simulated audience: cannot read " + file.string());
        return posts;
    }
    for (auto const& entry : document["posts"])
        if (entry.is_object() && entry.value("author", "") != "" && entry.value("text", "") != "")
            posts.emplace_back(entry["author"].get<std::string>(), entry["text"].get<std::string>());
    return posts;
}

}  // namespace pleno::app
