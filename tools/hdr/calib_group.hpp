#pragma once
// The `hdr calib` subcommand group is shared: cmd_calib.cpp adds `compute` and `decay`, the
// record store's command file adds `record`. Whoever registers first creates the group;
// everyone gets the same CLI::App* from here, so registration order does not matter:
//   CLI::App* calib = hdr::cli::calib_group(app);
//   CLI::App* record = calib->add_subcommand("record", "...");
#include <CLI/CLI.hpp>
#include <string>

#include "calib/calibration.hpp"

namespace hdr::cli {

// The clinic's acceptance thresholds, shared by `calib compute` and `calib record`:
// --pass-below-pct (default 3) and --fail-above-pct (default 5). Taken as text so that a
// malformed value is bad input (exit 1 naming the flag).
struct ThresholdFlags {
  std::string pass_below_pct = "3";
  std::string fail_above_pct = "5";
  void add_to(CLI::App* sub);
  // Validated options (hdr::Error naming the flag or the violated rule).
  calib::CalibrationOptions options() const;
};

// Returns the `calib` subcommand of `app`, creating it (requiring one subcommand) if absent.
CLI::App* calib_group(CLI::App& app);

}  // namespace hdr::cli
