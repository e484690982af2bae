#include "planner/optimize/metric_name.hpp"

#include <cmath>
#include <cstdlib>

namespace hdr::optimize {

namespace {
// Parses a plain non-negative decimal number filling the whole string.
std::optional<double> parse_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  for (char c : s)
    if (!(c == '.' || (c >= '0' && c <= '9'))) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

std::optional<MetricSpec> parse_metric_name(const std::string& name) {
  if (name == "volume_cc") return MetricSpec{MetricKind::volume_cc, 0};
  if (name == "Dmax_Gy") return MetricSpec{MetricKind::d_max, 0};
  if (name.size() > 5 && name[0] == 'V' && ends_with(name, "_pct")) {
    const auto x = parse_number(name.substr(1, name.size() - 5));
    if (x) return MetricSpec{MetricKind::v_pct, *x};
    return std::nullopt;
  }
  if (name.size() > 6 && name[0] == 'D' && ends_with(name, "cc_Gy")) {
    const auto x = parse_number(name.substr(1, name.size() - 6));
    if (x && *x > 0) return MetricSpec{MetricKind::d_cc, *x};
    return std::nullopt;
  }
  if (name.size() > 4 && name[0] == 'D' && ends_with(name, "_Gy")) {
    const auto x = parse_number(name.substr(1, name.size() - 4));
    if (x && *x > 0 && *x <= 100) return MetricSpec{MetricKind::d_pct, *x};
  }
  return std::nullopt;
}

}  // namespace hdr::optimize
