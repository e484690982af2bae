#pragma once
// GPU textures for the images the views draw (live frame, sagittal reconstruction). A texture
// is re-uploaded only when the image it shows changes (a new shared_ptr), so the live stream
// costs one small upload per probe frame, not per UI frame.
#include <cstdint>
#include <memory>

#include <imgui.h>

#include "ui/state/app_state.hpp"

namespace hdr::ui {

class ImageTexture {
 public:
  ImageTexture() = default;
  ~ImageTexture();
  ImageTexture(const ImageTexture&) = delete;
  ImageTexture& operator=(const ImageTexture&) = delete;

  // Uploads `image` if it differs from the one shown; returns the GL texture id (0 if none).
  unsigned int show(const std::shared_ptr<const GrayImage>& image);
  const GrayImage* image() const { return shown_.get(); }
  // Draws the texture into [p0, p1] with blending off: the image is opaque, and on a software
  // rasteriser (Mesa llvmpipe) blending a large quad reads back every pixel it covers.
  static void draw_opaque(ImDrawList* dl, unsigned int texture, ImVec2 p0, ImVec2 p1);

 private:
  unsigned int texture_ = 0;
  std::shared_ptr<const GrayImage> shown_;
};

}  // namespace hdr::ui
