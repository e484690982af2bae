#include "ui/state/headless.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <thread>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"
#include "ui/state/demo.hpp"

namespace hdr::ui {

std::string HeadlessOptions::validate() const {
  if (hdr_executable.empty()) return "HeadlessOptions::hdr_executable = \"\": the simulator needs the hdr executable";
  if (data_dir.empty()) return "HeadlessOptions::data_dir = \"\": the demo needs a data folder";
  if (!(sim_time_scale >= 1.0 && sim_time_scale <= 1000.0))
    return "HeadlessOptions::sim_time_scale = " + std::to_string(sim_time_scale) + ": must be in [1, 1000]";
  if (!(timeout_s > 0.0)) return "HeadlessOptions::timeout_s = " + std::to_string(timeout_s) + ": must be > 0";
  return {};
}

ScriptRunner::Status run_script_headless(Console& console, Script script, double timeout_s, std::string& failure) {
  ScriptRunner runner(std::move(script));
  const auto started = std::chrono::steady_clock::now();
  while (true) {
    console.poll();
    const auto st = runner.step(console);
    if (st == ScriptRunner::Status::failed) {
      failure = runner.failure();
      return st;
    }
    if (st == ScriptRunner::Status::done) return st;
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() > timeout_s) {
      failure = "the workflow did not finish within " + std::to_string(timeout_s) + " s (at script entry " +
                std::to_string(runner.position()) + ")";
      return ScriptRunner::Status::failed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string workflow_summary(const AppState& s, const std::string& stopped) {
  std::ostringstream o;
  char buf[256];
  o << "patient " << s.patient_id << ", fraction " << s.fraction << ", prescription " << s.prescription.dose_Gy
    << " Gy\n";
  o << "sweep: " << (s.sweep ? s.sweep->frames.size() : 0) << " frames; structures: " << s.structures.size()
    << "; needles accepted: " << s.catheters.size() << "\n";
  if (s.plan) {
    double total = 0;
    int active = 0;
    for (const auto& d : s.plan->plan.dwells) {
      total += d.time_s;
      if (d.time_s > 0) ++active;
    }
    std::snprintf(buf, sizeof buf, "plan: %d active of %zu dwells, total %.1f s at %.0f U (%s)\n", active,
                  s.plan->plan.dwells.size(), total, s.plan->plan.source.air_kerma_strength_U,
                  s.plan->plan.source.model.c_str());
    o << buf;
    for (const auto& [structure, metrics] : s.plan->plan.metrics) {
      o << "  " << structure << ":";
      for (const auto& [name, value] : metrics) {
        std::snprintf(buf, sizeof buf, " %s=%.2f", name.c_str(), value);
        o << buf;
      }
      o << "\n";
    }
    for (const auto& c : s.plan->checks) {
      std::snprintf(buf, sizeof buf, "  check %-10s %-10s %8.2f  %-12s %s\n", c.structure.c_str(), c.metric.c_str(),
                    c.value, c.rule.c_str(), c.pass ? "PASS" : "FAIL");
      o << buf;
    }
    if (!s.plan->checks.empty()) {
      const auto failures = s.plan->protocol_failures();
      o << "protocol: "
        << (s.plan->protocol_pass() ? std::string("pass")
                                    : "FAIL (" + std::to_string(failures.size()) + " of " +
                                          std::to_string(s.plan->checks.size()) + " constraints fail)")
        << "\n";
    }
    for (const auto& [name, ms] : s.plan->plan.timing_ms) {
      std::snprintf(buf, sizeof buf, "  timing %s: %.1f ms\n", name.c_str(), ms);
      o << buf;
    }
  } else {
    o << "plan: none\n";
  }
  if (!stopped.empty()) o << "workflow stopped: " << stopped << "\n";
  o << "approvals:";
  if (s.approvals.empty()) o << " none";
  for (const auto& a : s.approvals) o << " " << a.user << " (" << a.role << ", " << a.at << ")";
  o << "\n";
  std::snprintf(buf, sizeof buf, "delivery: %s, %.1f of %.1f s delivered in %zu channels", s.delivery.session.c_str(),
                s.delivery.delivered_total_s(), s.delivery.planned_total_s(), s.delivery.channels.size());
  o << buf << (s.delivery.message.empty() ? "" : " (" + s.delivery.message + ")") << "\n";
  if (s.delivery.session == "completed")
    o << "delivery completed\n";
  else if (s.delivery.session == "none")
    o << "delivery not started: " << (!stopped.empty() ? "the workflow stopped before it (see above)"
                                      : s.approvals.size() < 2 ? "the plan is not approved"
                                                               : (s.last_error.empty() ? "no delivery ran" : s.last_error))
      << "\n";
  else
    o << "delivery not completed: "
      << (s.delivery.message.empty() ? (s.last_error.empty() ? "no delivery ran" : s.last_error) : s.delivery.message)
      << "\n";
  return o.str();
}

int run_headless_demo(const HeadlessOptions& options, std::ostream& out, std::ostream& err) {
  const std::string why = options.validate();
  require(why.empty(), why);
  const auto started = std::chrono::steady_clock::now();
  auto env = demo::make_environment(options.hdr_executable, options.data_dir, options.sim_time_scale, false);
  err << "hdrconsole: demo data in " << env->data_dir << "; afterloader simulator on "
      << env->simulator->address() << "\n";
  Script script = options.script_file
                      ? parse_script(read_file(*options.script_file), *options.script_file)
                      : demo::workflow(env->calibration_json, true);
  std::string failure;
  const auto status = run_script_headless(*env->console, std::move(script), options.timeout_s, failure);
  const AppState& s = env->console->state();
  out << workflow_summary(s, status == ScriptRunner::Status::done ? std::string() : failure);
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char buf[128];
  std::snprintf(buf, sizeof buf, "workflow time: %.1f s\n", elapsed_s);
  out << buf;
  if (status != ScriptRunner::Status::done) {
    err << "hdrconsole: error: " << failure << "\n";
    return 1;
  }
  if (!options.script_file && s.delivery.session != "completed") return 1;
  return 0;
}

}  // namespace hdr::ui
