#pragma once
// Radioactive decay of a source's air-kerma strength:
//   S(t) = S(t0) · exp(−ln 2 · Δt / T½),   Δt = t − t0 in days.
// Δt may be negative (back-calculation to an earlier time gives a factor > 1).
#include "planner/common/iso_time.hpp"

namespace hdr::calib {

// exp(−ln2·days/half_life_days). Throws hdr::Error when half_life_days is not finite and > 0
// or days is not finite.
double decay_factor(double days, double half_life_days);

// sk_U decayed from `from` to `to`. Throws hdr::Error when sk_U is not finite and > 0.
double decay_sk(double sk_U, UtcTime from, UtcTime to, double half_life_days);

}  // namespace hdr::calib
