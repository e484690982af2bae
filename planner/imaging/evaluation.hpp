#pragma once
// Measures of agreement between contour stacks and between needle sets, as the issue defines
// them; used by the evaluation test and the bench's evaluation figures.
//  - Volumes follow the planar contour-stack convention (formats/README.md): each slice's
//    polygon fills a slab reaching half way to its neighbours; end slabs one spacing thick.
//  - Dice = 2|A∩B| / (|A| + |B|) over those slabs (2D rasterised at 0.2 mm).
//  - Boundary distances: on slices present in both, points every 0.5 mm along each contour to
//    the other contour (both directions); mean and 95th percentile.
//  - A needle is found when the mean xy distance between its line and a true needle's line
//    over the gland's z range is within 1.5 mm (greedy one-to-one matching, closest first).
#include <vector>

#include "planner/formats/types.hpp"
#include "planner/imaging/image.hpp"

namespace hdr::imaging {

struct ContourAgreement {
  double dice = 0.0;
  double mean_boundary_mm = 0.0;
  double hd95_mm = 0.0;
  double volume_test_cc = 0.0;
  double volume_truth_cc = 0.0;
};

double stack_volume_cc(const formats::Structure& s);
ContourAgreement compare_structures(const formats::Structure& test, const formats::Structure& truth);

// Frames the test contours and the truth does not (beyond the apex or base: the issue counts
// them against the method), and frames the truth contours and the test does not.
struct FramePresenceAgreement {
  int beyond = 0;
  int missed = 0;
};
FramePresenceAgreement compare_frame_presence(const formats::Structure& test, const formats::Structure& truth, const Sweep& sweep);

struct NeedleAgreement {
  int truth_count = 0;
  int found = 0;            // matched within tolerance
  int false_needles = 0;    // detections matched to nothing
  double mean_error_mm = 0.0;  // over matched pairs
  std::vector<int> truth_match;  // per true needle: the index of the detection matched to it, -1 if none
};

NeedleAgreement compare_needles(const std::vector<formats::Catheter>& test, const std::vector<formats::Catheter>& truth,
                                double z_lo_mm, double z_hi_mm, double tolerance_mm = 1.5);

}  // namespace hdr::imaging
