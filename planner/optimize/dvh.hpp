#pragma once
// Dose-volume histogram arithmetic over weighted dose samples (each sample: a dose and the
// volume it stands for, e.g. a voxel or a refined sub-voxel).
//   V(D)  = Σ { v_i : d_i ≥ D } / Σ v_i · 100                         (% of volume)
//   D(x%) = the minimum dose of the hottest x % of the volume: sort d descending, accumulate
//           v, the dose of the first sample where the accumulated volume reaches x % · V
//   D(x cc) likewise with x cm³; when the structure is smaller than x cm³ the whole structure
//           is the hottest x cm³ and D is its minimum dose (flagged by covers()).
//   Dmax  = the largest sample dose.
#include <vector>

namespace hdr::optimize {

struct DoseSample {
  float dose_Gy;
  float volume_mm3;
};

class Dvh {
 public:
  Dvh() = default;
  explicit Dvh(std::vector<DoseSample> samples);  // sorts (hottest first); drops zero volumes

  double total_volume_cc() const { return total_mm3_ / 1000.0; }
  bool empty() const { return samples_.empty(); }
  double v_pct(double dose_Gy) const;
  double d_pct(double pct) const;
  double d_cc(double cc) const;
  double d_max_Gy() const;
  double d_min_Gy() const;
  bool covers(double cc) const { return cc * 1000.0 <= total_mm3_; }
  // Cumulative DVH at the given dose levels: % of volume receiving at least each.
  std::vector<double> cumulative_pct(const std::vector<double>& dose_levels_Gy) const;

 private:
  double dose_at_volume_mm3(double v_mm3) const;
  std::vector<DoseSample> samples_;  // descending dose
  std::vector<double> cum_mm3_;      // cumulative volume up to and including i
  double total_mm3_ = 0;
};

}  // namespace hdr::optimize
