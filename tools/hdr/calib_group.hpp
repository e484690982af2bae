#pragma once
// The `hdr calib` subcommand group is shared: cmd_calib.cpp adds `compute` and `decay`, the
// record store's command file adds `record`. Whoever registers first creates the group;
// everyone gets the same CLI::App* from here, so registration order does not matter:
//   CLI::App* calib = hdr::cli::calib_group(app);
//   CLI::App* record = calib->add_subcommand("record", "...");
#include <CLI/CLI.hpp>

namespace hdr::cli {

// Returns the `calib` subcommand of `app`, creating it (requiring one subcommand) if absent.
CLI::App* calib_group(CLI::App& app);

}  // namespace hdr::cli
