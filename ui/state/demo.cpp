#include "ui/state/demo.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "planner/common/error.hpp"

extern char** environ;

namespace hdr::ui::demo {

namespace {
// A free loopback port: bind port 0, read it back, close. The simulator binds it right after;
// if another process wins the race the simulator fails to listen and we retry on a new port.
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  require(fd >= 0, std::string("cannot create a socket (") + std::strerror(errno) + ")");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  require(ok, std::string("cannot find a free loopback port (") + std::strerror(errno) + ")");
  return ntohs(addr.sin_port);
}

bool can_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}
}  // namespace

std::string data_dir() {
  std::filesystem::path base;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    base = xdg;
  } else {
    const char* home = std::getenv("HOME");
    require(home && *home, "neither XDG_DATA_HOME nor HOME is set: no user data folder for the demo database");
    base = std::filesystem::path(home) / ".local" / "share";
  }
  const auto dir = base / "hdr-console";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  require(!ec, dir.string() + ": cannot create the demo data folder (" + ec.message() + ")");
  return dir.string();
}

Simulator::Simulator(const std::string& hdr_executable, const std::string& log_path, double time_scale,
                     UtcTime source_reference_time) {
  require(::access(hdr_executable.c_str(), X_OK) == 0,
          hdr_executable + ": not found or not executable (the demo runs the afterloader simulator with it)");
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int port = free_loopback_port();
    const std::string addr = "tcp:127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {hdr_executable,
                                     "afterloader-sim",
                                     "--listen",
                                     addr,
                                     "--log",
                                     log_path,
                                     "--time-scale",
                                     fmt(time_scale),
                                     "--source-model",
                                     kSimSourceModel,
                                     "--source-serial",
                                     kSimSourceSerial,
                                     "--source-strength",
                                     fmt(kSimSourceStrength_U),
                                     "--source-reference-time",
                                     format_iso8601_utc(source_reference_time)};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, hdr_executable.c_str(), nullptr, nullptr, argv.data(), environ);
    require(rc == 0, hdr_executable + ": cannot start the afterloader simulator (" + std::strerror(rc) + ")");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;  // exited: most likely lost the port race
        break;
      }
      if (can_connect(port)) {
        pid_ = pid;
        address_ = addr;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
  throw Error("the afterloader simulator (" + hdr_executable + " afterloader-sim) did not start listening");
}

Simulator::~Simulator() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {  // up to 3 s, then force
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
}

std::string calibration_measurement_json(UtcTime certificate_time, UtcTime measured_at) {
  constexpr double kHalfLife_days = 73.827;
  constexpr double kN_SK_U_per_A = 4.55e11;  // chamber calibration coefficient (demo chamber)
  const double sk_now = kSimSourceStrength_U * std::exp(-std::log(2.0) * days_between(certificate_time, measured_at) /
                                                        kHalfLife_days);
  // At the reference temperature and pressure C_TP = 1, so reading = S_K / N_SK.
  const double reading_A = sk_now / kN_SK_U_per_A;
  nlohmann::json m = {
      {"format", "hdr-calibration/1"},
      {"measured_at", format_iso8601_utc(measured_at)},
      {"source", {{"model", kSimSourceModel}, {"serial", kSimSourceSerial}, {"half_life_days", kHalfLife_days}}},
      {"certificate", {{"S_K_U", kSimSourceStrength_U}, {"reference_time", format_iso8601_utc(certificate_time)}}},
      {"chamber", {{"model", "HDR 1000 Plus"}, {"serial", "DEMO-CH1"}, {"N_SK_U_per_A", kN_SK_U_per_A}}},
      {"electrometer", {{"serial", "DEMO-EL1"}, {"P_elec", 1.0}}},
      {"readings_A", {reading_A * 1.0001, reading_A, reading_A * 0.9999}},
      {"leakage_A", 0.0},
      {"temperature_C", 22.0},
      {"pressure_kPa", 101.325},
      {"reference_temperature_C", 22.0},
      {"P_ion", 1.0}};
  return m.dump();
}

Script workflow(const std::string& calibration_json, bool through_delivery) {
  using namespace intent;
  Script s;
  auto add = [&s](Intent i) { s.push_back({std::move(i), false}); };
  add(SelectView{View::trus});
  add(CaptureSweep{});
  add(WaitIdle{60});
  add(SelectView{View::contours});
  add(AutoSegment{});
  add(DetectNeedles{});
  add(WaitIdle{60});
  add(SelectView{View::needles});
  add(AcceptAllNeedles{});
  // Plan with the source's accepted calibration: the physicist measures it first.
  add(SelectView{View::calibration});
  add(Login{kPhysicist.name, kPhysicist.password});
  add(RecordCalibration{calibration_json, true, ""});
  add(SelectView{View::plan});
  add(Optimise{});
  add(WaitIdle{90});
  add(Expect{"plan.present", "true", std::nullopt});
  if (!through_delivery) return s;
  add(SelectView{View::approval});
  // The simulated physicist and physician review the metrics first and, as real ones would,
  // sign only a plan that meets the protocol: a failing plan stops the workflow here, naming
  // the failing constraints (nothing is approved, nothing delivered).
  add(Expect{"plan.protocol_pass", "true", std::nullopt});
  add(Approve{});  // physicist
  add(Login{kPhysician.name, kPhysician.password});
  add(Approve{});
  add(Expect{"approvals.count", "2", std::nullopt});
  add(SelectView{View::delivery});
  add(Login{kTherapist.name, kTherapist.password});
  add(ConnectAfterloader{});
  add(WaitIdle{30});
  add(StartDelivery{});
  add(WaitDelivery{"completed", 90, 0});
  add(SelectView{View::records});
  add(RefreshRecords{});
  return s;
}

Environment::~Environment() {
  console.reset();
  simulator.reset();
}

std::unique_ptr<Environment> make_environment(const std::string& hdr_executable, const std::string& dir,
                                              double sim_time_scale, bool live_probe) {
  auto env = std::make_unique<Environment>();
  env->data_dir = dir;
  env->records_path = (std::filesystem::path(dir) / "demo-records.sqlite").string();
  const UtcTime certificate_time = utc_now();
  env->simulator = std::make_unique<Simulator>(hdr_executable, (std::filesystem::path(dir) / "afterloader-sim.jsonl").string(),
                                               sim_time_scale, certificate_time);
  env->calibration_json = calibration_measurement_json(certificate_time, utc_now());
  ConsoleOptions o;
  o.records_path = env->records_path;
  o.records_admin = kAdmin.name;
  o.records_admin_password = kAdmin.password;
  for (const User& u : {kPhysician, kPhysicist, kTherapist}) o.ensure_users.push_back({u.name, u.role, u.password});
  o.calibration_source_serial = kSimSourceSerial;
  o.afterloader_address = env->simulator->address();
  // Candidate dwells every 2.5 mm (a common clinical step) rather than the default 5 mm: the
  // optimiser shapes the dose along each needle finely enough to spare the urethra.
  o.dwell_step_mm = 2.5;
  o.live_probe = live_probe;
  env->console = std::make_unique<Console>(o);
  return env;
}

}  // namespace hdr::ui::demo
