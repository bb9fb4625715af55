#include "arguments.hpp"

#include <algorithm>
#include <stdexcept>

namespace pleno::bench {

arguments::arguments(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        std::string const argument = argv[i];
        if (argument == "--help" || argument == "-h") {
            help_ = true;
            continue;
        }
        if (argument.rfind("--", 0) != 0 || argument.size() < 3)
            throw std::runtime_error("unexpected argument '" + argument + "'");
        if (i + 1 >= argc)
            throw std::runtime_error(argument + " needs a value");
        values_[argument.substr(2)] = argv[++i];
    }
}

std::string arguments::text(std::string const& name, std::string const& fallback)
{
    known_.push_back(name);
    auto found = values_.find(name);
    return found == values_.end() ? fallback : found->second;
}

std::int64_t arguments::integer(std::string const& name, std::int64_t fallback)
{
    known_.push_back(name);
    auto found = values_.find(name);
    if (found == values_.end())
        return fallback;
    try {
        std::size_t used = 0;
        auto const value = std::stoll(found->second, &used);
        if (used != found->second.size())
            throw std::invalid_argument("trailing characters");
        return value;
    } catch (std::exception const&) {
        throw std::runtime_error("--" + name + " wants a whole number (got '" + found->second + "')");
    }
}

double arguments::real(std::string const& name, double fallback)
{
    known_.push_back(name);
    auto found = values_.find(name);
    if (found == values_.end())
        return fallback;
    try {
        std::size_t used = 0;
        auto const value = std::stod(found->second, &used);
        if (used != found->second.size())
            throw std::invalid_argument("trailing characters");
        return value;
    } catch (std::exception const&) {
        throw std::runtime_error("--" + name + " wants a number (got '" + found->second + "')");
    }
}

void arguments::check_all_known() const
{
    for (auto const& [name, value] : values_)
        if (std::find(known_.begin(), known_.end(), name) == known_.end())
            throw std::runtime_error("unknown option --" + name + " (see --help)");
}

}  // namespace pleno::bench
