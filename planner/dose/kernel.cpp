#include "planner/dose/kernel.hpp"

#include <cmath>
#include <numbers>

#include "planner/common/error.hpp"
#include "planner/dose/cpu_features.hpp"
#include "planner/dose/kernel_loop.hpp"
#include "planner/dose/run_table.hpp"
#include "planner/dose/tg43.hpp"

namespace hdr::dose {
namespace {

constexpr int kRows = 1101;  // r_index(20 cm) = 1100

using LoopFn = void (*)(const float*, int, int, float, const float*, const float*, const float*, int, float, float,
                        float, float, float, float, float, float*);

template <bool Acc>
__attribute__((target("avx2,fma"))) void loop_avx2(const float* q, int nr, int nt, float L, const float* x,
                                                  const float* y, const float* z, int n, float px, float py, float pz,
                                                  float ux, float uy, float uz, float s, float* out) {
  detail::kernel_loop<Acc>(q, nr, nt, L, x, y, z, n, px, py, pz, ux, uy, uz, s, out);
}

template <bool Acc>
void loop_generic(const float* q, int nr, int nt, float L, const float* x, const float* y, const float* z, int n,
                  float px, float py, float pz, float ux, float uy, float uz, float s, float* out) {
  detail::kernel_loop<Acc>(q, nr, nt, L, x, y, z, n, px, py, pz, ux, uy, uz, s, out);
}

// Chosen once: the AVX2+FMA build where the CPU has both, baseline x86-64 otherwise.
template <bool Acc>
LoopFn pick_loop() {
  return detail::cpu_has_avx2_fma() ? &loop_avx2<Acc> : &loop_generic<Acc>;
}

}  // namespace

float kernel_r_index(float r_cm) { return detail::r_index(r_cm); }

double kernel_r_of_index(int index) {
  if (index <= 400) return index * 0.0025;
  if (index <= 800) return 1.0 + (index - 400) * 0.01;
  return 5.0 + (index - 800) * 0.05;
}

Tg43Kernel::Tg43Kernel(const SourceModel& source)
    : source_(&source), L_cm_(static_cast<float>(source.active_length_cm)) {
  const int n_theta = static_cast<int>(180.0f / detail::kThetaStep_deg) + 1;
  table_.n_r = kRows;
  table_.n_theta = n_theta;
  table_.theta_step_inv_deg = 1.0f / detail::kThetaStep_deg;
  table_.q.resize(static_cast<size_t>(kRows) * n_theta);
  // T(r, θ) = Λ · g_L(r) · F(r, θ) / G_L(r0, θ0): no geometry inside, so no singularity near
  // the source, and exactly piecewise bilinear between the published nodes.
  const double G0 = geometry_function_line(source.active_length_cm, 1.0, std::numbers::pi / 2);
  std::vector<double> F_row(static_cast<size_t>(n_theta));
  for (int ir = 0; ir < kRows; ++ir) {
    const double r = kernel_r_of_index(ir);
    const double radial = source.lambda_cGy_h_U * radial_dose_function(source, r) / G0;
    anisotropy_row(source, r, static_cast<double>(detail::kThetaStep_deg), F_row);
    for (int it = 0; it < n_theta; ++it) {
      const double q = radial * F_row[static_cast<size_t>(it)];
      HDR_ASSERT(std::isfinite(q) && q > 0, "kernel table node must be finite and positive");
      table_.q[static_cast<size_t>(ir) * n_theta + it] = static_cast<float>(q);
    }
  }
  // FNV-1a over the id, L and the table bytes.
  uint64_t h = 1469598103934665603ull;
  const auto mix = [&h](const void* data, size_t n) {
    const auto* b = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  mix(source.id.data(), source.id.size());
  mix(&L_cm_, sizeof L_cm_);
  mix(table_.q.data(), table_.q.size() * sizeof(float));
  fingerprint_ = h;
}

float Tg43Kernel::eval(float z_cm, float y_cm) const {
  if (run_grid::needs_closed_form(z_cm, y_cm)) return eval_closed_form(z_cm, y_cm);
  // Any stride holds the same node values; 25 nodes (2.5 mm) is the planner's usual step, so
  // this usually shares the planner's table.
  return run_table_for(*this, 25)->dose_rate_per_U(z_cm, y_cm);
}

float Tg43Kernel::eval_closed_form(float z_cm, float y_cm) const {
  // One point: a dwell at the origin with its tip along +z, i.e. direction (0,0,-1).
  const float x = 0, y = y_cm * 10.0f, z = z_cm * 10.0f;
  const float pos[3] = {0, 0, 0};
  const float dir[3] = {0, 0, -1};
  float out = 0;
  eval_points({&x, 1}, {&y, 1}, {&z, 1}, pos, dir, 1.0f, &out);
  return out;
}

void Tg43Kernel::eval_points(std::span<const float> x_mm, std::span<const float> y_mm, std::span<const float> z_mm,
                             const float pos_mm[3], const float dir[3], float scale, float* out) const {
  HDR_ASSERT(x_mm.size() == y_mm.size() && y_mm.size() == z_mm.size(), "point arrays differ in length");
  static const LoopFn fn = pick_loop<false>();
  fn(table_.q.data(), table_.n_r, table_.n_theta, L_cm_, x_mm.data(), y_mm.data(), z_mm.data(),
     static_cast<int>(x_mm.size()), pos_mm[0], pos_mm[1], pos_mm[2], dir[0], dir[1], dir[2], scale, out);
}

void Tg43Kernel::accumulate_points(std::span<const float> x_mm, std::span<const float> y_mm,
                                   std::span<const float> z_mm, const float pos_mm[3], const float dir[3], float scale,
                                   float* out) const {
  HDR_ASSERT(x_mm.size() == y_mm.size() && y_mm.size() == z_mm.size(), "point arrays differ in length");
  static const LoopFn fn = pick_loop<true>();
  fn(table_.q.data(), table_.n_r, table_.n_theta, L_cm_, x_mm.data(), y_mm.data(), z_mm.data(),
     static_cast<int>(x_mm.size()), pos_mm[0], pos_mm[1], pos_mm[2], dir[0], dir[1], dir[2], scale, out);
}

}  // namespace hdr::dose
