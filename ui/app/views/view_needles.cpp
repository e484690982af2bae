// Needles: the template grid over the live image, auto-detected needles to accept, needles
// moved by dragging (snapped to the 5 mm template on release) or added by a click on a hole.
#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

void draw_needles(const AppState& s, ViewContext& ctx, Intents& out) {
  widgets::heading("Needles");
  if (widgets::big_button("Detect needles", s.sweep != nullptr, 220)) out.push_back(intent::DetectNeedles{});
  ImGui::SameLine();
  if (widgets::big_button("Accept all detected", !s.detected_needles.empty(), 260)) out.push_back(intent::AcceptAllNeedles{});
  ImGui::SameLine();
  draw_job(s, "needles");
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float panel_w = 360.0F;
  ImGui::BeginChild("needle_list", ImVec2(panel_w, avail.y), true);
  ImGui::TextColored(widgets::kAmber, "Detected (%zu)", s.detected_needles.size());
  for (const auto& c : s.detected_needles) {
    ImGui::PushID(c.id);
    ImGui::Text("#%d  (%.1f, %.1f) mm", c.id, c.path_mm.front()[0], c.path_mm.front()[1]);
    ImGui::SameLine(200);
    if (ImGui::Button("Accept", ImVec2(70, 34))) out.push_back(intent::AcceptNeedle{c.id});
    ImGui::SameLine();
    if (ImGui::Button("Drop", ImVec2(60, 34))) out.push_back(intent::DeleteNeedle{c.id});
    ImGui::PopID();
  }
  ImGui::Separator();
  ImGui::TextColored(widgets::kGreen, "Accepted (%zu)", s.catheters.size());
  for (const auto& c : s.catheters) {
    ImGui::PushID(1000000 + c.id);
    ImGui::Text("#%d  (%.1f, %.1f) mm  tip z %.1f", c.id, c.path_mm.front()[0], c.path_mm.front()[1], c.path_mm.front()[2]);
    ImGui::SameLine(260);
    if (ImGui::Button("Remove", ImVec2(80, 34))) out.push_back(intent::DeleteNeedle{c.id});
    ImGui::PopID();
  }
  ImGui::Separator();
  ImGui::TextWrapped("Drag a needle to move it; click a template hole to add one.");
  ImGui::EndChild();
  ImGui::SameLine();
  draw_axial(s, ctx, out, ImVec2(avail.x - panel_w - 10, avail.y), Overlay::grid | Overlay::contours | Overlay::edit_needles);
}

}  // namespace hdr::ui
