// `hdr phantom trus`, `hdr segment`, `hdr needles` (../shared/CLI.md): thin wrappers over
// planner/imaging.
#include <malloc.h>

#include <memory>
#include <string>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"
#include "planner/formats/structures_io.hpp"
#include "planner/imaging/needles.hpp"
#include "planner/imaging/segment.hpp"
#include "planner/imaging/simulator.hpp"
#include "planner/imaging/trus_io.hpp"
#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/command_registry.hpp"

namespace {

struct PhantomTrusArgs {
  long long seed = 0;
  std::string out;
  int needles = 0;
};

void add_phantom_trus(CLI::App& app) {
  auto args = std::make_shared<PhantomTrusArgs>();
  CLI::App* sub = hdr::cli::shared_group(app, "phantom", "Synthetic patients with known truth")->add_subcommand(
      "trus", "A reproducible hdr-trus/1 sweep of simulated TRUS frames, with DIR/truth.json");
  sub->add_option("--seed", args->seed, "Random seed (same seed, same sweep)")->required();
  sub->add_option("--out", args->out, "Output folder")->required();
  sub->add_option("--needles", args->needles, "Needles placed on the 5 mm template")->check(CLI::Range(0, 40));
  hdr::cli::set_action(sub, [args] {
    hdr::require(args->seed >= 0, "--seed: must be >= 0, found " + std::to_string(args->seed));
    hdr::imaging::SimulationOptions options;
    options.needle_count = args->needles;
    const auto sim = hdr::imaging::simulate_sweep(static_cast<std::uint64_t>(args->seed), options);
    hdr::imaging::save_trus_folder(args->out, sim.sweep);
    nlohmann::json truth = {{"format", "hdr-structures/1"},
                            {"structures", hdr::formats::structure_list_to_json(sim.truth_structures)},
                            {"catheters", hdr::formats::catheter_list_to_json(sim.truth_catheters)}};
    hdr::write_file_atomically(args->out + "/truth.json", truth.dump(1) + "\n");
    hdr::cli::progress("phantom trus: " + std::to_string(sim.sweep.frames.size()) + " frames, " +
                       std::to_string(sim.truth_catheters.size()) + " needles -> " + args->out);
    return 0;
  });
}

// A sweep's per-frame images are allocated and freed frame after frame; glibc would hand each
// large block back to the kernel and fault it in again (a fifth of `hdr segment`'s time on a
// 40-frame sweep). Keep freed memory in the process for these short-lived commands.
void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
}

struct SweepArgs {
  std::string trus;
  std::string out;
};

void add_segment(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* sub = app.add_subcommand("segment", "Automatic contours (hdr-structures/1) from a recorded hdr-trus/1 sweep");
  sub->add_option("--trus", args->trus, "Sweep folder (hdr-trus/1)")->required();
  sub->add_option("--out", args->out, "Output structures.json")->required();
  hdr::cli::set_action(sub, [args] {
    keep_freed_memory();
    const auto sweep = hdr::imaging::load_trus_folder(args->trus);
    const auto result = hdr::imaging::segment_sweep(sweep);
    hdr::formats::save_structures_file(args->out, result.structures);
    size_t slices = 0;
    for (const auto& s : result.structures)
      if (s.name == "prostate") slices = s.slices.size();
    hdr::cli::progress("segment: prostate on " + std::to_string(slices) + " of " + std::to_string(sweep.frames.size()) + " frames -> " + args->out);
    return 0;
  });
}

void add_needles(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* sub = app.add_subcommand("needles", "Needles found in a recorded hdr-trus/1 sweep (hdr-catheters/1)");
  sub->add_option("--trus", args->trus, "Sweep folder (hdr-trus/1)")->required();
  sub->add_option("--out", args->out, "Output catheters.json")->required();
  hdr::cli::set_action(sub, [args] {
    keep_freed_memory();
    const auto sweep = hdr::imaging::load_trus_folder(args->trus);
    const auto needles = hdr::imaging::detect_needles(sweep);
    hdr::formats::save_catheters_file(args->out, needles);
    hdr::cli::progress("needles: " + std::to_string(needles.size()) + " found -> " + args->out);
    return 0;
  });
}

void add_imaging_commands(CLI::App& app) {
  add_phantom_trus(app);
  add_segment(app);
  add_needles(app);
}

}  // namespace

HDR_REGISTER_COMMAND(40, add_imaging_commands);
