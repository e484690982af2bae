#pragma once
// A second, independent TRUS phantom for the imaging tests (a C++ port of a throw-away Python
// simulator, altsim.py).
//
// Why it exists: the segmentation and needle detection were developed against the project's
// own simulator (planner/imaging/simulator), and a method tuned on one phantom may have learnt
// that phantom rather than ultrasound. The issue asks for a method built for ultrasound; the
// outside acceptance test uses a different simulator. This one is deliberately built unlike
// ours, so that a test on it measures how far the methods carry to images they were not tuned on.
//
// How it differs from planner/imaging/simulator:
//  - speckle: a complex Gaussian field on the *Cartesian* pixel grid blurred by an anisotropic
//    Gaussian (axial along the image rows, lateral along the columns; no beam geometry), not
//    scatterers in the probe's polar grid with a depth-dependent PSF and scan conversion;
//  - gland: an ellipsoid with harmonic deformation of the elliptic angle, cut flat by the
//    rectum (y > 13 mm), either truncated (the default: cross-sections shrink to 55 % and end
//    abruptly) or tapering to a point at apex and base (`taper`), not a superellipse;
//  - contrast: mild and of either sign (x0.55 / x0.7 darker or x1.45 / x1.8 brighter than the
//    tissue around it, drawn per seed), with a capsule rim x1.3, urethra 0.35, no transition zone;
//  - surroundings: rectal wall as a band 9.5..12.5 mm from the probe axis at 1.6 (tissue = 1),
//    a heterogeneous background (1 + bgmod sin(x/7 + k) cos(y/9), k the frame index), an
//    anechoic bladder at the base; calcifications (amplitude 6) on every 4th frame with a band
//    of shadow behind;
//  - needles: dots of speckle at amplitude 7 (radius 0.7 mm) with a radial reverberation tail
//    (2.5 exp(-d / 2.5 mm), 0.8..6 mm) and a half-transmission shadow beyond, on the 5 mm grid;
//  - amplitude attenuation exp(-atten R) left uncorrected (imperfect TGC), log compression with
//    a random dynamic range and gain, a display mid-level, sector R 9.5 mm..depth, +-65 deg.
//
// Determinism: the random stream is std::mt19937_64 with this file's own uniform and
// Box-Muller normal draws (std:: distributions are implementation-defined), so every platform
// draws the same anatomy and speckle. Every drawn value is drawn whether or not an option
// overrides it, so that fixing one option (taper, contrast, ...) leaves the rest of a seed's
// phantom as it was. What remains platform-dependent is floating-point rounding in libm and in
// OpenCV's blur, which can move a rare pixel by one grey level.
//
// Truth: prostate and urethra contours (hdr-structures) on the frames where the structure's
// mask has >= 20 pixels, traced along the mask's boundary; needles as hdr-catheters lines from
// the tip to z = -L (well outside the apex).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "planner/formats/types.hpp"
#include "planner/imaging/image.hpp"

namespace hdr::test {

// Each optional left empty is drawn from the seed (the range in the comment).
struct SecondPhantomOptions {
  std::optional<double> pixel_mm;          // square pixel size (sx); drawn 0.15..0.25 mm
  double depth_mm = 58.0;                  // sector's outer radius
  bool taper = false;                      // gland tapers to a point at apex and base (else truncated ends)
  double mid = 0.72;                       // display level: grey = (dB + mid * dr) / dr * 255, 0 dB = median echo
  std::optional<double> contrast;          // gland echo over tissue; drawn among 0.55, 0.7, 1.45, 1.8
  std::optional<double> step_mm;           // frame spacing; drawn among 2.5, 3, 5 mm
  std::optional<int> needles;              // needle count (at most the grid holes in the gland); drawn 6..14
  std::optional<double> psf_lateral_mm;    // Gaussian sigma along the columns; drawn 0.35..0.9 mm
  std::optional<double> psf_axial_mm;      // Gaussian sigma along the rows; drawn 0.2..0.45 mm
  std::optional<double> dynamic_range_dB;  // log-compression window (dr); drawn 45..60 dB
  std::optional<double> gain_dB;           // added after log compression; drawn -4..4 dB
  double background_modulation = 0.25;     // bgmod: relative amplitude of the background pattern
  double attenuation_per_mm = 0.012;       // atten: amplitude factor exp(-atten R), R in mm from the probe axis
  bool validate(std::string* error) const;
};

struct SecondPhantomNeedle {
  double x_mm = 0, y_mm = 0;          // at z = 0
  double slope_x = 0, slope_y = 0;    // mm per mm of z
  double z_tip_mm = 0;                // drawn from this frame on (z <= tip)
};

// The values a seed drew (after the options' overrides).
struct SecondPhantomParameters {
  double pixel_mm = 0.2;
  double length_mm = 40;                 // gland from z = -L/2 (apex) to +L/2 (base)
  double half_width_mm = 20;             // a0: x half-axis at mid-gland
  double half_height_mm = 15;            // b0: y half-axis at mid-gland
  double centre_y_mm = 30;               // cy0: centre at mid-gland (drifts +-2 mm towards base/apex)
  double contrast = 0.55;
  double step_mm = 3;
  double psf_lateral_mm = 0.5, psf_axial_mm = 0.3;
  double dynamic_range_dB = 50, gain_dB = 0;
  std::array<double, 4> harmonic_phase{};  // deformation cos((i + 2) theta + phase_i)
  std::array<double, 4> harmonic_amp{};    // relative, 0..0.08 each
  std::vector<SecondPhantomNeedle> needles;
};

struct SecondPhantom {
  imaging::Sweep sweep;
  std::vector<formats::Structure> truth_structures;  // "prostate" (target), "urethra" (organ at risk)
  std::vector<formats::Catheter> truth_catheters;    // [[x, y, z_tip], [x, y, -L]]
  SecondPhantomParameters drawn;
};

// Throws hdr::Error naming the field when the options are invalid.
SecondPhantom simulate_second_phantom(std::uint64_t seed, const SecondPhantomOptions& options = {});

// Whether (x, y) lies in the imaged sector: 9.5 mm < R < depth, |angle from +y| < 65 deg.
bool second_phantom_in_sector(double x_mm, double y_mm, double depth_mm);

}  // namespace hdr::test
