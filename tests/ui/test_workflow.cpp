// The whole console workflow through its state, with the real libraries and the afterloader
// simulator (`hdr afterloader-sim`, sped up) on loopback: simulated TRUS sweep ->
// segmentation -> needles -> calibration -> plan -> approvals -> delivery, INTERRUPTED part
// way, then RESUMED to completion. Judged independently: the record store's sessions and
// totals, and the simulator's own log of what the source actually delivered.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "db/record_store.hpp"
#include "ui/state/demo.hpp"
#include "ui/state/headless.hpp"

using namespace hdr::ui;
namespace fs = std::filesystem;

TEST_CASE("scripted workflow: plan, approve, deliver, interrupt, resume, records") {
  const fs::path dir = fs::temp_directory_path() / ("hdr-ui-workflow-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto env = demo::make_environment(std::string(HDR_BIN_DIR) + "/hdr", dir.string(), 50.0, false);
  Console& console = *env->console;
  const AppState& s = console.state();

  // Up to the approvals: the demo's own workflow, then our delivery steps.
  Script script = demo::workflow(env->calibration_json, false);
  auto add = [&script](Intent i, bool refused = false) { script.push_back({std::move(i), refused}); };
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
  add(intent::Expect{"records.sessions", "1", std::nullopt});
  add(intent::ResumeDelivery{});
  add(intent::WaitDelivery{"completed", 120, 0});
  add(intent::Expect{"records.sessions", "2", std::nullopt});

  std::string failure;
  const auto status = run_script_headless(console, script, 280.0, failure);
  INFO(workflow_summary(s));
  REQUIRE_MESSAGE(status == ScriptRunner::Status::done, failure);
  REQUIRE(s.stored_plan_id.has_value());
  REQUIRE(s.plan != nullptr);

  // The records: one interrupted session with its interruption, one completed; every dwell's
  // delivered total equals its planned time (decay over a minute is far below 0.1 s).
  auto store = hdr::db::RecordStore::open(env->records_path);
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

  // The machine's own log: what the source delivered per channel, over both sessions.
  std::map<int, double> machine_by_channel;
  std::ifstream log(dir / "afterloader-sim.jsonl");
  std::string line;
  while (std::getline(log, line)) {
    const auto e = nlohmann::json::parse(line);
    if (e.value("event", "") == "dwell") machine_by_channel[e["channel"].get<int>()] += e["delivered_s"].get<double>();
  }
  for (const auto& [channel, planned] : plan_by_channel) {
    if (planned <= 0) continue;
    INFO("channel " << channel);
    CHECK(std::fabs(machine_by_channel[channel] - planned) <= 0.1 * 48);  // <= 0.1 s per dwell
  }
  env.reset();
  fs::remove_all(dir);
}
