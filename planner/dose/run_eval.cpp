#include "planner/dose/run_eval.hpp"

#include <immintrin.h>

#include <algorithm>
#include <atomic>

#include "planner/common/error.hpp"
#include "planner/dose/cpu_features.hpp"

// Every function that uses AVX2 carries the target attribute (the file is compiled for
// baseline x86-64); callers check run_path_available() first.
#define HDR_AVX2 __attribute__((target("avx2,fma")))
#define HDR_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) inline

namespace hdr::dose {
namespace {

std::atomic<bool> g_forced_off{false};

// One group of 8 points against one run: what is the same for every lane.
struct alignas(32) Prep {
  float along0[8];  // along of lane 0 (cm)
  float away[8], away2[8];
  float w00[8], w01[8], w10[8], w11[8];  // bilinear weights (× scale)
  int32_t off[8];                        // table offset of lane 0's node
  int32_t bad[8];                        // out of the table: every lane closed form
  int32_t simple[8];                     // every lane of the run served by the table
};

struct TableView {
  const float* q;
  size_t nq, rs;
  int m;
};

HDR_AVX2_INLINE void prepare(const float* x, const float* y, const float* z, const DwellRun& r, const TableView& t,
                             float scale, Prep& p) {
  const float run_length_cm = static_cast<float>(r.count - 1) * r.step_cm;
  using namespace run_grid;
  const __m256 tenth = _mm256_set1_ps(0.1f);
  const __m256 dx = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x), _mm256_set1_ps(r.pos_mm[0])), tenth);
  const __m256 dy = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(y), _mm256_set1_ps(r.pos_mm[1])), tenth);
  const __m256 dz = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(z), _mm256_set1_ps(r.pos_mm[2])), tenth);
  const __m256 ux = _mm256_set1_ps(r.dir[0]), uy = _mm256_set1_ps(r.dir[1]), uz = _mm256_set1_ps(r.dir[2]);
  // The tip points along -u, so along is positive tip-wards (as kernel_loop.hpp).
  const __m256 along = _mm256_sub_ps(_mm256_setzero_ps(),
                                     _mm256_fmadd_ps(dz, uz, _mm256_fmadd_ps(dy, uy, _mm256_mul_ps(dx, ux))));
  // |d × u|: no cancellation near the axis.
  const __m256 cx = _mm256_fmsub_ps(dy, uz, _mm256_mul_ps(dz, uy));
  const __m256 cy = _mm256_fmsub_ps(dz, ux, _mm256_mul_ps(dx, uz));
  const __m256 cz = _mm256_fmsub_ps(dx, uy, _mm256_mul_ps(dy, ux));
  const __m256 away2 = _mm256_fmadd_ps(cx, cx, _mm256_fmadd_ps(cy, cy, _mm256_mul_ps(cz, cz)));
  const __m256 away = _mm256_sqrt_ps(away2);
  // Along node of lane 0, clamped so that even a lane flagged `bad` loads inside the table.
  __m256 ta = _mm256_mul_ps(_mm256_sub_ps(along, _mm256_set1_ps(kAlongMin_cm)), _mm256_set1_ps(kAlongNodesPerCm));
  ta = _mm256_min_ps(_mm256_max_ps(ta, _mm256_setzero_ps()), _mm256_set1_ps(static_cast<float>(kAlongNodes - 3)));
  const __m256i ia = _mm256_cvttps_epi32(ta);
  const __m256 fa = _mm256_sub_ps(ta, _mm256_cvtepi32_ps(ia));
  // ia = q·m + res; (ia + 0.5)/m is at least 0.5/m from an integer, far above float error.
  const __m256i q = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_add_ps(_mm256_cvtepi32_ps(ia), _mm256_set1_ps(0.5f)),
                                                      _mm256_set1_ps(1.0f / static_cast<float>(t.m))));
  const __m256i res = _mm256_sub_epi32(ia, _mm256_mullo_epi32(q, _mm256_set1_epi32(t.m)));
  // Away row: 128·(exponent + mantissa) of away/y0 (run_grid::away_row, vectorised).
  const __m256 tt = _mm256_mul_ps(_mm256_max_ps(away, _mm256_set1_ps(kAwayMin_cm)), _mm256_set1_ps(kAwayMinInv));
  const __m256i bits = _mm256_castps_si256(tt);
  const __m256i e = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
  const __m256i mant = _mm256_and_si256(bits, _mm256_set1_epi32(0x7fffff));
  __m256 ty = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mant), _mm256_set1_ps(kRowsPerOctave / 8388608.0f),
                              _mm256_mul_ps(_mm256_cvtepi32_ps(e), _mm256_set1_ps(static_cast<float>(kRowsPerOctave))));
  ty = _mm256_min_ps(ty, _mm256_set1_ps(static_cast<float>(kAwayRows - 2)));
  const __m256i row = _mm256_cvttps_epi32(ty);
  const __m256 fy = _mm256_sub_ps(ty, _mm256_cvtepi32_ps(row));
  const __m256i off = _mm256_add_epi32(
      _mm256_add_epi32(_mm256_mullo_epi32(row, _mm256_set1_epi32(static_cast<int>(t.rs))),
                       _mm256_mullo_epi32(res, _mm256_set1_epi32(static_cast<int>(t.nq)))),
      q);
  const __m256 one = _mm256_set1_ps(1.0f), s = _mm256_set1_ps(scale);
  const __m256 ga = _mm256_sub_ps(one, fa), gy = _mm256_mul_ps(_mm256_sub_ps(one, fy), s), fys = _mm256_mul_ps(fy, s);
  _mm256_store_ps(p.w00, _mm256_mul_ps(ga, gy));
  _mm256_store_ps(p.w01, _mm256_mul_ps(fa, gy));
  _mm256_store_ps(p.w10, _mm256_mul_ps(ga, fys));
  _mm256_store_ps(p.w11, _mm256_mul_ps(fa, fys));
  _mm256_store_ps(p.along0, along);
  _mm256_store_ps(p.away, away);
  _mm256_store_ps(p.away2, away2);
  _mm256_store_si256(reinterpret_cast<__m256i*>(p.off), off);
  // NaN-safe: "not >=" and "not <=" are true for NaN, so a NaN point goes to the closed form.
  const __m256 bad = _mm256_or_ps(_mm256_cmp_ps(along, _mm256_set1_ps(kAlongMin_cm), _CMP_NGE_UQ),
                                  _mm256_cmp_ps(away, _mm256_set1_ps(kAwayMax_cm), _CMP_NLE_UQ));
  _mm256_store_si256(reinterpret_cast<__m256i*>(p.bad), _mm256_castps_si256(bad));
  // Simple: no lane near the source, in an axis cone or past the table. along grows with the
  // lane, so the extremes are lanes 0 and count-1; most (point, run) pairs are simple.
  const __m256 last = _mm256_add_ps(along, _mm256_set1_ps(run_length_cm));
  const __m256 max_a2 = _mm256_max_ps(_mm256_mul_ps(along, along), _mm256_mul_ps(last, last));
  const __m256 need = _mm256_max_ps(_mm256_set1_ps(kNearRadius_cm * kNearRadius_cm),
                                    _mm256_mul_ps(_mm256_set1_ps(kAxisConeTan * kAxisConeTan), max_a2));
  __m256 simple = _mm256_and_ps(_mm256_cmp_ps(away2, need, _CMP_GE_OQ),
                                _mm256_cmp_ps(last, _mm256_set1_ps(kAlongHigh_cm), _CMP_LE_OQ));
  simple = _mm256_andnot_ps(bad, simple);
  _mm256_store_si256(reinterpret_cast<__m256i*>(p.simple), _mm256_castps_si256(simple));
}

// Lanes 8b..8b+7 of point i: the bilinear table value (before the division by r²), with each
// lane's along coordinate `a` (cm), its index `lane` and its r² (cm²).
HDR_AVX2_INLINE __m256 table_lanes(const Prep& p, int i, int b, const TableView& t, float step_cm, __m256& lane,
                                   __m256& a, __m256& r2) {
  const float* base = t.q + p.off[i] + 8 * b;
  __m256 v = _mm256_mul_ps(_mm256_set1_ps(p.w00[i]), _mm256_loadu_ps(base));
  v = _mm256_fmadd_ps(_mm256_set1_ps(p.w01[i]), _mm256_loadu_ps(base + t.nq), v);
  v = _mm256_fmadd_ps(_mm256_set1_ps(p.w10[i]), _mm256_loadu_ps(base + t.rs), v);
  v = _mm256_fmadd_ps(_mm256_set1_ps(p.w11[i]), _mm256_loadu_ps(base + t.rs + t.nq), v);
  lane = _mm256_add_ps(_mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_ps(static_cast<float>(8 * b)));
  a = _mm256_fmadd_ps(lane, _mm256_set1_ps(step_cm), _mm256_set1_ps(p.along0[i]));
  r2 = _mm256_fmadd_ps(a, a, _mm256_set1_ps(p.away2[i]));
  return v;
}

// The 8 lanes 8b..8b+7 of point i: table value / r², and the lanes the table may not serve
// (near the source, within the axis cones, past the table's along end, past the run).
HDR_AVX2_INLINE __m256 block_lanes(const Prep& p, int i, int b, const TableView& t, float step_cm, int valid_lanes,
                                   int& closed_bits) {
  using namespace run_grid;
  __m256 lane, a, r2;
  const __m256 q = table_lanes(p, i, b, t, step_cm, lane, a, r2);  // sets r2 before it is read
  const __m256 v = _mm256_div_ps(q, r2);
  const __m256 away2 = _mm256_set1_ps(p.away2[i]);
  const __m256 a2 = _mm256_mul_ps(a, a);
  __m256 closed = _mm256_or_ps(_mm256_cmp_ps(r2, _mm256_set1_ps(kNearRadius_cm * kNearRadius_cm), _CMP_LT_OQ),
                               _mm256_cmp_ps(away2, _mm256_mul_ps(_mm256_set1_ps(kAxisConeTan * kAxisConeTan), a2),
                                             _CMP_LT_OQ));
  closed = _mm256_or_ps(closed, _mm256_cmp_ps(a, _mm256_set1_ps(kAlongHigh_cm), _CMP_GT_OQ));
  // Lanes past the run are zeroed too (their r² may be 0).
  const __m256 past = _mm256_cmp_ps(lane, _mm256_set1_ps(static_cast<float>(8 * b + valid_lanes) - 0.5f), _CMP_GT_OQ);
  closed_bits = _mm256_movemask_ps(closed) & ((1 << valid_lanes) - 1);
  return _mm256_andnot_ps(_mm256_or_ps(closed, past), v);
}

// Table lines the 8 points of a prepared group will read: issued one group (or run) ahead,
// because successive points read unrelated lines (a row is ~10 KB, a res step ~0.4 KB) and
// the table (~8 MiB) lives in L3: waiting for each line in turn was most of the time spent.
HDR_AVX2_INLINE void prefetch_point(const Prep& p, int i, const TableView& t, int lanes_total) {
  const size_t last = static_cast<size_t>(std::min(lanes_total, 16) - 1);
  const float* base = t.q + p.off[i];
  for (const float* row : {base, base + t.nq, base + t.rs, base + t.rs + t.nq}) {
    _mm_prefetch(reinterpret_cast<const char*>(row), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(row + last), _MM_HINT_T0);
  }
}

HDR_AVX2_INLINE void prefetch_group(const Prep& p, const TableView& t, int lanes_total) {
  for (int i = 0; i < 8; ++i) prefetch_point(p, i, t, lanes_total);
}

// block_lanes for a simple (point, run): no lane needs the closed form, r² >= (0.5 cm)².
HDR_AVX2_INLINE __m256 block_lanes_simple(const Prep& p, int i, int b, const TableView& t, float step_cm) {
  __m256 lane, a, r2;
  const __m256 q = table_lanes(p, i, b, t, step_cm, lane, a, r2);  // sets r2 before it is read
  return _mm256_div_ps(q, r2);
}

HDR_AVX2_INLINE void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

HDR_AVX2_INLINE float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Points i0..i0+7 (the tail group repeats its last point; those rows are never written).
struct PointGroup {
  alignas(32) float x[8], y[8], z[8];
  size_t count;
  void load(const float* xs, const float* ys, const float* zs, size_t i0, size_t end) {
    count = std::min<size_t>(8, end - i0);
    for (size_t k = 0; k < 8; ++k) {
      const size_t i = i0 + std::min(k, count - 1);
      x[k] = xs[i];
      y[k] = ys[i];
      z[k] = zs[i];
    }
  }
};

TableView view_of(const RunTable& t) {
  return {t.data(), static_cast<size_t>(t.q_count()), t.row_stride(), t.stride_nodes()};
}

// Values of points g (8) for lanes 8b.., transposed: v[l] = the 8 points' values for lane l.
// Lanes the table may not serve are queued (dest_row0[l] + i = the point's matrix entry).
// ahead: the next work item's prep, whose table lines are prefetched one point per point
// computed (spread out, so the prefetches never queue up behind each other).
HDR_AVX2_INLINE void block_columns(const PointGroup& g, const Prep& p, int b, int lanes, const TableView& t,
                                   const DwellRun& run, float scale, float* const* dest_row0, ClosedFormQueue& queue,
                                   const Prep* ahead, const TableView& ahead_t, int ahead_lanes, __m256 v[8]) {
  for (int i = 0; i < 8; ++i) {
    if (ahead != nullptr) prefetch_point(*ahead, i, ahead_t, ahead_lanes);
    if (p.simple[i] != 0) {
      v[i] = block_lanes_simple(p, i, b, t, run.step_cm);
      continue;
    }
    const float block_along = p.along0[i] + static_cast<float>(8 * b) * run.step_cm;
    int closed = 0;
    if (p.bad[i] != 0 || !(block_along <= run_grid::kAlongHigh_cm)) {
      v[i] = _mm256_setzero_ps();
      closed = (1 << lanes) - 1;
    } else {
      v[i] = block_lanes(p, i, b, t, run.step_cm, lanes, closed);
    }
    if (closed == 0 || static_cast<size_t>(i) >= g.count) continue;
    for (int l = 0; l < lanes; ++l)
      if (closed & (1 << l))
        queue.add(p.along0[i] + static_cast<float>(8 * b + l) * run.step_cm, p.away[i],
                  dest_row0[l] == nullptr ? nullptr : dest_row0[l] + i, scale);
  }
  transpose8(v);
}

// Points outer, runs inner (as the dose sums): the next run's table lines are prefetched while
// one run computes. Rows are produced 16 at a time so that each column receives a whole
// 64-byte line at once (the columns are 64-byte aligned), written with non-temporal stores:
// the matrix (24 MB for 20 000 × 300) is then not read for ownership and does not evict the
// run table from L3.
// lane_cols[r][l]: column of run r's lane l (row 0), nullptr where not written.
HDR_AVX2 void fill_rows_avx2(std::span<const RunRef> runs, const float* xs, const float* ys, const float* zs,
                             size_t begin, size_t end, float scale, float* const* const* lane_cols,
                             ClosedFormQueue& queue) {
  constexpr size_t kRows = 16;
  if (runs.empty()) return;
  // Work items (superblock, run) in order; the next item's table lines are prefetched while
  // one computes, across superblocks too (a single run needs that as much as many runs).
  PointGroup groups[2][2];  // [superblock parity][half]
  Prep preps[2][2];         // [item parity][half]
  int halves_of[2] = {0, 0};
  const auto load_superblock = [&](size_t i0, int sb_slot) HDR_AVX2 {
    halves_of[sb_slot] = end - i0 > 8 ? 2 : 1;
    for (int h = 0; h < halves_of[sb_slot]; ++h) groups[sb_slot][h].load(xs, ys, zs, i0 + 8 * static_cast<size_t>(h), end);
  };
  const auto prepare_item = [&](size_t r, int sb_slot, int slot) HDR_AVX2 {
    const TableView t = view_of(*runs[r].table);
    for (int h = 0; h < halves_of[sb_slot]; ++h) {
      prepare(groups[sb_slot][h].x, groups[sb_slot][h].y, groups[sb_slot][h].z, *runs[r].run, t, scale, preps[slot][h]);
    }
  };
  size_t item = 0;
  load_superblock(begin, 0);
  prepare_item(0, 0, 0);
  for (int h = 0; h < halves_of[0]; ++h) prefetch_group(preps[0][h], view_of(*runs[0].table), runs[0].run->count);
  for (size_t i0 = begin, sb = 0; i0 < end; i0 += kRows, ++sb) {
    const int sb_slot = static_cast<int>(sb & 1);
    const int halves = halves_of[sb_slot];
    const PointGroup* g = groups[sb_slot];
    for (size_t r = 0; r < runs.size(); ++r, ++item) {
      const DwellRun& run = *runs[r].run;
      const TableView t = view_of(*runs[r].table);
      const int slot = static_cast<int>(item & 1);
      // The next item: its halves' lines are prefetched while block 0 of this one computes.
      size_t next_run = runs.size();
      int next_halves = 0;
      if (r + 1 < runs.size()) {
        prepare_item(r + 1, sb_slot, slot ^ 1);
        next_run = r + 1;
        next_halves = halves_of[sb_slot];
      } else if (i0 + kRows < end) {
        load_superblock(i0 + kRows, sb_slot ^ 1);
        prepare_item(0, sb_slot ^ 1, slot ^ 1);
        next_run = 0;
        next_halves = halves_of[sb_slot ^ 1];
      }
      const TableView next_t = next_run < runs.size() ? view_of(*runs[next_run].table) : t;
      const int next_lanes = next_run < runs.size() ? runs[next_run].run->count : 0;
      const int blocks = (run.count + 7) / 8;
      for (int b = 0; b < blocks; ++b) {
        if (queue.nearly_full()) {  // only between blocks: a flush must follow the stores
          _mm_sfence();
          queue.flush();
        }
        const int lanes = std::min(8, run.count - 8 * b);
        float* dest[8];
        for (int l = 0; l < lanes; ++l) {
          float* col = lane_cols[r][8 * b + l];
          dest[l] = col == nullptr ? nullptr : col + i0;
        }
        __m256 v[2][8];
        float* dest_h[2][8];
        for (int h = 0; h < halves; ++h) {
          for (int l = 0; l < lanes; ++l) dest_h[h][l] = dest[l] == nullptr ? nullptr : dest[l] + 8 * h;
          const Prep* ahead = (b == 0 && h < next_halves) ? &preps[slot ^ 1][h] : nullptr;
          block_columns(g[h], preps[slot][h], b, lanes, t, run, scale, dest_h[h], queue, ahead, next_t, next_lanes, v[h]);
        }
        // A column's two halves back to back: with 64-byte aligned columns (DoseRateMatrix)
        // that is one whole line, which the write-combining buffer sends out at once.
        for (int l = 0; l < lanes; ++l)
          for (int h = 0; h < halves; ++h) {
            float* d = dest_h[h][l];
            if (d == nullptr) continue;
            if (g[h].count < 8) {
              alignas(32) float tmp[8];
              _mm256_store_ps(tmp, v[h][l]);
              for (size_t k = 0; k < g[h].count; ++k) d[k] = tmp[k];
            } else {
              _mm256_stream_ps(d, v[h][l]);
            }
          }
      }
    }
  }
  _mm_sfence();  // the non-temporal stores are visible before the queue's and the caller's reads
  queue.flush();
}

HDR_AVX2 void accumulate_avx2(std::span<const WeightedRun> runs, const float* xs, const float* ys, const float* zs,
                              size_t begin, size_t end, float* dose, ClosedFormQueue& queue) {
  if (runs.empty()) return;
  // Work items (group, run) in order, the next item's table lines prefetched while one computes.
  PointGroup groups[2];
  Prep preps[2];
  __m256 acc[8];
  const auto prepare_item = [&](size_t r, int g_slot, int slot) HDR_AVX2 {
    const TableView t = view_of(*runs[r].table);
    prepare(groups[g_slot].x, groups[g_slot].y, groups[g_slot].z, *runs[r].run, t, 1.0f, preps[slot]);
  };
  size_t item = 0;
  groups[0].load(xs, ys, zs, begin, end);
  prepare_item(0, 0, 0);
  prefetch_group(preps[0], view_of(*runs[0].table), runs[0].run->count);
  for (size_t i0 = begin, gi = 0; i0 < end; i0 += 8, ++gi) {
    const int g_slot = static_cast<int>(gi & 1);
    const PointGroup& g = groups[g_slot];
    for (auto& a : acc) a = _mm256_setzero_ps();
    for (size_t r = 0; r < runs.size(); ++r, ++item) {
      const WeightedRun& w = runs[r];
      const DwellRun& run = *w.run;
      const TableView t = view_of(*w.table);
      const int slot = static_cast<int>(item & 1);
      // The next item: its lines are prefetched, one point per point, while block 0 computes.
      size_t next_run = runs.size();
      if (r + 1 < runs.size()) {
        prepare_item(r + 1, g_slot, slot ^ 1);
        next_run = r + 1;
      } else if (i0 + 8 < end) {
        groups[g_slot ^ 1].load(xs, ys, zs, i0 + 8, end);
        prepare_item(0, g_slot ^ 1, slot ^ 1);
        next_run = 0;
      }
      bool ahead_pending = next_run < runs.size();
      const TableView next_t = ahead_pending ? view_of(*runs[next_run].table) : t;
      const int next_lanes = ahead_pending ? runs[next_run].run->count : 0;
      const Prep& p = preps[slot];
      const int blocks = (run.count + 7) / 8;
      for (int b = 0; b < blocks; ++b) {
        const float* lw = w.lane_weight.data() + 8 * b;
        const __m256 weight = _mm256_loadu_ps(lw);
        if (_mm256_movemask_ps(_mm256_cmp_ps(weight, _mm256_setzero_ps(), _CMP_NEQ_UQ)) == 0) continue;
        if (queue.nearly_full()) queue.flush();
        const int lanes = std::min(8, run.count - 8 * b);
        for (size_t i = 0; i < g.count; ++i) {
          if (ahead_pending) prefetch_point(preps[slot ^ 1], static_cast<int>(i), next_t, next_lanes);
          if (p.simple[i] != 0) {
            acc[i] = _mm256_fmadd_ps(block_lanes_simple(p, static_cast<int>(i), b, t, run.step_cm), weight, acc[i]);
            continue;
          }
          const float block_along = p.along0[i] + static_cast<float>(8 * b) * run.step_cm;
          int closed = 0;
          if (p.bad[i] != 0 || !(block_along <= run_grid::kAlongHigh_cm)) {
            closed = (1 << lanes) - 1;
          } else {
            const __m256 v = block_lanes(p, static_cast<int>(i), b, t, run.step_cm, lanes, closed);
            acc[i] = _mm256_fmadd_ps(v, weight, acc[i]);
          }
          for (int l = 0; closed != 0 && l < lanes; ++l)
            if ((closed & (1 << l)) && lw[l] != 0.0f)
              queue.add(p.along0[i] + static_cast<float>(8 * b + l) * run.step_cm, p.away[i], dose + i0 + i, lw[l]);
        }
        ahead_pending = false;
      }
      if (ahead_pending) prefetch_group(preps[slot ^ 1], next_t, next_lanes);  // every block had zero weight
    }
    for (size_t i = 0; i < g.count; ++i) dose[i0 + i] += hsum(acc[i]);
  }
  queue.flush();
}

}  // namespace

bool run_path_available() { return detail::cpu_has_avx2_fma() && !g_forced_off.load(); }
void force_closed_form_only_for_tests(bool on) { g_forced_off.store(on); }

ClosedFormQueue::ClosedFormQueue(const Tg43Kernel& kernel, bool accumulate)
    : kernel_(kernel),
      accumulate_(accumulate),
      x_mm_(kCapacity, 0.0f),
      y_mm_(kCapacity),
      z_mm_(kCapacity),
      out_(kCapacity),
      weight_(kCapacity),
      dest_(kCapacity) {}

void ClosedFormQueue::flush() {
  if (n_ == 0) return;
  HDR_ASSERT(n_ <= kCapacity, "closed-form queue overflow");
  // Padded to whole vectors so that every entry goes through the kernel's vector body: a
  // pair's value then does not depend on its position in the batch (which depends on the
  // thread split), and results are bit-identical for any thread count.
  const size_t used = n_;
  while (n_ % 8 != 0) add(1.0f, 1.0f, nullptr, 0.0f);
  // The kernel's own frame: dwell at the origin, tip along +z, so along = z and away = y.
  const float origin[3] = {0, 0, 0};
  const float tip_along_z[3] = {0, 0, -1};
  kernel_.eval_points({x_mm_.data(), n_}, {y_mm_.data(), n_}, {z_mm_.data(), n_}, origin, tip_along_z, 1.0f,
                      out_.data());
  for (size_t k = 0; k < n_; ++k) {
    if (dest_[k] == nullptr) continue;
    if (accumulate_)
      *dest_[k] += weight_[k] * out_[k];
    else
      *dest_[k] = weight_[k] * out_[k];
  }
  total_ += used;
  n_ = 0;
}

void run_fill_rows(std::span<const RunRef> runs, std::span<const float> x_mm, std::span<const float> y_mm,
                   std::span<const float> z_mm, size_t begin, size_t end, float scale, float* a, size_t ld,
                   const uint8_t* write_dwell, ClosedFormQueue& queue) {
  HDR_ASSERT(run_path_available(), "run path called without AVX2+FMA");
  HDR_ASSERT(x_mm.size() == y_mm.size() && y_mm.size() == z_mm.size(), "point arrays differ in length");
  HDR_ASSERT(begin <= end && end <= x_mm.size() && ld >= x_mm.size(), "point range out of bounds");
  HDR_ASSERT(reinterpret_cast<uintptr_t>(a + begin) % 64 == 0 && ld % 16 == 0,
             "matrix columns and row blocks must start on 64-byte lines (DoseRateMatrix)");
  for (const auto& r : runs) {
    HDR_ASSERT(r.table->stride_nodes() == r.run->stride_nodes, "run table stride must match the run's step");
    HDR_ASSERT(r.run->count >= 2, "a run has >= 2 lanes");
  }
  // Column pointers per lane, and the store alignment, decided once rather than per store.
  std::vector<std::vector<float*>> cols(runs.size());
  std::vector<float* const*> lane_cols(runs.size());
  for (size_t r = 0; r < runs.size(); ++r) {
    const DwellRun& run = *runs[r].run;
    cols[r].assign(static_cast<size_t>((run.count + 7) / 8 * 8), nullptr);
    for (int l = 0; l < run.count; ++l) {
      const int dwell = run.dwell(l);
      if (write_dwell == nullptr || write_dwell[dwell]) cols[r][static_cast<size_t>(l)] = a + static_cast<size_t>(dwell) * ld;
    }
    lane_cols[r] = cols[r].data();
  }
  fill_rows_avx2(runs, x_mm.data(), y_mm.data(), z_mm.data(), begin, end, scale, lane_cols.data(), queue);
}

void run_accumulate_doses(std::span<const WeightedRun> runs, std::span<const float> x_mm,
                          std::span<const float> y_mm, std::span<const float> z_mm, size_t begin, size_t end,
                          float* dose, ClosedFormQueue& queue) {
  HDR_ASSERT(run_path_available(), "run path called without AVX2+FMA");
  HDR_ASSERT(x_mm.size() == y_mm.size() && y_mm.size() == z_mm.size(), "point arrays differ in length");
  HDR_ASSERT(begin <= end && end <= x_mm.size(), "point range out of bounds");
  for (const auto& w : runs) {
    HDR_ASSERT(w.table->stride_nodes() == w.run->stride_nodes, "run table stride must match the run's step");
    HDR_ASSERT(w.lane_weight.size() >= static_cast<size_t>((w.run->count + 7) / 8 * 8), "lane weights must be padded");
  }
  accumulate_avx2(runs, x_mm.data(), y_mm.data(), z_mm.data(), begin, end, dose, queue);
}

}  // namespace hdr::dose
