// The always-visible parts: the status bar (patient, user, plan, link, session, source) with
// INTERRUPT and EMERGENCY STOP on every screen, and the workflow navigation.
#include <cstdio>

#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

namespace {
ImVec4 link_colour(const std::string& link) {
  if (link == "connected") return widgets::kGreen;
  if (link == "unknown") return widgets::kRed;  // lost link: state unknown, never "retracted"
  return widgets::kGrey;
}
ImVec4 session_colour(const std::string& session) {
  if (session == "running") return widgets::kAmber;
  if (session == "completed") return widgets::kGreen;
  if (session == "interrupted" || session == "refused" || session == "emergency_stopped") return widgets::kRed;
  return widgets::kGrey;
}
}  // namespace

void draw_status_bar(const AppState& s, ViewContext&, Intents& out) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "Patient %s  %s  fraction %d  Rx %.1f Gy", s.patient_id.c_str(), s.patient_name.c_str(),
                s.fraction, s.prescription.dose_Gy);
  ImGui::TextUnformatted(buf);
  ImGui::SameLine(0, 30);
  const auto login = s.jobs.find("login");
  const bool logging_in = login != s.jobs.end() && login->second.running;
  ImGui::Text("User: %s", s.user ? (*s.user + " (" + *s.role + ")").c_str() : logging_in ? "logging in..." : "not logged in");
  if (!s.plan)
    widgets::chip("PLAN: none", widgets::kGrey);
  else if (s.plan->geometry_revision != s.geometry_revision)
    widgets::chip("PLAN: OUT OF DATE", widgets::kAmber);
  else if (!s.plan->protocol_pass() && s.approvals.size() < 2)
    widgets::chip(s.plan->metrics_pending ? "PLAN: RE-EVALUATING" : "PLAN: FAILS PROTOCOL",
                  s.plan->metrics_pending ? widgets::kAmber : widgets::kRed);
  else
    widgets::chip(s.approvals.size() >= 2 ? "PLAN: APPROVED" : "PLAN: NOT APPROVED",
                  s.approvals.size() >= 2 ? widgets::kGreen : widgets::kAmber);
  ImGui::SameLine();
  std::snprintf(buf, sizeof buf, "LINK: %s", s.delivery.link.c_str());
  widgets::chip(buf, link_colour(s.delivery.link));
  ImGui::SameLine();
  std::snprintf(buf, sizeof buf, "SESSION: %s", s.delivery.session.c_str());
  widgets::chip(buf, session_colour(s.delivery.session));
  ImGui::SameLine();
  std::snprintf(buf, sizeof buf, "SOURCE: %s %.0f U", s.source.model.c_str(), s.source.air_kerma_strength_U);
  widgets::chip(buf, s.calibration.accepted_sk_U ? widgets::kGreen : widgets::kAmber);

  // Stop controls: right-aligned, large, on every screen, never disabled.
  const float w = 190.0F, h = 90.0F;
  const ImVec2 after_chips = ImGui::GetCursorPos();
  ImGui::SetCursorPos(ImVec2(ImGui::GetWindowWidth() - 2 * w - 30, 8));
  if (widgets::danger_button("INTERRUPT", w, h)) out.push_back(intent::Interrupt{});
  ImGui::SameLine();
  if (widgets::danger_button("EMERGENCY\n   STOP", w, h)) out.push_back(intent::EmergencyStop{});
  ImGui::SetCursorPos(after_chips);
  if (!s.last_error.empty())
    ImGui::TextColored(widgets::kRed, "%s", s.last_error.c_str());
  else if (!s.messages.empty())
    ImGui::TextColored(widgets::kGrey, "%s", s.messages.back().c_str());
}

void draw_navigation(const AppState& s, ViewContext&, Intents& out) {
  struct Step {
    View view;
    const char* label;
    bool done;
  };
  const Step steps[] = {
      {View::patient, "1 Patient", !s.patient_id.empty()},
      {View::trus, "2 Live TRUS", s.sweep != nullptr},
      {View::contours, "3 Contours", !s.structures.empty()},
      {View::needles, "4 Needles", !s.catheters.empty()},
      {View::plan, "5 Plan", s.plan && s.plan->geometry_revision == s.geometry_revision},
      {View::approval, "6 Approval", s.approvals.size() >= 2},
      {View::delivery, "7 Delivery", s.delivery.session == "completed"},
      {View::calibration, "Calibration", s.calibration.accepted_sk_U.has_value()},
      {View::records, "Records", false},
  };
  for (const auto& st : steps) {
    const bool current = s.view == st.view;
    if (current) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.25F, 0.45F, 0.75F, 1.0F));
    char label[64];
    std::snprintf(label, sizeof label, "%s%s", st.label, st.done ? "  [ok]" : "");
    if (ImGui::Button(label, ImVec2(-1, widgets::kTouchHeight_px))) out.push_back(intent::SelectView{st.view});
    if (current) ImGui::PopStyleColor();
  }
  ImGui::Separator();
  ImGui::TextDisabled("Jobs");
  for (const auto& [name, job] : s.jobs)
    if (job.running) ImGui::ProgressBar(job.progress, ImVec2(-1, 20), name.c_str());
}

}  // namespace hdr::ui
