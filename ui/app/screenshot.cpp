#include "ui/app/screenshot.hpp"

#include <SDL_opengl.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"

namespace hdr::ui {

namespace {
void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::string*>(context);
  out->append(static_cast<const char*>(data), static_cast<size_t>(size));
}
}  // namespace

void save_screenshot_png(const std::string& path, int width, int height) {
  require(width > 0 && height > 0, path + ": no framebuffer to save (" + std::to_string(width) + "x" +
                                       std::to_string(height) + ")");
  const size_t row = static_cast<size_t>(width) * 3;
  std::vector<std::uint8_t> pixels(row * static_cast<size_t>(height));
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  require(glGetError() == GL_NO_ERROR, path + ": glReadPixels failed");
  // OpenGL's rows start at the bottom; PNG's at the top.
  std::vector<std::uint8_t> flipped(pixels.size());
  for (int y = 0; y < height; ++y)
    std::copy_n(pixels.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(height - 1 - y) * row), row,
                flipped.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(y) * row));
  std::string png;
  const int ok = stbi_write_png_to_func(append_bytes, &png, width, height, 3, flipped.data(), static_cast<int>(row));
  require(ok != 0 && !png.empty(), path + ": PNG encoding failed");
  write_file_atomically(path, png);
}

}  // namespace hdr::ui
