// Every `hdr records` path and `hdr calib record`, by running the real binary on generated
// files (../shared/CLI.md): exit codes, the "hdr: error:" line, stdout contents, JSON shapes.
#include <doctest/doctest.h>

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

struct Clinic {
  fs::path dir, db;
  std::string login(const std::string& user) const {
    return "--db '" + db.string() + "' --as " + user + " --password-file '" + (dir / (user + ".pw")).string() + "'";
  }
};

// A store with admin alice, physician paula, physicist phil, therapist tom: made through the
// CLI (init, add-user), or in-process with quick Argon2id parameters so that the many logins
// of the other tests stay fast (a hash carries its own parameters).
Clinic make_clinic(const std::string& name, bool through_cli) {
  Clinic c{scratch_dir(name), {}};
  c.db = c.dir / "records.db";
  for (const char* u : {"alice", "paula", "phil", "tom"}) write_text(c.dir / (std::string(u) + ".pw"), std::string(u) + "-pw\n");
  hdr::formats::save_plan_file((c.dir / "plan.json").string(), small_plan());
  if (!through_cli) {
    RecordStore store = new_store(c.db);
    make_team(store);
    return c;
  }
  auto r = run_hdr(c.dir, "records init --db '" + c.db.string() + "' --admin alice --password-file '" + (c.dir / "alice.pw").string() + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (const auto& [u, role] : std::vector<std::pair<std::string, std::string>>{{"paula", "physician"}, {"phil", "physicist"}, {"tom", "therapist"}}) {
    r = run_hdr(c.dir, "records add-user " + c.login("alice") + " --user " + u + " --role " + role + " --new-password-file '" +
                           (c.dir / (u + ".pw")).string() + "'");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  return c;
}

void check_error(const RunResult& r, const std::string& contains) {
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("hdr: error: ", 0) == 0);
  CHECK_MESSAGE(r.err.find(contains) != std::string::npos, r.err);
  CHECK(r.out.empty());
}

}  // namespace

TEST_CASE("records init and add-user") {
  const Clinic c = make_clinic("cli-users", true);
  const std::string before = slurp(c.db);
  check_error(run_hdr(c.dir, "records init --db '" + c.db.string() + "' --admin bob --password-file '" + (c.dir / "alice.pw").string() + "'"),
              "already exists");
  CHECK(slurp(c.db).size() >= before.size());  // untouched by the refused init (WAL may have grown nothing)
  // Only an admin adds users; wrong passwords and unknown roles are refused.
  check_error(run_hdr(c.dir, "records add-user " + c.login("paula") + " --user eve --role admin --new-password-file '" +
                                 (c.dir / "tom.pw").string() + "'"),
              "only admin may add users");
  write_text(c.dir / "wrong.pw", "not-the-password\n");
  check_error(run_hdr(c.dir, "records add-user --db '" + c.db.string() + "' --as alice --password-file '" + (c.dir / "wrong.pw").string() +
                                 "' --user eve --role admin --new-password-file '" + (c.dir / "tom.pw").string() + "'"),
              "authentication failed for user 'alice'");
  check_error(run_hdr(c.dir, "records add-user " + c.login("alice") + " --user eve --role nurse --new-password-file '" +
                                 (c.dir / "tom.pw").string() + "'"),
              "role 'nurse'");
  // Usage errors exit 2.
  CHECK(run_hdr(c.dir, "records add-user " + c.login("alice") + " --user eve").exit_code == 2);
  // A password file's line ending is not part of the password (CRLF too).
  write_text(c.dir / "crlf.pw", "alice-pw\r\n");
  CHECK(run_hdr(c.dir, "records add-user --db '" + c.db.string() + "' --as alice --password-file '" + (c.dir / "crlf.pw").string() +
                           "' --user eve --role therapist --new-password-file '" + (c.dir / "tom.pw").string() + "'")
            .exit_code == 0);
}

TEST_CASE("records import-plan, approve, show --json and verify") {
  const Clinic c = make_clinic("cli-plans", false);
  const std::string plan_file = (c.dir / "plan.json").string();
  check_error(run_hdr(c.dir, "records import-plan " + c.login("tom") + " --patient-id P1 --plan '" + plan_file + "'"),
              "only physician or physicist may import");
  write_text(c.dir / "bad.json", R"({"format": "hdr-plan/1", "source": {"model": "mHDR-v2", "air_kerma_strength_U": 40700}})");
  check_error(run_hdr(c.dir, "records import-plan " + c.login("phil") + " --patient-id P1 --plan '" + (c.dir / "bad.json").string() + "'"),
              "bad.json");

  auto r = run_hdr(c.dir, "records import-plan " + c.login("phil") + " --patient-id P1 --plan '" + plan_file + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.last_line() == "1");
  r = run_hdr(c.dir, "records import-plan " + c.login("paula") + " --patient-id P1 --plan '" + plan_file + "'");
  CHECK(r.last_line() == "2");  // every import is a new plan

  check_error(run_hdr(c.dir, "records approve " + c.login("tom") + " --plan-id 1"), "only physician or physicist may approve");
  check_error(run_hdr(c.dir, "records approve " + c.login("alice") + " --plan-id 1"), "only physician or physicist may approve");
  check_error(run_hdr(c.dir, "records approve " + c.login("paula") + " --plan-id 99"), "plan id 99 does not exist");
  check_error(run_hdr(c.dir, "records approve " + c.login("paula") + " --plan-id x1"), "--plan-id");
  CHECK(run_hdr(c.dir, "records approve " + c.login("paula") + " --plan-id 1").exit_code == 0);
  check_error(run_hdr(c.dir, "records approve " + c.login("paula") + " --plan-id 1"), "already has a physician's approval");
  CHECK(run_hdr(c.dir, "records approve " + c.login("phil") + " --plan-id 1").exit_code == 0);

  // A delivery recorded through the library, as `hdr deliver` does.
  {
    RecordStore store = RecordStore::open(c.db.string());
    const Actor tom = store.authenticate("tom", "tom-pw");
    const auto plan = small_plan();
    const auto t0 = hdr::parse_iso8601("2026-11-27T10:00:00Z", "t");
    const Id s = store.begin_session(tom, SessionStart{1, "mHDR-v2", "D36A-1234", 41000.0, t0, std::nullopt, 1, {{0, 3.2}, {1, 4.5}}});
    store.record_dwell_progress(tom, s, DwellProgress{0, 1, plan.dwells[0].position_mm, 3.2, 3.2});
    store.record_dwell_progress(tom, s, DwellProgress{1, 1, plan.dwells[1].position_mm, 4.5, 1.5});
    store.add_interruption(tom, s, hdr::parse_iso8601("2026-11-27T10:00:30Z", "t"), "emergency stop");
    store.set_session_status(tom, s, SessionStatus::interrupted, hdr::parse_iso8601("2026-11-27T10:00:31Z", "t"));
  }

  r = run_hdr(c.dir, "records show --db '" + c.db.string() + "' --plan-id 1 --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json doc = json::parse(r.out);
  CHECK(doc.size() == 3);
  CHECK(hdr::formats::plan_from_json(doc.at("plan"), "show").dwells.size() == 6);
  CHECK(doc["plan"] == hdr::formats::plan_to_json(hdr::formats::load_plan_file(plan_file)));
  REQUIRE(doc["approvals"].size() == 2);
  CHECK(doc["approvals"][0]["user"] == "paula");
  CHECK(doc["approvals"][0]["role"] == "physician");
  CHECK(doc["approvals"][1]["user"] == "phil");
  CHECK(doc["approvals"][1]["role"] == "physicist");
  CHECK_NOTHROW(hdr::parse_iso8601(doc["approvals"][0]["at"].get<std::string>(), "at"));
  CHECK(doc["approvals"][0].size() == 3);
  REQUIRE(doc["sessions"].size() == 1);
  const json& s = doc["sessions"][0];
  CHECK(s["id"] == 1);
  CHECK(s["status"] == "interrupted");
  CHECK(s["started_at"] == "2026-11-27T10:00:00Z");
  CHECK(s["ended_at"] == "2026-11-27T10:00:31Z");
  CHECK(s["interruptions"] == json::parse(R"([{"at": "2026-11-27T10:00:30Z", "reason": "emergency stop"}])"));
  REQUIRE(s["dwells"].size() == 2);
  CHECK(s["dwells"][1] == json::parse(R"({"catheter": 1, "position_mm": [-5.0, 10.0, 25.0], "planned_s": 4.5, "delivered_s": 1.5})"));
  CHECK(s.size() == 6);
  // Plan 2 has no approvals and no sessions.
  const json doc2 = json::parse(run_hdr(c.dir, "records show --db '" + c.db.string() + "' --plan-id 2 --json").out);
  CHECK(doc2["approvals"].empty());
  CHECK(doc2["sessions"].empty());
  check_error(run_hdr(c.dir, "records show --db '" + c.db.string() + "' --plan-id 3 --json"), "plan id 3 does not exist");
  // Human-readable form mentions the approvals.
  CHECK(run_hdr(c.dir, "records show --db '" + c.db.string() + "' --plan-id 1").out.find("deliverable") != std::string::npos);

  r = run_hdr(c.dir, "records verify --db '" + c.db.string() + "'");
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.rfind("ok:", 0) == 0);

  // Tampering: verify exits 1 naming the row.
  exec_sql(c.db, "UPDATE session_dwells SET delivered_s = 4.5 WHERE dwell_index = 1");
  r = run_hdr(c.dir, "records verify --db '" + c.db.string() + "'");
  check_error(r, "session_dwells row id 2 differs from its audit record");
  // A foreign file is refused and left alone.
  write_text(c.dir / "foreign.db", "SQLite format 3");
  check_error(run_hdr(c.dir, "records verify --db '" + (c.dir / "foreign.db").string() + "'"), "not a record store");
  CHECK(slurp(c.dir / "foreign.db") == "SQLite format 3");
  check_error(run_hdr(c.dir, "records verify --db '" + (c.dir / "none.db").string() + "'"), "no such record store");
  CHECK_FALSE(fs::exists(c.dir / "none.db"));
}

TEST_CASE("each records invocation is one login session, ended also when the command fails") {
  const Clinic c = make_clinic("cli-login", false);
  const std::string plan_file = (c.dir / "plan.json").string();
  const auto sessions_of = [&](const std::string& user) {
    RecordStore store = RecordStore::open(c.db.string(), quick_options());
    return store.login_sessions(user);
  };
  const size_t phil_before = sessions_of("phil").size();  // make_clinic's in-process logins, left open
  auto r = run_hdr(c.dir, "records import-plan " + c.login("phil") + " --patient-id P1 --plan '" + plan_file + "'");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto phil = sessions_of("phil");
  REQUIRE(phil.size() == phil_before + 1);
  CHECK(phil.back().ended_how == LoginEnd::logout);
  CHECK(phil.back().ended_at.has_value());
  // The import's audit entry carries that session.
  const auto sql_int = [&](const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(c.db.string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const sqlite3_int64 v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  };
  CHECK(sql_int("SELECT login_session FROM audit_log WHERE action = 'import_plan'") == phil.back().login_session_id);

  // A refused command ends its session as aborted.
  check_error(run_hdr(c.dir, "records approve " + c.login("phil") + " --plan-id 99"), "plan id 99 does not exist");
  phil = sessions_of("phil");
  REQUIRE(phil.size() == phil_before + 2);
  CHECK(phil.back().ended_how == LoginEnd::aborted);
  check_error(run_hdr(c.dir, "records export-dicom " + c.login("phil") + " --plan-id 1 --out '" + (c.dir / "no-such-dir" / "x.dcm").string() + "'"),
              "x.dcm");
  CHECK(sessions_of("phil").back().ended_how == LoginEnd::aborted);
  CHECK(sessions_of("phil").size() == phil_before + 3);

  // A wrong password opens no session and is recorded as a failed login.
  write_text(c.dir / "wrong.pw", "not-phils\n");
  check_error(run_hdr(c.dir, "records approve --db '" + c.db.string() + "' --as phil --password-file '" + (c.dir / "wrong.pw").string() +
                                 "' --plan-id 1"),
              "authentication failed for user 'phil'");
  CHECK(sessions_of("phil").size() == phil_before + 3);
  CHECK(sql_int("SELECT COUNT(*) FROM failed_logins WHERE user_name = 'phil' AND reason = 'wrong password'") == 1);
  r = run_hdr(c.dir, "records verify --db '" + c.db.string() + "'");
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  RecordStore store = RecordStore::open(c.db.string(), quick_options());
  CHECK(store.approvals(1).empty());
  CHECK(store.verify().audit_entries > 0);
}
