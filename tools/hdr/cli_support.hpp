#pragma once
// Shared conventions of every `hdr` subcommand (../shared/CLI.md): exit 0 on success, 1 on a
// refused or failed operation, 2 on a usage error; one stderr line "hdr: error: ..." naming
// what is wrong; passwords only from files.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace hdr::cli {

// Wraps a subcommand body: hdr::Error (and any std::exception) becomes "hdr: error: <what>"
// on stderr and exit code 1. The body returns the exit code it wants (0, or 1 for e.g. an
// interrupted delivery that is not an error of the program).
void set_action(CLI::App* sub, std::function<int()> body);

// A subcommand group shared by several cmd_*.cpp files (`phantom`, `calib`): returns the
// group when another file registered it first, creates it (requiring one subcommand)
// otherwise, so registration order does not matter.
CLI::App* shared_group(CLI::App& app, const std::string& name, const std::string& description);

// The exit code the chosen subcommand produced.
int exit_code();

// First line of a password file, without its line ending; hdr::Error naming the file if it
// cannot be read or is empty.
std::string read_password_file(const std::string& path);

// Prints "hdr: <message>" on stderr: human progress, never on stdout.
void progress(const std::string& message);

}  // namespace hdr::cli
