// Patient and fraction: identity, fraction number and prescription dose.
#include <cstdio>
#include <cstring>

#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

void draw_patient(const AppState& s, ViewContext& ctx, Intents& out) {
  auto& sc = ctx.scratch;
  if (!sc.patient_form_loaded) {
    std::snprintf(sc.patient_id, sizeof sc.patient_id, "%s", s.patient_id.c_str());
    std::snprintf(sc.patient_name, sizeof sc.patient_name, "%s", s.patient_name.c_str());
    sc.dose_Gy = s.prescription.dose_Gy;
    sc.patient_form_loaded = true;
  }
  widgets::heading("Patient and fraction");
  ImGui::PushItemWidth(400);
  ImGui::InputText("Patient ID", sc.patient_id, sizeof sc.patient_id);
  ImGui::InputText("Name", sc.patient_name, sizeof sc.patient_name);
  ImGui::InputDouble("Prescription dose per fraction (Gy)", &sc.dose_Gy, 0.5, 1.0, "%.1f");
  ImGui::PopItemWidth();
  ImGui::Text("Fraction %d of %d", s.fraction, s.prescription.fractions);
  if (widgets::big_button("Set patient and prescription", true, 360))
    out.push_back(intent::SetPatient{sc.patient_id, sc.patient_name, s.fraction, sc.dose_Gy});
  ImGui::Spacing();
  ImGui::TextWrapped("Workflow: capture a TRUS sweep, auto-segment and check the contours, accept the detected needles, "
                     "optimise, get the physician's and the physicist's approval, then deliver. INTERRUPT and EMERGENCY "
                     "STOP are always at the top right.");
}

}  // namespace hdr::ui
