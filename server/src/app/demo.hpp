#pragma once
// The demo: a live session with a realistic agenda, accounts, a display token
// and posts in Spanish, Catalan, French and English, so a newcomer sees
// Pleno working at once. Demo credentials are fixed and printed; never use
// them for a real town.

#include <filesystem>
#include <optional>
#include <utility>
#include <vector>
#include <string>

#include "app/config.hpp"
#include "store/store.hpp"

namespace pleno::app {

struct demo_credentials {
    std::string moderator_name = "moderadora";
    std::string moderator_password = "demo-moderadora";
    std::string chair_name = "alcaldia";
    std::string chair_password = "demo-alcaldia";
    std::string display_name = "sala-de-plenos";
    std::string display_token = "demo-display-token-sala-de-plenos";
};

// Seeds the demo into an empty database; does nothing when sessions exist.
// Returns true when it seeded.
bool seed_demo(store::store& target, config const& settings, demo_credentials const& credentials);

// The simulated audience's posts (author, text) from assets/demo/audience.json;
// empty, with a log line, when the file is missing or malformed.
std::vector<std::pair<std::string, std::string>> load_demo_audience(std::filesystem::path const& file);

}  // namespace pleno::app
