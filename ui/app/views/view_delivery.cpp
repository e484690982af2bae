// Delivery: connect, machine profile and source, per-channel progress, START and RESUME as
// hold-to-confirm controls (nothing that moves the source reacts to a single click).
// INTERRUPT and EMERGENCY STOP are in the status bar on every screen.
#include <cstdio>

#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

void draw_login_panel(const AppState& s, ViewContext& ctx, Intents& out);

void draw_delivery(const AppState& s, ViewContext& ctx, Intents& out) {
  widgets::heading("Delivery");
  draw_login_panel(s, ctx, out);
  ImGui::Separator();
  const auto& d = s.delivery;
  if (widgets::big_button("Connect afterloader", d.session != "running", 280)) out.push_back(intent::ConnectAfterloader{});
  ImGui::SameLine();
  ImGui::Text("Machine: %s\nSource: %s", d.machine.empty() ? "-" : d.machine.c_str(), d.source.empty() ? "-" : d.source.c_str());
  const bool approved = s.approvals.size() >= 2 && s.stored_plan_id.has_value();
  const bool role_ok = s.role && (*s.role == "therapist" || *s.role == "physicist");
  const bool idle = d.session != "running";
  if (!approved) ImGui::TextColored(widgets::kAmber, "The plan needs a physician's and a physicist's approval.");
  if (s.user && !role_ok) ImGui::TextColored(widgets::kAmber, "Only a therapist or a physicist delivers.");
  if (widgets::hold_to_confirm("HOLD TO START", widgets::kHoldToStart_s, 300, approved && role_ok && idle && d.session != "interrupted"))
    out.push_back(intent::StartDelivery{});
  ImGui::SameLine();
  if (widgets::hold_to_confirm("HOLD TO RESUME", widgets::kHoldToStart_s, 300, approved && role_ok && d.session == "interrupted"))
    out.push_back(intent::ResumeDelivery{});
  if (!d.message.empty()) ImGui::TextWrapped("%s", d.message.c_str());
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.1f / %.1f s", d.delivered_total_s(), d.planned_total_s());
  const double total = d.planned_total_s();
  ImGui::ProgressBar(total > 0 ? static_cast<float>(d.delivered_total_s() / total) : 0.0F, ImVec2(-1, 36), buf);
  if (ImGui::BeginTable("channels", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersOuter,
                        ImGui::GetContentRegionAvail())) {
    ImGui::TableSetupColumn("Channel", ImGuiTableColumnFlags_WidthFixed, 90);
    ImGui::TableSetupColumn("Progress");
    ImGui::TableSetupColumn("Delivered / planned (s)", ImGuiTableColumnFlags_WidthFixed, 220);
    ImGui::TableHeadersRow();
    for (const auto& c : d.channels) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%d", c.catheter);
      ImGui::TableNextColumn();
      ImGui::ProgressBar(c.planned_s > 0 ? static_cast<float>(c.delivered_s / c.planned_s) : 1.0F, ImVec2(-1, 22), "");
      ImGui::TableNextColumn();
      ImGui::Text("%.1f / %.1f", c.delivered_s, c.planned_s);
    }
    ImGui::EndTable();
  }
}

}  // namespace hdr::ui
