// Records: the patient's plans, delivery sessions, and the audit trail (hash-chained audit_log:
// seq, time, user, action, entity), read from the record store by a worker job.
#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

namespace {
void draw_lines(const char* id, const char* title, const std::vector<std::string>& rows, ImVec2 size) {
  ImGui::BeginChild(id, size, true);
  ImGui::TextDisabled("%s (%zu)", title, rows.size());
  for (const auto& r : rows) ImGui::TextWrapped("%s", r.c_str());
  ImGui::EndChild();
}

void draw_audit(const std::vector<AuditRow>& rows, ImVec2 size) {
  ImGui::BeginChild("audit", size, true);
  ImGui::TextDisabled("Audit trail, newest first (%zu shown; `hdr records verify` checks the chain)", rows.size());
  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV;
  if (ImGui::BeginTable("audit_rows", 5, flags, ImGui::GetContentRegionAvail())) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("Seq", ImGuiTableColumnFlags_WidthFixed, 60);
    ImGui::TableSetupColumn("Time (UTC)", ImGuiTableColumnFlags_WidthFixed, 230);
    ImGui::TableSetupColumn("User", ImGuiTableColumnFlags_WidthFixed, 130);
    ImGui::TableSetupColumn("Action");
    ImGui::TableSetupColumn("Entity");
    ImGui::TableHeadersRow();
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows.size()));
    while (clipper.Step())
      for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
        const AuditRow& r = rows[static_cast<size_t>(i)];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(r.seq));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.at.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.user.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.action.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(r.entity.c_str());
      }
    ImGui::EndTable();
  }
  ImGui::EndChild();
}
}  // namespace

void draw_records(const AppState& s, ViewContext&, Intents& out) {
  widgets::heading("Records");
  const auto job = s.jobs.find("records");
  const bool reading = job != s.jobs.end() && job->second.running;
  if (widgets::big_button("Refresh", !reading, 160)) out.push_back(intent::RefreshRecords{});
  ImGui::SameLine();
  draw_job(s, "records");
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float w = avail.x / 3.0F - 8;
  const float top_h = avail.y * 0.42F;
  draw_lines("patients", "Patient's plans", s.records.patients, ImVec2(w, top_h));
  ImGui::SameLine();
  draw_lines("sessions", "Delivery sessions", s.records.sessions, ImVec2(w, top_h));
  ImGui::SameLine();
  draw_lines("store", "Users and sources", s.records.store, ImVec2(w, top_h));
  draw_audit(s.records.audit, ImVec2(avail.x, avail.y - top_h - 12));
}

}  // namespace hdr::ui
