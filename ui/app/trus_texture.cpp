#include "ui/app/trus_texture.hpp"

#include <SDL_opengl.h>  // with GL_GLEXT_PROTOTYPES (ui/CMakeLists.txt): GL 3 entry points from libGL

#include <algorithm>
#include <vector>
#include <cmath>
#include <cstdint>

#include "ui/state/resample.hpp"

namespace hdr::ui {

namespace {
// The blits queued by this frame's panels, done by blit_queued_images().
std::vector<ImageTexture::Blit> g_queued;
}  // namespace

void blit_queued_images(int fb_w, int fb_h) {
  const ImDrawData* dd = ImGui::GetDrawData();
  const ImVec2 off = dd ? dd->DisplayPos : ImVec2(0, 0), sc = dd ? dd->FramebufferScale : ImVec2(1, 1);
  for (const auto& b : g_queued) {
    const ImVec4& c = b.clip;  // truncated to pixels, as ImGui's OpenGL backend does
    const int x0 = std::max(b.x, static_cast<int>((c.x - off.x) * sc.x));
    const int y0 = std::max(b.y, static_cast<int>((c.y - off.y) * sc.y));
    const int x1 = std::min({b.x + b.width, static_cast<int>((c.z - off.x) * sc.x), fb_w});
    const int y1 = std::min({b.y + b.height, static_cast<int>((c.w - off.y) * sc.y), fb_h});
    if (x1 <= x0 || y1 <= y0) continue;
    // The texture holds the image's top row first; GL counts rows upwards from the bottom, so
    // the destination is given upside down. Mesa stores a window's rows top first and a
    // texture's in memory order, so for it the two flips cancel and the blit is a row copy.
    glBindFramebuffer(GL_READ_FRAMEBUFFER, b.framebuffer);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
    glBlitFramebuffer(x0 - b.x, y0 - b.y, x1 - b.x, y1 - b.y, x0, fb_h - y0, x1, fb_h - y1, GL_COLOR_BUFFER_BIT,
                      GL_NEAREST);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
  }
  g_queued.clear();
}

ImageTexture::~ImageTexture() {
  if (framebuffer_ != 0) glDeleteFramebuffers(1, &framebuffer_);
  if (texture_ != 0) glDeleteTextures(1, &texture_);
}

bool ImageTexture::draw(ImDrawList* dl, const std::shared_ptr<const GrayImage>& image, ImVec2 p0, ImVec2 p1) {
  if (!image || image->width <= 0 || image->height <= 0) return false;
  const ImVec2 scale = ImGui::GetIO().DisplayFramebufferScale;
  const int width = static_cast<int>(std::lround((p1.x - p0.x) * scale.x));
  const int height = static_cast<int>(std::lround((p1.y - p0.y) * scale.y));
  if (width <= 0 || height <= 0) return false;
  if (texture_ == 0) {
    glGenTextures(1, &texture_);
    glBindTexture(GL_TEXTURE_2D, texture_);
    // Shown at 1:1 (resampled above): no filtering.
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  }
  if (image != shown_ || width != width_ || height != height_) {
    const std::vector<std::uint32_t> pixels = resample_gray_bgra(*image, width, height);
    glBindTexture(GL_TEXTURE_2D, texture_);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    // BGRA bytes: the layout of the window's own pixels, so the blit is a plain copy.
    if (width != width_ || height != height_)
      glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, width, height, 0, GL_BGRA, GL_UNSIGNED_BYTE, pixels.data());
    else
      glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_BGRA, GL_UNSIGNED_BYTE, pixels.data());
    if (framebuffer_ == 0 && blit_ok_) {
      glGenFramebuffers(1, &framebuffer_);
      glBindFramebuffer(GL_READ_FRAMEBUFFER, framebuffer_);
      glFramebufferTexture2D(GL_READ_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture_, 0);
      blit_ok_ = glCheckFramebufferStatus(GL_READ_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
      glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
    }
    shown_ = image;
    width_ = width;
    height_ = height;
  }
  if (!blit_ok_) {
    dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(texture_)), p0, p1);
    return true;
  }
  const ImVec2 off = ImGui::GetMainViewport()->Pos;
  const ImVec2 clip0 = dl->GetClipRectMin(), clip1 = dl->GetClipRectMax();
  g_queued.push_back({framebuffer_, width, height, static_cast<int>(std::lround((p0.x - off.x) * scale.x)),
                      static_cast<int>(std::lround((p0.y - off.y) * scale.y)),
                      ImVec4(clip0.x, clip0.y, clip1.x, clip1.y)});
  return true;
}

}  // namespace hdr::ui
