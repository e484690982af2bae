// hdrconsole: the OR console (../shared/CLI.md):
//   hdrconsole [--demo] [--headless] [--screenshot F.png --exit-after-frames N] [--stats] [--script F.json]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "ui/app/window.hpp"
#include "ui/state/demo.hpp"
#include "ui/state/headless.hpp"

namespace {
// `hdr` sits next to `hdrconsole` in the build's bin/ (CLI.md).
std::string sibling_hdr() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "hdr";
  return (self.parent_path() / "hdr").string();
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hdrconsole — HDR prostate brachytherapy planning console (OR)"};
  bool demo = false, headless = false, stats = false;
  std::optional<std::string> screenshot, script;
  std::optional<int> frames;
  app.add_flag("--demo", demo, "simulated TRUS probe, afterloader simulator on loopback, demo database in the user's data folder");
  app.add_flag("--headless", headless, "run the demo's whole workflow without a window and print a summary");
  app.add_option("--screenshot", screenshot, "save the last frame as a PNG (with --exit-after-frames)");
  app.add_option("--exit-after-frames", frames, "render N frames (after the startup script) and exit")
      ->check(CLI::Range(1, 1000000));
  app.add_flag("--stats", stats, "print frame-time mean and 99th percentile on exit");
  app.add_option("--script", script, "a JSON list of intents driving the console's state")->check(CLI::ExistingFile);
  try {
    app.parse(argc, argv);
    if (screenshot && !frames) throw CLI::ValidationError("--screenshot", "needs --exit-after-frames N");
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "hdrconsole: error: %s (see --help)\n", e.what());
    return 2;
  }
  try {
    if (headless) {
      hdr::ui::HeadlessOptions o;
      o.hdr_executable = sibling_hdr();
      o.data_dir = hdr::ui::demo::data_dir();
      o.script_file = script;
      return hdr::ui::run_headless_demo(o, std::cout, std::cerr);
    }
    hdr::ui::WindowOptions o;
    o.demo = demo;
    o.hdr_executable = sibling_hdr();
    o.screenshot_png = screenshot;
    o.exit_after_frames = frames;
    o.stats = stats;
    o.script_file = script;
    return hdr::ui::run_window(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hdrconsole: error: %s\n", e.what());
    return 1;
  }
}
