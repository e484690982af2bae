#pragma once
// The console's panels, one file each. A view reads `const AppState&` and appends intents; it
// never changes the state. ViewContext holds what only the drawing needs: GPU textures and
// widget scratch (text being typed, a drag in progress) — not application state.
#include <imgui.h>

#include <memory>
#include <string>

#include "ui/app/trus_texture.hpp"
#include "ui/state/app_state.hpp"
#include "ui/state/intents.hpp"
#include "ui/state/isodose.hpp"

namespace hdr::ui {

struct ViewScratch {
  char login_user[64] = "";
  char login_password[64] = "";
  // Calibration form (hdr-calibration/1 fields), prefilled by the demo.
  char cal_measured_at[40] = "";
  char cal_model[32] = "mHDR-v2";
  char cal_serial[32] = "";
  double cal_certificate_U = 40700.0;
  char cal_certificate_time[40] = "";
  double cal_N_SK = 4.55e11;
  double cal_readings_A[3] = {0, 0, 0};
  double cal_temperature_C = 22.0;
  double cal_pressure_kPa = 101.325;
  char cal_reason[128] = "";
  // Patient form.
  char patient_id[64] = "";
  char patient_name[64] = "";
  double dose_Gy = 15.0;
  bool patient_form_loaded = false;
  // Drags in progress (committed as one intent on release).
  int drag_structure = -1, drag_slice = -1, drag_point = -1;
  int drag_needle = -1;
  ImVec2 drag_mm{0, 0};
  float stepper_mm = 0.0F;
  // The plan whose protocol deviations the approver has acknowledged (ticked for that plan only).
  // (A weak_ptr: a later plan allocated where this one was is not mistaken for it.)
  std::weak_ptr<const PlanResult> deviations_acknowledged_for;
  // Frame-source form: the kind chosen, its location and grabber preset (opened on "Open").
  int source_kind = 0;
  char source_location[512] = "";
  int source_preset = 0;
};

// Isodose lines of one plane at the four levels, recomputed only when the dose grid, the
// plane or the prescription changes (the live frame's z changes at the probe's 25 Hz, the
// UI draws at 60 Hz).
struct IsodoseCache {
  const DoseVolume* dose = nullptr;
  std::shared_ptr<const DoseVolume> keep;  // holds `dose` alive while it is the key
  double plane_mm = 0.0;
  double prescription_Gy = 0.0;
  std::vector<Polyline2> lines[4];
};

struct ViewContext {
  IsodoseCache axial_isodoses;
  IsodoseCache sagittal_isodoses;
  ImageTexture live;
  ImageTexture sagittal;
  std::shared_ptr<const GrayImage> sagittal_image;  // derived from the sweep shown
  const Sweep* sagittal_from = nullptr;
  ViewScratch scratch;
  bool demo = false;
};

// Always-visible bars.
void draw_status_bar(const AppState& s, ViewContext& ctx, Intents& out);  // top: state + INTERRUPT / E-STOP
void draw_navigation(const AppState& s, ViewContext& ctx, Intents& out);  // left: workflow steps

void draw_patient(const AppState& s, ViewContext& ctx, Intents& out);
void draw_trus(const AppState& s, ViewContext& ctx, Intents& out);
void draw_contours(const AppState& s, ViewContext& ctx, Intents& out);
void draw_needles(const AppState& s, ViewContext& ctx, Intents& out);
void draw_plan(const AppState& s, ViewContext& ctx, Intents& out);
void draw_approval(const AppState& s, ViewContext& ctx, Intents& out);
void draw_delivery(const AppState& s, ViewContext& ctx, Intents& out);
void draw_calibration(const AppState& s, ViewContext& ctx, Intents& out);
void draw_records(const AppState& s, ViewContext& ctx, Intents& out);

// Shared image panels (view_images.cpp).
enum class Overlay : unsigned { none = 0, contours = 1, edit_contours = 2, needles = 4, edit_needles = 8, isodoses = 16, grid = 32 };
inline Overlay operator|(Overlay a, Overlay b) { return static_cast<Overlay>(static_cast<unsigned>(a) | static_cast<unsigned>(b)); }
inline bool has(Overlay set, Overlay o) { return (static_cast<unsigned>(set) & static_cast<unsigned>(o)) != 0; }
void draw_axial(const AppState& s, ViewContext& ctx, Intents& out, ImVec2 size, Overlay overlay);
void draw_sagittal(const AppState& s, ViewContext& ctx, ImVec2 size, bool isodoses);
void draw_dvh(const AppState& s, ImVec2 size);
void draw_metrics_table(const AppState& s);
void draw_job(const AppState& s, const char* job);  // progress bar / last error of a job

}  // namespace hdr::ui
