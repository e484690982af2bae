#include "ui/app/trus_texture.hpp"

#include <SDL_opengl.h>  // with GL_GLEXT_PROTOTYPES (ui/CMakeLists.txt): GL 3 entry points from libGL

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ui/state/resample.hpp"

namespace hdr::ui {

namespace {
// Copies the image's framebuffer to the screen at 1:1, inside the panel's clip rectangle.
void blit_to_screen(const ImDrawList*, const ImDrawCmd* cmd) {
  const auto* b = static_cast<const ImageTexture::Blit*>(cmd->UserCallbackData);
  const ImDrawData* dd = ImGui::GetDrawData();
  const ImVec2 off = dd->DisplayPos, sc = dd->FramebufferScale;
  const int fb_h = static_cast<int>(dd->DisplaySize.y * sc.y);
  // The panel's clip rectangle in framebuffer pixels (truncated, as ImGui's OpenGL backend does).
  const ImVec4& c = b->clip;
  const int cx0 = static_cast<int>((c.x - off.x) * sc.x), cy0 = static_cast<int>((c.y - off.y) * sc.y);
  const int cx1 = static_cast<int>((c.z - off.x) * sc.x), cy1 = static_cast<int>((c.w - off.y) * sc.y);
  const int x0 = std::max(b->x, cx0), y0 = std::max(b->y, cy0);
  const int x1 = std::min(b->x + b->width, cx1), y1 = std::min(b->y + b->height, cy1);
  if (x1 <= x0 || y1 <= y0) return;
  // The texture holds the image's top row first; GL counts rows upwards from the bottom, so
  // the destination is given upside down. Mesa stores a window's rows top first and a
  // texture's in memory order, so for it the two flips cancel and the blit is a row copy.
  glDisable(GL_SCISSOR_TEST);  // clipped above; a scissored blit is not a plain copy
  glBindFramebuffer(GL_READ_FRAMEBUFFER, b->framebuffer);
  glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
  glBlitFramebuffer(x0 - b->x, y0 - b->y, x1 - b->x, y1 - b->y, x0, fb_h - y0, x1, fb_h - y1, GL_COLOR_BUFFER_BIT,
                    GL_NEAREST);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
  glEnable(GL_SCISSOR_TEST);  // ImGui's backend sets the box per command
}
}  // namespace

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
  blit_ = {framebuffer_, width, height, static_cast<int>(std::lround((p0.x - off.x) * scale.x)),
           static_cast<int>(std::lround((p0.y - off.y) * scale.y)), ImVec4(clip0.x, clip0.y, clip1.x, clip1.y)};
  // On the background list: the images are copied first, together, before any window is
  // drawn (windows draw no background, so nothing of theirs lies under an image). A copy has
  // to wait for what is queued before it; here that is only the clear, once per frame.
  ImGui::GetBackgroundDrawList()->AddCallback(&blit_to_screen, &blit_);
  return true;
}

}  // namespace hdr::ui
