// The whole console workflow through its state, with the real libraries and the afterloader
// simulator (`hdr afterloader-sim`, sped up) on loopback. Judged independently of the console:
// the record store's plans, approvals, sessions and totals, and the simulator's own log of
// what the source actually delivered.
//  1. The demo's own workflow (simulated TRUS sweep -> segmentation -> needles -> calibration
//     -> plan -> review -> approvals -> delivery): the simulated physicist and physician sign
//     only a plan that meets the protocol; a failing plan stops the workflow naming every
//     failing constraint, with nothing approved, stored or delivered.
//  2. A protocol-passing plan (the 67 cc `hdr phantom case --seed 1`, mHDR-v2 source, rectum
//     moved 2 mm posterior for a margin on its D0.1cc, tests/ui/data/workflow_case.json, loaded
//     as contours and needles planned elsewhere) approved, delivered, INTERRUPTED part way,
//     then RESUMED to completion.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "db/record_store.hpp"
#include "db/record_store_audit.hpp"
#include "ui/state/demo.hpp"
#include "ui/state/headless.hpp"

using namespace hdr::ui;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("hdr-ui-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// What the source delivered per channel according to the simulator's own log.
std::map<int, double> machine_delivered_by_channel(const fs::path& log_path) {
  std::map<int, double> out;
  std::ifstream log(log_path);
  std::string line;
  while (std::getline(log, line)) {
    const auto e = nlohmann::json::parse(line);
    if (e.value("event", "") == "dwell") out[e["channel"].get<int>()] += e["delivered_s"].get<double>();
  }
  return out;
}
}  // namespace

TEST_CASE("demo workflow: the simulated physician approves only a plan that meets the protocol") {
  const fs::path dir = fresh_dir("demo-gate");
  auto env = demo::make_environment(std::string(HDR_BIN_DIR) + "/hdr", dir.string(), 50.0, false);
  const AppState& s = env->console->state();
  std::string failure;
  const auto status = run_script_headless(*env->console, demo::workflow(env->calibration_json, true), 280.0, failure);
  const std::string summary = workflow_summary(s, status == ScriptRunner::Status::done ? std::string() : failure);
  INFO(summary);
  REQUIRE(s.plan != nullptr);
  REQUIRE(!s.plan->checks.empty());
  CHECK(s.catheters.size() >= 12);  // the demo patient's clinical implant, all needles found and accepted
  auto store = hdr::db::RecordStore::open(env->records_path);
  if (s.plan->protocol_pass()) {
    REQUIRE_MESSAGE(status == ScriptRunner::Status::done, failure);
    CHECK(s.approvals.size() == 2);
    CHECK(s.delivery.session == "completed");
    CHECK(summary.find("delivery completed") != std::string::npos);
  } else {
    // Stopped at the review, every failing constraint named, nothing approved or delivered.
    REQUIRE(status == ScriptRunner::Status::failed);
    CHECK(failure.find("plan.protocol_pass") != std::string::npos);
    for (const auto& c : s.plan->checks)
      if (!c.pass) CHECK_MESSAGE(failure.find(c.structure + " " + c.metric) != std::string::npos, c.metric);
    CHECK(s.approvals.empty());
    CHECK(!s.stored_plan_id.has_value());
    CHECK(store.plans_for_patient(s.patient_id).empty());
    CHECK(s.delivery.session == "none");
    CHECK(summary.find("FAIL") != std::string::npos);
    CHECK(summary.find("delivery not started") != std::string::npos);
  }
  CHECK(store.verify().ok());
  env.reset();
  fs::remove_all(dir);
}

TEST_CASE("scripted workflow: plan, review, approve, deliver, interrupt, resume, records") {
  const fs::path dir = fresh_dir("workflow");
  auto env = demo::make_environment(std::string(HDR_BIN_DIR) + "/hdr", dir.string(), 50.0, false);
  Console& console = *env->console;
  const AppState& s = console.state();
  const std::string case_path = std::string(HDR_SOURCE_DIR) + "/tests/ui/data/workflow_case.json";

  Script script;
  auto add = [&script](Intent i, bool refused = false) { script.push_back({std::move(i), refused}); };
  add(intent::Login{demo::kPhysicist.name, demo::kPhysicist.password});
  add(intent::RecordCalibration{env->calibration_json, true, ""});
  add(intent::Expect{"calibration.accepted", "true", std::nullopt});
  add(intent::Login{demo::kPhysician.name, "not-the-password"}, true);  // refused by its login job
  add(intent::Expect{"user", "", std::nullopt});                       // nobody is logged in after it
  add(intent::LoadCase{case_path});
  add(intent::Optimise{});
  add(intent::Optimise{}, true);  // one optimisation at a time: refused, not silently dropped
  add(intent::WaitIdle{240});
  add(intent::Expect{"plan.current", "true", std::nullopt});
  add(intent::Expect{"plan.protocol_pass", "true", std::nullopt});  // the review before signing
  // A plan outside the protocol (one dwell made 300 s long) is approved only with its
  // deviations acknowledged; re-planning then withdraws that approval.
  add(intent::SetDwellTime{0, 300.0});
  add(intent::WaitIdle{60});
  add(intent::Expect{"plan.protocol_pass", "false", std::nullopt});
  add(intent::Login{demo::kPhysician.name, demo::kPhysician.password});
  add(intent::Approve{}, true);
  add(intent::Expect{"approvals.count", "0", std::nullopt});
  add(intent::Approve{true});
  add(intent::Expect{"approvals.count", "1", std::nullopt});
  add(intent::Optimise{});
  add(intent::WaitIdle{240});
  add(intent::Expect{"plan.protocol_pass", "true", std::nullopt});
  add(intent::Expect{"approvals.count", "0", std::nullopt});
  add(intent::Login{demo::kTherapist.name, demo::kTherapist.password});
  add(intent::StartDelivery{}, true);  // not approved yet: refused, nothing sent
  add(intent::Approve{}, true);        // a therapist may not approve
  add(intent::Login{demo::kPhysician.name, demo::kPhysician.password});
  add(intent::Approve{});
  add(intent::Approve{}, true);  // the same role twice
  add(intent::Login{demo::kPhysicist.name, demo::kPhysicist.password});
  add(intent::Approve{});
  add(intent::Expect{"approvals.count", "2", std::nullopt});
  add(intent::Login{demo::kTherapist.name, demo::kTherapist.password});
  add(intent::StartDelivery{});
  add(intent::WaitDelivery{"running", 60, 20.0});  // 20 s of source time delivered
  add(intent::Interrupt{});
  add(intent::WaitDelivery{"interrupted", 30, 0});
  add(intent::WaitIdle{30});  // the records refresh after the session ended
  add(intent::Expect{"records.sessions", "1", std::nullopt});
  add(intent::ResumeDelivery{});
  add(intent::WaitDelivery{"completed", 120, 0});
  add(intent::WaitIdle{30});
  add(intent::Expect{"records.sessions", "2", std::nullopt});
  add(intent::Expect{"records.audit", "", 1.0});  // the audit trail is listed
  add(intent::RefreshRecords{});

  std::string failure;
  const auto status = run_script_headless(console, script, 280.0, failure);
  INFO(workflow_summary(s));
  REQUIRE_MESSAGE(status == ScriptRunner::Status::done, failure);
  REQUIRE(s.stored_plan_id.has_value());
  REQUIRE(s.plan != nullptr);
  CHECK(s.plan->protocol_pass());

  // The records: one interrupted session with its interruption, one completed; every dwell's
  // delivered total equals its planned time (decay over a minute is far below 0.1 s).
  auto store = hdr::db::RecordStore::open(env->records_path);
  CHECK(store.approvals(*s.stored_plan_id).size() == 2);
  // The deviating plan approved with its deviations acknowledged: stored with the failures it
  // was signed with, and the physician's approval.
  const auto stored_plans = store.plans_for_patient(s.patient_id);
  REQUIRE(stored_plans.size() == 2);
  const auto deviating = store.plan(stored_plans.front());
  REQUIRE(deviating.plan.extra.contains("evaluation"));
  CHECK(deviating.plan.extra["evaluation"]["meets_protocol"] == false);
  CHECK(!deviating.plan.extra["evaluation"]["failures"].empty());
  CHECK(store.approvals(stored_plans.front()).size() == 1);
  const auto sessions = store.sessions_for_plan(*s.stored_plan_id);
  REQUIRE(sessions.size() == 2);
  CHECK(sessions[0].status == hdr::db::SessionStatus::interrupted);
  CHECK(!sessions[0].interruptions.empty());
  CHECK(sessions[1].status == hdr::db::SessionStatus::completed);
  double planned_total = 0, first_session = 0;
  for (const auto& d : sessions[0].dwells) first_session += d.delivered_s;
  CHECK(first_session >= 20.0);
  std::map<int, double> plan_by_channel;
  for (const auto& t : store.delivered_totals(*s.stored_plan_id)) {
    CHECK(std::fabs(t.delivered_s - t.plan_time_s) <= 0.1 + 1e-9);
    planned_total += t.plan_time_s;
    plan_by_channel[t.catheter] += t.plan_time_s;
  }
  CHECK(first_session < planned_total);  // it really was interrupted part way
  CHECK(store.verify().ok());

  // The audit trail the records view lists: the newest entries, newest first, without gaps,
  // the last one the store wrote; further back the whole trail holds the approvals and the
  // refused login.
  const auto trail = hdr::db::read_audit_trail(env->records_path, 10000);
  REQUIRE(!s.records.audit.empty());
  CHECK(s.records.audit.size() == std::min(RecordsView::kAuditRows, trail.size()));
  CHECK(s.records.audit.front().seq == trail.front().seq);
  for (size_t i = 1; i < s.records.audit.size(); ++i) CHECK(s.records.audit[i - 1].seq == s.records.audit[i].seq + 1);
  int approvals = 0, failed_logins = 0;
  for (const auto& e : trail) {
    approvals += e.action == "approve_plan" ? 1 : 0;
    failed_logins += e.action == "login_failed" && e.user_name == demo::kPhysician.name ? 1 : 0;
  }
  CHECK(approvals == 3);  // the deviating plan's acknowledged one, then the delivered plan's two
  CHECK(failed_logins == 1);

  // The machine's own log: what the source delivered per channel, over both sessions.
  const auto machine_by_channel = machine_delivered_by_channel(dir / "afterloader-sim.jsonl");
  for (const auto& [channel, planned] : plan_by_channel) {
    if (planned <= 0) continue;
    INFO("channel " << channel);
    const auto it = machine_by_channel.find(channel);
    REQUIRE(it != machine_by_channel.end());
    CHECK(std::fabs(it->second - planned) <= 0.1 * 48);  // <= 0.1 s per dwell
  }
  env.reset();
  fs::remove_all(dir);
}
