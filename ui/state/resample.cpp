#include "ui/state/resample.hpp"

#include <cmath>
#include <utility>

namespace hdr::ui {

std::vector<std::uint32_t> resample_gray_bgra(const GrayImage& image, int width, int height) {
  std::vector<std::uint32_t> out(static_cast<size_t>(width) * static_cast<size_t>(height));
  const int w = image.width, h = image.height;
  // Source column / row and 8-bit weight of the next one for each output column / row:
  // s = (i + 0.5) * n / N - 0.5, clamped to the edge texels.
  auto taps = [](int n_out, int n_in, std::vector<int>& index, std::vector<int>& weight) {
    index.resize(static_cast<size_t>(n_out));
    weight.resize(static_cast<size_t>(n_out));
    for (int i = 0; i < n_out; ++i) {
      const double s = (i + 0.5) * n_in / n_out - 0.5;
      int i0 = static_cast<int>(std::floor(s));
      int f = static_cast<int>(std::lround((s - i0) * 256.0));
      if (i0 < 0) {
        i0 = 0;
        f = 0;
      } else if (i0 >= n_in - 1) {
        i0 = n_in - 1;
        f = 0;
      }
      index[static_cast<size_t>(i)] = i0;
      weight[static_cast<size_t>(i)] = f;
    }
  };
  std::vector<int> xi, xf, yi, yf;
  taps(width, w, xi, xf);
  taps(height, h, yi, yf);
  std::vector<int> row0(static_cast<size_t>(width)), row1(static_cast<size_t>(width));
  auto horizontal = [&](int y, std::vector<int>& row) {
    const std::uint8_t* src = image.pixels.data() + static_cast<size_t>(y) * static_cast<size_t>(w);
    for (int x = 0; x < width; ++x) {
      const int i0 = xi[static_cast<size_t>(x)], f = xf[static_cast<size_t>(x)];
      const int a = src[i0], b = f ? src[i0 + 1] : a;
      row[static_cast<size_t>(x)] = a * (256 - f) + b * f;  // 8.8 fixed point
    }
  };
  int have0 = -1, have1 = -1;
  for (int y = 0; y < height; ++y) {
    const int y0 = yi[static_cast<size_t>(y)], f = yf[static_cast<size_t>(y)];
    const int y1 = f ? y0 + 1 : y0;
    if (have0 != y0) {
      if (have1 == y0) {
        std::swap(row0, row1);
        std::swap(have0, have1);
      } else {
        horizontal(y0, row0);
        have0 = y0;
      }
    }
    if (have1 != y1) {
      horizontal(y1, row1);
      have1 = y1;
    }
    std::uint32_t* dst = out.data() + static_cast<size_t>(y) * static_cast<size_t>(width);
    for (int x = 0; x < width; ++x) {
      const int v = (row0[static_cast<size_t>(x)] * (256 - f) + row1[static_cast<size_t>(x)] * f + 32768) >> 16;
      const auto g = static_cast<std::uint32_t>(v);
      dst[x] = 0xFF000000U | (g << 16) | (g << 8) | g;
    }
  }
  return out;
}

}  // namespace hdr::ui
