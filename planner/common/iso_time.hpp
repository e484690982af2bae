#pragma once
// ISO-8601 date-times with an explicit zone ("2026-11-27T09:30:00Z", "...+01:00"), as every
// file format of the project uses. Internally a time point is UTC seconds since the Unix epoch
// as a double (sub-second precision, no leap seconds), enough for decay and audit times.
#include <string>
#include <string_view>

namespace hdr {

struct UtcTime {
  double unix_s = 0.0;  // seconds since 1970-01-01T00:00:00Z
  friend auto operator<=>(const UtcTime&, const UtcTime&) = default;
};

// Parses "YYYY-MM-DDThh:mm[:ss[.fff]](Z|±hh:mm|±hhmm)". A missing zone is refused: a time
// without one is ambiguous by hours, which is a dose error for a decaying source.
// Throws hdr::Error naming `what` (e.g. "measured_at") and the text.
UtcTime parse_iso8601(std::string_view text, const std::string& what);

// "2026-11-27T09:30:00Z" (seconds rounded to whole seconds; with_millis adds ".123").
std::string format_iso8601_utc(UtcTime t, bool with_millis = false);

// Current wall-clock time.
UtcTime utc_now();

inline double days_between(UtcTime from, UtcTime to) { return (to.unix_s - from.unix_s) / 86400.0; }

}  // namespace hdr
