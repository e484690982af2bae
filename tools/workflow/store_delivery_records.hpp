#pragma once
// The delivery session's records (firmware_if's DeliveryRecords) kept in the SQLite record
// store: every call is one durable transaction, and the observers run only after the write
// returned, so a console shows nothing the store does not hold (commit before show).
#include <functional>
#include <string>

#include "db/record_store.hpp"
#include "firmware_if/delivery_session.hpp"

namespace hdr::workflow {

class StoreDeliveryRecords final : public fw::DeliveryRecords {
 public:
  struct Observers {
    std::function<void(std::int64_t session_id)> session_begun;
    std::function<void(int plan_dwell_index, double delivered_s)> progress_recorded;
  };

  // `missing_calibration_hint` tells the user how to record an accepted calibration in the
  // front end at hand (command line or console view).
  StoreDeliveryRecords(db::RecordStore& store, db::Actor actor, const db::StoredPlan& plan,
                       std::string missing_calibration_hint, Observers observers = {});

  std::optional<double> calibrated_strength_U(const std::string& model, const std::string& serial, UtcTime now,
                                              std::string& why) override;
  std::vector<fw::PriorSession> prior_sessions() override;
  std::int64_t begin_session(const fw::SessionBegin& b) override;
  void record_progress(std::int64_t session, int plan_dwell_index, double planned_s, double delivered_s) override;
  void add_interruption(std::int64_t session, const std::string& reason) override;
  void set_status(std::int64_t session, const std::string& status) override;

 private:
  db::RecordStore& store_;
  db::Actor actor_;
  const db::StoredPlan& plan_;
  std::string missing_calibration_hint_;
  Observers observers_;
};

}  // namespace hdr::workflow
