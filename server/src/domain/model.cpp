#include "domain/model.hpp"

#include <array>
#include <utility>

namespace pleno::domain {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> parse_from(std::array<std::pair<Enum, std::string_view>, N> const& names, std::string_view text)
{
    for (auto const& [value, name] : names)
        if (name == text)
            return value;
    return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view name_of(std::array<std::pair<Enum, std::string_view>, N> const& names, Enum value)
{
    for (auto const& [candidate, name] : names)
        if (candidate == value)
            return name;
    return "unknown";
}

constexpr std::array session_state_names{
    std::pair{session_state::scheduled, std::string_view{"scheduled"}},
    std::pair{session_state::live, std::string_view{"live"}},
    std::pair{session_state::closed, std::string_view{"closed"}},
};
constexpr std::array post_status_names{
    std::pair{post_status::pending, std::string_view{"pending"}},
    std::pair{post_status::approved, std::string_view{"approved"}},
    std::pair{post_status::rejected, std::string_view{"rejected"}},
    std::pair{post_status::hidden, std::string_view{"hidden"}},
};
constexpr std::array wall_mode_names{
    std::pair{wall_mode::live, std::string_view{"live"}},
    std::pair{wall_mode::hold, std::string_view{"hold"}},
    std::pair{wall_mode::blank, std::string_view{"blank"}},
};
constexpr std::array role_names{
    std::pair{role::viewer, std::string_view{"viewer"}},
    std::pair{role::citizen, std::string_view{"citizen"}},
    std::pair{role::display, std::string_view{"display"}},
    std::pair{role::moderator, std::string_view{"moderator"}},
    std::pair{role::chair, std::string_view{"chair"}},
};

}  // namespace

std::string_view to_string(session_state value) { return name_of(session_state_names, value); }
std::string_view to_string(post_status value) { return name_of(post_status_names, value); }
std::string_view to_string(wall_mode value) { return name_of(wall_mode_names, value); }
std::string_view to_string(role value) { return name_of(role_names, value); }
std::optional<session_state> parse_session_state(std::string_view text) { return parse_from(session_state_names, text); }
std::optional<post_status> parse_post_status(std::string_view text) { return parse_from(post_status_names, text); }
std::optional<wall_mode> parse_wall_mode(std::string_view text) { return parse_from(wall_mode_names, text); }
std::optional<role> parse_role(std::string_view text) { return parse_from(role_names, text); }

agenda_item const* council_session::find_item(id_type item_id) const
{
    for (auto const& item : agenda)
        if (item.id == item_id)
            return &item;
    return nullptr;
}

}  // namespace pleno::domain
