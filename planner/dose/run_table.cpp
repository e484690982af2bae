#include "planner/dose/run_table.hpp"

#include <chrono>
#include <cstdlib>
#include <cmath>
#include <deque>
#include <mutex>

#include "planner/common/error.hpp"
#include "planner/dose/huge_pages.hpp"
#include "planner/dose/kernel.hpp"

namespace hdr::dose {

double run_grid::away_of_row(int row) {
  const int e = row / kRowsPerOctave;
  const double f = static_cast<double>(row % kRowsPerOctave) / kRowsPerOctave;
  return static_cast<double>(kAwayMin_cm) * std::ldexp(1.0 + f, e);
}

RunTable::RunTable(const Tg43Kernel& kernel, int stride_nodes) : m_(stride_nodes) {
  using namespace run_grid;
  HDR_ASSERT(m_ >= 1 && m_ <= kMaxStrideNodes, "run-table stride must be 1..400 nodes");
  const auto t0 = std::chrono::steady_clock::now();
  // q covers every node plus 8 lanes of padding, so a vector load from any in-table lane stays
  // inside the row (lanes past the run or the table are masked, never used).
  nq_ = (kAlongNodes - 1) / m_ + 1 + 9;
  const size_t n_ia = static_cast<size_t>(nq_) * static_cast<size_t>(m_) + 1;  // ia = q·m + res, res <= m
  size_ = static_cast<size_t>(kAwayRows) * row_stride();
  // Lookups jump across the whole table (one point, then the next); with 4 KiB pages its ~2300
  // pages overflow the TLB, so ask for 2 MiB pages (a hint: without them it is only slower).
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t bytes = (size_ * sizeof(float) + kHugePage - 1) / kHugePage * kHugePage;
  q_.reset(static_cast<float*>(std::aligned_alloc(kHugePage, bytes)));
  HDR_ASSERT(q_ != nullptr, "out of memory for the run table");
  advise_huge_pages(q_.get(), bytes);

  // One table row = one vectorised closed-form call over every along node (padding nodes
  // repeat the last node).
  std::vector<float> x(n_ia, 0.0f), y(n_ia), z(n_ia), v(n_ia);
  std::vector<double> along2(n_ia);
  for (size_t ia = 0; ia < n_ia; ++ia) {
    const int node = std::min(static_cast<int>(ia), kAlongNodes - 1);
    const double along_cm = static_cast<double>(kAlongMin_cm) + node / static_cast<double>(kAlongNodesPerCm);
    z[ia] = static_cast<float>(10.0 * along_cm);
    along2[ia] = along_cm * along_cm;
  }
  const float origin[3] = {0, 0, 0};
  const float tip_along_z[3] = {0, 0, -1};  // along = z, as Tg43Kernel::eval
  for (int row = 0; row < kAwayRows; ++row) {
    const double away_cm = away_of_row(row);
    std::fill(y.begin(), y.end(), static_cast<float>(10.0 * away_cm));
    kernel.eval_points(x, y, z, origin, tip_along_z, 1.0f, v.data());
    float* dst = q_.get() + static_cast<size_t>(row) * row_stride();
    for (int res = 0; res <= m_; ++res)
      for (int q = 0; q < nq_; ++q) {
        const size_t ia = static_cast<size_t>(q) * static_cast<size_t>(m_) + static_cast<size_t>(res);
        const double value = static_cast<double>(v[ia]) * (along2[ia] + away_cm * away_cm);
        HDR_ASSERT(std::isfinite(value) && value > 0, "run-table node must be finite and positive");
        dst[static_cast<size_t>(res) * static_cast<size_t>(nq_) + static_cast<size_t>(q)] = static_cast<float>(value);
      }
  }
  build_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

float RunTable::dose_rate_per_U(float along_cm, float away_cm) const {
  using namespace run_grid;
  HDR_ASSERT(!needs_closed_form(along_cm, away_cm), "run-table lookup outside its accuracy domain");
  const float ta = (along_cm - kAlongMin_cm) * kAlongNodesPerCm;
  const int ia = static_cast<int>(ta);
  const float fa = ta - static_cast<float>(ia);
  const int q = ia / m_, res = ia - q * m_;
  const float ty = away_row(away_cm);
  const int row = static_cast<int>(ty);
  const float fy = ty - static_cast<float>(row);
  const float* p = q_.get() + static_cast<size_t>(row) * row_stride() + static_cast<size_t>(res) * nq_ + q;
  const size_t rs = row_stride(), nq = static_cast<size_t>(nq_);
  const float v = (1 - fa) * (1 - fy) * p[0] + fa * (1 - fy) * p[nq] + (1 - fa) * fy * p[rs] + fa * fy * p[rs + nq];
  return v / (along_cm * along_cm + away_cm * away_cm);
}

void RunTable::Free::operator()(float* p) const { std::free(p); }

namespace {

struct CacheEntry {
  uint64_t fingerprint;
  int stride_nodes;
  std::shared_ptr<const RunTable> table;
};

// A plan uses one source and usually one step; a few entries cover a source change or a mixed
// step without holding more than ~4 × 9 MB.
constexpr size_t kCacheEntries = 4;

}  // namespace

std::shared_ptr<const RunTable> run_table_for(const Tg43Kernel& kernel, int stride_nodes) {
  static std::mutex mutex;
  static std::deque<CacheEntry> cache;
  const std::lock_guard lock(mutex);
  for (const auto& e : cache)
    if (e.fingerprint == kernel.fingerprint() && e.stride_nodes == stride_nodes) return e.table;
  auto table = std::make_shared<const RunTable>(kernel, stride_nodes);
  cache.push_back({kernel.fingerprint(), stride_nodes, table});
  if (cache.size() > kCacheEntries) cache.pop_front();
  return table;
}

}  // namespace hdr::dose
