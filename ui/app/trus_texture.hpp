#pragma once
// The images the views draw (live frame, sagittal reconstruction), on the GPU.
//
// The image is resampled on the CPU (bilinear, as GL_LINEAR would) to exactly the screen
// pixels it covers, once each time the image or its on-screen size changes, and each frame it
// is copied to the screen with glBlitFramebuffer at 1:1. On Mesa's software rasteriser
// (llvmpipe) a 1:1 blit between like formats is a row copy, where a magnified textured quad
// runs the fragment shader on every pixel of it, every frame (~4 ms of the frame's CPU for the
// axial panel at 1080p). A live stream costs one resample and one upload per new probe
// frame, not per UI frame.
//
// The copies are done by blit_queued_images(), first thing in the frame's rendering after the
// clear that run_window issues when the frame starts (the rasteriser threads clear while the UI
// thread builds the frame; a copy waits only for what is left of the clear).
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

  // Queues `image` to be drawn into the screen rectangle [p0, p1) (whole pixels; dl's current
  // clip rectangle applies), stretched to fill it, under everything the windows draw (by
  // blit_queued_images). False (nothing drawn) without an image or when the rectangle is empty.
  bool draw(ImDrawList* dl, const std::shared_ptr<const GrayImage>& image, ImVec2 p0, ImVec2 p1);
  const GrayImage* image() const { return shown_.get(); }

  struct Blit {
    unsigned int framebuffer = 0;
    int width = 0, height = 0;  // texture size (framebuffer pixels)
    int x = 0, y = 0;           // top-left corner on screen (framebuffer pixels)
    ImVec4 clip{};              // the panel's clip rectangle (screen coordinates)
  };

 private:
  unsigned int texture_ = 0;
  unsigned int framebuffer_ = 0;
  bool blit_ok_ = true;  // false: the framebuffer was incomplete, draw a textured quad
  int width_ = 0, height_ = 0;
  std::shared_ptr<const GrayImage> shown_;
};

// The images queued by ImageTexture::draw this frame, copied into the fb_w x fb_h window
// framebuffer before ImGui renders its draw lists (after ImGui::Render: the clip rectangles'
// display offset and scale come from its draw data).
void blit_queued_images(int fb_w, int fb_h);

}  // namespace hdr::ui
