#pragma once
// The vectorisable inner loop of Tg43Kernel, written once and compiled twice (AVX2+FMA and
// baseline x86-64) by kernel.cpp; included only there.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "planner/dose/kernel.hpp"

namespace hdr::dose::detail {

// Minimax odd polynomial for atan on [0, 1]; |error| < 1.1e-5 rad (0.0006°), measured in the
// tests against std::atan2. Branch-free so that the loop vectorises.
[[gnu::always_inline]] inline float atan_unit(float a) {
  const float a2 = a * a;
  return a * (0.99997726f +
              a2 * (-0.33262347f + a2 * (0.19354346f + a2 * (-0.11643287f + a2 * (0.05265332f + a2 * -0.01172120f)))));
}

// atan(t)/t for 0 <= t <= 1, the same polynomial without its leading t: no division by t,
// so the geometry function stays exact on the source axis (t = 0).
[[gnu::always_inline]] inline float atan_over_t(float t) {
  const float a2 = t * t;
  return 0.99997726f +
         a2 * (-0.33262347f + a2 * (0.19354346f + a2 * (-0.11643287f + a2 * (0.05265332f + a2 * -0.01172120f))));
}

// θ = atan2(y, z) for y >= 0, in [0, π].
[[gnu::always_inline]] inline float atan2_upper(float y, float z) {
  const float az = std::fabs(z);
  const float num = std::min(az, y);
  const float den = std::max(std::max(az, y), 1e-30f);
  float t = atan_unit(num / den);
  t = y > az ? std::numbers::pi_v<float> * 0.5f - t : t;
  return z < 0 ? std::numbers::pi_v<float> - t : t;
}

// Fractional table row of radius r (cm): 0.0025 cm steps to 1 cm, 0.01 cm to 5 cm, 0.05 cm
// to 20 cm. Continuous and piecewise linear, so no search.
[[gnu::always_inline]] inline float r_index(float r_cm) {
  return 400.0f * std::min(r_cm, 1.0f) + 100.0f * std::clamp(r_cm - 1.0f, 0.0f, 4.0f) +
         20.0f * std::clamp(r_cm - 5.0f, 0.0f, 15.0f);
}

constexpr float kMin_r_cm = 0.05f;  // closer points are clamped (never a dose point in practice)
constexpr float kThetaStep_deg = 0.5f;
constexpr float kMinAway_cm = 1e-4f;     // inside the active core: keeps G_L finite
constexpr float kMinBeyondTip_cm = 1e-4f;  // on the axis just past the tip: keeps G_L finite

// Line-source geometry function G_L (TG-43U1 eq. 4) with β = atan2(y·L, r² − L²/4), the
// angle the active length subtends. Where that angle is small (r² − L²/4 >= y·L > 0, i.e.
// outside the sphere through the source ends and off the axis or on it), G_L =
// [atan(t)/t] / (r² − L²/4) with t = y·L/(r² − L²/4), which is 1/(r² − L²/4) on the axis
// exactly; elsewhere G_L = β/(y·L).
[[gnu::always_inline]] inline float geometry_line(float away, float r2, float L, float quarter_L2) {
  const float a = away * L;
  const float b = std::max(r2 - quarter_L2, L * kMinBeyondTip_cm);
  const float near = b <= a ? 1.0f : 0.0f;  // select without a branch
  const float t = std::min(a / b, 1.0f);
  const float g_far = atan_over_t(t) / b;
  const float g_near = atan2_upper(a, r2 - quarter_L2) / std::max(a, L * kMinAway_cm);
  return near * g_near + (1.0f - near) * g_far;
}

// out[i] (=|+=) scale · G_L(p_i) · T(r_i, θ_i), T = Λ·g_L·F/G_L(r0,θ0) from the table `q`.
template <bool Accumulate>
[[gnu::always_inline]] inline void kernel_loop(const float* __restrict q, int n_r, int n_theta, float L,
                        const float* __restrict x, const float* __restrict y, const float* __restrict z, int n,
                        float px, float py, float pz, float ux, float uy, float uz, float scale,
                        float* __restrict out) {
  constexpr float mm_to_cm = 0.1f;
  constexpr float rad_to_index = 180.0f / std::numbers::pi_v<float> / kThetaStep_deg;
  const float max_ri = static_cast<float>(n_r - 1) - 1e-3f;
  const float max_ti = static_cast<float>(n_theta - 1) - 1e-3f;
  const float quarter_L2 = 0.25f * L * L;
  for (int i = 0; i < n; ++i) {
    const float dx = (x[i] - px) * mm_to_cm;
    const float dy = (y[i] - py) * mm_to_cm;
    const float dz = (z[i] - pz) * mm_to_cm;
    // The source tip points along -u (u runs tip -> entry), so "along" is positive tip-wards.
    const float along = -(dx * ux + dy * uy + dz * uz);
    const float r2 = dx * dx + dy * dy + dz * dz;
    // |d × u| rather than sqrt(r² − along²): no cancellation near the axis, where F changes
    // fastest with θ.
    const float cx = dy * uz - dz * uy, cy = dz * ux - dx * uz, cz = dx * uy - dy * ux;
    const float away = std::sqrt(cx * cx + cy * cy + cz * cz);
    const float r = std::max(std::sqrt(r2), kMin_r_cm);
    const float ri = std::min(r_index(r), max_ri);
    const float ti = std::min(atan2_upper(away, along) * rad_to_index, max_ti);
    const int i0 = static_cast<int>(ri);
    const int t0 = static_cast<int>(ti);
    const float fr = ri - static_cast<float>(i0);
    const float ft = ti - static_cast<float>(t0);
    const int k = i0 * n_theta + t0;
    const float q00 = q[k], q01 = q[k + 1], q10 = q[k + n_theta], q11 = q[k + n_theta + 1];
    const float q0 = q00 + ft * (q01 - q00);
    const float q1 = q10 + ft * (q11 - q10);
    const float value = scale * (q0 + fr * (q1 - q0)) * geometry_line(away, r2, L, quarter_L2);
    if constexpr (Accumulate)
      out[i] += value;
    else
      out[i] = value;
  }
}

}  // namespace hdr::dose::detail
