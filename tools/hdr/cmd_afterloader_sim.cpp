// `hdr afterloader-sim`: the afterloader simulator (../shared/CLI.md). Thin: flags -> options.
#include <cmath>
#include <optional>

#include "planner/common/error.hpp"
#include "planner/common/iso_time.hpp"
#include "tools/afterloader_sim/sim_server.hpp"
#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/command_registry.hpp"

namespace {

struct SimFlags {
  std::string listen;
  std::string log;
  double time_scale = 1.0;
  int channels = 30;
  int watchdog_ms = 1000;
  std::string source_model = "mHDR-v2";
  std::string source_serial = "SIM-0001";
  double source_strength_U = 40700.0;
  std::string source_reference_time;  // default: now
  std::optional<int> refuse_channel;
  std::optional<int> obstruct_channel;
  std::optional<double> door_open_after_s;
  std::optional<double> emergency_stop_after_s;
  std::optional<double> drop_link_after_s;
  bool no_stdin = false;
};

void add_afterloader_sim(CLI::App& app) {
  auto flags = std::make_shared<SimFlags>();
  CLI::App* sub = app.add_subcommand("afterloader-sim", "Simulated afterloader speaking the console's link protocol");
  sub->add_option("--listen", flags->listen, "tcp:HOST:PORT or serial:PATH")->required();
  sub->add_option("--log", flags->log, "JSON-lines log of the machine's ground truth (appended)")->required();
  sub->add_option("--time-scale", flags->time_scale, "machine clock speed-up (source travel, dwell timing)")->capture_default_str();
  sub->add_option("--channels", flags->channels, "number of channels")->capture_default_str();
  sub->add_option("--watchdog-ms", flags->watchdog_ms, "console silence (wall-clock ms) before the machine interrupts")
      ->capture_default_str();
  sub->add_option("--source-model", flags->source_model, "source model id")->capture_default_str();
  sub->add_option("--source-serial", flags->source_serial, "source serial number")->capture_default_str();
  sub->add_option("--source-strength", flags->source_strength_U, "air-kerma strength in U at the reference time")
      ->capture_default_str();
  sub->add_option("--source-reference-time", flags->source_reference_time,
                  "ISO-8601 time of --source-strength (default: when the simulator starts)");
  sub->add_option("--refuse-channel", flags->refuse_channel, "fault injection: reject programs using this channel");
  sub->add_option("--obstruct-channel", flags->obstruct_channel, "fault injection: the check cable is obstructed on this channel");
  sub->add_option("--door-open-after-s", flags->door_open_after_s, "fault injection: door opened (and shut) this many machine seconds after the first START");
  sub->add_option("--emergency-stop-after-s", flags->emergency_stop_after_s, "fault injection: emergency stop this many machine seconds after the first START");
  sub->add_option("--drop-link-after-s", flags->drop_link_after_s, "fault injection: drop the link this many machine seconds after the first START");
  sub->add_flag("--no-stdin", flags->no_stdin, "ignore standard input (otherwise: door open|door close|estop|drop|obstruct N|refuse N|clear)");
  hdr::cli::set_action(sub, [flags] {
    hdr::require(flags->channels >= 1 && flags->channels <= 64, "--channels = " + std::to_string(flags->channels) + ": must be 1..64");
    hdr::require(std::isfinite(flags->source_strength_U) && flags->source_strength_U > 0,
                 "--source-strength = " + std::to_string(flags->source_strength_U) + ": must be > 0");
    hdr::require(flags->source_model.size() <= 64 && flags->source_serial.size() <= 64, "--source-model/--source-serial: at most 64 characters");
    hdr::sim::MachineOptions m;
    m.profile.channels = static_cast<std::uint16_t>(flags->channels);
    m.profile.watchdog_ms = static_cast<std::uint32_t>(std::max(0, flags->watchdog_ms));
    m.profile.source_model = flags->source_model;
    m.profile.source_serial = flags->source_serial;
    m.strength_U = flags->source_strength_U;
    m.strength_reference = flags->source_reference_time.empty()
                               ? hdr::utc_now()
                               : hdr::parse_iso8601(flags->source_reference_time, "--source-reference-time");
    m.refuse_channel = flags->refuse_channel;
    m.obstruct_channel = flags->obstruct_channel;
    hdr::sim::ServerOptions s;
    s.listen = flags->listen;
    s.time_scale = flags->time_scale;
    s.watchdog_ms = flags->watchdog_ms;
    s.read_stdin = !flags->no_stdin;
    s.door_open_after_s = flags->door_open_after_s;
    s.emergency_stop_after_s = flags->emergency_stop_after_s;
    s.drop_link_after_s = flags->drop_link_after_s;
    return hdr::sim::run_simulator(s, m, flags->log);
  });
}

}  // namespace

HDR_REGISTER_COMMAND(90, add_afterloader_sim);
