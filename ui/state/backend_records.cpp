// Adapter to db: the record store (users, plans, approvals, calibrations, sessions).
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>

#include "planner/common/error.hpp"
#include "ui/state/backend.hpp"

#if HDR_UI_HAVE_DB && HDR_UI_HAVE_CALIB
#include "calib/calibration.hpp"
#include "calib/measurement_io.hpp"
#include "db/calibration_input.hpp"
#include "db/record_store.hpp"
#include "db/record_store_audit.hpp"

namespace hdr::ui::backend {
namespace {

Approval to_ui(const db::Approval& a) { return {a.user, db::to_string(a.role), format_iso8601_utc(a.at)}; }

// Worker jobs call it (login, approval, calibration, records refresh), possibly two at a time:
// every call holds mutex_, so the one SQLite connection and the login cache are never shared.
class DbRecords final : public Records {
 public:
  explicit DbRecords(db::RecordStore store) : store_(std::move(store)) {}

  void ensure_user(const std::string& admin, const std::string& admin_password, const std::string& user,
                   const std::string& role, const std::string& password) override {
    std::lock_guard lock(mutex_);
    for (const auto& u : store_.users())
      if (u.name == user) return;
    const db::Actor by = actor(admin, admin_password);
    store_.add_user(by, user, db::role_from_string(role), password);
  }

  std::string login(const std::string& user, const std::string& password) override {
    std::lock_guard lock(mutex_);
    const db::Actor a = store_.authenticate(user, password);
    actors_[user] = a;
    return db::to_string(a.role);
  }

  void logout(const std::string& user) override {
    std::lock_guard lock(mutex_);
    const auto it = actors_.find(user);
    if (it == actors_.end()) return;
    const db::Actor a = it->second;
    actors_.erase(it);
    store_.logout(a);  // ends the user's login session in the store (audited "logout")
  }

  std::int64_t import_plan(const std::string& user, const std::string& password, const std::string& patient_id,
                           const formats::Plan& plan) override {
    std::lock_guard lock(mutex_);
    return store_.import_plan(actor(user, password), patient_id, plan);
  }

  Approval approve(const std::string& user, const std::string& password, std::int64_t plan_id) override {
    std::lock_guard lock(mutex_);
    return to_ui(store_.approve(actor(user, password), plan_id));
  }

  std::vector<Approval> approvals(std::int64_t plan_id) override {
    std::lock_guard lock(mutex_);
    std::vector<Approval> out;
    for (const auto& a : store_.approvals(plan_id)) out.push_back(to_ui(a));
    return out;
  }

  void record_calibration(const std::string& user, const std::string& password, const std::string& measurement_json,
                          bool accept, const std::string& reason) override {
    const auto m = calib::parse_calibration(measurement_json, "calibration form");
    const auto r = calib::compute_calibration(m);
    std::lock_guard lock(mutex_);
    // The same conversion as `hdr calib record` (db/calibration_input.hpp).
    store_.record_calibration(actor(user, password), db::calibration_input_from(m, r), accept, reason);
  }

  std::optional<std::pair<double, std::string>> accepted_calibration(const std::string& model,
                                                                     const std::string& serial) override {
    std::lock_guard lock(mutex_);
    const auto a = store_.accepted_calibration(model, serial);
    if (!a) return std::nullopt;
    return std::make_pair(a->S_K_U, format_iso8601_utc(a->reference_time));
  }

  RecordsView overview(const std::string& patient_id, std::optional<std::int64_t> plan_id) override {
    std::lock_guard lock(mutex_);
    RecordsView v;
    char buf[256];
    for (const auto id : store_.plans_for_patient(patient_id)) {
      const auto st = store_.plan_delivery_status(id);
      std::snprintf(buf, sizeof buf, "%s  plan %lld  %s", patient_id.c_str(), static_cast<long long>(id),
                    st.deliverable() ? "approved" : "not approved");
      v.patients.push_back(buf);
      if (plan_id && *plan_id != id) continue;
      for (const auto& s : store_.sessions_for_plan(id)) {
        double planned = 0, delivered = 0;
        for (const auto& d : s.dwells) {
          planned += d.planned_s;
          delivered += d.delivered_s;
        }
        std::snprintf(buf, sizeof buf, "plan %lld session %lld  %s  by %s  %.1f / %.1f s  %zu interruption(s)  %s",
                      static_cast<long long>(id), static_cast<long long>(s.session_id), db::to_string(s.status),
                      s.delivered_by.c_str(), delivered, planned, s.interruptions.size(),
                      format_iso8601_utc(s.started_at).c_str());
        v.sessions.push_back(buf);
      }
    }
    for (const auto& e : db::read_audit_trail(store_.path(), RecordsView::kAuditRows))
      v.audit.push_back({e.seq, e.at, e.user_name, e.action, e.entity + " " + std::to_string(e.entity_id)});
    for (const auto& u : store_.users()) v.store.push_back("user " + u.name + " (" + db::to_string(u.role) + ")");
    for (const auto& s : store_.sources()) {
      std::string line = "source " + s.model + " " + s.serial;
      if (const auto a = store_.accepted_calibration(s.model, s.serial)) {
        std::snprintf(buf, sizeof buf, ": accepted %.1f U at %s by %s", a->S_K_U, format_iso8601_utc(a->reference_time).c_str(),
                      a->accepted_by.c_str());
        line += buf;
      }
      v.store.push_back(line);
    }
    return v;
  }

  std::string path() const override { return store_.path(); }

 private:
  // Logged-in users are authenticated once (Argon2id costs ~0.1 s per check).
  db::Actor actor(const std::string& user, const std::string& password) {
    const auto it = actors_.find(user);
    if (it != actors_.end()) return it->second;
    const db::Actor a = store_.authenticate(user, password);
    actors_[user] = a;
    return a;
  }
  std::mutex mutex_;
  db::RecordStore store_;
  std::map<std::string, db::Actor> actors_;
};
}  // namespace

std::unique_ptr<Records> open_records(const std::string& path, const std::string& admin,
                                      const std::string& admin_password) {
  if (std::filesystem::exists(path)) return std::make_unique<DbRecords>(db::RecordStore::open(path));
  return std::make_unique<DbRecords>(db::RecordStore::create(path, admin, admin_password));
}

}  // namespace hdr::ui::backend
#else
namespace hdr::ui::backend {
std::unique_ptr<Records> open_records(const std::string& path, const std::string&, const std::string&) {
  throw Error(path + ": records are not available in this build (hdr_db and hdr_calib needed)");
}
}  // namespace hdr::ui::backend
#endif
