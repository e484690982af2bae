#include "planner/common/iso_time.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "planner/common/error.hpp"

namespace hdr {
namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool is_leap(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(long long y, unsigned m) {
  static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap(y)) ? 29u : dm[m - 1];
}

struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool digits(int n, int& out) {
    if (i + static_cast<size_t>(n) > s.size()) return false;
    int v = 0;
    for (int k = 0; k < n; ++k) {
      const char c = s[i + static_cast<size_t>(k)];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += static_cast<size_t>(n);
    out = v;
    return true;
  }
  bool lit(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool done() const { return i == s.size(); }
};

}  // namespace

UtcTime parse_iso8601(std::string_view text, const std::string& what) {
  const auto bad = [&](const char* why) {
    return Error(what + ": '" + std::string(text) + "' is not an ISO-8601 date-time with a zone (" + why +
                 "); expected e.g. 2026-11-27T09:30:00Z");
  };
  Cursor c{text};
  int Y = 0, M = 0, D = 0, h = 0, m = 0, s = 0;
  if (!c.digits(4, Y) || !c.lit('-') || !c.digits(2, M) || !c.lit('-') || !c.digits(2, D)) throw bad("date");
  if (!(c.lit('T') || c.lit('t') || c.lit(' '))) throw bad("missing 'T'");
  if (!c.digits(2, h) || !c.lit(':') || !c.digits(2, m)) throw bad("time");
  double frac = 0.0;
  if (c.lit(':')) {
    if (!c.digits(2, s)) throw bad("seconds");
    if (c.lit('.') || c.lit(',')) {
      double scale = 0.1;
      bool any = false;
      while (c.i < text.size() && text[c.i] >= '0' && text[c.i] <= '9') {
        frac += (text[c.i] - '0') * scale;
        scale /= 10;
        ++c.i;
        any = true;
      }
      if (!any) throw bad("fraction");
    }
  }
  if (M < 1 || M > 12 || D < 1 || static_cast<unsigned>(D) > days_in_month(Y, static_cast<unsigned>(M)) || h > 23 ||
      m > 59 || s > 60)
    throw bad("field out of range");
  int offset_min = 0;
  if (c.lit('Z') || c.lit('z')) {
  } else if (c.i < text.size() && (text[c.i] == '+' || text[c.i] == '-')) {
    const int sign = text[c.i] == '-' ? -1 : 1;
    ++c.i;
    int oh = 0, om = 0;
    if (!c.digits(2, oh)) throw bad("zone offset");
    c.lit(':');
    if (!c.digits(2, om)) throw bad("zone offset");
    if (oh > 23 || om > 59) throw bad("zone offset out of range");
    offset_min = sign * (oh * 60 + om);
  } else {
    throw bad("no zone: add Z or an offset");
  }
  if (!c.done()) throw bad("trailing characters");
  const long long days = days_from_civil(Y, static_cast<unsigned>(M), static_cast<unsigned>(D));
  const double secs = static_cast<double>(days) * 86400.0 + h * 3600.0 + m * 60.0 + s + frac - offset_min * 60.0;
  return UtcTime{secs};
}

std::string format_iso8601_utc(UtcTime t, bool with_millis) {
  double whole = std::floor(t.unix_s);
  long long ms = std::llround((t.unix_s - whole) * 1000.0);
  if (!with_millis && ms >= 500) whole += 1.0;
  if (with_millis && ms == 1000) {
    whole += 1.0;
    ms = 0;
  }
  long long secs = static_cast<long long>(whole);
  long long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  long long rem = secs - days * 86400;
  // civil_from_days (Hinnant)
  days += 719468;
  const long long era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = static_cast<long long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned mo = mp < 10 ? mp + 3 : mp - 9;
  y += mo <= 2;
  char buf[64];
  if (with_millis)
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", y, mo, d, rem / 3600, rem / 60 % 60,
                  rem % 60, ms);
  else
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", y, mo, d, rem / 3600, rem / 60 % 60,
                  rem % 60);
  return buf;
}

UtcTime utc_now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return UtcTime{std::chrono::duration<double>(now).count()};
}

}  // namespace hdr
