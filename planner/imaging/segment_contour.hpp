#pragma once
// Contours of one frame about a centre (internal to planner/imaging): closed contours by dynamic
// programming over polar rays, the shape prior's low-pass, and the measures a contour is judged
// by (boundary contrast in noise units, interior mean).
#include <array>
#include <cstddef>
#include <limits>
#include <vector>

#include "planner/imaging/segment_frames.hpp"

namespace hdr::imaging::seg {

// Per ray about (cx, cy): the radius a contour must exceed to hold the frame's tracked needles
// (needle centre + `margin_mm`), 0 where no needle lies; with `held_by` (radii per ray), only
// for the needles that shape holds.
std::vector<double> needle_floor(const Prepared& p, size_t k, double cx, double cy, int N, double margin_mm,
                                 const std::vector<double>* held_by = nullptr);

// `floor` (per ray about (cx, cy), as needle_floor gives it) raised on every ray that crosses
// the disc of `radius_mm` about `centre` to the radius where the ray leaves the disc; rays
// missing the disc keep their floor. With the urethra's lumen as the centre, it keeps the
// urethra and a wall of gland about it inside the contour.
std::vector<double> raise_floor_to_disc(std::vector<double> floor, double cx, double cy, const std::array<double, 2>& centre, double radius_mm);

// Closed contour by dynamic programming over polar rays about (cx, cy). Returns radii.
std::vector<double> polar_dp(const Prepared& p, size_t fi, double cx, double cy, const std::vector<double>& prior,
                             double prior_weight, double r_lo, double r_hi, int sign, double rectum_r,
                             double fluid_below = -std::numeric_limits<double>::infinity(), const std::vector<double>* cap = nullptr,
                             const std::vector<double>* floor = nullptr);

// Shape prior: spike removal (circular median of 5) then a low-pass keeping 6 harmonics.
std::vector<double> smooth_shape(const std::vector<double>& r);

// Boundary contrast in noise units (sign-corrected): outside band minus inside band; where the
// outside is fluid (is_fluid with `fluid_below`) an edge of either polarity, or, with
// `tissue_only`, not counted (the contrast of the gland against tissue alone; 0 when under a
// third of the rays).
double boundary_contrast(const Prepared& p, size_t k_frame, double cx, double cy, const std::vector<double>& r, int sign,
                         double fluid_below = -std::numeric_limits<double>::infinity(), bool tissue_only = false);

// Mean intensity well inside the contour (40..80 % of each ray's radius).
double interior_mean(const Prepared& p, const WorkingGrid& g, double cx, double cy, const std::vector<double>& r);

}  // namespace hdr::imaging::seg
