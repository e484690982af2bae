#pragma once
// Synthetic planning cases with known truth (`hdr phantom case`): a prostate of a chosen
// volume (20–70 cc by default) with a slightly concave posterior wall, the urethra through it
// into the bladder neck, the rectum (outer wall, including lumen and the TRUS probe at the
// origin) touching or nearly touching the gland and extending past it, the bladder above the
// base, an optional boost lesion (kind `boost`) in the peripheral zone, and 12–20 straight
// needles from template holes on the 5 mm grid, spread over the gland and kept away from the
// urethra and the rectal wall. The seed also draws the source model (any of the six), its
// strength (30 000–45 000 U), the prescription (15 or 19 Gy), the slice spacing (5 or 2.5 mm)
// and the dwell step (5 or 2.5 mm). Same seed and options -> byte-identical case.
#include <cstdint>
#include <optional>

#include "planner/formats/types.hpp"

namespace hdr::phantom {

struct CaseOptions {
  uint64_t seed = 1;
  std::optional<double> volume_cc;  // prostate volume; default drawn in [20, 70]
  std::optional<int> catheters;     // needle count; default 14 (20 cc) .. 20 (70 cc), ± 1, in [12, 20]
  // Throws hdr::Error naming the field: volume_cc in [10, 120], catheters in [3, 40].
  void validate() const;
};

formats::Case make_phantom_case(const CaseOptions& options);

}  // namespace hdr::phantom
