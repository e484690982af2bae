#pragma once
// Splits [0, n) into contiguous chunks over threads; the calling thread takes the first chunk.
// Small jobs run inline: thread start-up (~50 µs) would cost more than it saves.
#include <algorithm>
#include <thread>
#include <vector>

namespace hdr::dose {

template <typename Fn>
void parallel_for_chunks(size_t n, int threads, size_t min_per_thread, Fn&& fn) {
  size_t t = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
  t = std::max<size_t>(1, std::min(t, n / std::max<size_t>(1, min_per_thread)));
  if (t <= 1) {
    fn(size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  const size_t chunk = (n + t - 1) / t;
  for (size_t k = 1; k < t; ++k) {
    const size_t b = k * chunk, e = std::min(n, b + chunk);
    if (b < e) pool.emplace_back([&fn, b, e] { fn(b, e); });
  }
  fn(size_t{0}, std::min(n, chunk));
  for (auto& th : pool) th.join();
}

}  // namespace hdr::dose
