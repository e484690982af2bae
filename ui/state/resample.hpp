#pragma once
// Resampling of a gray image to the exact screen pixels it is shown on (the console's image
// panels, ui/app/trus_texture.hpp): a plain derivation, no GL.
#include <cstdint>
#include <vector>

#include "ui/state/app_state.hpp"

namespace hdr::ui {

// `image` resampled bilinearly to width x height, with the sample positions and edge clamping
// of OpenGL's GL_LINEAR magnification (pixel i samples (i + 0.5) * n / N - 0.5; weights in
// 1/256), as 0xAARRGGBB gray pixels (B, G, R, A bytes on little-endian), top row first,
// alpha 255.
std::vector<std::uint32_t> resample_gray_bgra(const GrayImage& image, int width, int height);

}  // namespace hdr::ui
