// Live TRUS: frame source, stepper position, sweep capture; axial live image and the
// sagittal reconstruction of the last sweep.
#include <algorithm>
#include <string>

#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

namespace {
// Kind of source, its folder/file/device, the grabber preset that places its frames, and
// "Open": one SelectFrameSource intent; the source now open is named beside it.
void draw_frame_source_form(const AppState& s, ViewScratch& sc, Intents& out) {
  for (size_t i = 0; i < s.frame_sources.size(); ++i) {
    if (i > 0) ImGui::SameLine();
    ImGui::RadioButton(s.frame_sources[i].c_str(), &sc.source_kind, static_cast<int>(i));
  }
  const bool simulated = sc.source_kind == 0;
  const bool needs_preset = sc.source_kind >= 2;  // PLUS file, video: grabbed pixels to place
  if (!simulated) {
    ImGui::SetNextItemWidth(700);
    ImGui::InputTextWithHint("##location", sc.source_kind == 1 ? "folder with sequence.json" :
                             sc.source_kind == 2 ? "file.igs.mha" : "/dev/video0, file or rtsp://...",
                             sc.source_location, sizeof sc.source_location);
  }
  if (needs_preset && !s.grabber_presets.empty()) {
    ImGui::SameLine();
    sc.source_preset = std::clamp(sc.source_preset, 0, static_cast<int>(s.grabber_presets.size()) - 1);
    ImGui::SetNextItemWidth(420);
    if (ImGui::BeginCombo("preset", s.grabber_presets[static_cast<size_t>(sc.source_preset)].c_str())) {
      for (size_t p = 0; p < s.grabber_presets.size(); ++p)
        if (ImGui::Selectable(s.grabber_presets[p].c_str(), sc.source_preset == static_cast<int>(p)))
          sc.source_preset = static_cast<int>(p);
      ImGui::EndCombo();
    }
  }
  ImGui::SameLine();
  if (widgets::big_button("Open", simulated || sc.source_location[0] != 0, 120))
    out.push_back(intent::SelectFrameSource{
        sc.source_kind, simulated ? std::string() : std::string(sc.source_location),
        needs_preset && !s.grabber_presets.empty() ? s.grabber_presets[static_cast<size_t>(sc.source_preset)] : std::string()});
  draw_job(s, "frame_source");
  ImGui::TextDisabled("Open: %s%s%s", s.frame_sources[static_cast<size_t>(s.frame_source_index)].c_str(),
                      s.frame_source_location.empty() ? "" : "  ", s.frame_source_location.c_str());
}
}  // namespace

void draw_trus(const AppState& s, ViewContext& ctx, Intents& out) {
  widgets::heading("Live TRUS");
  auto& sc = ctx.scratch;
  if (s.frame_sources.empty()) {
    ImGui::TextColored(widgets::kAmber, "No frame source in this build.");
  } else {
    draw_frame_source_form(s, sc, out);
  }
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
