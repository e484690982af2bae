#pragma once
// The order in which a draw command's triangles can be drawn by two programs (solid fills
// without the font texture, the rest with it: ui/app/solid_fills.hpp) with the same pixels as
// ImGui's single program and as few program switches as possible. Pure (no GL): tested.
#include <imgui.h>

namespace hdr::ui {

// Indices [first_elem, first_elem + elem_count) of a draw command (relative to its IdxOffset),
// drawn by one program.
struct TriangleRun {
  unsigned first_elem = 0;
  unsigned elem_count = 0;
  bool solid = false;  // every triangle's three vertices at the atlas's white texel
};

// The command's triangles as runs in the order to draw them. A triangle is solid when its three
// vertices have exactly `white_uv`; solid runs of less than `min_solid_area_px2` (summed
// triangle area) are drawn as textured (the same pixels, one switch less).
//
// Maximal runs of one kind are put on layers (solid even, textured odd): each on the lowest
// layer of its kind after every earlier run whose bounding box touches its own (the same layer
// when that run is of its kind). Layers are drawn in turn, runs within a layer in ImGui's
// order. Any two triangles that may share a pixel keep their order, so blending gives the same
// pixels; a row of buttons becomes all frames, then all labels (two switches, not two per button).
ImVector<TriangleRun> triangle_runs(const ImDrawList& list, const ImDrawCmd& cmd, ImVec2 white_uv,
                                    float min_solid_area_px2);

}  // namespace hdr::ui
