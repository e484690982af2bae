// Frame statistics (`--stats`): nearest-rank percentiles and the mean on known samples.
#include <doctest/doctest.h>

#include "planner/common/error.hpp"
#include "ui/state/frame_stats.hpp"

using hdr::ui::FrameStats;

TEST_CASE("mean and nearest-rank percentiles of 1..100 ms") {
  FrameStats s;
  for (int i = 100; i >= 1; --i) s.add(i);  // order must not matter
  CHECK(s.count() == 100);
  CHECK(s.mean_ms() == doctest::Approx(50.5));
  CHECK(s.percentile_ms(99.0) == doctest::Approx(99.0));
  CHECK(s.percentile_ms(50.0) == doctest::Approx(50.0));
  CHECK(s.percentile_ms(100.0) == doctest::Approx(100.0));
  CHECK(s.max_ms() == doctest::Approx(100.0));
}

TEST_CASE("a single slow frame in 200 shows in p99 only when it is more than 1 %") {
  FrameStats s;
  for (int i = 0; i < 199; ++i) s.add(5.0);
  s.add(40.0);
  CHECK(s.percentile_ms(99.0) == doctest::Approx(5.0));  // rank 198 of 200
  s.add(40.0);
  s.add(40.0);  // 3 of 202 > 1 %
  CHECK(s.percentile_ms(99.0) == doctest::Approx(40.0));
}

TEST_CASE("no frames, no statistic; percentile outside (0, 100] refused") {
  FrameStats s;
  CHECK_THROWS_AS(s.mean_ms(), hdr::Error);
  s.add(1.0);
  CHECK_THROWS_AS(s.percentile_ms(0.0), hdr::Error);
  CHECK_THROWS_AS(s.percentile_ms(101.0), hdr::Error);
}
