// ISO-8601 parser (planner/common/iso_time.hpp). Property: an accepted time formats to UTC
// text that parses back to the same instant (to the formatter's millisecond).
#include <cmath>

#include "planner/common/iso_time.hpp"
#include "tools/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hdr::fuzz::expect_only_hdr_errors([&] {
    const hdr::UtcTime t = hdr::parse_iso8601(hdr::fuzz::as_text(data, size), "fuzz");
    hdr::fuzz::check(std::isfinite(t.unix_s), "parsed time not finite");
    const hdr::UtcTime back = hdr::parse_iso8601(hdr::format_iso8601_utc(t, true), "formatted");
    // Half a millisecond of rounding, plus the double's own resolution at this instant (about
    // 15 us in the year 5999, where 1e-6 s alone was found too tight).
    const double ulp_s = std::nextafter(std::fabs(t.unix_s), INFINITY) - std::fabs(t.unix_s);
    hdr::fuzz::check(std::fabs(back.unix_s - t.unix_s) <= 0.0005 + 4.0 * ulp_s + 1e-9, "format/parse round trip moved the instant");
  });
  return 0;
}
