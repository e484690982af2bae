// `hdr calib record` (../shared/CLI.md, Calibration): a physicist stores a well-chamber
// measurement in the record store, optionally accepting it as the source's strength. The
// physics is calib/'s, the rules (physicist only, warn needs a reason, fail refused) db/'s.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "calib/calibration.hpp"
#include "calib/measurement_io.hpp"
#include "db/calibration_input.hpp"
#include "db/record_store.hpp"
#include "tools/hdr/calib_group.hpp"
#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/login_session.hpp"
#include "tools/hdr/command_registry.hpp"

namespace hdr::cli {
namespace {

void add_calib_record(CLI::App& app) {
  CLI::App* group = calib_group(app);
  auto* sub = group->add_subcommand("record", "Store a measurement in the record store (physicist); --accept makes it the source's strength");
  static std::string db, as, password_file, input, reason;
  static bool accept = false;
  sub->add_option("--db", db, "Record store file")->required();
  sub->add_option("--as", as, "Acting user (a physicist)")->required();
  sub->add_option("--password-file", password_file, "File whose first line is the acting user's password")->required();
  sub->add_option("--input", input, "Measurement file (hdr-calibration/1)")->required();
  sub->add_flag("--accept", accept, "Accept it as the strength for planning and delivery");
  sub->add_option("--reason", reason, "The physicist's reason (required to accept a 'warn')");
  static ThresholdFlags thresholds;
  thresholds.add_to(sub);
  set_action(sub, [] {
    const calib::CalibrationOptions options = thresholds.options();
    const calib::CalibrationMeasurement m = calib::load_calibration_file(input);
    const calib::CalibrationResult r = calib::compute_calibration(m, options);
    const std::string password = read_password_file(password_file);
    db::RecordStore store = db::RecordStore::open(db);
    return with_login_session(store, as, password, [&](const db::Actor& actor) {
      const db::CalibrationRecord rec = store.record_calibration(actor, db::calibration_input_from(m, r), accept, reason);
      nlohmann::json out = calib::to_json(r);
      out["calibration_id"] = rec.calibration_id;
      out["accepted"] = rec.accepted;
      out["recorded_by"] = rec.recorded_by;
      if (!reason.empty()) out["reason"] = reason;
      progress(std::string(rec.accepted ? "accepted" : "recorded (not accepted)") + " calibration " + std::to_string(rec.calibration_id) +
               " of " + m.source.model + " serial " + m.source.serial);
      std::cout << out.dump(2) << "\n";
      return 0;
    });
  });
}

}  // namespace

HDR_REGISTER_COMMAND(65, add_calib_record);

}  // namespace hdr::cli
