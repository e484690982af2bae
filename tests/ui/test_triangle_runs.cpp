// The draw order of solid fills and textured triangles (ui/app/triangle_runs.hpp): few program
// switches, and every two triangles that may share a pixel still drawn in ImGui's order.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "ui/app/triangle_runs.hpp"

using namespace hdr::ui;

namespace {
const ImVec2 kWhite(0.01F, 0.02F);  // the atlas's white texel (any fixed UV)
const ImVec2 kGlyph(0.5F, 0.5F);    // anywhere else in the atlas

// An axis-aligned quad as ImGui writes one (PrimRect: 4 vertices, indices 0 1 2 0 2 3).
void quad(ImDrawList& l, float x0, float y0, float x1, float y1, ImVec2 uv) {
  const auto base = static_cast<ImDrawIdx>(l.VtxBuffer.Size);
  for (const ImVec2 p : {ImVec2(x0, y0), ImVec2(x1, y0), ImVec2(x1, y1), ImVec2(x0, y1)})
    l.VtxBuffer.push_back(ImDrawVert{p, uv, IM_COL32_WHITE});
  for (const int k : {0, 1, 2, 0, 2, 3}) l.IdxBuffer.push_back(static_cast<ImDrawIdx>(base + k));
}

ImDrawCmd whole(const ImDrawList& l) {
  ImDrawCmd c;
  c.ElemCount = static_cast<unsigned>(l.IdxBuffer.Size);
  return c;
}

// Triangle numbers (first index / 3) in the order the runs draw them.
std::vector<unsigned> drawn_order(const ImVector<TriangleRun>& runs) {
  std::vector<unsigned> order;
  for (const auto& r : runs)
    for (unsigned k = 0; k < r.elem_count; k += 3) order.push_back((r.first_elem + k) / 3);
  return order;
}
}  // namespace

TEST_CASE("a row of buttons: all frames, then all labels") {
  ImDrawList l(nullptr);
  quad(l, 0, 0, 100, 50, kWhite);     // frame A
  quad(l, 10, 10, 30, 30, kGlyph);    // its label
  quad(l, 200, 0, 300, 50, kWhite);   // frame B
  quad(l, 210, 10, 230, 30, kGlyph);  // its label
  const auto runs = triangle_runs(l, whole(l), kWhite, 100.0F);
  REQUIRE(runs.Size == 4);  // the frames' indices are apart: two runs, drawn one after the other
  CHECK(runs[0].solid);
  CHECK(runs[1].solid);
  CHECK_FALSE(runs[2].solid);
  CHECK_FALSE(runs[3].solid);
  CHECK(drawn_order(runs) == std::vector<unsigned>{0, 1, 4, 5, 2, 3, 6, 7});
}

TEST_CASE("a fill over a label stays after it") {
  ImDrawList l(nullptr);
  quad(l, 0, 0, 100, 50, kWhite);     // frame
  quad(l, 10, 10, 60, 30, kGlyph);    // label on it
  quad(l, 50, 20, 150, 80, kWhite);   // a fill over the label
  const auto runs = triangle_runs(l, whole(l), kWhite, 100.0F);
  REQUIRE(runs.Size == 3);
  CHECK(runs[0].solid);
  CHECK_FALSE(runs[1].solid);
  CHECK(runs[2].solid);
  CHECK(drawn_order(runs) == std::vector<unsigned>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("a small fill is drawn with the textured program") {
  ImDrawList l(nullptr);
  quad(l, 0, 0, 10, 10, kGlyph);
  quad(l, 20, 0, 25, 5, kWhite);  // 25 px^2, under the threshold
  quad(l, 40, 0, 50, 10, kGlyph);
  const auto runs = triangle_runs(l, whole(l), kWhite, 100.0F);
  REQUIRE(runs.Size == 1);
  CHECK_FALSE(runs[0].solid);
  CHECK(runs[0].elem_count == 18);
}

TEST_CASE("random scenes: each triangle once, solid runs all solid, overlapping triangles in ImGui's order") {
  std::mt19937 rng(20261127);
  std::uniform_real_distribution<float> pos(0.0F, 400.0F), size(1.0F, 80.0F);
  for (int scene = 0; scene < 200; ++scene) {
    ImDrawList l(nullptr);
    std::vector<ImVec4> box;  // per triangle
    std::vector<bool> solid;
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int q = 0; q < n; ++q) {
      const float x = pos(rng), y = pos(rng), w = size(rng), h = size(rng);
      const bool s = rng() % 2 == 0;
      quad(l, x, y, x + w, y + h, s ? kWhite : kGlyph);
      for (int t = 0; t < 2; ++t) {
        box.push_back(ImVec4(x, y, x + w, y + h));  // the quad's box holds both triangles
        solid.push_back(s);
      }
    }
    const auto runs = triangle_runs(l, whole(l), kWhite, 200.0F);
    for (const auto& r : runs)
      if (r.solid)
        for (unsigned k = 0; k < r.elem_count; k += 3) CHECK(solid[(r.first_elem + k) / 3]);
    const auto order = drawn_order(runs);
    REQUIRE(order.size() == box.size());
    std::vector<int> at(box.size(), -1);
    for (size_t p = 0; p < order.size(); ++p) {
      REQUIRE(at[order[p]] == -1);  // drawn once
      at[order[p]] = static_cast<int>(p);
    }
    for (size_t i = 0; i < box.size(); ++i)
      for (size_t j = i + 1; j < box.size(); ++j) {
        const ImVec4 &a = box[i], &b = box[j];
        const bool touch = a.x <= b.z && b.x <= a.z && a.y <= b.w && b.y <= a.w;
        if (touch) CHECK(at[i] < at[j]);
      }
  }
}
