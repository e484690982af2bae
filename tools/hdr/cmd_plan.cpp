// `hdr plan --case case.json --out plan.json [--protocol P.json] [--threads N]` and
// `hdr phantom case --seed N --out case.json [--volume-cc V] [--catheters K]`
// (../shared/CLI.md): thin wrappers over planner/optimize and tools/phantom.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "planner/common/error.hpp"
#include "planner/formats/case_io.hpp"
#include "planner/formats/plan_io.hpp"
#include "planner/optimize/planner.hpp"
#include "planner/optimize/protocol.hpp"
#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/command_registry.hpp"
#include "tools/phantom/phantom_case.hpp"

namespace hdr::cli {
namespace {

struct PlanArgs {
  std::string case_path, out_path, protocol;
  int threads = 0;
};

optimize::Protocol resolve_protocol(const std::string& arg) {
  if (arg.empty()) return optimize::builtin_protocol("boost");
  // A built-in name is accepted when no file of that name exists.
  if ((arg == "boost" || arg == "monotherapy") && !std::filesystem::exists(arg)) return optimize::builtin_protocol(arg);
  return optimize::load_protocol_file(arg);
}

int run_plan(const PlanArgs& a) {
  require(a.threads >= 0, "--threads " + std::to_string(a.threads) + ": must be >= 0 (0 = all cores)");
  const formats::Case c = formats::load_case_file(a.case_path);
  const optimize::Protocol protocol = resolve_protocol(a.protocol);
  optimize::PlannerOptions options;
  options.threads = a.threads;
  optimize::PlanResult r;
  try {
    r = optimize::plan_case(c, protocol, options);
  } catch (const Error& e) {
    throw Error(a.case_path + ": " + e.what());
  }
  formats::save_plan_file(a.out_path, r.plan);
  const auto& rep = r.report;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "plan %s: %zu dwells (%zu catheters), %d iterations in %d round(s); timing %.0f ms "
                "(matrix %.0f, optimise %.0f, dose grid %.0f)",
                c.id.c_str(), rep.active_dwells, c.catheters.size(), rep.iterations, rep.rounds, rep.time_total_ms,
                rep.time_dose_matrix_ms, rep.time_optimize_ms, rep.time_dose_grid_ms);
  progress(buf);
  for (const auto& k : rep.constraints) {
    if (!k.applicable) continue;
    std::snprintf(buf, sizeof buf, "  %-8s %-10s %8.2f %-2s (%s %.2f) %s", k.constraint.structure.c_str(),
                  k.constraint.metric.c_str(), k.value, k.unit.c_str(), k.constraint.is_max ? "<=" : ">=", k.limit,
                  k.pass ? "ok" : "FAIL");
    progress(buf);
  }
  if (!rep.meets_protocol)
    for (const auto& f : rep.failures) progress("plan does not meet protocol '" + protocol.name + "': " + f);
  return 0;
}

void add_plan(CLI::App& app) {
  auto args = std::make_shared<PlanArgs>();
  CLI::App* sub = app.add_subcommand("plan", "Inverse dwell-time optimisation of a case (hdr-case/1 -> hdr-plan/1)");
  sub->add_option("--case", args->case_path, "Planning problem (hdr-case/1)")->required();
  sub->add_option("--out", args->out_path, "Plan to write (hdr-plan/1)")->required();
  sub->add_option("--protocol", args->protocol,
                  "Protocol file (hdr-protocol/1) or built-in name 'boost' (default) / 'monotherapy'");
  sub->add_option("--threads", args->threads, "Dose engine threads (0 = all cores)");
  set_action(sub, [args] { return run_plan(*args); });
}

struct PhantomCaseArgs {
  long long seed = 0;
  std::string out;
  double volume_cc = 0;
  int catheters = 0;
};

void add_phantom_case(CLI::App& app) {
  auto args = std::make_shared<PhantomCaseArgs>();
  CLI::App* sub = hdr::cli::shared_group(app, "phantom", "Synthetic patients with known truth")->add_subcommand("case", "A reproducible planning case (hdr-case/1)");
  sub->add_option("--seed", args->seed, "Seed (same seed, same case)")->required();
  sub->add_option("--out", args->out, "Case file to write")->required();
  auto* vol = sub->add_option("--volume-cc", args->volume_cc, "Prostate volume in cm3 (default: drawn in 20-70)");
  auto* cat = sub->add_option("--catheters", args->catheters, "Number of needles (default: drawn in 12-20)");
  set_action(sub, [args, vol, cat] {
    require(args->seed >= 0, "--seed " + std::to_string(args->seed) + ": must be >= 0");
    phantom::CaseOptions o;
    o.seed = static_cast<uint64_t>(args->seed);
    if (vol->count() > 0) o.volume_cc = args->volume_cc;
    if (cat->count() > 0) o.catheters = args->catheters;
    const formats::Case c = phantom::make_phantom_case(o);
    formats::save_case_file(args->out, c);
    progress("phantom case " + c.id + ": " + std::to_string(c.catheters.size()) + " needles, source " + c.source.model);
    return 0;
  });
}

void add_plan_commands(CLI::App& app) {
  add_plan(app);
  add_phantom_case(app);
}

}  // namespace
HDR_REGISTER_COMMAND(30, add_plan_commands);
}  // namespace hdr::cli
