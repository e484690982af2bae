#pragma once
// The planner's fast path: one bilinear lookup in a precomputed per-source table.
//
//   Ḋ/S_K = G_L(r,θ) · T(r,θ),   T(r,θ) = Λ · g_L(r) · F(r,θ) / G_L(r0,θ0)
// T is tabulated on a grid that contains every node of the source's F and g_L tables, so the
// piecewise-bilinear data are reproduced exactly (only the product g_L·F is interpolated):
//   r: 0.0025 cm steps to 1 cm, 0.01 cm to 5 cm, 0.05 cm to 20 cm (continuous piecewise-linear
//      index map, no search);  θ: 0.5° steps (every published θ node is an integer degree).
// G_L is computed per point in closed form (kernel_loop.hpp), so its singularity at the ends
// of the active source is not interpolated. θ and β come from a polynomial atan
// (|error| < 1.1e-5 rad) so the loop vectorises.
// Stated accuracy (tested): |kernel − direct| / direct < 0.1 % for 0.25 ≤ r ≤ 15 cm.
// This closed-form path serves single dwells and the pairs the run table may not
// (run_table.hpp); dwells on straight catheters go through the run table (dose_matrix.cpp).
// The fast path never returns NaN: inside the active core G_L is bounded by taking the
// distance from the axis as at least 0.005 cm (dose points never sit inside a source; the
// direct path reports NaN there).
#include <cstdint>
#include <span>
#include <vector>

#include "planner/dose/source_model.hpp"

namespace hdr::dose {

class Tg43Kernel {
 public:
  explicit Tg43Kernel(const SourceModel& source);

  const SourceModel& source() const { return *source_; }

  // Dose rate per unit S_K (cGy h⁻¹ U⁻¹) at (along z, away y) in cm; y ≥ 0, as the planner's
  // builders compute it: from the run table (run_table.hpp) where it meets the accuracy
  // contract, from the closed form (eval_closed_form) elsewhere.
  float eval(float z_cm, float y_cm) const;
  // The closed-form path alone (exact G_L, bilinear T(r, θ)).
  float eval_closed_form(float z_cm, float y_cm) const;

  // Identifies the tabulated data (source id, L, every table value): the key of the
  // process-wide run-table cache.
  uint64_t fingerprint() const { return fingerprint_; }

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
  float L_cm_;
  Table table_;
  uint64_t fingerprint_ = 0;
};

// r (cm) -> fractional row index of the kernel table, and its inverse.
float kernel_r_index(float r_cm);
double kernel_r_of_index(int index);

}  // namespace hdr::dose
