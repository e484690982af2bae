#pragma once
// The planner's fast path: one bilinear lookup in a precomputed per-source table.
//
// Table: Q(r, θ) = Ḋ(r,θ)/S_K · r²  (cGy h⁻¹ U⁻¹ cm², smooth and bounded), on a grid that
// contains every node of the source's F and g_L tables, so the piecewise-bilinear data are
// reproduced exactly and only the smooth factors (G_L r², products) are interpolated:
//   r: 0.0025 cm steps to 1 cm, 0.01 cm to 5 cm, 0.05 cm to 20 cm (continuous piecewise-linear
//      index map, no search);  θ: 0.5° steps (every published θ node is an integer degree).
// θ comes from a polynomial atan2 (|error| < 2e-6 rad) so the loop vectorises.
// Stated accuracy (tested): |kernel − direct| / direct < 0.1 % for r ≥ 0.25 cm, r ≤ 15 cm.
// Points inside r < 0.05 cm are clamped to that radius (no NaN in the fast path: dose points
// never sit inside a source; the direct path reports NaN there).
#include <span>
#include <vector>

#include "planner/dose/source_model.hpp"

namespace hdr::dose {

class Tg43Kernel {
 public:
  explicit Tg43Kernel(const SourceModel& source);

  const SourceModel& source() const { return *source_; }

  // Dose rate per unit S_K (cGy h⁻¹ U⁻¹) at (along z, away y) in cm; y ≥ 0.
  float eval(float z_cm, float y_cm) const;

  // Batch form, the hot loop: for points p_i (mm) and one dwell at `pos_mm` with unit axis
  // `dir` pointing from the source tip towards the cable (the catheter tangent tip -> entry),
  // out[i] = scale · Ḋ(p_i)/S_K. Structure-of-arrays input; vectorised (AVX2+FMA when the
  // CPU has it, chosen at run time; plain x86-64 otherwise). Allocates nothing.
  void eval_points(std::span<const float> x_mm, std::span<const float> y_mm, std::span<const float> z_mm,
                   const float pos_mm[3], const float dir[3], float scale, float* out) const;

  // Same, accumulating: out[i] += scale · Ḋ(p_i)/S_K.
  void accumulate_points(std::span<const float> x_mm, std::span<const float> y_mm, std::span<const float> z_mm,
                         const float pos_mm[3], const float dir[3], float scale, float* out) const;

  // Table layout, for the vectorised loops.
  struct Table {
    std::vector<float> q;  // [ir * n_theta + it]
    int n_r = 0, n_theta = 0;
    float theta_step_inv_deg = 0;
  };
  const Table& table() const { return table_; }

 private:
  const SourceModel* source_;
  Table table_;
};

// r (cm) -> fractional row index of the kernel table, and its inverse.
float kernel_r_index(float r_cm);
double kernel_r_of_index(int index);

}  // namespace hdr::dose
