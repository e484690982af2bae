// Contours: auto-segmentation of the sweep, editing by dragging points (one intent on
// release), adding and deleting slices.
#include <cstdio>

#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

void draw_contours(const AppState& s, ViewContext& ctx, Intents& out) {
  widgets::heading("Contours");
  if (widgets::big_button("Auto-segment sweep", s.sweep != nullptr, 260)) out.push_back(intent::AutoSegment{});
  ImGui::SameLine();
  draw_job(s, "segment");
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float panel_w = 420.0F;
  ImGui::BeginChild("contour_list", ImVec2(panel_w, avail.y), true);
  const double z = s.live_frame ? s.live_frame->z_mm : s.stepper_z_mm;
  for (const auto& st : s.structures) {
    ImGui::PushID(st.name.c_str());
    if (ImGui::TreeNodeEx(st.name.c_str(), ImGuiTreeNodeFlags_DefaultOpen, "%s (%s, %zu slices)", st.name.c_str(),
                          formats::to_string(st.kind), st.slices.size())) {
      char label[64];
      std::snprintf(label, sizeof label, "Add slice at z = %.1f", z);
      if (ImGui::Button(label, ImVec2(0, 40))) out.push_back(intent::AddSlice{st.name, z});
      for (size_t i = 0; i < st.slices.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        ImGui::Text("z = %6.1f mm  %zu pts", st.slices[i].z_mm, st.slices[i].points_mm.size());
        ImGui::SameLine(260);
        if (ImGui::SmallButton("delete")) out.push_back(intent::DeleteSlice{st.name, static_cast<int>(i)});
        ImGui::PopID();
      }
      ImGui::TreePop();
    }
    ImGui::PopID();
  }
  ImGui::EndChild();
  ImGui::SameLine();
  draw_axial(s, ctx, out, ImVec2(avail.x - panel_w - 10, avail.y), Overlay::edit_contours | Overlay::needles);
}

}  // namespace hdr::ui
