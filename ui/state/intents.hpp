#pragma once
// What a view (or a script line) asks the console to do. Views never change the state: they
// return intents, and Console::apply() is the one place that acts on them after the frame
// (DESIGN.md, "Widgets report, the app acts after the frame"). Every intent has a JSON form
// (ui/state/script.hpp) so that UI workflows are tested without pixel-clicking.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ui/state/app_state.hpp"

namespace hdr::ui::intent {

struct SelectView { View view = View::patient; };
struct SetPatient { std::string id; std::string name; int fraction = 1; double dose_Gy = 15.0; };
// Imports a planning problem (hdr-case/1): structures, catheters and prescription replace the
// current ones (e.g. contours and needles planned elsewhere).
struct LoadCase { std::string path; };

// Live TRUS.
// index into AppState::frame_sources; location: folder, file, device or URL; preset: the
// frame-grabber preset that places a PLUS file's or a video's frames (AppState::grabber_presets).
struct SelectFrameSource { int index = 0; std::string location; std::string preset; };
struct SetStepper { double z_mm = 0.0; };
struct CaptureSweep {};

// Contours.
struct AutoSegment {};
struct MoveContourPoint { std::string structure; int slice = 0; int point = 0; double x_mm = 0; double y_mm = 0; };
struct AddSlice { std::string structure; double z_mm = 0.0; };  // copies the nearest slice's polygon
struct DeleteSlice { std::string structure; int slice = 0; };

// Needles.
struct DetectNeedles {};
struct AcceptNeedle { int id = 0; };       // a detected needle becomes a catheter
struct AcceptAllNeedles {};
struct MoveNeedle { int id = 0; double x_mm = 0; double y_mm = 0; };  // snapped to the 5 mm template
struct AddNeedle { double x_mm = 0; double y_mm = 0; };
struct DeleteNeedle { int id = 0; };

// Plan.
struct Optimise {};
struct SetAutoReplan { bool on = true; };
struct SetDwellTime { int dwell = 0; double time_s = 0.0; };  // committed edit (on release)

// Approval (login is required for approval, calibration and delivery).
struct Login { std::string user; std::string password; };
struct Logout {};
// A plan outside the protocol is approved only with its deviations acknowledged: the approver
// has read each failing constraint and signs the plan as it is (clinical judgement).
struct Approve { bool deviations_acknowledged = false; };

// Calibration: a well-chamber measurement (hdr-calibration/1 JSON text) and acceptance.
struct ComputeCalibration { std::string measurement_json; };
struct RecordCalibration { std::string measurement_json; bool accept = true; std::string reason; };

// Delivery. Start is only emitted by a hold-to-confirm control.
struct ConnectAfterloader {};
struct StartDelivery {};
struct Interrupt {};
struct EmergencyStop {};
struct ResumeDelivery {};

struct RefreshRecords {};

// Script only: wait until no job runs / the delivery reaches a state (bounded by timeout_s).
struct WaitIdle { double timeout_s = 60.0; };
struct WaitDelivery { std::string session; double timeout_s = 60.0; double min_delivered_s = 0.0; };
// Script only: fail the script unless a state value equals the expected text (or, with
// `min` set, is a number at least `min`).
struct Expect { std::string path; std::string equals; std::optional<double> min; };

}  // namespace hdr::ui::intent

namespace hdr::ui {

using Intent = std::variant<
    intent::SelectView, intent::SetPatient, intent::LoadCase, intent::SelectFrameSource, intent::SetStepper, intent::CaptureSweep,
    intent::AutoSegment, intent::MoveContourPoint, intent::AddSlice, intent::DeleteSlice, intent::DetectNeedles,
    intent::AcceptNeedle, intent::AcceptAllNeedles, intent::MoveNeedle, intent::AddNeedle, intent::DeleteNeedle,
    intent::Optimise, intent::SetAutoReplan, intent::SetDwellTime, intent::Login, intent::Logout, intent::Approve,
    intent::ComputeCalibration, intent::RecordCalibration, intent::ConnectAfterloader, intent::StartDelivery,
    intent::Interrupt, intent::EmergencyStop, intent::ResumeDelivery, intent::RefreshRecords, intent::WaitIdle,
    intent::WaitDelivery, intent::Expect>;

using Intents = std::vector<Intent>;

// Short name of the intent ("capture_sweep"), the same as its JSON "intent" tag.
std::string intent_name(const Intent& i);

}  // namespace hdr::ui
