#pragma once
// Sweep -> 3D volume: the axial stack resampled to uniform z (linear between the nearest
// frames; repeated positions averaged; uneven spacing allowed), and sagittal / coronal
// reslices for display.
#include <cstdint>
#include <vector>

#include "planner/imaging/image.hpp"

namespace hdr::imaging {

struct Volume {
  int nx = 0, ny = 0, nz = 0;
  double spacing_mm[3] = {0, 0, 0};
  double origin_mm[3] = {0, 0, 0};  // (x, y) of column 0 / bottom row as in GrayImage; z of slice 0
  std::vector<std::uint8_t> voxels;  // [k][j][i], j = image row (row 0 anterior)
  std::uint8_t at(int i, int j, int k) const {
    return voxels[(static_cast<size_t>(k) * static_cast<size_t>(ny) + static_cast<size_t>(j)) * static_cast<size_t>(nx) + static_cast<size_t>(i)];
  }
};

// `dz_mm` > 0: output slice spacing. Throws hdr::Error for an invalid sweep (see validate_sweep).
Volume build_volume(const Sweep& sweep, double dz_mm);

// Sagittal plane x = x_mm: image columns are z (apex left), rows are y (anterior top).
GrayImage sagittal_reslice(const Volume& v, double x_mm);
// Coronal plane y = y_mm: image columns are x, rows are z (base top).
GrayImage coronal_reslice(const Volume& v, double y_mm);

}  // namespace hdr::imaging
