#include "ui/app/draw_packing.hpp"

namespace hdr::ui {

void DrawPacker::open(const ImDrawCmd& like) {
  if (open_) return;
  ImDrawCmd part = like;
  part.IdxOffset = static_cast<unsigned>(indices_.Size);
  part.ElemCount = 0;
  part.UserCallback = nullptr;
  part.UserCallbackData = nullptr;
  cmds_.push_back(part);
  open_ = true;
}

void DrawPacker::append(const ImDrawIdx* src, unsigned count) {
  IM_ASSERT(open_ && "DrawPacker::append: open() a draw first");
  IM_ASSERT(count % 3 == 0 && "DrawPacker::append: whole triangles only");
  for (unsigned k = 0; k < count;) {
    const ImDrawIdx* t = src + k;
    const bool quad = k + 6 <= count && t[1] == t[0] + 1 && t[2] == t[0] + 2 && t[3] == t[0] && t[4] == t[0] + 2 &&
                      t[5] == t[0] + 3;
    const unsigned n = quad ? 6U : 3U;
    if (cmds_.back().ElemCount + n + 3 > kMaxDrawElems) {  // + 3: room for the alignment
      const ImDrawCmd like = cmds_.back();
      close();
      open(like);
    }
    if (cmds_.back().ElemCount == 0) degenerate_ = t[0];
    if (quad && cmds_.back().ElemCount % 6 != 0)
      for (int d = 0; d < 3; ++d) push(degenerate_);
    for (unsigned j = 0; j < n; ++j) push(t[j]);
    k += n;
  }
}

void DrawPacker::close() {
  if (!open_) return;
  if (cmds_.back().ElemCount == 0)
    cmds_.pop_back();
  else
    while (cmds_.back().ElemCount % 6 != 0) push(degenerate_);
  open_ = false;
}

}  // namespace hdr::ui
