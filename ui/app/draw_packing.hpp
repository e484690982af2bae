#pragma once
// Index packing for Mesa's software rasteriser (llvmpipe): draws of at most kMaxDrawElems
// indices, each a multiple of 6, with every ImGui quad (indices a a+1 a+2 a a+2 a+3: a glyph, a
// frame, a table row) on a 6-index boundary. llvmpipe bins a pair of triangles that forms an
// axis-aligned rectangle as one rectangle (no edge functions, no diagonal cut through the
// 4x4 blocks), but only when the draw's index count is a multiple of 6 and the pair starts at
// a multiple of 6; its vertex pipeline hands on longer draws in chunks that are not. UI-thread
// CPU with LP_NUM_THREADS=0 at 1080p on the plan view: 13.9-14.1 -> 12.1-13.1 ms per frame in
// paired runs; no pixel differs. The padding is degenerate triangles (one index three times),
// which cover no pixel.
#include <imgui.h>

namespace hdr::ui {

constexpr unsigned kMaxDrawElems = 480;  // 160 triangles; 240-960 measured alike, 1980 no gain

// Appends draws to `cmds` and their indices to `indices` (a draw list's new buffers).
class DrawPacker {
 public:
  DrawPacker(ImVector<ImDrawCmd>& cmds, ImVector<ImDrawIdx>& indices) : cmds_(cmds), indices_(indices) {}
  // Starts a draw like `like` (clip rectangle, texture, vertex offset) if none is open.
  void open(const ImDrawCmd& like);
  // Appends `count` indices (whole triangles) to the open draw, starting new draws like it
  // when it is full.
  void append(const ImDrawIdx* src, unsigned count);
  // Pads the open draw to a multiple of 6 indices and closes it.
  void close();

 private:
  void push(ImDrawIdx i) {
    indices_.push_back(i);
    ++cmds_.back().ElemCount;
  }
  ImVector<ImDrawCmd>& cmds_;
  ImVector<ImDrawIdx>& indices_;
  bool open_ = false;
  ImDrawIdx degenerate_ = 0;  // an index of the open draw, for padding
};

}  // namespace hdr::ui
