// The console's intents against its state: validation and refusals that name the field,
// geometry edits, template snapping, role checks, and (with the real planner) optimisation,
// dwell-time edits with live metrics, and automatic re-optimisation after a needle moves.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"
#include "planner/formats/case_io.hpp"
#include "ui/state/console.hpp"

using namespace hdr::ui;
namespace fs = std::filesystem;

namespace {
hdr::formats::Structure ring(const std::string& name, hdr::formats::StructureKind kind, double cx, double cy, double r,
                             double z0, double z1, double dz) {
  hdr::formats::Structure s;
  s.name = name;
  s.kind = kind;
  for (double z = z0; z <= z1 + 1e-9; z += dz) {
    hdr::formats::ContourSlice sl;
    sl.z_mm = z;
    for (int k = 0; k < 24; ++k) {
      const double a = 2 * M_PI * k / 24;
      sl.points_mm.push_back({cx + r * std::cos(a), cy + r * std::sin(a)});
    }
    s.slices.push_back(sl);
  }
  return s;
}

// A small, well-posed case: a 36 mm prostate, urethra, rectum, and needles on the template.
std::string write_case(const fs::path& dir) {
  using K = hdr::formats::StructureKind;
  hdr::formats::Case c;
  c.id = "ui-test";
  c.source = {"mHDR-v2", 40700.0, std::nullopt};
  c.prescription = {15.0, 1};
  c.structures = {ring("prostate", K::target, 0, 25, 18, -15, 15, 5), ring("urethra", K::organ_at_risk, 0, 25, 3, -15, 15, 5),
                  ring("rectum", K::organ_at_risk, 0, 0, 11, -15, 15, 5)};
  int id = 1;
  for (double x = -10; x <= 10; x += 10)
    for (double y = 15; y <= 35; y += 10)
      if (!(x == 0 && y == 25)) c.catheters.push_back({id++, {{x, y, 20}, {x, y, -60}}});
  fs::create_directories(dir);
  const std::string path = (dir / "case.json").string();
  hdr::formats::save_case_file(path, c);
  return path;
}

bool wait_idle(Console& c, double timeout_s) {
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < timeout_s) {
    c.poll();
    if (!c.busy()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

ConsoleOptions no_devices() {
  ConsoleOptions o;
  o.live_probe = false;
  return o;
}
}  // namespace

TEST_CASE("options are validated field by field") {
  ConsoleOptions o = no_devices();
  o.sweep_step_mm = 0.0;
  CHECK(o.validate().find("sweep_step_mm") != std::string::npos);
  o = no_devices();
  o.afterloader_address = "udp:1.2.3.4:5";
  CHECK(o.validate().find("afterloader_address") != std::string::npos);
  o = no_devices();
  o.records_path = "x.sqlite";
  CHECK(o.validate().find("records_admin_password") != std::string::npos);
  CHECK_THROWS_AS(Console{o}, hdr::Error);
}

TEST_CASE("geometry intents edit the state and refuse bad input by name") {
  const fs::path dir = fs::temp_directory_path() / ("hdr-ui-intents-" + std::to_string(::getpid()));
  Console c(no_devices());
  CHECK(c.apply(intent::LoadCase{write_case(dir)}));
  REQUIRE(wait_idle(c, 30));  // the case file is read on a worker
  const AppState& s = c.state();
  REQUIRE(s.structures.size() == 3);
  REQUIRE(s.catheters.size() == 8);
  const auto rev = s.geometry_revision;

  CHECK(c.apply(intent::MoveContourPoint{"prostate", 1, 0, 20.0, 26.0}));
  CHECK(s.structures[0].slices[1].points_mm[0][0] == doctest::Approx(20.0));
  CHECK(s.geometry_revision > rev);
  CHECK_FALSE(c.apply(intent::MoveContourPoint{"prostate", 99, 0, 0, 0}));
  CHECK(s.last_error.find("slice = 99") != std::string::npos);
  CHECK_FALSE(c.apply(intent::MoveContourPoint{"liver", 0, 0, 0, 0}));
  CHECK(s.last_error.find("liver") != std::string::npos);
  CHECK_FALSE(c.apply(intent::MoveContourPoint{"prostate", 0, 0, NAN, 0}));

  CHECK_FALSE(c.apply(intent::AddSlice{"prostate", 5.0}));  // exists
  CHECK(c.apply(intent::AddSlice{"prostate", 2.5}));
  REQUIRE(s.structures[0].slices.size() == 8);
  for (size_t i = 1; i < s.structures[0].slices.size(); ++i)
    CHECK(s.structures[0].slices[i].z_mm > s.structures[0].slices[i - 1].z_mm);
  while (s.structures[1].slices.size() > 2) CHECK(c.apply(intent::DeleteSlice{"urethra", 0}));
  CHECK_FALSE(c.apply(intent::DeleteSlice{"urethra", 0}));  // a structure keeps a volume

  // Needles snap to the 5 mm template; the whole straight path moves.
  CHECK(c.apply(intent::MoveNeedle{1, 6.9, 12.4}));
  CHECK(s.catheters[0].path_mm.front()[0] == doctest::Approx(5.0));
  CHECK(s.catheters[0].path_mm.front()[1] == doctest::Approx(10.0));
  CHECK(s.catheters[0].path_mm.back()[0] == doctest::Approx(5.0));
  CHECK(c.apply(intent::AddNeedle{-2.4, 21.0}));
  REQUIRE(s.catheters.size() == 9);
  CHECK(s.catheters.back().id == 9);
  CHECK(s.catheters.back().path_mm.front()[0] == doctest::Approx(0.0));
  CHECK(s.catheters.back().path_mm.front()[1] == doctest::Approx(20.0));
  CHECK(s.catheters.back().path_mm.front()[2] > 15.0);  // tip beyond the base
  CHECK(c.apply(intent::DeleteNeedle{9}));
  CHECK_FALSE(c.apply(intent::DeleteNeedle{9}));
  fs::remove_all(dir);
}

TEST_CASE("role-checked and device intents are refused without login, records or afterloader") {
  Console c(no_devices());
  const AppState& s = c.state();
  CHECK_FALSE(c.apply(intent::Approve{}));
  CHECK(s.last_error.find("log in first") != std::string::npos);
  CHECK_FALSE(c.apply(intent::StartDelivery{}));
  CHECK_FALSE(c.apply(intent::Login{"dr.demo", "x"}));
  CHECK(s.last_error.find("record store") != std::string::npos);
  CHECK_FALSE(c.apply(intent::ConnectAfterloader{}));
  CHECK_FALSE(c.apply(intent::SetDwellTime{0, 1.0}));
  CHECK_FALSE(c.apply(intent::SetPatient{"P1", "x", 1, 0.0}));
  CHECK(s.last_error.find("dose_Gy") != std::string::npos);
  CHECK_FALSE(c.apply(intent::Optimise{}));
  // EMERGENCY STOP is never refused, even with nothing to stop.
  CHECK(c.apply(intent::EmergencyStop{}));
}

TEST_CASE("optimise, edit a dwell time with live metrics, re-optimise when a needle moves") {
  const fs::path dir = fs::temp_directory_path() / ("hdr-ui-plan-" + std::to_string(::getpid()));
  Console c(no_devices());
  const AppState& s = c.state();
  REQUIRE(c.apply(intent::LoadCase{write_case(dir)}));
  REQUIRE(wait_idle(c, 30));
  REQUIRE(c.apply(intent::Optimise{}));
  REQUIRE(wait_idle(c, 90));
  REQUIRE_MESSAGE(s.plan != nullptr, s.last_error);
  CHECK(s.plan->geometry_revision == s.geometry_revision);
  REQUIRE(s.plan->dose != nullptr);
  CHECK(!s.plan->dvh.empty());
  CHECK(!s.plan->checks.empty());
  const double v100 = s.plan->plan.metrics.at("prostate").at("V100_pct");
  CHECK(v100 > 85.0);  // the boost protocol aims at 96.5 %
  // The dose grid agrees with the plan: the hottest voxel is above the prescription.
  float dmax = 0;
  for (float d : s.plan->dose->dose_Gy) dmax = std::max(dmax, d);
  CHECK(dmax > 15.0F);

  // Edit: double the longest dwell. Its neighbourhood gets hotter: prostate V150 cannot drop.
  size_t longest = 0;
  for (size_t i = 0; i < s.plan->plan.dwells.size(); ++i)
    if (s.plan->plan.dwells[i].time_s > s.plan->plan.dwells[longest].time_s) longest = i;
  const double t0 = s.plan->plan.dwells[longest].time_s;
  const double v150_before = s.plan->plan.metrics.at("prostate").at("V150_pct");
  const auto revision = s.plan->plan_revision;
  REQUIRE(c.apply(intent::SetDwellTime{static_cast<int>(longest), 2 * t0 + 0.04}));  // rounded to 0.1 s
  CHECK(s.plan->plan.dwells[longest].time_s == doctest::Approx(std::round((2 * t0 + 0.04) * 10) / 10));
  // Until re-evaluated, the metrics shown are the old times': the plan does not pass for them.
  CHECK(s.plan->metrics_pending);
  CHECK_FALSE(s.plan->protocol_pass());
  REQUIRE(wait_idle(c, 60));
  CHECK(s.plan->plan_revision == revision + 1);
  CHECK_FALSE(s.plan->metrics_pending);
  CHECK(s.plan->plan.metrics.at("prostate").at("V150_pct") >= v150_before);

  // Two edits in a row: the second, made while the first is evaluated, is not dropped but
  // evaluated after it; the metrics end up describing both.
  const size_t other = longest == 0 ? 1 : 0;
  const double t_other = s.plan->plan.dwells[other].time_s;
  REQUIRE(c.apply(intent::SetDwellTime{static_cast<int>(longest), t0}));
  REQUIRE(c.apply(intent::SetDwellTime{static_cast<int>(other), t_other + 1.0}));
  CHECK(s.plan->metrics_pending);
  REQUIRE(wait_idle(c, 60));
  CHECK(s.plan->plan_revision == revision + 3);
  CHECK_FALSE(s.plan->metrics_pending);
  CHECK(s.plan->plan.dwells[longest].time_s == doctest::Approx(std::round(t0 * 10) / 10));
  CHECK(s.plan->plan.dwells[other].time_s == doctest::Approx(std::round((t_other + 1.0) * 10) / 10));
  CHECK_FALSE(c.apply(intent::SetDwellTime{static_cast<int>(longest), -1.0}));

  // Geometry change under a plan: automatic re-optimisation brings the plan up to date.
  REQUIRE(c.apply(intent::MoveNeedle{1, -15.0, 15.0}));
  CHECK(s.plan->geometry_revision != s.geometry_revision);
  REQUIRE(wait_idle(c, 90));
  CHECK(s.plan->geometry_revision == s.geometry_revision);
  bool moved = false;
  for (const auto& d : s.plan->plan.dwells)
    if (d.catheter == 1) moved = std::fabs(d.position_mm[0] + 15.0) < 1e-6;
  CHECK(moved);
  fs::remove_all(dir);
}
