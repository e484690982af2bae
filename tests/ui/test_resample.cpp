// The image panels' resampling (ui/state/resample.hpp): what OpenGL's GL_LINEAR would show at
// the same size, computed once per image instead of per frame.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "ui/state/resample.hpp"

using namespace hdr::ui;

namespace {
GrayImage pattern(int w, int h) {
  GrayImage g;
  g.width = w;
  g.height = h;
  g.pixels.resize(static_cast<size_t>(w * h));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      g.pixels[static_cast<size_t>(y * w + x)] = static_cast<std::uint8_t>((x * 37 + y * 91 + (x * y) % 13 * 11) % 256);
  return g;
}

// GL_LINEAR with clamp-to-edge, in double precision.
double gl_linear(const GrayImage& g, int W, int H, int X, int Y) {
  auto at = [&](int x, int y) {
    x = std::clamp(x, 0, g.width - 1);
    y = std::clamp(y, 0, g.height - 1);
    return static_cast<double>(g.pixels[static_cast<size_t>(y * g.width + x)]);
  };
  const double sx = (X + 0.5) * g.width / W - 0.5, sy = (Y + 0.5) * g.height / H - 0.5;
  const int x0 = static_cast<int>(std::floor(sx)), y0 = static_cast<int>(std::floor(sy));
  const double fx = sx - x0, fy = sy - y0;
  return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}

void check_against_gl_linear(const GrayImage& g, int W, int H) {
  const auto out = resample_gray_bgra(g, W, H);
  REQUIRE(out.size() == static_cast<size_t>(W * H));
  int worst = 0;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const std::uint32_t p = out[static_cast<size_t>(y * W + x)];
      const int b = static_cast<int>(p & 0xFFU), gr = static_cast<int>((p >> 8) & 0xFFU), r = static_cast<int>((p >> 16) & 0xFFU);
      REQUIRE((p >> 24) == 0xFFU);  // opaque
      REQUIRE(b == gr);
      REQUIRE(gr == r);  // gray
      worst = std::max(worst, static_cast<int>(std::lround(std::fabs(b - gl_linear(g, W, H, x, y)))));
    }
  CHECK(worst <= 1);  // 8-bit weights: within one grey level
}
}  // namespace

TEST_CASE("same size: the image itself, top row first") {
  const GrayImage g = pattern(13, 7);
  const auto out = resample_gray_bgra(g, 13, 7);
  for (size_t i = 0; i < out.size(); ++i) CHECK((out[i] & 0xFFU) == g.pixels[i]);
}

TEST_CASE("magnified and minified like GL_LINEAR with clamp to edge") {
  const GrayImage g = pattern(40, 30);
  check_against_gl_linear(g, 97, 61);   // non-integer magnification, both axes
  check_against_gl_linear(g, 400, 300);  // x10
  check_against_gl_linear(g, 23, 17);   // minified
  check_against_gl_linear(g, 40, 113);  // one axis only
}

TEST_CASE("single row or column images") {
  check_against_gl_linear(pattern(1, 9), 5, 20);
  check_against_gl_linear(pattern(9, 1), 31, 3);
}
