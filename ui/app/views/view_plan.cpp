// Plan: optimise, automatic re-optimisation when the geometry changes, isodoses on the images,
// DVH, metrics coloured by protocol pass/fail, and dwell-time editing whose metrics update
// live (one SetDwellTime intent on release: IsItemDeactivatedAfterEdit).
#include <cstdio>

#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

namespace {
void draw_dwell_editor(const AppState& s, Intents& out) {
  if (!s.plan) return;
  const auto& dwells = s.plan->plan.dwells;
  // Rows told apart by lines, not by alternating shading: the shading is a translucent quad
  // the width of the table on every other row, blended pixel by pixel by the software
  // rasteriser (~100k pixels, ~1 ms of CPU per frame at 1080p) for a 6 % tint.
  if (!ImGui::BeginTable("dwells", 4, ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_BordersOuter,
                         ImGui::GetContentRegionAvail()))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Cath");
  ImGui::TableSetupColumn("Position (mm)");
  ImGui::TableSetupColumn("Time (s)");
  ImGui::TableSetupColumn("#");
  ImGui::TableHeadersRow();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(dwells.size()));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const auto& d = dwells[static_cast<size_t>(i)];
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%d", d.catheter);
      ImGui::TableNextColumn();
      ImGui::Text("%5.1f %5.1f %5.1f", d.position_mm[0], d.position_mm[1], d.position_mm[2]);
      ImGui::TableNextColumn();
      ImGui::PushID(i);
      // The widget edits a copy; the plan changes only when the edit is committed on release.
      float t = static_cast<float>(d.time_s);
      ImGui::SetNextItemWidth(-1);
      ImGui::DragFloat("##t", &t, 0.1F, 0.0F, 999.9F, "%.1f");
      if (ImGui::IsItemDeactivatedAfterEdit()) out.push_back(intent::SetDwellTime{i, static_cast<double>(t)});
      ImGui::PopID();
      ImGui::TableNextColumn();
      ImGui::Text("%d", i);
    }
  }
  ImGui::EndTable();
}
}  // namespace

void draw_plan(const AppState& s, ViewContext& ctx, Intents& out) {
  widgets::heading("Plan");
  const bool can_plan = !s.structures.empty() && !s.catheters.empty();
  if (widgets::big_button("Optimise", can_plan, 200)) out.push_back(intent::Optimise{});
  ImGui::SameLine();
  bool auto_replan = s.auto_replan;
  if (ImGui::Checkbox("Re-optimise automatically when geometry changes", &auto_replan))
    out.push_back(intent::SetAutoReplan{auto_replan});
  ImGui::SameLine();
  if (s.plan) {
    double total = 0;
    for (const auto& d : s.plan->plan.dwells) total += d.time_s;
    ImGui::Text("total %.1f s at %.0f U", total, s.plan->plan.source.air_kerma_strength_U);
    ImGui::SameLine();
    if (s.plan->geometry_revision != s.geometry_revision) widgets::chip("OUT OF DATE", widgets::kAmber);
    else if (s.plan->metrics_pending) widgets::chip("RE-EVALUATING", widgets::kAmber);
    else widgets::chip(s.plan->protocol_pass() ? "PROTOCOL PASS" : "PROTOCOL FAIL",
                       s.plan->protocol_pass() ? widgets::kGreen : widgets::kRed);
  }
  draw_job(s, "optimise");
  if (s.jobs.count("evaluate")) draw_job(s, "evaluate");
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float left_w = avail.x * 0.52F;
  ImGui::BeginGroup();
  draw_axial(s, ctx, out, ImVec2(left_w, avail.y * 0.62F),
             Overlay::contours | Overlay::needles | Overlay::isodoses | Overlay::grid);
  draw_sagittal(s, ctx, ImVec2(left_w, avail.y * 0.36F), true);
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginChild("plan_right", ImVec2(0, avail.y), false);
  draw_dvh(s, ImVec2(ImGui::GetContentRegionAvail().x, avail.y * 0.38F));
  draw_metrics_table(s);
  ImGui::Separator();
  ImGui::TextDisabled("Dwell times (drag or type; committed on release)");
  draw_dwell_editor(s, out);
  ImGui::EndChild();
}

}  // namespace hdr::ui
