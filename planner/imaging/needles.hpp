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
// needle is reported only when it is seen on several consecutive frames from the entry side
// (calcifications are isolated in z). The tip is the deepest frame of that run.
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
};

struct NeedleOptions {
  double grid_mm = 5.0;             // template hole pitch
  double grid_tolerance_mm = 2.5;   // echo to hole distance (needle deflection + error)
  double max_width_mm = 3.5;        // wider echoes are catheters, not needles
  int min_frames = 3;               // consecutive frames needed for a needle
  double threshold_sd = 3.0;        // echo above local mean, in local sd
  double lumen_ratio = 0.5;         // behind_ratio below this: a catheter wall before its lumen, not a needle
  bool validate(std::string* error) const;
};

// Specular echoes in one frame (needle candidates, calcifications, catheter walls).
std::vector<Echo> find_echoes(const GrayImage& image, const NeedleOptions& options = {});

struct NeedleReport {
  std::vector<int> echoes_per_frame;
  int candidate_tracks = 0;
};

std::vector<formats::Catheter> detect_needles(const Sweep& sweep, const NeedleOptions& options = {}, NeedleReport* report = nullptr);

}  // namespace hdr::imaging
