#pragma once
// Needles in a TRUS sweep, as hdr-catheters/1.
//
// Per frame, specular echoes are found as compact regions much brighter than their
// surroundings (local mean + k local sd, and among the frame's brightest pixels). Each region's
// echo is taken at its end nearest the probe (a needle's near wall): what lies behind along
// the beam is its reverberation tail and is not a needle, unless a second strong peak rises
// again further out (a second needle on the same beam line). Echoes wider than a needle (the
// Foley catheter's walls) are rejected, and so are echoes followed along the beam by a dark
// lumen (a catheter's near wall: needles are followed by their tails or a partial shadow), and
// so are weaker echoes less than 4 mm behind a stronger one on the same beam (seen through its
// reverberation tail, which fills a Foley's lumen behind a needle). Across the sweep, echoes are grouped at the 5 mm
// template grid positions, a straight line x(z), y(z) is fitted (outliers removed), and a
// needle is reported only when it is seen on several consecutive frames from the entry side,
// or on a good share of the frames along its length (calcifications are isolated in z). The
// tip is the deepest frame of that run, or its deepest sighting.
//
// Saturated route (find_needle_echoes, which detect_needles uses; find_echoes leaves it out):
// where the display clips the local tissue itself at white (a bright gland on a bright
// display: the local mean + k sd lies above white), no needle can be brighter than its
// surroundings by grey level and the test above cannot pass. There an echo is a white core as
// thick as a needle (a disc of about 0.7 mm or more, mostly at the frame's white, not a thin
// speckle grain or a bright band such as the rectal wall, and not where the sector's edge cuts
// the run across the beam short, so that its width cannot be told) with a shadow behind it along the
// beam: the band 5..15 mm beyond it (past a reverberation tail) darker than the bands 1.5..4 mm
// to either side, by NeedleOptions::shadow_sd robust sd of those flanks. A calcification also
// has both; it is isolated in z and the tracking leaves it out. On the second, independent
// phantom (tests/imaging/second_phantom.hpp; 60 sweeps, 26 of their glands bright) 539 of 583
// needles were found, 458 by the regular route alone, both before sparse tracks and at
// shadow_sd 2 (NeedleOptions has the later figures). Our own simulator's evaluation sets came
// out the same to the last digit: its displays seldom clip tissue at white, and no white core
// there had a needle's shadow.
#include <string>
#include <vector>

#include "planner/formats/types.hpp"
#include "planner/imaging/image.hpp"

namespace hdr::imaging {

struct Echo {
  double x_mm = 0, y_mm = 0;   // echo centre estimate (near wall + half a needle)
  double strength = 0;         // peak grey level above the local mean, in local sd units
  double width_mm = 0;         // lateral extent near the head
  double length_mm = 0;        // radial extent (head + tail)
  // Mean grey level 2..3.5 mm beyond the echo along the beam over that beside it (4 mm to
  // either side, same depth). A needle is followed by its reverberation tail or a partial
  // shadow (ratio near or above 1); a catheter's near wall (the Foley) by its anechoic lumen.
  double behind_ratio = 1.0;
  // Lies on the beam less than 4 mm behind a stronger echo and is weaker than 0.8 of it: seen
  // through that echo's reverberation tail (a Foley's near wall behind a needle), not a needle.
  bool behind_stronger = false;
  // Found by the saturated route (see above): a white core in clipped tissue with a shadow
  // behind it. Its centre is the core's centre; shadow_sd is the shadow's contrast (negative:
  // darker than the flanks, in their robust sd), 0 for echoes of the regular route.
  bool saturated = false;
  double shadow_sd = 0;
};

struct NeedleOptions {
  double grid_mm = 5.0;             // template hole pitch
  double grid_tolerance_mm = 2.5;   // echo to hole distance (needle deflection + error)
  // The template's holes reach this far to either side of the probe's axis: a prostate template
  // has 13 columns at 5 mm (A-M, -30..+30 mm). Echoes nearer other holes are no needle (the
  // second phantom's bright display showed a speckle track at x = 40 mm, seed 126).
  double template_half_width_mm = 30.0;
  double max_width_mm = 3.5;        // wider echoes are catheters, not needles
  int min_frames = 3;               // consecutive frames needed for a needle
  double threshold_sd = 3.0;        // echo above local mean, in local sd
  double lumen_ratio = 0.5;         // behind_ratio below this: a catheter wall before its lumen, not a needle
  // Saturated route: shadow behind a white core needed, in robust sd of the flanks. Second
  // phantom, 60 sweeps (sets 100 and 200): at 2, needles in bright glands seen on 64-66 % of
  // their frames (regular route alone 43-47 %), 539/583 needles found with 6 false (regular
  // route alone 458, 6 false); at 1.5: 549 with 7 false; at 3: 511 with 6 false. With sparse
  // tracks, on all 150 sweeps (sets 100-500): at 2, 1429/1496 found with 9 false (the tapering
  // sets 93.2 % and 94.1 %: bright glands' needles whose shadow measured -1.3..-1.7 sd); at
  // 1.2, 1448 with 13 false (each set >= 95.2 %), 11 once template_half_width_mm and the
  // sector-edge test refused the impossible ones; our simulator's sets unchanged.
  double shadow_sd = 1.2;
  // A needle not seen on a run of frames (gaps of up to 3 frames) is still tracked when it shows
  // on min_sighting_share of the frames from its first sighting to its last and those sightings
  // lie on a straight line within max_sparse_rms_mm rms (see detect_needles). Second phantom,
  // 150 sweeps (sets 100-500; 400 and 500 were not used to choose the values): 1385 -> 1429 of
  // 1496 needles found, 9 false before and after; our simulator's 7 sets: 2 more found, no
  // more false. True sparse needles' sightings scatter 0.03-0.32 mm rms about their line; the
  // sparse false tracks without the straightness test scattered 0.45-0.83 mm (at 0.5 mm one
  // of them passed, and two more true ones). Share 0.5 instead of 0.4 found 10 fewer on sets
  // 100 and 500.
  double min_sighting_share = 0.4;
  double max_sparse_rms_mm = 0.4;
  bool validate(std::string* error) const;
};

// Specular echoes in one frame (needle candidates, calcifications, catheter walls), by the
// regular route only: what the segmenter leaves out of its averages and keeps inside its contours.
std::vector<Echo> find_echoes(const GrayImage& image, const NeedleOptions& options = {});

// The same and the saturated route's echoes (Echo::saturated), as detect_needles uses them.
// Kept apart from find_echoes because the segmenter, given them, moved: on the second phantom
// its mean Dice went up on the tapering set (0.929 -> 0.930) and down on the truncated one
// (0.936 -> 0.935), one sweep that it already over-contours (+28 % volume, seed 102) growing to
// +40 % and failing test_second_phantom's floors. Whether it should see them is the segmenter's call.
std::vector<Echo> find_needle_echoes(const GrayImage& image, const NeedleOptions& options = {});

// Why detect_needles' tracking leaves a frame's echo out (none: it keeps it, at its nearest
// template hole). Public so that evaluations can say why a true needle went unseen.
enum class EchoRefusal { none, too_wide, lumen_or_tail, off_grid, outside_template };
EchoRefusal tracking_refusal(const Echo& echo, const NeedleOptions& options);

struct NeedleReport {
  std::vector<int> echoes_per_frame;
  int candidate_tracks = 0;
};

std::vector<formats::Catheter> detect_needles(const Sweep& sweep, const NeedleOptions& options = {}, NeedleReport* report = nullptr);

}  // namespace hdr::imaging
