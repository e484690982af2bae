#pragma once
// `hdrconsole --demo --headless`: the demo's whole workflow without a window (simulated TRUS
// -> segmentation -> needles -> calibration -> plan -> approvals -> delivery -> record), then
// a summary with the plan metrics and the delivery result on stdout.
#include <iosfwd>
#include <optional>
#include <string>

#include "ui/state/console.hpp"
#include "ui/state/script.hpp"

namespace hdr::ui {

struct HeadlessOptions {
  std::string hdr_executable;           // `hdr`, for the afterloader simulator
  std::string data_dir;                 // record store and simulator log
  double sim_time_scale = 100.0;        // the simulator's clock speed-up
  double timeout_s = 110.0;             // the whole run (CLI.md: under 2 minutes)
  std::optional<std::string> script_file;  // run this script instead of the demo workflow
  std::string validate() const;
};

// Runs a script on a console to its end without a window (poll + step, 5 ms apart). Returns
// the runner's final status; `failure` gets the reason when it failed.
ScriptRunner::Status run_script_headless(Console& console, Script script, double timeout_s, std::string& failure);

// The summary printed at the end: plan metrics with protocol pass/fail per constraint,
// approvals, delivery. `stopped` is why the workflow stopped early (empty when it ran through).
std::string workflow_summary(const AppState& s, const std::string& stopped = {});

// Builds the demo environment, runs the workflow, prints the summary to `out`. Returns the
// process exit code: 0 when the delivery completed (or the script succeeded), 1 otherwise.
int run_headless_demo(const HeadlessOptions& options, std::ostream& out, std::ostream& err);

}  // namespace hdr::ui
