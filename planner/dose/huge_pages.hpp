#pragma once
// Asks Linux for 2 MiB pages over the whole 2 MiB-aligned part of [data, data + bytes). Used
// for the run tables (built once per process; their lookups jump across ~2 300 4 KiB pages,
// more than the TLB holds). Not used for dose-rate matrices: with THP defrag "madvise" the
// first touch may compact memory synchronously (measured: a fresh 24 MB matrix usually drops
// from ~5 900 faults and ~60 ms of CPU to ~32 ms, but one build in three took ~100 ms).
// A hint only: where the kernel declines, the memory works the same, only slower.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace hdr::dose {

inline void advise_huge_pages(void* data, size_t bytes) {
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHugePage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace hdr::dose
