#pragma once
// `--screenshot F.png`: the current framebuffer (after the last frame's render) as an RGB PNG.
#include <string>

namespace hdr::ui {

// Reads the back buffer with glReadPixels (width x height), flips it to top-down rows and
// writes a PNG atomically (nothing half-written). Throws hdr::Error naming the file.
void save_screenshot_png(const std::string& path, int width, int height);

}  // namespace hdr::ui
