#pragma once
// Command-line options of the form --name value, with defaults, for the
// benchmark programs. Unknown options are an error so a typo is not silently
// measured with the default.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pleno::bench {

class arguments {
public:
    // Throws std::runtime_error on a malformed command line.
    arguments(int argc, char** argv);

    bool wants_help() const { return help_; }

    // Each getter marks the option as known; check_all_known() then refuses the rest.
    std::string text(std::string const& name, std::string const& fallback);
    std::int64_t integer(std::string const& name, std::int64_t fallback);
    double real(std::string const& name, double fallback);
    void check_all_known() const;

private:
    std::map<std::string, std::string> values_;
    std::vector<std::string> known_;
    bool help_ = false;
};

}  // namespace pleno::bench
