// hdr-calibration/1 reader and the whole `hdr calib compute` path (calib/). Properties: an
// accepted measurement computes without anything but hdr::Error, gives a finite S_K > 0,
// and round-trips through calibration_to_json.
#include <cmath>

#include "calib/calibration.hpp"
#include "calib/measurement_io.hpp"
#include "tools/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hdr::fuzz::expect_only_hdr_errors([&] {
    using namespace hdr::calib;
    const CalibrationMeasurement m = parse_calibration(hdr::fuzz::as_text(data, size), "fuzz.json");
    const auto once = calibration_to_json(m);
    hdr::fuzz::check(once == calibration_to_json(calibration_from_json(once, "rt.json")),
                     "hdr-calibration/1 round trip is not a fixpoint");
    const CalibrationResult r = compute_calibration(m);
    hdr::fuzz::check(std::isfinite(r.S_K_U) && r.S_K_U > 0, "S_K not finite and positive");
    hdr::fuzz::check(std::isfinite(r.deviation_pct), "deviation not finite");
    (void)to_json(r).dump();
  });
  return 0;
}
