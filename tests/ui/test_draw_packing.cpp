// Index packing for llvmpipe's rectangles (ui/app/draw_packing.hpp): the same triangles in the
// same order, quads on 6-index boundaries, draws of whole rectangles' worth of indices.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "ui/app/draw_packing.hpp"

using namespace hdr::ui;

namespace {
using Tri = std::vector<ImDrawIdx>;

bool degenerate(const ImDrawIdx* t) { return t[0] == t[1] && t[1] == t[2]; }

// The non-degenerate triangles of the draws, in drawing order.
std::vector<Tri> drawn(const ImVector<ImDrawCmd>& cmds, const ImVector<ImDrawIdx>& idx) {
  std::vector<Tri> out;
  for (const auto& c : cmds)
    for (unsigned k = 0; k < c.ElemCount; k += 3) {
      const ImDrawIdx* t = idx.Data + c.IdxOffset + k;
      if (!degenerate(t)) out.push_back({t[0], t[1], t[2]});
    }
  return out;
}
}  // namespace

TEST_CASE("random mixes of quads and single triangles: same triangles, quads aligned, draws bounded") {
  std::mt19937 rng(8);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<ImDrawIdx> src;
    std::vector<Tri> expected;
    std::vector<unsigned> item_start;  // index offsets where a quad or single triangle begins
    ImDrawIdx v = 0;
    const int items = static_cast<int>(rng() % 400);
    for (int i = 0; i < items; ++i) {
      item_start.push_back(static_cast<unsigned>(src.size()));
      if (rng() % 3 != 0) {  // a quad, as ImGui writes one
        for (const int k : {0, 1, 2, 0, 2, 3}) src.push_back(static_cast<ImDrawIdx>(v + k));
        expected.push_back({v, static_cast<ImDrawIdx>(v + 1), static_cast<ImDrawIdx>(v + 2)});
        expected.push_back({v, static_cast<ImDrawIdx>(v + 2), static_cast<ImDrawIdx>(v + 3)});
        v = static_cast<ImDrawIdx>(v + 4);
      } else {  // a polyline's triangle
        for (const int k : {0, 1, 2}) src.push_back(static_cast<ImDrawIdx>(v + k));
        expected.push_back({v, static_cast<ImDrawIdx>(v + 1), static_cast<ImDrawIdx>(v + 2)});
        v = static_cast<ImDrawIdx>(v + 3);
      }
    }
    ImVector<ImDrawCmd> cmds;
    ImVector<ImDrawIdx> idx;
    ImDrawCmd like;
    like.ClipRect = ImVec4(1, 2, 3, 4);
    like.VtxOffset = 7;
    DrawPacker p(cmds, idx);
    p.open(like);
    // In two calls (two runs of one kind in a row), split between two items.
    const unsigned cut = item_start.empty() ? 0U : item_start[item_start.size() / 2];
    p.append(src.data(), cut);
    p.append(src.data() + cut, static_cast<unsigned>(src.size()) - cut);
    p.close();
    CHECK(drawn(cmds, idx) == expected);
    for (const auto& c : cmds) {
      CHECK(c.ElemCount > 0);
      CHECK(c.ElemCount % 6 == 0);
      CHECK(c.ElemCount <= kMaxDrawElems);
      CHECK(c.VtxOffset == 7);
      CHECK(c.ClipRect.x == 1.0F);
      // Every quad whose two triangles sit together starts on a 6-index boundary of its draw.
      for (unsigned k = 0; k + 6 <= c.ElemCount; k += 3) {
        const ImDrawIdx* t = idx.Data + c.IdxOffset + k;
        const bool quad = !degenerate(t) && t[1] == t[0] + 1 && t[2] == t[0] + 2 && t[3] == t[0] && t[4] == t[0] + 2 &&
                          t[5] == t[0] + 3;
        if (quad) CHECK(k % 6 == 0);
      }
    }
  }
}

TEST_CASE("nothing appended: no draw") {
  ImVector<ImDrawCmd> cmds;
  ImVector<ImDrawIdx> idx;
  DrawPacker p(cmds, idx);
  p.open(ImDrawCmd());
  p.close();
  CHECK(cmds.Size == 0);
  CHECK(idx.Size == 0);
}
