// Calibration: the guided well-chamber measurement form (hdr-calibration/1), computed by
// calib, recorded and accepted by a physicist.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

void draw_login_panel(const AppState& s, ViewContext& ctx, Intents& out);

namespace {
std::string measurement_json(const ViewScratch& sc) {
  nlohmann::json m = {{"format", "hdr-calibration/1"},
                      {"measured_at", sc.cal_measured_at},
                      {"source", {{"model", sc.cal_model}, {"serial", sc.cal_serial}}},
                      {"certificate", {{"S_K_U", sc.cal_certificate_U}, {"reference_time", sc.cal_certificate_time}}},
                      {"chamber", {{"model", "HDR 1000 Plus"}, {"serial", "CH1"}, {"N_SK_U_per_A", sc.cal_N_SK}}},
                      {"electrometer", {{"serial", "EL1"}, {"P_elec", 1.0}}},
                      {"readings_A", {sc.cal_readings_A[0], sc.cal_readings_A[1], sc.cal_readings_A[2]}},
                      {"temperature_C", sc.cal_temperature_C},
                      {"pressure_kPa", sc.cal_pressure_kPa}};
  return m.dump();
}
}  // namespace

void draw_calibration(const AppState& s, ViewContext& ctx, Intents& out) {
  widgets::heading("Source calibration (well chamber)");
  draw_login_panel(s, ctx, out);
  ImGui::Separator();
  auto& sc = ctx.scratch;
  if (s.calibration.accepted_sk_U)
    ImGui::TextColored(widgets::kGreen, "Accepted: %s %s  S_K = %.0f U at %s", s.calibration.source_model.c_str(),
                       s.calibration.source_serial.c_str(), *s.calibration.accepted_sk_U,
                       s.calibration.accepted_at.value_or("?").c_str());
  else
    ImGui::TextColored(widgets::kAmber, "No accepted calibration for the source: planning and delivery are refused.");
  ImGui::PushItemWidth(320);
  ImGui::TextDisabled("Step 1: source and certificate");
  ImGui::InputText("Source model", sc.cal_model, sizeof sc.cal_model);
  ImGui::InputText("Source serial", sc.cal_serial, sizeof sc.cal_serial);
  ImGui::InputDouble("Certificate S_K (U)", &sc.cal_certificate_U, 0, 0, "%.1f");
  ImGui::InputText("Certificate reference time (ISO-8601)", sc.cal_certificate_time, sizeof sc.cal_certificate_time);
  ImGui::TextDisabled("Step 2: chamber and conditions");
  ImGui::InputDouble("Chamber N_SK (U/A)", &sc.cal_N_SK, 0, 0, "%.4e");
  ImGui::InputDouble("Temperature (C)", &sc.cal_temperature_C, 0.1, 1.0, "%.1f");
  ImGui::InputDouble("Pressure (kPa)", &sc.cal_pressure_kPa, 0.1, 1.0, "%.3f");
  ImGui::TextDisabled("Step 3: readings at the sweet spot");
  ImGui::InputText("Measured at (ISO-8601)", sc.cal_measured_at, sizeof sc.cal_measured_at);
  for (int i = 0; i < 3; ++i) {
    char label[32];
    std::snprintf(label, sizeof label, "Reading %d (A)", i + 1);
    ImGui::InputDouble(label, &sc.cal_readings_A[i], 0, 0, "%.5e");
  }
  ImGui::InputText("Reason (needed for a warn)", sc.cal_reason, sizeof sc.cal_reason);
  ImGui::PopItemWidth();
  if (widgets::big_button("Compute", true, 200)) out.push_back(intent::ComputeCalibration{measurement_json(sc)});
  ImGui::SameLine();
  const bool physicist = s.role && *s.role == "physicist";
  if (widgets::big_button("Record and accept", physicist, 260))
    out.push_back(intent::RecordCalibration{measurement_json(sc), true, sc.cal_reason});
  if (s.jobs.count("record_calibration")) draw_job(s, "record_calibration");
  if (!s.calibration.last_result.empty()) {
    const ImVec4 col = s.calibration.last_status == "pass" ? widgets::kGreen
                       : s.calibration.last_status == "warn" ? widgets::kAmber : widgets::kRed;
    ImGui::TextColored(col, "%s", s.calibration.last_result.c_str());
  }
}

}  // namespace hdr::ui
