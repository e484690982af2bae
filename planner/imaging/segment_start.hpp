#pragma once
// The segmenter's start shape (internal to planner/imaging): several hypotheses for the gland's
// outline on the middle of the sweep, each refined on a few frames, the best kept.
#include <array>
#include <cmath>
#include <vector>

#include "planner/imaging/segment.hpp"
#include "planner/imaging/segment_frames.hpp"

namespace hdr::imaging::seg {

struct Circle {  // an axis-aligned ellipse in fact: the start shape
  double cx = 0, cy = 0, a = 0, b = 0;
  int sign = 1;
  double score = 0;
  double r = 0;  // mean radius
  double radius(double th) const { return a * b / std::sqrt(b * b * std::cos(th) * std::cos(th) + a * a * std::sin(th) * std::sin(th)); }
};

// A start hypothesis refined on a few middle frames: each frame contoured about the shape's
// centre with the shape as prior, the per-angle median of those contours becoming the next
// prior (twice). Its score is the boundary contrast the refined contours find (noise units):
// a start inside the gland (between rows of needles, say) or around part of it finds a weaker
// boundary than one near the gland's own outline.
struct StartShape {
  Circle c;
  std::vector<double> radii;  // per angle, about (c.cx, c.cy)
  double contrast = 0;
  double score = 0;
  std::array<double, 2> centroid{0, 0};  // of the refined shape
  std::array<double, 2> lumen{0, 0};     // the urethra's lumen found inside it
  double lumen_response = 0;             // how lumen-like (grey levels below its ring)
  bool lumen_between_needles = false;    // a gap between needle echoes rather than a lumen
};

// The start shape: every candidate refined, the best score kept (ties to the earlier, more
// probable placement).
StartShape choose_start(const Prepared& p, double rectum_r, int N, const SegmentationOptions& o);

}  // namespace hdr::imaging::seg
