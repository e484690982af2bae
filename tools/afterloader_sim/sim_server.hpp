#pragma once
// The simulator's link side: listens on TCP (one console at a time; a new connection replaces
// the old) or a serial device, de-duplicates requests by (epoch, seq), answers, pushes
// heartbeats and state-change NOTIFYs, runs the watchdog on wall-clock time, and drives the
// machine clock at `time_scale` times wall time. Stops on SIGTERM/SIGINT.
#include <optional>
#include <string>

#include "tools/afterloader_sim/machine.hpp"

namespace hdr::sim {

struct ServerOptions {
  std::string listen;                    // tcp:HOST:PORT or serial:PATH
  double time_scale = 1.0;               // machine seconds per wall second
  int watchdog_ms = 1000;                // wall-clock silence before the machine interrupts
  int heartbeat_ms = 200;                // machine -> console heartbeat period (wall)
  bool read_stdin = true;                // commands: door open|door close|estop|drop|obstruct N|refuse N|clear
  // One-shot fault injections, in machine seconds after the first START.
  std::optional<double> door_open_after_s;
  std::optional<double> emergency_stop_after_s;
  std::optional<double> drop_link_after_s;
  std::string validate() const;
};

// Runs until SIGTERM/SIGINT; returns the process exit code.
int run_simulator(const ServerOptions& server, const MachineOptions& machine, const std::string& log_path);

}  // namespace hdr::sim
