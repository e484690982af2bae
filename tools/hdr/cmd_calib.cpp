// `hdr calib compute` and `hdr calib decay` (../shared/CLI.md, Calibration). Thin: the
// physics lives in calib/. `hdr calib record` lives with the record store's commands and
// attaches to the same group through calib_group() (calib_group.hpp).
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "calib/calibration.hpp"
#include "calib/decay.hpp"
#include "calib/measurement_io.hpp"
#include "planner/common/error.hpp"
#include "planner/common/iso_time.hpp"
#include "tools/hdr/calib_group.hpp"
#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/command_registry.hpp"

namespace hdr::cli {

CLI::App* calib_group(CLI::App& app) {
  return shared_group(app, "calib", "Source calibration: well-chamber measurement, decay, records");
}

namespace {

// A number option taken as text so that a malformed value is bad input (exit 1 naming the
// flag), like any other bad value, rather than a usage error.
double parse_flag_number(const std::string& text, const char* flag) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(begin, &end);
  require(end != begin && *end == '\0' && errno == 0 && std::isfinite(v),
          std::string(flag) + ": '" + text + "' is not a finite number");
  return v;
}

}  // namespace

void ThresholdFlags::add_to(CLI::App* sub) {
  sub->add_option("--pass-below-pct", pass_below_pct, "Clinic's pass threshold: |deviation| below it passes (default 3)");
  sub->add_option("--fail-above-pct", fail_above_pct, "Clinic's fail threshold: |deviation| above it fails (default 5)");
}

calib::CalibrationOptions ThresholdFlags::options() const {
  calib::CalibrationOptions o;
  o.thresholds.pass_below_pct = parse_flag_number(pass_below_pct, "--pass-below-pct");
  o.thresholds.fail_above_pct = parse_flag_number(fail_above_pct, "--fail-above-pct");
  require(o.thresholds.pass_below_pct > 0, "--pass-below-pct: must be > 0");
  o.thresholds.validate();
  return o;
}

namespace {

void add_calib(CLI::App& app) {
  CLI::App* group = calib_group(app);

  auto* compute = group->add_subcommand("compute", "Air-kerma strength from a well-chamber measurement (hdr-calibration/1)");
  static std::string input_path;
  static ThresholdFlags thresholds;
  compute->add_option("--input", input_path, "Measurement file (hdr-calibration/1)")->required();
  thresholds.add_to(compute);
  set_action(compute, [] {
    const calib::CalibrationOptions options = thresholds.options();
    const calib::CalibrationMeasurement m = calib::load_calibration_file(input_path);
    const calib::CalibrationResult r = calib::compute_calibration(m, options);
    std::cout << calib::to_json(r).dump(2) << "\n";
    return 0;
  });

  auto* decay = group->add_subcommand("decay", "Decay an air-kerma strength between two date-times");
  static std::string sk_text, from_text, to_text, half_life_text;
  decay->add_option("--sk", sk_text, "Air-kerma strength at --from, U")->required();
  decay->add_option("--from", from_text, "Reference date-time (ISO-8601 with Z or offset)")->required();
  decay->add_option("--to", to_text, "Date-time to decay to (ISO-8601 with Z or offset)")->required();
  decay->add_option("--half-life-days", half_life_text, "Half-life in days (default Ir-192, 73.827)");
  set_action(decay, [] {
    const double sk_U = parse_flag_number(sk_text, "--sk");
    require(sk_U > 0, "--sk: must be > 0 U, found " + sk_text);
    const double half_life_days =
        half_life_text.empty() ? calib::kIr192HalfLife_days : parse_flag_number(half_life_text, "--half-life-days");
    require(half_life_days > 0, "--half-life-days: must be > 0, found " + half_life_text);
    const UtcTime from = parse_iso8601(from_text, "--from");
    const UtcTime to = parse_iso8601(to_text, "--to");
    const double days = days_between(from, to);
    const double factor = calib::decay_factor(days, half_life_days);
    const nlohmann::json out = {{"S_K_U", sk_U * factor},
                                {"factor", factor},
                                {"elapsed_days", days},
                                {"half_life_days", half_life_days}};
    std::cout << out.dump(2) << "\n";
    return 0;
  });
}

}  // namespace

HDR_REGISTER_COMMAND(60, add_calib);

}  // namespace hdr::cli
