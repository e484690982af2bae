// `hdr records export-dicom`: the RT Plan passes dciodvfy (dicom3tools) without errors and
// reads back with pydicom (an independent reader) to the plan's dwells, source and approval.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "db/record_store.hpp"
#include "db_test_support.hpp"
#include "planner/formats/plan_io.hpp"

using namespace hdr::db;
using namespace hdr::db::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string login(const fs::path& dir, const fs::path& db, const std::string& user) {
  return "--db '" + db.string() + "' --as " + user + " --password-file '" + (dir / (user + ".pw")).string() + "'";
}

// A store (made in-process with quick Argon2id) holding small_plan() as plan 1, optionally approved.
fs::path store_with_plan(const fs::path& dir, bool approve) {
  const fs::path db = dir / "r.db";
  RecordStore store = new_store(db);
  const Team t = make_team(store);
  for (const char* u : {"alice", "paula", "phil", "tom"}) write_text(dir / (std::string(u) + ".pw"), std::string(u) + "-pw\n");
  const Id id = store.import_plan(t.physician, "PAT-0042", small_plan());
  if (approve) {
    store.approve(t.physician, id);
    store.approve(t.physicist, id);
  }
  return db;
}

json read_back(const fs::path& dir, const fs::path& dcm) {
  const auto r = run_hdr_free(dir, "/usr/bin/python3 '" + std::string(HDR_SOURCE_DIR) + "/tests/db/read_rt_plan.py' '" + dcm.string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return json::parse(r.out);
}

}  // namespace

TEST_CASE("export-dicom writes an RT Plan that dciodvfy accepts and pydicom decodes to the plan") {
  const auto dir = scratch_dir("dicom");
  const fs::path db = store_with_plan(dir, true);
  const fs::path dcm = dir / "plan.dcm";
  auto r = run_hdr(dir, "records export-dicom " + login(dir, db, "tom") + " --plan-id 1 --out '" + dcm.string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(fs::exists(dcm));

  const auto v = run_hdr_free(dir, "dciodvfy '" + dcm.string() + "' 2>&1");
  const std::string report = v.out + v.err;
  CHECK_MESSAGE(report.find("Error") == std::string::npos, report);
  CHECK_MESSAGE(report.find("RTPlan") != std::string::npos, report);  // it recognised the IOD

  const json d = read_back(dir, dcm);
  CHECK(d["sop_class"] == "1.2.840.10008.5.1.4.1.1.481.5");
  CHECK(d["modality"] == "RTPLAN");
  CHECK(d["patient_id"] == "PAT-0042");
  CHECK(d["treatment_type"] == "HDR");
  CHECK(d["technique"] == "INTERSTITIAL");
  CHECK(d["isotope"] == "Ir-192");
  CHECK(d["half_life_days"].get<double>() == doctest::Approx(73.827));
  CHECK(d["reference_air_kerma_rate"].get<double>() == doctest::Approx(40700.0));
  CHECK(d["reference_date"] == "20261127");  // small_plan's reference_time 2026-11-27T08:00:00Z
  CHECK(d["reference_time"] == "080000");
  CHECK(d["timezone_offset"] == "+0000");
  CHECK(d["approval_status"] == "APPROVED");
  CHECK(d["reviewer"] == "phil^");  // the approval that completed it
  // RT Approval has one reviewer: both approvals, with role and time, are in RT Plan Description.
  const std::string description = d["plan_description"].get<std::string>();
  {
    RecordStore store = RecordStore::open(db.string(), quick_options());
    const auto approvals = store.approvals(1);
    REQUIRE(approvals.size() == 2);
    const std::string last = hdr::format_iso8601_utc(approvals[1].at);  // YYYY-MM-DDTHH:MM:SSZ, phil's
    CHECK(d["review_date"] == last.substr(0, 4) + last.substr(5, 2) + last.substr(8, 2));
    for (const auto& a : approvals) {
      const std::string expected = std::string("approved by ") + to_string(a.role) + " " + a.user + " at " + hdr::format_iso8601_utc(a.at);
      CHECK_MESSAGE(description.find(expected) != std::string::npos, description << " lacks " << expected);
    }
    CHECK(description.find("content hash " + store.plan(1).content_hash) != std::string::npos);
  }

  // Every dwell decodes to the plan's time at the plan's position; one channel per catheter.
  const auto plan = small_plan();
  REQUIRE(d["channels"].size() == 2);
  for (const auto& ch : d["channels"]) {
    const int cat = ch["number"].get<int>();
    double total = 0.0;
    size_t n = 0;
    for (const auto& pd : plan.dwells)
      if (pd.catheter == cat) {
        total += pd.time_s;
        ++n;
      }
    CHECK(ch["total_s"].get<double>() == doctest::Approx(total));
    CHECK(ch["n_control_points"].get<size_t>() == 2 * n);
    REQUIRE(ch["dwells"].size() == n);
    double previous_relative = -1.0;
    for (const auto& dw : ch["dwells"]) {
      bool matched = false;
      for (const auto& pd : plan.dwells) {
        const auto pos = dw["position_mm"].get<std::vector<double>>();
        if (pd.catheter == cat && std::fabs(pos[0] - pd.position_mm[0]) < 1e-6 && std::fabs(pos[1] - pd.position_mm[1]) < 1e-6 &&
            std::fabs(pos[2] - pd.position_mm[2]) < 1e-6) {
          CHECK(dw["time_s"].get<double>() == doctest::Approx(pd.time_s).epsilon(1e-9));
          matched = true;
        }
      }
      CHECK(matched);
      // Tip first (direction +z runs tip -> entry, so the tip is the smallest z), 5 mm steps.
      CHECK(dw["relative_mm"].get<double>() == doctest::Approx(previous_relative < 0 ? 0.0 : previous_relative + 5.0));
      previous_relative = dw["relative_mm"].get<double>();
    }
  }
}

TEST_CASE("export-dicom of an unapproved plan says UNAPPROVED; bad requests write nothing") {
  const auto dir = scratch_dir("dicom-unapproved");
  const fs::path db = store_with_plan(dir, false);
  const fs::path dcm = dir / "plan.dcm";
  REQUIRE(run_hdr(dir, "records export-dicom " + login(dir, db, "paula") + " --plan-id 1 --out '" + dcm.string() + "'").exit_code == 0);
  const json unapproved = read_back(dir, dcm);
  CHECK(unapproved["approval_status"] == "UNAPPROVED");
  CHECK(unapproved["plan_description"].get<std::string>().find("; no approvals") != std::string::npos);
  const auto v = run_hdr_free(dir, "dciodvfy '" + dcm.string() + "' 2>&1");
  const std::string text = v.out + v.err;
  CHECK_MESSAGE(text.find("Error") == std::string::npos, text);

  const fs::path none = dir / "none.dcm";
  auto r = run_hdr(dir, "records export-dicom " + login(dir, db, "paula") + " --plan-id 7 --out '" + none.string() + "'");
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("hdr: error: plan id 7 does not exist") == 0);
  CHECK_FALSE(fs::exists(none));
  write_text(dir / "wrong.pw", "nope\n");
  r = run_hdr(dir, "records export-dicom --db '" + db.string() + "' --as paula --password-file '" + (dir / "wrong.pw").string() +
                       "' --plan-id 1 --out '" + none.string() + "'");
  CHECK(r.exit_code == 1);
  CHECK_FALSE(fs::exists(none));
}
