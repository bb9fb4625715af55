// pleno-server: serves the council session to citizens, moderators, the
// chair and the projector; and administers accounts, tokens and sessions.

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "app/admin.hpp"
#include "app/config.hpp"
#include "app/demo.hpp"
#include "app/log.hpp"
#include "app/service.hpp"
#include "auth/password.hpp"
#include "net/server.hpp"
#include "store/store.hpp"

namespace {

// Each connection is a descriptor (three with TLS): the soft limit, often 1,024,
// is raised to the hard one, and a limit below the connection cap is said.
void raise_descriptor_limit(pleno::app::config const& settings)
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    // A TLS connection holds three descriptors: its socket and the local pair
    // that relays it to the HTTP code (net/tls_door.hpp).
    std::uint64_t const per_connection = settings.tls.enabled() ? 3 : 1;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < settings.limits.connections_total * per_connection + 64)
        pleno::app::log_line("server", "at most " + std::to_string(limit.rlim_cur) +
                                           " open files: fewer connections than limits.connections_total (" +
                                           std::to_string(settings.limits.connections_total) + ") can be served" +
                                           (per_connection > 1 ? " (each TLS connection takes 3)" : ""));
}

void print_help()
{
    std::cout << "usage: pleno-server [--listen ADDR:PORT] [--data DIR] [--config FILE] [--web-root DIR] [--tls-cert FILE --tls-key FILE] [--demo] [--quiet]\n"
                 "       pleno-server [--data DIR] user|display-token|session ...   (administration; see 'pleno-server user')\n"
                 "\n"
                 "  --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; port 0 picks a free port)\n"
                 "  --data DIR           the data folder holding pleno.db (default ./data)\n"
                 "  --config FILE        a JSON configuration file (see README.md, Configuration)\n"
                 "  --web-root DIR       the web pages (default: assets/web found near the binary)\n"
                 "  --tls-cert FILE      serve HTTPS and WSS with this PEM certificate chain (with --tls-key)\n"
                 "  --tls-key FILE       the certificate's PEM private key\n"
                 "  --demo               seed a demo session, accounts and posts into an empty database\n"
                 "  --quiet              log only errors\n";
}

struct command_line {
    pleno::app::config settings;
    std::vector<std::string> admin_arguments;
    bool help = false;
};

command_line parse(int argc, char** argv)
{
    command_line result;
    std::vector<std::string> const arguments(argv + 1, argv + argc);
    std::string config_file;
    std::string listen, data, web_root, tls_cert, tls_key;
    bool demo = false, quiet = false;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        std::string const& argument = arguments[i];
        auto value = [&]() -> std::string const& {
            if (i + 1 >= arguments.size())
                throw std::runtime_error(argument + " needs a value");
            return arguments[++i];
        };
        if (!result.admin_arguments.empty()) {
            result.admin_arguments.push_back(argument);
        } else if (argument == "--help" || argument == "-h") {
            result.help = true;
        } else if (argument == "--listen") {
            listen = value();
        } else if (argument == "--data") {
            data = value();
        } else if (argument == "--config") {
            config_file = value();
        } else if (argument == "--web-root") {
            web_root = value();
        } else if (argument == "--tls-cert") {
            tls_cert = value();
        } else if (argument == "--tls-key") {
            tls_key = value();
        } else if (argument == "--demo") {
            demo = true;
        } else if (argument == "--quiet") {
            quiet = true;
        } else if (pleno::app::is_admin_command(argument)) {
            result.admin_arguments.push_back(argument);
        } else {
            throw std::runtime_error("unknown argument '" + argument + "' (see --help)");
        }
    }
    // The command line wins over the file.
    if (!config_file.empty())
        result.settings = pleno::app::load_config_file(config_file);
    if (!listen.empty())
        pleno::app::parse_listen(listen, result.settings);
    if (!data.empty())
        result.settings.data_dir = data;
    if (!web_root.empty())
        result.settings.web_root = web_root;
    if (!tls_cert.empty())
        result.settings.tls.cert = tls_cert;
    if (!tls_key.empty())
        result.settings.tls.key = tls_key;
    if (result.settings.tls.cert.empty() != result.settings.tls.key.empty())
        throw std::runtime_error("TLS needs both a certificate and its key: give --tls-cert and --tls-key (or tls.cert and tls.key in the config file)");
    result.settings.demo = result.settings.demo || demo;
    pleno::app::set_log_quiet(quiet);
    return result;
}

std::string url_host(pleno::app::config const& settings)
{
    std::string host = settings.listen_address;
    if (host == "0.0.0.0" || host == "::")
        host = "localhost";
    if (host.find(':') != std::string::npos)
        host = "[" + host + "]";
    return host;
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        auto command = parse(argc, argv);
        if (command.help) {
            print_help();
            return 0;
        }
        auto& settings = command.settings;
        if (!command.admin_arguments.empty())
            return pleno::app::run_admin(command.admin_arguments, settings, std::cin, std::cout, std::cerr);

        if (settings.web_root.empty())
            settings.web_root = pleno::app::locate_web_root(argv[0]);
        int const lock = pleno::app::lock_data_folder(settings.data_dir);
        if (lock < 0)
            throw std::runtime_error("another pleno-server is running on " + settings.data_dir.string());

        pleno::app::demo_credentials const credentials;
        if (settings.demo) {
            pleno::auth::initialise_crypto();
            pleno::store::store target(settings.database_file());
            if (pleno::app::seed_demo(target, settings, credentials))
                pleno::app::log_line("demo", "seeded a demo session into " + settings.database_file().string());
        }
        if (settings.demo && settings.moderation_rules.empty())
            settings.moderation_rules = "Demo: los mensajes los leen las moderadoras del Ayuntamiento antes de mostrarse. No se publican insultos, datos personales de nadie ni publicidad.";

        raise_descriptor_limit(settings);
        pleno::app::service service(settings);
        pleno::net::server server(service, settings);
        service.on_fatal([&server] { server.stop(); });
        std::size_t audience = 0;
        if (settings.demo && settings.demo_audience_interval.count() > 0) {
            auto posts = pleno::app::load_demo_audience(settings.web_root.parent_path() / "demo" / "audience.json");
            audience = posts.size();
            service.start_demo_audience(std::move(posts), settings.demo_audience_interval);
        }

        bool const tls = settings.tls.enabled();
        std::string const base = (tls ? "https://" : "http://") + url_host(settings) + ":" + std::to_string(server.port());
        std::string const ws_base = (tls ? "wss://" : "ws://") + url_host(settings) + ":" + std::to_string(server.port());
        std::cout << "pleno-server listening on " << base << "  (data: " << settings.database_file().string() << ")\n"
                  << "  citizens:    " << base << "/\n"
                  << "  moderators:  " << base << "/moderate\n"
                  << "  chair:       " << base << "/chair\n"
                  << "  WebSocket:   " << ws_base << "/ws\n"
                  << "  staff lane:  " << ws_base << "/ws/staff  (moderator and chair pages)\n"
                  << "  health:      " << base << "/healthz\n";
        if (tls)
            std::cout << "TLS: " << settings.tls.cert.string() << "; plain HTTP on this port is "
                      << (settings.tls.redirect_plain_http ? "redirected to https://" : "refused") << "\n";
        if (settings.demo)
            std::cout << "demo accounts (for trying Pleno only):\n"
                      << "  moderator:   " << credentials.moderator_name << " / " << credentials.moderator_password << "\n"
                      << "  chair:       " << credentials.chair_name << " / " << credentials.chair_password << "\n"
                      << "  display:     token " << credentials.display_token << "\n"
                      << (audience > 0 ? "  a simulated audience (demo only) posts and approves every few seconds; --config with \"demo_audience_seconds\": 0 turns it off\n"
                                       : "");
        std::cout << "Stop with Ctrl+C." << std::endl;

        server.run();
        bool const failed = service.failed();
        service.shutdown();
        ::close(lock);
        pleno::app::log_line("server", failed ? "stopped after a failed commit" : "stopped cleanly");
        return failed ? 1 : 0;
    } catch (std::exception const& problem) {
        std::cerr << "pleno-server: " << problem.what() << "\n";
        return 1;
    }
}
