#pragma once
// Console widgets for gloved hands under time pressure: large touch targets, colours that say
// state, and a hold-to-confirm control for anything that moves the source.
#include <imgui.h>

namespace hdr::ui::widgets {

constexpr float kTouchHeight_px = 56.0F;  // minimum height of a touch target (~10 mm on a 24" panel)
constexpr float kHoldToStart_s = 1.5F;    // START / RESUME must be held this long

inline const ImVec4 kGreen{0.20F, 0.70F, 0.30F, 1.0F};
inline const ImVec4 kRed{0.85F, 0.15F, 0.15F, 1.0F};
inline const ImVec4 kAmber{0.95F, 0.65F, 0.10F, 1.0F};
inline const ImVec4 kGrey{0.55F, 0.55F, 0.55F, 1.0F};

// A large button; disabled (greyed, never returns true) when `enabled` is false.
bool big_button(const char* label, bool enabled = true, float width_px = 0.0F);

// A large red button (INTERRUPT, EMERGENCY STOP): always enabled.
bool danger_button(const char* label, float width_px, float height_px);

// Returns true once when the button has been held for `hold_s` seconds without leaving it; the
// fill shows the hold progress. A click or a short press does nothing.
bool hold_to_confirm(const char* label, float hold_s, float width_px, bool enabled);

// A coloured label ("chip") for a state: link, session, protocol.
void chip(const char* text, const ImVec4& colour);

// Section heading in a larger colour.
void heading(const char* text);

}  // namespace hdr::ui::widgets
