#include "ui/app/widgets.hpp"

#include <imgui_internal.h>

namespace hdr::ui::widgets {

bool big_button(const char* label, bool enabled, float width_px) {
  if (!enabled) {
    ImGui::PushStyleVar(ImGuiStyleVar_Alpha, 0.4F);
    ImGui::PushItemFlag(ImGuiItemFlags_Disabled, true);
  }
  const bool pressed = ImGui::Button(label, ImVec2(width_px, kTouchHeight_px));
  if (!enabled) {
    ImGui::PopItemFlag();
    ImGui::PopStyleVar();
  }
  return pressed && enabled;
}

bool danger_button(const char* label, float width_px, float height_px) {
  ImGui::PushStyleColor(ImGuiCol_Button, kRed);
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImVec4(1.0F, 0.25F, 0.25F, 1.0F));
  ImGui::PushStyleColor(ImGuiCol_ButtonActive, ImVec4(0.6F, 0.0F, 0.0F, 1.0F));
  const bool pressed = ImGui::Button(label, ImVec2(width_px, height_px));
  ImGui::PopStyleColor(3);
  return pressed;
}

bool hold_to_confirm(const char* label, float hold_s, float width_px, bool enabled) {
  ImGuiStorage* storage = ImGui::GetStateStorage();
  const ImGuiID id = ImGui::GetID(label);
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  const ImVec2 size(width_px, kTouchHeight_px);
  if (!enabled) {
    big_button(label, false, width_px);
    storage->SetFloat(id, 0.0F);
    return false;
  }
  ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.15F, 0.35F, 0.15F, 1.0F));
  ImGui::Button(label, size);
  ImGui::PopStyleColor();
  float held_s = storage->GetFloat(id, 0.0F);
  bool fire = false;
  if (ImGui::IsItemActive() && ImGui::IsItemHovered()) {
    const float before = held_s;
    held_s += ImGui::GetIO().DeltaTime;
    fire = before < hold_s && held_s >= hold_s;
  } else {
    held_s = 0.0F;
  }
  storage->SetFloat(id, held_s);
  const float frac = held_s >= hold_s ? 1.0F : held_s / hold_s;
  if (frac > 0.0F)
    ImGui::GetWindowDrawList()->AddRectFilled(pos, ImVec2(pos.x + size.x * frac, pos.y + size.y),
                                              ImGui::GetColorU32(ImVec4(0.2F, 0.9F, 0.3F, 0.45F)));
  if (ImGui::IsItemHovered() && frac == 0.0F) ImGui::SetTooltip("Hold for %.1f s to confirm", static_cast<double>(hold_s));
  return fire;
}

void chip(const char* text, const ImVec4& colour) {
  ImGui::PushStyleColor(ImGuiCol_Button, colour);
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered, colour);
  ImGui::PushStyleColor(ImGuiCol_ButtonActive, colour);
  ImGui::PushItemFlag(ImGuiItemFlags_Disabled, true);
  ImGui::Button(text);
  ImGui::PopItemFlag();
  ImGui::PopStyleColor(3);
}

void heading(const char* text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.55F, 0.8F, 1.0F, 1.0F));
  ImGui::TextUnformatted(text);
  ImGui::PopStyleColor();
  ImGui::Separator();
}

}  // namespace hdr::ui::widgets
