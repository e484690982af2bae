#include "ui/app/triangle_runs.hpp"

#include <algorithm>
#include <cmath>

namespace hdr::ui {

namespace {
float triangle_area_px2(const ImDrawVert& a, const ImDrawVert& b, const ImDrawVert& c) {
  return 0.5F * std::fabs((b.pos.x - a.pos.x) * (c.pos.y - a.pos.y) - (c.pos.x - a.pos.x) * (b.pos.y - a.pos.y));
}

}  // namespace

ImVector<TriangleRun> triangle_runs(const ImDrawList& list, const ImDrawCmd& cmd, ImVec2 white_uv,
                                    float min_solid_area_px2) {
  // 1. Maximal runs of consecutive solid / textured triangles, with their bounding boxes.
  struct Run {
    TriangleRun run;
    float area_px2 = 0.0F;
    ImVec4 box{1e30F, 1e30F, -1e30F, -1e30F};  // x0, y0, x1, y1
    int layer = 0;
  };
  ImVector<Run> runs;
  const ImDrawIdx* idx = list.IdxBuffer.Data + cmd.IdxOffset;
  const ImDrawVert* vtx = list.VtxBuffer.Data + cmd.VtxOffset;
  auto white = [&](const ImDrawVert& v) { return v.uv.x == white_uv.x && v.uv.y == white_uv.y; };
  for (unsigned k = 0; k + 3 <= cmd.ElemCount; k += 3) {
    const ImDrawVert &a = vtx[idx[k]], &b = vtx[idx[k + 1]], &c = vtx[idx[k + 2]];
    const bool solid = white(a) && white(b) && white(c);
    if (runs.empty() || runs.back().run.solid != solid) {
      runs.push_back(Run{});
      runs.back().run = {k, 0, solid};
    }
    Run& r = runs.back();
    r.run.elem_count += 3;
    if (solid) r.area_px2 += triangle_area_px2(a, b, c);
    for (const ImDrawVert* v : {&a, &b, &c}) {
      r.box.x = std::min(r.box.x, v->pos.x);
      r.box.y = std::min(r.box.y, v->pos.y);
      r.box.z = std::max(r.box.z, v->pos.x);
      r.box.w = std::max(r.box.w, v->pos.y);
    }
  }
  // Small solid runs are drawn textured (same pixels): not worth a program switch.
  for (Run& r : runs)
    if (r.run.solid && r.area_px2 < min_solid_area_px2) r.run.solid = false;
  // 2. Layers: solid runs on even layers, textured on odd ones. A run goes on the lowest layer
  //    of its kind that is after every earlier run it may overlap (bounding boxes touching count),
  //    or the same layer when that run is of its kind (drawn in order within a layer). Runs
  //    whose boxes are apart cover no common pixel, so their order does not change a pixel.
  auto overlap = [](const ImVec4& p, const ImVec4& q) { return p.x <= q.z && q.x <= p.z && p.y <= q.w && q.y <= p.w; };
  int top = 0;
  for (int r = 0; r < runs.Size; ++r) {
    const int parity = runs[r].run.solid ? 0 : 1;
    int layer = parity;
    for (int u = 0; u < r; ++u) {
      if (!overlap(runs[u].box, runs[r].box)) continue;
      const int at_least = runs[u].run.solid == runs[r].run.solid ? runs[u].layer : runs[u].layer + 1;
      if (layer < at_least) layer = at_least + ((at_least - parity) & 1);
    }
    runs[r].layer = layer;
    top = std::max(top, layer);
  }
  // 3. Layer by layer, runs in drawing order; neighbours of a kind joined.
  ImVector<TriangleRun> out;
  for (int layer = 0; layer <= top; ++layer)
    for (const Run& r : runs) {
      if (r.layer != layer) continue;
      if (!out.empty() && out.back().solid == r.run.solid && out.back().first_elem + out.back().elem_count == r.run.first_elem)
        out.back().elem_count += r.run.elem_count;
      else
        out.push_back(r.run);
    }
  return out;
}

}  // namespace hdr::ui
