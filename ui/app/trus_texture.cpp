#include "ui/app/trus_texture.hpp"

#include <SDL_opengl.h>

#include <cstdint>
#include <vector>

namespace hdr::ui {

void ImageTexture::draw_opaque(ImDrawList* dl, unsigned int texture, ImVec2 p0, ImVec2 p1) {
  dl->AddCallback([](const ImDrawList*, const ImDrawCmd*) { glDisable(GL_BLEND); }, nullptr);
  dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(texture)), p0, p1);
  dl->AddCallback([](const ImDrawList*, const ImDrawCmd*) { glEnable(GL_BLEND); }, nullptr);
}

ImageTexture::~ImageTexture() {
  if (texture_ != 0) glDeleteTextures(1, &texture_);
}

unsigned int ImageTexture::show(const std::shared_ptr<const GrayImage>& image) {
  if (!image || image->width <= 0 || image->height <= 0) return 0;
  if (image == shown_) return texture_;
  if (texture_ == 0) {
    glGenTextures(1, &texture_);
    glBindTexture(GL_TEXTURE_2D, texture_);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  }
  // Gray to RGBA: ImGui's shader multiplies the texture's four channels.
  std::vector<std::uint8_t> rgba(image->pixels.size() * 4);
  for (size_t i = 0; i < image->pixels.size(); ++i) {
    const std::uint8_t g = image->pixels[i];
    rgba[4 * i] = g;
    rgba[4 * i + 1] = g;
    rgba[4 * i + 2] = g;
    rgba[4 * i + 3] = 255;
  }
  glBindTexture(GL_TEXTURE_2D, texture_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, image->width, image->height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
  shown_ = image;
  return texture_;
}

}  // namespace hdr::ui
