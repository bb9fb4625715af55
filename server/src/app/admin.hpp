#pragma once
// Administration from the command line: accounts, display tokens, sessions.
// Passwords come from a prompt or standard input, never from argv.

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "app/config.hpp"

namespace pleno::app {

// True when `command` is an administration command (user, display-token, session).
bool is_admin_command(std::string const& command);

// Runs one command; returns the process exit code. Errors are printed to `err`.
int run_admin(std::vector<std::string> const& arguments, config const& settings, std::istream& in, std::ostream& out,
              std::ostream& err);

// An exclusive lock on the data folder, held by a running server. Returns a
// file descriptor to keep open, or -1 when another process holds it.
int lock_data_folder(std::filesystem::path const& data_dir);

}  // namespace pleno::app
