// Sagittal reconstruction: column k is frame k's column at x, rows unchanged.
#include <doctest/doctest.h>

#include "planner/common/error.hpp"
#include "ui/state/reconstruct.hpp"

using namespace hdr::ui;

namespace {
Sweep synthetic_sweep() {
  Sweep s;
  for (int k = 0; k < 5; ++k) {
    GrayImage f;
    f.width = 11;
    f.height = 7;
    f.spacing_mm[0] = 1.0;
    f.spacing_mm[1] = 0.5;
    f.origin_mm[0] = -5.0;
    f.origin_mm[1] = 0.0;
    f.z_mm = -4.0 + 2.0 * k;
    f.pixels.resize(77);
    // Pixel value encodes (frame, row, column): 40k + 5j + i/2 (< 256).
    for (int j = 0; j < 7; ++j)
      for (int i = 0; i < 11; ++i) f.pixels[static_cast<size_t>(j * 11 + i)] = static_cast<std::uint8_t>(40 * k + 5 * j + i / 2);
    s.frames.push_back(f);
  }
  return s;
}
}  // namespace

TEST_CASE("sagittal plane x = 0 through a synthetic sweep") {
  const Sweep s = synthetic_sweep();
  const GrayImage g = sagittal_from_sweep(s, 0.0);  // x = 0 is column 5
  REQUIRE(g.width == 5);
  REQUIRE(g.height == 7);
  CHECK(g.spacing_mm[0] == doctest::Approx(2.0));
  CHECK(g.origin_mm[0] == doctest::Approx(-4.0));
  for (int k = 0; k < 5; ++k)
    for (int j = 0; j < 7; ++j) CHECK(g.pixels[static_cast<size_t>(j * 5 + k)] == 40 * k + 5 * j + 2);
}

TEST_CASE("sagittal reconstruction refuses mismatched frames and x outside the frames") {
  Sweep s = synthetic_sweep();
  CHECK_THROWS_AS(sagittal_from_sweep(s, 6.0), hdr::Error);
  s.frames[2].width = 10;
  CHECK_THROWS_AS(sagittal_from_sweep(s, 0.0), hdr::Error);
  Sweep one;
  one.frames.push_back(synthetic_sweep().frames[0]);
  CHECK_THROWS_AS(sagittal_from_sweep(one, 0.0), hdr::Error);
}
