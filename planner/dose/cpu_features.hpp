#pragma once
// Whether this CPU can run the dose engine's AVX2+FMA code paths (the kernel's inner loop, the
// run evaluation); every other CPU gets the baseline x86-64 paths. Asked once per process.
namespace hdr::dose::detail {

inline bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

}  // namespace hdr::dose::detail
