#pragma once
// The run-table loops (run_table.hpp): a dose-rate matrix's columns for one run, and dose
// sums over runs. AVX2+FMA only: where the CPU lacks it, run_path_available() is false and
// the callers (dose_matrix.cpp) send every dwell through the closed-form kernel instead, which
// is exact to the same contract, only slower. Allocates nothing per point.
#include <cstdint>
#include <span>
#include <vector>

#include "planner/common/error.hpp"
#include "planner/dose/dwell_runs.hpp"
#include "planner/dose/kernel.hpp"
#include "planner/dose/run_table.hpp"

namespace hdr::dose {

bool run_path_available();
// Tests only: make run_path_available() false, to exercise the fallback on this machine.
void force_closed_form_only_for_tests(bool on);

// Pairs the table may not serve (run_table.hpp), queued and evaluated in batches by the
// vectorised closed-form kernel: *dest = weight·Ḋ (matrix) or *dest += weight·Ḋ (doses).
class ClosedFormQueue {
 public:
  static constexpr size_t kCapacity = 2048;  // a multiple of 8 (see flush)
  static constexpr size_t kMaxPerBlock = 128;  // entries one block (16 points × 8 lanes) may add
  ClosedFormQueue(const Tg43Kernel& kernel, bool accumulate);
  // dest == nullptr: evaluated but not written (keeps a run's batches identical whichever
  // columns are written, so a column update is bit-identical to a full rebuild).
  void add(float along_cm, float away_cm, float* dest, float weight) {
    HDR_ASSERT(n_ < kCapacity, "closed-form queue full: flush between blocks");
    z_mm_[n_] = 10.0f * along_cm;
    y_mm_[n_] = 10.0f * away_cm;
    dest_[n_] = dest;
    weight_[n_] = weight;
    ++n_;
  }
  bool nearly_full() const { return n_ + kMaxPerBlock > kCapacity; }
  void flush();
  size_t evaluated() const { return total_; }

 private:
  const Tg43Kernel& kernel_;
  bool accumulate_;
  size_t n_ = 0, total_ = 0;
  std::vector<float> x_mm_, y_mm_, z_mm_, out_, weight_;
  std::vector<float*> dest_;
};

struct RunRef {
  const DwellRun* run;
  const RunTable* table;
};

// a(i, run.dwell(l)) = scale·Ḋ(p_i; lane l)/S_K for i in [begin, end), every run and lane; a is
// column-major with leading dimension ld (a multiple of 16), a + begin on a 64-byte boundary
// (DoseRateMatrix's layout). write_dwell: nullptr = every lane, else a flag per dwell index.
// Flushes the queue.
void run_fill_rows(std::span<const RunRef> runs, std::span<const float> x_mm, std::span<const float> y_mm,
                   std::span<const float> z_mm, size_t begin, size_t end, float scale, float* a, size_t ld,
                   const uint8_t* write_dwell, ClosedFormQueue& queue);

// One run with the weight of each lane (scale·t, zero-padded to a multiple of 8 lanes).
struct WeightedRun {
  const DwellRun* run;
  const RunTable* table;
  std::vector<float> lane_weight;
};

// dose[i] += Σ_runs Σ_l weight_l·Ḋ(p_i; lane l)/S_K for i in [begin, end). Flushes the queue.
void run_accumulate_doses(std::span<const WeightedRun> runs, std::span<const float> x_mm,
                          std::span<const float> y_mm, std::span<const float> z_mm, size_t begin, size_t end,
                          float* dose, ClosedFormQueue& queue);

}  // namespace hdr::dose
