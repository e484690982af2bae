#include "tools/workflow/store_delivery_records.hpp"

#include "calib/decay.hpp"

namespace hdr::workflow {

StoreDeliveryRecords::StoreDeliveryRecords(db::RecordStore& store, db::Actor actor, const db::StoredPlan& plan,
                                           std::string missing_calibration_hint, Observers observers)
    : store_(store),
      actor_(std::move(actor)),
      plan_(plan),
      missing_calibration_hint_(std::move(missing_calibration_hint)),
      observers_(std::move(observers)) {}

std::optional<double> StoreDeliveryRecords::calibrated_strength_U(const std::string& model, const std::string& serial,
                                                                  UtcTime now, std::string& why) {
  const auto c = store_.accepted_calibration(model, serial);
  if (!c) {
    why = missing_calibration_hint_;  // the session names the source itself
    return std::nullopt;
  }
  return calib::decay_sk(c->S_K_U, c->reference_time, now, c->half_life_days);
}

std::vector<fw::PriorSession> StoreDeliveryRecords::prior_sessions() {
  std::vector<fw::PriorSession> out;
  for (const auto& s : store_.sessions_for_plan(plan_.plan_id)) {
    fw::PriorSession p;
    p.id = s.session_id;
    p.status = db::to_string(s.status);
    for (const auto& d : s.dwells) p.dwells.push_back({d.plan_dwell_index, d.planned_s, d.delivered_s});
    out.push_back(std::move(p));
  }
  return out;
}

std::int64_t StoreDeliveryRecords::begin_session(const fw::SessionBegin& b) {
  db::SessionStart s;
  s.plan_id = plan_.plan_id;
  s.source_model = b.source_model;
  s.source_serial = b.source_serial;
  s.sk_used_U = b.sk_used_U;
  s.console_clock = b.console_clock;
  s.machine_clock = b.machine_clock;
  for (const auto& d : b.program) s.program.push_back({d.plan_dwell_index, d.planned_s});
  const std::int64_t id = store_.begin_session(actor_, s);
  if (observers_.session_begun) observers_.session_begun(id);
  return id;
}

void StoreDeliveryRecords::record_progress(std::int64_t session, int plan_dwell_index, double planned_s,
                                           double delivered_s) {
  const auto& dwell = plan_.plan.dwells.at(static_cast<std::size_t>(plan_dwell_index));
  store_.record_dwell_progress(actor_, session, {plan_dwell_index, dwell.catheter, dwell.position_mm, planned_s, delivered_s});
  if (observers_.progress_recorded) observers_.progress_recorded(plan_dwell_index, delivered_s);
}

void StoreDeliveryRecords::add_interruption(std::int64_t session, const std::string& reason) {
  store_.add_interruption(actor_, session, utc_now(), reason);
}

void StoreDeliveryRecords::set_status(std::int64_t session, const std::string& status) {
  store_.set_session_status(actor_, session, db::session_status_from_string(status), utc_now());
}

}  // namespace hdr::workflow
