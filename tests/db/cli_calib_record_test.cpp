// `hdr calib record` (../shared/CLI.md, Calibration) with the issue's worked vector:
// 90.0 nA, N_SK 4.55e11 U/A, P_ion 1.0005, P_elec 1, 24.5 °C, 99.8 kPa, T_ref 22 °C give
// S_K = 41 948.9 U; against 40 700 U at the same instant that is +3.07 % (warn).
#include <doctest/doctest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "db/record_store.hpp"
#include "db_test_support.hpp"

using namespace hdr::db;
using namespace hdr::db::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string measurement(double certificate_U, const std::string& serial = "D36A-1234") {
  json m = {{"format", "hdr-calibration/1"},
            {"measured_at", "2026-11-27T08:15:00Z"},
            {"source", {{"model", "mHDR-v2"}, {"serial", serial}}},
            {"certificate", {{"S_K_U", certificate_U}, {"reference_time", "2026-11-27T08:15:00Z"}}},
            {"chamber", {{"model", "HDR 1000 Plus"}, {"serial", "A1"}, {"N_SK_U_per_A", 4.55e11}}},
            {"electrometer", {{"serial", "E1"}, {"P_elec", 1.0}}},
            {"readings_A", {9.0e-8, 9.0e-8, 9.0e-8}},
            {"temperature_C", 24.5},
            {"pressure_kPa", 99.8},
            {"reference_temperature_C", 22.0},
            {"P_ion", 1.0005}};
  return m.dump();
}

}  // namespace

TEST_CASE("calib record: physicist only; pass accepted; warn needs a reason; fail refused; new source added") {
  const auto dir = scratch_dir("cli-calib");
  const fs::path db = dir / "r.db";
  {
    RecordStore store = new_store(db);
    make_team(store);
  }
  for (const char* u : {"alice", "paula", "phil", "tom"}) write_text(dir / (std::string(u) + ".pw"), std::string(u) + "-pw\n");
  write_text(dir / "pass.json", measurement(41900.0));
  write_text(dir / "warn.json", measurement(40700.0));
  write_text(dir / "fail.json", measurement(39000.0, "D36A-9999"));
  write_text(dir / "bad.json", R"({"format": "hdr-calibration/1", "measured_at": "2026-11-27T08:15:00Z"})");
  const auto cmd = [&](const std::string& user, const std::string& input, const std::string& extra = "") {
    return run_hdr(dir, "calib record --db '" + db.string() + "' --as " + user + " --password-file '" + (dir / (user + ".pw")).string() +
                            "' --input '" + (dir / input).string() + "' " + extra);
  };

  for (const char* u : {"tom", "paula", "alice"}) {
    const auto r = cmd(u, "pass.json", "--accept");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("hdr: error: ") == 0);
    CHECK(r.err.find("only physicist may record") != std::string::npos);
    CHECK(r.out.empty());
  }
  auto r = cmd("phil", "bad.json", "--accept");
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("bad.json") != std::string::npos);
  CHECK(r.out.empty());

  r = cmd("phil", "pass.json", "--accept");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json out = json::parse(r.out);
  CHECK(out["status"] == "pass");
  CHECK(out["accepted"] == true);
  CHECK(out["S_K_U"].get<double>() == doctest::Approx(41948.9).epsilon(2e-6));

  r = cmd("phil", "warn.json", "--accept");
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("needs --reason") != std::string::npos);
  CHECK(r.out.empty());
  r = cmd("phil", "warn.json", "--accept --reason 'certificate known to read low'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  out = json::parse(r.out);
  CHECK(out["status"] == "warn");
  CHECK(out["deviation_pct"].get<double>() == doctest::Approx(3.07).epsilon(1e-3));
  CHECK(out["accepted"] == true);

  r = cmd("phil", "fail.json", "--accept --reason 'anyway'");
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot be accepted") != std::string::npos);
  r = cmd("phil", "fail.json");  // recorded for the record, not accepted
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(json::parse(r.out)["accepted"] == false);

  RecordStore store = RecordStore::open(db.string(), quick_options());
  const auto acc = store.accepted_calibration("mHDR-v2", "D36A-1234");
  REQUIRE(acc.has_value());
  CHECK(acc->S_K_U == doctest::Approx(41948.9).epsilon(2e-6));
  CHECK(acc->accepted_by == "phil");
  CHECK(hdr::format_iso8601_utc(acc->reference_time) == "2026-11-27T08:15:00Z");
  const auto recs = store.calibrations("mHDR-v2", "D36A-1234");
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].reason == "certificate known to read low");
  CHECK(json::parse(recs[1].input.measurement_json)["chamber"]["serial"] == "A1");
  // The failing source was added, but it has no accepted calibration: it cannot treat.
  CHECK(store.sources().size() == 2);
  CHECK_FALSE(store.accepted_calibration("mHDR-v2", "D36A-9999").has_value());
  // Each run was one login session, ended also when the command was refused.
  // (The first is make_team's in-process login; bad.json was refused before logging in.)
  using hdr::db::LoginEnd;
  const auto phil_sessions = store.login_sessions("phil");
  REQUIRE(phil_sessions.size() == 6);
  const LoginEnd expected[] = {LoginEnd::logout, LoginEnd::aborted, LoginEnd::logout, LoginEnd::aborted, LoginEnd::logout};
  for (size_t k = 1; k < phil_sessions.size(); ++k) {
    CHECK(phil_sessions[k].ended_at.has_value());
    CHECK(phil_sessions[k].ended_how == expected[k - 1]);
  }
  CHECK(store.verify().ok());
}
