#pragma once
// The AAPM TG-43U1 dose-rate formalism (Rivard et al., Med Phys 31 (2004) 633; HEBD consensus
// Perez-Calatayud et al., Med Phys 39 (2012) 2904), the direct (reference) path.
//
//   2D line source (TG-43U1 eq. 1):
//     Ḋ(r,θ) = S_K · Λ · [G_L(r,θ) / G_L(r0,θ0)] · g_L(r) · F(r,θ),   r0 = 1 cm, θ0 = 90°
//   G_L (eq. 4): β / (L · r · sinθ) off axis, β the angle the active length subtends at P;
//                1 / (r² − L²/4) on the axis (θ = 0° or 180°), defined only for r > L/2.
//   1D point source (eq. 11), the option for quick checks:
//     Ḋ(r) = S_K · Λ · (r0/r)² · g_P(r) · φ_an(r),
//     g_P(r) = g_L(r) · [G_L(r,θ0) r²] / [G_L(r0,θ0) r0²]   (eq. 11's conversion, G_P = 1/r²)
//     φ_an(r) = ½ ∫₀^π Ḋ(r,θ) sinθ dθ / Ḋ(r,θ0)   (eq. 9), integrated from the 2D data.
//
// Coordinates: the source centre at the origin, its long axis along +z, the TIP on the +z side
// (θ = 0° is the tip, 180° the cable side); z "along", y ≥ 0 "away" (distance from the axis).
//
// The subtle points (../shared/data/tg43/README.md), each handled deliberately:
//  1. β is computed as a difference of atan2 angles (never arccos of ratios), so G_L keeps
//     full precision at small y; on the axis G_L = 1/(r² − L²/4).
//  2. Inside the active source (y = 0 and |z| ≤ L/2) the dose is not defined: NaN. Table
//     cells flagged S (inside) or E at r < 0.5 cm next to the source are extrapolation
//     artefacts (some F > 1.5); they are replaced, per θ row, by the nearest published value
//     at larger r, so no physical point (r ≥ 0.25 cm) is ever interpolated from them.
//     Flagged cells elsewhere (cable side θ ≳ 160° at larger r) are used as given.
//  3. g_L below its first radius: nearest value; above its last: log-linear extrapolation from
//     the last two nodes. F beyond its last radius: the last column; below its first: the first.
//  4. F is bilinear in (r, θ) — linear in r, not log r; g_L is linear in r.
//  5. Normalisation with G_L(1 cm, 90°) computed with the table's own L.
#include <span>

#include "planner/dose/source_model.hpp"

namespace hdr::dose {

enum class Formalism { line_2d, point_1d };

// Geometry function G_L(r, θ) in cm⁻², θ in radians. r > 0.
double geometry_function_line(double L_cm, double r_cm, double theta_rad);

// Radial dose function g_L(r) and anisotropy F(r, θ) with the interpolation rules above.
double radial_dose_function(const SourceModel& s, double r_cm);
double anisotropy_function(const SourceModel& s, double r_cm, double theta_deg);
// out[k] = anisotropy_function(s, r, k·θ_step) for every k, bit for bit, without a search per
// value (the fast kernel's table: 397 000 values, 13 ms one by one).
void anisotropy_row(const SourceModel& s, double r_cm, double theta_step_deg, std::span<double> out);
// 1D anisotropy factor φ_an(r) (eq. 9), from the 2D data.
double anisotropy_factor(const SourceModel& s, double r_cm);

// Dose rate per unit air-kerma strength, cGy h⁻¹ U⁻¹, at (z along, y away) in cm from the
// source centre. NaN inside the active source. y must be ≥ 0 (it is a distance).
double dose_rate_per_U(const SourceModel& s, double z_cm, double y_cm, Formalism f = Formalism::line_2d);

}  // namespace hdr::dose
