// `hdr records init|add-user|import-plan|approve|show|export-dicom|verify` (../shared/CLI.md,
// "Records, approval and delivery"). Thin: the rules live in db/ (RecordStore).
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>

#include "db/dicom_rt_plan.hpp"
#include "db/record_json.hpp"
#include "db/record_store.hpp"
#include "planner/common/error.hpp"
#include "planner/formats/plan_io.hpp"
#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/login_session.hpp"
#include "tools/hdr/command_registry.hpp"

namespace hdr::cli {
namespace {

// Plan ids are read as text so that a malformed id is bad input naming the flag (exit 1).
db::Id parse_plan_id(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(begin, &end, 10);
  require(end != begin && *end == '\0' && errno == 0 && v > 0, "--plan-id: '" + text + "' is not a positive integer plan id");
  return v;
}

struct Login {
  std::string db, as, password_file;
};

void add_login_options(CLI::App* sub, Login& login) {
  sub->add_option("--db", login.db, "Record store file")->required();
  sub->add_option("--as", login.as, "Acting user")->required();
  sub->add_option("--password-file", login.password_file, "File whose first line is the acting user's password")->required();
}

struct Session {
  db::RecordStore& store;
  db::Actor actor;
};

int with_login(const Login& l, const std::function<int(Session&)>& body) {
  const std::string password = read_password_file(l.password_file);
  db::RecordStore store = db::RecordStore::open(l.db);
  return with_login_session(store, l.as, password, [&](const db::Actor& actor) {
    Session s{store, actor};
    return body(s);
  });
}

void add_records(CLI::App& app) {
  CLI::App* group = app.add_subcommand("records", "Treatment records: users, plans and approvals, delivery records, audit trail");
  group->require_subcommand(1);

  {
    auto* sub = group->add_subcommand("init", "Create a new record store with its first (admin) user");
    static std::string db, admin, password_file;
    sub->add_option("--db", db, "Record store file to create (must not exist)")->required();
    sub->add_option("--admin", admin, "Name of the admin user")->required();
    sub->add_option("--password-file", password_file, "File whose first line is the admin's password")->required();
    set_action(sub, [] {
      const std::string password = read_password_file(password_file);
      db::RecordStore::create(db, admin, password);
      progress("created record store " + db + " with admin " + admin);
      return 0;
    });
  }
  {
    auto* sub = group->add_subcommand("add-user", "Add a user (admin only)");
    static Login l;
    static std::string user, role, new_password_file;
    add_login_options(sub, l);
    sub->add_option("--user", user, "New user's name")->required();
    sub->add_option("--role", role, "admin, physician, physicist or therapist")->required();
    sub->add_option("--new-password-file", new_password_file, "File whose first line is the new user's password")->required();
    set_action(sub, [] {
      const db::Role r = db::role_from_string(role);
      const std::string new_password = read_password_file(new_password_file);
      return with_login(l, [&](Session& s) {
        const db::UserInfo u = s.store.add_user(s.actor, user, r, new_password);
        progress("added user " + u.name + " (" + db::to_string(u.role) + ")");
        std::cout << u.user_id << "\n";
        return 0;
      });
    });
  }
  {
    auto* sub = group->add_subcommand("import-plan", "Import an hdr-plan/1 as a new plan (physician or physicist)");
    static Login l;
    static std::string patient_id, plan_path;
    add_login_options(sub, l);
    sub->add_option("--patient-id", patient_id, "Patient id (created if new)")->required();
    sub->add_option("--plan", plan_path, "Plan file (hdr-plan/1)")->required();
    set_action(sub, [] {
      const formats::Plan plan = formats::load_plan_file(plan_path);
      return with_login(l, [&](Session& s) {
        const db::Id id = s.store.import_plan(s.actor, patient_id, plan);
        progress("imported " + plan_path + " for patient " + patient_id + " as plan " + std::to_string(id) + " (not approved)");
        std::cout << id << "\n";
        return 0;
      });
    });
  }
  {
    auto* sub = group->add_subcommand("approve", "Approve a plan in the acting user's role (physician or physicist)");
    static Login l;
    static std::string plan_id;
    add_login_options(sub, l);
    sub->add_option("--plan-id", plan_id, "Plan id")->required();
    set_action(sub, [] {
      const db::Id id = parse_plan_id(plan_id);
      return with_login(l, [&](Session& s) {
        const db::Approval a = s.store.approve(s.actor, id);
        const db::PlanDeliveryStatus st = s.store.plan_delivery_status(id);
        progress("plan " + std::to_string(id) + " approved by " + a.user + " (" + db::to_string(a.role) + ")" +
                 (st.deliverable() ? "; it has both approvals" : "; it still needs the other role's approval"));
        return 0;
      });
    });
  }
  {
    auto* sub = group->add_subcommand("show", "A plan, its approvals and its delivery sessions");
    static std::string db, plan_id;
    static bool json = false;
    sub->add_option("--db", db, "Record store file")->required();
    sub->add_option("--plan-id", plan_id, "Plan id")->required();
    sub->add_flag("--json", json, "Machine-readable JSON on stdout");
    set_action(sub, [] {
      const db::Id id = parse_plan_id(plan_id);
      db::RecordStore store = db::RecordStore::open(db);
      const nlohmann::json doc = db::plan_record_json(store, id);
      if (json) {
        std::cout << doc.dump(2) << "\n";
        return 0;
      }
      const db::StoredPlan sp = store.plan(id);
      const db::PlanDeliveryStatus st = store.plan_delivery_status(id);
      std::cout << "plan " << id << " patient " << sp.patient_id << " case " << sp.plan.case_id << ", " << sp.plan.dwells.size()
                << " dwells, imported by " << sp.imported_by << " at " << format_iso8601_utc(sp.imported_at) << "\n";
      for (const auto& a : doc["approvals"])
        std::cout << "  approved by " << a["user"].get<std::string>() << " (" << a["role"].get<std::string>() << ") at "
                  << a["at"].get<std::string>() << "\n";
      std::cout << "  " << (st.deliverable() ? "deliverable" : "not deliverable") << "\n";
      for (const auto& p : st.problems) std::cout << "    " << p << "\n";
      for (const auto& s : doc["sessions"])
        std::cout << "  session " << s["id"] << ": " << s["status"].get<std::string>() << ", started "
                  << s["started_at"].get<std::string>() << ", " << s["dwells"].size() << " dwells recorded, "
                  << s["interruptions"].size() << " interruptions\n";
      return 0;
    });
  }
  {
    auto* sub = group->add_subcommand("export-dicom", "Export a plan as a DICOM RT Plan (Brachy, HDR, interstitial)");
    static Login l;
    static std::string plan_id, out;
    add_login_options(sub, l);
    sub->add_option("--plan-id", plan_id, "Plan id")->required();
    sub->add_option("--out", out, "Output DICOM file")->required();
    set_action(sub, [] {
      const db::Id id = parse_plan_id(plan_id);
      return with_login(l, [&](Session& s) {
        db::RtPlanExport e;
        e.plan = s.store.plan(id);
        e.approvals = s.store.approvals(id);
        e.exported_by = s.actor.name;
        db::write_rt_plan_dicom(e, out);
        progress("wrote plan " + std::to_string(id) + " as DICOM RT Plan " + out);
        return 0;
      });
    });
  }
  {
    auto* sub = group->add_subcommand("verify", "Check integrity, the audit chain and every record against it");
    static std::string db;
    sub->add_option("--db", db, "Record store file")->required();
    set_action(sub, [] {
      db::RecordStore store = db::RecordStore::open(db);
      const db::VerifyReport r = store.verify();
      if (!r.ok()) {
        std::string what;
        const size_t shown = std::min<size_t>(r.problems.size(), 10);
        for (size_t i = 0; i < shown; ++i) what += (i ? "; " : "") + r.problems[i];
        if (shown < r.problems.size()) what += "; and " + std::to_string(r.problems.size() - shown) + " more";
        throw Error(db + ": verification failed (" + std::to_string(r.problems.size()) + " problems): " + what);
      }
      std::cout << "ok: " << db << " passes its integrity check; " << r.audit_entries
                << " audit entries chained; every record matches its audit entry\n";
      return 0;
    });
  }
}

}  // namespace

HDR_REGISTER_COMMAND(70, add_records);

}  // namespace hdr::cli
