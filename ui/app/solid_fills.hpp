#pragma once
// Solid fills drawn without the font texture.
//
// ImGui draws everything with one shader that multiplies the vertex colour by a sample of the
// font atlas; a solid fill (buttons, frames, chips, table rows, anti-aliased shapes) samples the
// atlas's white texel. On Mesa's software rasteriser (llvmpipe) the bilinear texture fetch is
// over a third of each pixel's cost (UI-thread CPU with LP_NUM_THREADS=0 at 1080p on the plan
// view: ~16 ms with every triangle sampling, ~10 ms with none). After ImGui::Render() the draw
// commands are split into runs (ui/app/triangle_runs.hpp): solid triangles (all three vertices
// at the white texel's UV) go to a program without the texture, text and textured lines keep
// ImGui's. The pixels are the same: the white texel is sampled at its centre, so ImGui's shader
// gives the vertex colour times 1 (a 1080p screenshot of the plan view drawn both ways: no
// pixel differs).
#include <imgui.h>

namespace hdr::ui {

// Rewrites the draw lists of `draw_data` (after ImGui::Render(), before
// ImGui_ImplOpenGL3_RenderDrawData) so that solid runs are drawn by the untextured program:
// commands on the font atlas are split at run boundaries, with callbacks that switch programs
// between them. Needs the current GL context (creates the program on first use).
void split_solid_fills(ImDrawData* draw_data);

}  // namespace hdr::ui
