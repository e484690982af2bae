#include "planner/imaging/volume.hpp"

#include <algorithm>
#include <cmath>

#include "planner/common/error.hpp"

namespace hdr::imaging {

Volume build_volume(const Sweep& sweep, double dz_mm) {
  require(dz_mm > 0 && std::isfinite(dz_mm), "build_volume: dz_mm = " + std::to_string(dz_mm) + ": must be > 0");
  validate_sweep(sweep, "build_volume");
  // Unique positions in increasing z, repeated positions averaged.
  std::vector<std::pair<double, std::vector<float>>> planes;
  std::vector<int> counts;
  std::vector<size_t> order(sweep.frames.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sweep.frames[a].z_mm < sweep.frames[b].z_mm; });
  for (size_t k : order) {
    const Frame& f = sweep.frames[k];
    if (planes.empty() || f.z_mm - planes.back().first > 1e-6) {
      planes.push_back({f.z_mm, std::vector<float>(f.image.pixels.begin(), f.image.pixels.end())});
      counts.push_back(1);
    } else {
      auto& acc = planes.back().second;
      for (size_t i = 0; i < acc.size(); ++i) acc[i] += f.image.pixels[i];
      counts.back() += 1;
    }
  }
  for (size_t p = 0; p < planes.size(); ++p)
    for (auto& v : planes[p].second) v /= static_cast<float>(counts[p]);
  const GrayImage& im = sweep.frames.front().image;
  Volume v;
  v.nx = im.width;
  v.ny = im.height;
  const double z0 = planes.front().first, z1 = planes.back().first;
  v.nz = static_cast<int>(std::floor((z1 - z0) / dz_mm + 1e-9)) + 1;
  require(v.nz <= 2000, "build_volume: " + std::to_string(v.nz) + " slices at dz = " + std::to_string(dz_mm) + " mm is too many");
  v.spacing_mm[0] = im.spacing_mm[0];
  v.spacing_mm[1] = im.spacing_mm[1];
  v.spacing_mm[2] = dz_mm;
  v.origin_mm[0] = im.origin_mm[0];
  v.origin_mm[1] = im.origin_mm[1];
  v.origin_mm[2] = z0;
  const size_t plane = static_cast<size_t>(v.nx) * static_cast<size_t>(v.ny);
  v.voxels.resize(plane * static_cast<size_t>(v.nz));
  size_t p = 0;
  for (int k = 0; k < v.nz; ++k) {
    const double z = z0 + k * dz_mm;
    while (p + 1 < planes.size() && planes[p + 1].first < z) ++p;
    const size_t q = std::min(p + 1, planes.size() - 1);
    const double za = planes[p].first, zb = planes[q].first;
    const float t = (q == p || zb == za) ? 0.0f : static_cast<float>(std::clamp((z - za) / (zb - za), 0.0, 1.0));
    const auto& a = planes[p].second;
    const auto& b = planes[q].second;
    std::uint8_t* out = &v.voxels[plane * static_cast<size_t>(k)];
    for (size_t i = 0; i < plane; ++i) out[i] = static_cast<std::uint8_t>(std::lround(a[i] + t * (b[i] - a[i])));
  }
  return v;
}

GrayImage sagittal_reslice(const Volume& v, double x_mm) {
  const int i = static_cast<int>(std::lround((x_mm - v.origin_mm[0]) / v.spacing_mm[0]));
  require(i >= 0 && i < v.nx, "sagittal_reslice: x = " + std::to_string(x_mm) + " mm is outside the volume");
  GrayImage g;
  g.width = v.nz;
  g.height = v.ny;
  g.spacing_mm = {v.spacing_mm[2], v.spacing_mm[1]};
  g.origin_mm = {v.origin_mm[2], v.origin_mm[1]};
  g.pixels.resize(static_cast<size_t>(g.width) * static_cast<size_t>(g.height));
  for (int j = 0; j < v.ny; ++j)
    for (int k = 0; k < v.nz; ++k) g.pixels[static_cast<size_t>(j) * static_cast<size_t>(g.width) + static_cast<size_t>(k)] = v.at(i, j, k);
  return g;
}

GrayImage coronal_reslice(const Volume& v, double y_mm) {
  const int j = static_cast<int>(std::lround((v.ny - 1) - (y_mm - v.origin_mm[1]) / v.spacing_mm[1]));
  require(j >= 0 && j < v.ny, "coronal_reslice: y = " + std::to_string(y_mm) + " mm is outside the volume");
  GrayImage g;
  g.width = v.nx;
  g.height = v.nz;
  g.spacing_mm = {v.spacing_mm[0], v.spacing_mm[2]};
  g.origin_mm = {v.origin_mm[0], v.origin_mm[2]};
  g.pixels.resize(static_cast<size_t>(g.width) * static_cast<size_t>(g.height));
  for (int k = 0; k < v.nz; ++k)
    for (int i = 0; i < v.nx; ++i)  // row 0 = highest z (base at the top)
      g.pixels[static_cast<size_t>(v.nz - 1 - k) * static_cast<size_t>(g.width) + static_cast<size_t>(i)] = v.at(i, j, k);
  return g;
}

}  // namespace hdr::imaging
