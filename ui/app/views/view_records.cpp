// Records: patients, delivery sessions and the audit trail from the record store.
#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"

namespace hdr::ui {

void draw_records(const AppState& s, ViewContext&, Intents& out) {
  widgets::heading("Records");
  if (widgets::big_button("Refresh", true, 160)) out.push_back(intent::RefreshRecords{});
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float w = avail.x / 3.0F - 8;
  auto list = [&](const char* id, const char* title, const std::vector<std::string>& rows) {
    ImGui::BeginChild(id, ImVec2(w, avail.y - 70), true);
    ImGui::TextDisabled("%s (%zu)", title, rows.size());
    for (const auto& r : rows) ImGui::TextWrapped("%s", r.c_str());
    ImGui::EndChild();
  };
  list("patients", "Patients", s.records.patients);
  ImGui::SameLine();
  list("sessions", "Delivery sessions", s.records.sessions);
  ImGui::SameLine();
  list("audit", "Audit trail", s.records.audit);
}

}  // namespace hdr::ui
