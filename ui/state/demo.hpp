#pragma once
// The demo environment: the user's data folder, demo users with demo passwords, the
// afterloader simulator on loopback with a sped-up clock, and the demo workflow as a script
// (the headless demo and the window's demo preparation run the same intents).
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>

#include "planner/common/iso_time.hpp"
#include "ui/state/console.hpp"
#include "ui/state/script.hpp"

namespace hdr::ui::demo {

// Demo users (created in the demo database). Demo passwords only: the demo DB is not for patients.
struct User {
  const char* name;
  const char* role;
  const char* password;
};
inline constexpr User kAdmin{"admin", "admin", "demo-admin-pw"};
inline constexpr User kPhysician{"dr.demo", "physician", "demo-physician-pw"};
inline constexpr User kPhysicist{"phys.demo", "physicist", "demo-physicist-pw"};
inline constexpr User kTherapist{"rtt.demo", "therapist", "demo-therapist-pw"};

// The simulator's source (CLI.md defaults) and its certificate as the demo states it.
inline constexpr const char* kSimSourceModel = "mHDR-v2";
inline constexpr const char* kSimSourceSerial = "SIM-0001";
inline constexpr double kSimSourceStrength_U = 40700.0;

// $XDG_DATA_HOME/hdr-console, else $HOME/.local/share/hdr-console (created if absent).
// Throws hdr::Error naming the folder when it cannot be created.
std::string data_dir();

// The afterloader simulator as a child process (`<dir>/hdr afterloader-sim`) on a free
// loopback port. Stops it (SIGTERM, then waits) on destruction.
class Simulator {
 public:
  // Throws hdr::Error when `hdr` is missing or the simulator does not listen within 10 s.
  Simulator(const std::string& hdr_executable, const std::string& log_path, double time_scale,
            UtcTime source_reference_time);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;
  const std::string& address() const { return address_; }  // "tcp:127.0.0.1:PORT"

 private:
  pid_t pid_ = -1;
  std::string address_;
};

// A well-chamber measurement (hdr-calibration/1) of the simulator's source, taken now, whose
// readings give the certificate's strength decayed to now (a "pass").
std::string calibration_measurement_json(UtcTime certificate_time, UtcTime measured_at);

// The workflow: sweep -> segmentation -> needles -> plan -> approvals -> calibration ->
// delivery -> records. `through_delivery` false stops after the plan (the window's demo
// preparation leaves approval and delivery to the operator).
Script workflow(const std::string& calibration_json, bool through_delivery);

// Everything the demo runs on: the simulator, the console wired to it and to the demo record
// store (<data_dir>/demo-records.sqlite, demo users ensured), and the demo calibration.
struct Environment {
  std::string data_dir;
  std::string records_path;
  std::unique_ptr<Simulator> simulator;
  std::unique_ptr<Console> console;
  std::string calibration_json;
  ~Environment();  // console first (it may still talk to the simulator), then the simulator
};
std::unique_ptr<Environment> make_environment(const std::string& hdr_executable, const std::string& data_dir,
                                              double sim_time_scale, bool live_probe);

}  // namespace hdr::ui::demo
