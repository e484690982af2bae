#pragma once
// Rank statistics the image code uses to describe a region without letting its outliers (needle
// echoes, shadows, fluid) move the description.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <vector>

namespace hdr::imaging {

// The upper median (element size/2 in sorted order), found by reordering `v` in place. The
// upper rather than the mean of the middle two: it is always one of the values, which for grey
// levels keeps it a level the image holds.
template <class T>
T upper_median_in_place(std::vector<T>& v) {
  assert(!v.empty());
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// Robust standard deviation: 1.4826 times the median absolute deviation from `centre`, which
// equals the sd for Gaussian data. Reorders and overwrites `v`.
template <class T>
double robust_sd_in_place(std::vector<T>& v, T centre) {
  for (auto& x : v) x = static_cast<T>(std::abs(x - centre));
  return 1.4826 * static_cast<double>(upper_median_in_place(v));
}

}  // namespace hdr::imaging
