#pragma once
// Automatic contours of a TRUS sweep: prostate, urethra and rectal wall, as hdr-structures/1.
//
// Prostate method (contrast-agnostic: the gland may be darker or brighter than its
// surroundings — clinical TRUS vs. gel phantoms — so only a consistent edge is assumed; step 1
// is in segment_frames, step 2 in segment_start, the per-frame contour in segment_contour):
//  1. each frame is reduced to a 0.5 mm working grid and smoothed against speckle; compact
//     specular echoes (needles, calcifications: far above their local surroundings, not merely
//     the brightest pixels, which in a hyperechoic gland are the gland) and their reverberation
//     tails — followed along the beam while brighter than the tissue beside them — are left out
//     with their skirts (sqrt(2) times the frame's median half-width of its echoes above the
//     tissue: a blurrier scanner spreads them further) and filled from their surroundings
//     (normalised convolution, widened where the gap is wide);
//  2. the start shape is chosen among several hypotheses (ellipse: centre, half-axes, edge
//     polarity): those with the strongest sign-consistent radial contrast on the mean of the
//     middle frames under the usual placement prior (anterior to the probe, laterally within a
//     few mm: the probe is centred under the gland), under a wide one and under none, and the
//     largest region of the gland's echo texture (Otsu classes of the mean image). Each is
//     refined on five middle frames (contoured with the shape as prior, twice) and scored by
//     the boundary contrast its refined contours find, times the share of tracked needle
//     echoes they hold (catheters are implanted in the gland), the proposing evidence and the
//     placement prior (both softened): a start between rows of needles or around part of the
//     gland finds a weaker or needle-cut boundary. The urethra is an anatomical prior: each
//     refined shape finds the lumen inside it, the lumen most shapes agree on (weighted by
//     score and lumen contrast; gaps between needle echoes do not vote) is taken as the
//     urethra, and a shape centred well beside it or well anterior of it scores less (a dark
//     band above the gland — the fat's texture, the needles' shadows — taken in). "Middle"
//     frames are the middle half of the longest run of frames without a large anechoic region
//     (a sweep may run on well into the bladder);
//  3. every frame is contoured by dynamic programming over polar rays about the gland's
//     centre line (closed contour; from ray to ray the radius may change by up to 1 mm more
//     than the prior shape's own change, so that a wide, flat gland's lateral ends are followed; a prior pulling
//     towards the neighbouring frames' shape), then low-pass filtered in angle (shape prior)
//     and across frames (3D consistency); going from the reference frame towards apex and
//     base a cross-section may grow only a little beyond its inner neighbour's (the gland
//     tapers; the bladder beyond the base is not swallowed), and its prior is the inner
//     neighbour's shape scaled down (to 0.7 at most) where that shows a clearly stronger
//     boundary (a weak edge alone does not pull a contour in as the gland tapers); in every
//     pass a contour passing inside a tracked needle echo that its prior holds, or within 4.5 mm of the urethra's
//     lumen as the start found it, pays as for a strong edge (catheters and the urethra lie in
//     the gland);
//     a third pass re-contours each present frame with the per-angle median of the present
//     frames within +-2 positions, symmetric about it (fewer near the ends), as prior (a frame
//     cut short by needle echoes is pulled back);
//     in passes 2 and 3, anechoic fluid (3 noise units below the gland's interior, or under a
//     third of its grey level: bladder, cysts) is never inside the contour — along each ray the
//     contour stops where a 5 mm run of fluid begins, unless the run starts near the centre
//     and closes within 10 mm (a cyst or a dark lumen inside the gland) — and its rim counts as
//     an edge of either polarity;
//  4. a frame gets a contour only if its boundary contrast is a sizeable fraction of the
//     mid-gland contrast — with and without the rays where the outside is fluid (beyond the
//     base, tissue under the bladder has a strong edge only where the bladder is) —, its interior resembles the mid-gland's (within 2.5 noise units: the
//     anechoic bladder does not) and it belongs to the contiguous run of such frames
//     (apex/base; a single doubtful frame between two present ones counts as present); the
//     run's first and last frames must show a larger fraction (end_presence_ratio), or are
//     left out until one does (beyond the apex the needles run on through plain tissue, and a
//     contour about them finds half the gland's contrast in a faint gland).
// Urethra: its own appearance — a lumen (hypoechoic urethra, or a Foley catheter's anechoic
// lumen inside its bright wall) darker than the ring 3-4.5 mm around it, on a lightly smoothed
// frame — near the gland's centre, never on a needle echo nor in the beam shadow behind one;
// continuous through the sweep (a robust straight line through the per-frame centres, each
// frame searched again within 2.5 mm of it, then a 3-frame median). Rectum: the probe's circle plus the
// measured rectal-wall thickness, on every frame.
#include <string>
#include <vector>

#include "planner/formats/types.hpp"
#include "planner/imaging/image.hpp"

namespace hdr::imaging {

struct SegmentationOptions {
  double working_mm = 0.5;         // working grid pixel size
  double smooth_sigma_mm = 1.25;   // speckle smoothing
  int angles = 72;                 // polar rays per contour
  double presence_ratio = 0.45;    // frame contrast / best frame contrast to call the gland present
  // The same ratio for the first and last frames the gland is called present on: a frame beyond
  // the apex, where the needles run on through plain tissue, or beyond the base finds a contour
  // about them with about half the gland's contrast; a true end frame usually shows more.
  double end_presence_ratio = 0.55;
  double prior_weight = 0.25;      // pull towards neighbouring frames' radii (0 = none)
  double consistency_weight = 0.25;  // pass 3: pull towards the per-angle median of +-2 present frames
  // Outward shift of the final contour: the edge found on the speckle-smoothed image (median
  // + Gaussian, then a +-1.5 mm difference across the boundary) lies ~0.5 mm inside the true
  // boundary of a gland darker than its surroundings (smoothing erodes a convex region; the
  // beam's blur spreads the brighter side's echoes into the darker one). A brighter gland's
  // echoes spread outwards instead: its edge is found about at the boundary (over 80 simulated
  // sweeps with a 0.5 mm shift for both: volume +6.8 % on average for bright glands, +2.8 % for dark).
  // Since the passes keep tracked needles inside the contour, 0.5 mm for dark glands read +2.5 to
  // +4 % (median); 0.35 mm: +0.9 % mean, -0.3 % median over 78 dark glands (sets 2000, 5000,
  // 6000, 7000), with the same Dice.
  double boundary_offset_mm = 0.35;
  double boundary_offset_bright_mm = 0.0;
  bool validate(std::string* error) const;
};

struct SegmentationReport {
  std::vector<double> z_mm;            // per processed (unique) position, increasing
  std::vector<double> contrast;        // boundary contrast per position (noise units)
  std::vector<bool> prostate_present;
  int edge_sign = 0;                   // +1: gland darker than surroundings, -1: brighter
  double initial_centre_mm[2] = {0, 0};
  double initial_radius_mm = 0;
};

struct SegmentationResult {
  std::vector<formats::Structure> structures;  // prostate, urethra, rectum (those found)
  SegmentationReport report;
};

SegmentationResult segment_sweep(const Sweep& sweep, const SegmentationOptions& options = {});

// Editing: `edited` slices (at some of the automatic slices' z, or new z) replace the
// automatic ones; automatic slices lying strictly between two edited slices are replaced by
// a shape interpolation of those two (polar radii about the centroids, linearly blended), so
// that correcting two slices corrects the stretch between them. Slices outside the edited
// range are kept.
formats::Structure apply_slice_edits(const formats::Structure& automatic, const std::vector<formats::ContourSlice>& edited);

// Interpolated contour between two slices at fraction t in [0, 1] (used by the editor too).
formats::ContourSlice interpolate_slices(const formats::ContourSlice& a, const formats::ContourSlice& b, double z_mm);

}  // namespace hdr::imaging
