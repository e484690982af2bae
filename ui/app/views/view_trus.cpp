// Live TRUS: frame source, stepper position, sweep capture; axial live image and the
// sagittal reconstruction of the last sweep.
#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

void draw_trus(const AppState& s, ViewContext& ctx, Intents& out) {
  widgets::heading("Live TRUS");
  if (s.frame_sources.empty()) {
    ImGui::TextColored(widgets::kAmber, "No frame source in this build.");
  } else {
    for (size_t i = 0; i < s.frame_sources.size(); ++i) {
      if (i > 0) ImGui::SameLine();
      if (ImGui::RadioButton(s.frame_sources[i].c_str(), s.frame_source_index == static_cast<int>(i)))
        out.push_back(intent::SelectFrameSource{static_cast<int>(i)});
    }
  }
  auto& sc = ctx.scratch;
  if (!ImGui::IsAnyItemActive()) sc.stepper_mm = static_cast<float>(s.stepper_z_mm);
  ImGui::SetNextItemWidth(500);
  ImGui::SliderFloat("Stepper z (mm)", &sc.stepper_mm, -40.0F, 40.0F, "%.1f");
  // The stepper follows the slider live (it moves the probe, not the source).
  if (ImGui::IsItemEdited()) out.push_back(intent::SetStepper{static_cast<double>(sc.stepper_mm)});
  ImGui::SameLine();
  if (widgets::big_button("Capture sweep", !s.frame_sources.empty(), 220)) out.push_back(intent::CaptureSweep{});
  draw_job(s, "sweep");
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  draw_axial(s, ctx, out, ImVec2(avail.x * 0.5F - 8, avail.y), Overlay::grid | Overlay::contours | Overlay::needles);
  ImGui::SameLine();
  draw_sagittal(s, ctx, ImVec2(avail.x * 0.5F - 8, avail.y), false);
}

}  // namespace hdr::ui
