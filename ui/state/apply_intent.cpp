// Console::apply(): the one place where intents change the console's state. Each handler
// validates its intent against the current state and either acts or refuses with one line
// naming the field and value at fault (state.last_error).
#include <algorithm>
#include <cmath>

#include "planner/common/error.hpp"
#include "planner/common/iso_time.hpp"
#include "planner/formats/case_io.hpp"
#include "ui/state/console.hpp"

namespace hdr::ui {

namespace {
constexpr double kTemplatePitch_mm = 5.0;  // template holes at multiples of 5 mm (formats README)

double snap_to_template(double v_mm) { return std::round(v_mm / kTemplatePitch_mm) * kTemplatePitch_mm; }

formats::Structure& find_structure(std::vector<formats::Structure>& list, const std::string& name) {
  for (auto& s : list)
    if (s.name == name) return s;
  throw Error("structure '" + name + "' not found");
}

void require_finite(double v, const std::string& field) {
  require(std::isfinite(v), field + " = " + std::to_string(v) + ": must be a finite number");
}

std::vector<formats::Catheter>::iterator find_catheter(std::vector<formats::Catheter>& list, int id) {
  return std::find_if(list.begin(), list.end(), [id](const formats::Catheter& c) { return c.id == id; });
}

int next_catheter_id(const std::vector<formats::Catheter>& list) {
  int id = 0;
  for (const auto& c : list) id = std::max(id, c.id);
  return id + 1;
}
}  // namespace

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string intent_name(const Intent& i) {
  return std::visit(
      Overloaded{
          [](const intent::SelectView&) { return "select_view"; },
          [](const intent::SetPatient&) { return "set_patient"; },
          [](const intent::LoadCase&) { return "load_case"; },
          [](const intent::SelectFrameSource&) { return "select_frame_source"; },
          [](const intent::SetStepper&) { return "set_stepper"; },
          [](const intent::CaptureSweep&) { return "capture_sweep"; },
          [](const intent::AutoSegment&) { return "auto_segment"; },
          [](const intent::MoveContourPoint&) { return "move_contour_point"; },
          [](const intent::AddSlice&) { return "add_slice"; },
          [](const intent::DeleteSlice&) { return "delete_slice"; },
          [](const intent::DetectNeedles&) { return "detect_needles"; },
          [](const intent::AcceptNeedle&) { return "accept_needle"; },
          [](const intent::AcceptAllNeedles&) { return "accept_all_needles"; },
          [](const intent::MoveNeedle&) { return "move_needle"; },
          [](const intent::AddNeedle&) { return "add_needle"; },
          [](const intent::DeleteNeedle&) { return "delete_needle"; },
          [](const intent::Optimise&) { return "optimise"; },
          [](const intent::SetAutoReplan&) { return "set_auto_replan"; },
          [](const intent::SetDwellTime&) { return "set_dwell_time"; },
          [](const intent::Login&) { return "login"; },
          [](const intent::Logout&) { return "logout"; },
          [](const intent::Approve&) { return "approve"; },
          [](const intent::ComputeCalibration&) { return "compute_calibration"; },
          [](const intent::RecordCalibration&) { return "record_calibration"; },
          [](const intent::ConnectAfterloader&) { return "connect_afterloader"; },
          [](const intent::StartDelivery&) { return "start_delivery"; },
          [](const intent::Interrupt&) { return "interrupt"; },
          [](const intent::EmergencyStop&) { return "emergency_stop"; },
          [](const intent::ResumeDelivery&) { return "resume_delivery"; },
          [](const intent::RefreshRecords&) { return "refresh_records"; },
          [](const intent::WaitIdle&) { return "wait_idle"; },
          [](const intent::WaitDelivery&) { return "wait_delivery"; },
          [](const intent::Expect&) { return "expect"; },
      },
      i);
}

struct IntentApplier {
  Console& c;
  AppState& s;

  void require_login(const std::string& action, std::initializer_list<const char*> roles) {
    require(s.user.has_value(), action + ": log in first");
    for (const char* r : roles)
      if (*s.role == r) return;
    std::string allowed;
    for (const char* r : roles) allowed += std::string(allowed.empty() ? "" : " or ") + r;
    throw Error(action + ": user '" + *s.user + "' has role '" + *s.role + "'; needs " + allowed);
  }
  backend::Records& records(const std::string& action) {
    require(c.records_.get() != nullptr, action + ": no record store configured");
    return *c.records_;
  }

  void operator()(const intent::SelectView& i) { s.view = i.view; }

  void operator()(const intent::SetPatient& i) {
    require(!i.id.empty(), "patient id: must not be empty");
    require(i.fraction >= 1 && i.fraction <= 10, "fraction = " + std::to_string(i.fraction) + ": must be in [1, 10]");
    require(std::isfinite(i.dose_Gy) && i.dose_Gy > 0.0 && i.dose_Gy <= 30.0,
            "prescription dose_Gy = " + std::to_string(i.dose_Gy) + ": must be in (0, 30] Gy");
    s.patient_id = i.id;
    s.patient_name = i.name;
    s.fraction = i.fraction;
    if (s.prescription.dose_Gy != i.dose_Gy) {
      s.prescription.dose_Gy = i.dose_Gy;
      c.geometry_changed("prescription set to " + std::to_string(i.dose_Gy) + " Gy");
    }
  }

  void operator()(const intent::LoadCase& i) {
    const formats::Case loaded = formats::load_case_file(i.path);
    s.structures = loaded.structures;
    s.catheters = loaded.catheters;
    s.detected_needles.clear();
    s.prescription = loaded.prescription;
    c.geometry_changed("case " + loaded.id + " loaded from " + i.path);
  }

  void operator()(const intent::SelectFrameSource& i) {
    require(i.index >= 0 && i.index < static_cast<int>(s.frame_sources.size()),
            "frame source index = " + std::to_string(i.index) + ": out of range");
    s.frame_source_index = i.index;
    c.probe_source_.store(i.index);
  }

  void operator()(const intent::SetStepper& i) {
    require_finite(i.z_mm, "stepper z_mm");
    require(i.z_mm >= -60.0 && i.z_mm <= 60.0, "stepper z_mm = " + std::to_string(i.z_mm) + ": outside [-60, 60] mm");
    s.stepper_z_mm = i.z_mm;
    c.probe_z_mm_.store(i.z_mm);
  }

  void operator()(const intent::CaptureSweep&) {
    require(!s.frame_sources.empty(), "capture sweep: no frame source in this build");
    const int index = s.frame_source_index;
    const std::uint64_t seed = c.options_.phantom_seed;
    const double step = c.options_.sweep_step_mm;
    c.jobs_.start("sweep", [index, seed, step](std::atomic<float>& progress) -> JobRunner::Commit {
      auto probe = backend::make_probe(index, seed);
      auto sweep = backend::capture_sweep(*probe, step, progress);
      return [sweep](AppState& st) {
        st.sweep = sweep;
        st.messages.push_back("sweep captured: " + std::to_string(sweep->frames.size()) + " frames");
      };
    });
  }

  void operator()(const intent::AutoSegment&) {
    require(s.sweep != nullptr, "auto-segment: capture a sweep first");
    auto sweep = s.sweep;
    c.jobs_.start("segment", [sweep](std::atomic<float>& progress) -> JobRunner::Commit {
      auto structures = backend::segment_sweep(*sweep, progress);
      return [structures = std::move(structures)](AppState& st) {
        st.structures = structures;
        ++st.geometry_revision;
        st.messages.push_back("contours: " + std::to_string(structures.size()) + " structures segmented");
      };
    });
  }

  void operator()(const intent::MoveContourPoint& i) {
    auto& st = find_structure(s.structures, i.structure);
    require(i.slice >= 0 && i.slice < static_cast<int>(st.slices.size()),
            i.structure + " slice = " + std::to_string(i.slice) + ": out of range");
    auto& sl = st.slices[static_cast<size_t>(i.slice)];
    require(i.point >= 0 && i.point < static_cast<int>(sl.points_mm.size()),
            i.structure + " point = " + std::to_string(i.point) + ": out of range");
    require_finite(i.x_mm, "x_mm");
    require_finite(i.y_mm, "y_mm");
    sl.points_mm[static_cast<size_t>(i.point)] = {i.x_mm, i.y_mm};
    c.geometry_changed(i.structure + ": point moved");
  }

  void operator()(const intent::AddSlice& i) {
    auto& st = find_structure(s.structures, i.structure);
    require_finite(i.z_mm, "z_mm");
    require(!st.slices.empty(), i.structure + ": no slice to copy");
    for (const auto& sl : st.slices)
      require(std::fabs(sl.z_mm - i.z_mm) > 0.05, i.structure + ": a slice at z = " + std::to_string(i.z_mm) + " mm exists");
    const auto nearest = std::min_element(st.slices.begin(), st.slices.end(), [&](const auto& a, const auto& b) {
      return std::fabs(a.z_mm - i.z_mm) < std::fabs(b.z_mm - i.z_mm);
    });
    formats::ContourSlice copy = *nearest;
    copy.z_mm = i.z_mm;
    st.slices.push_back(copy);
    std::sort(st.slices.begin(), st.slices.end(), [](const auto& a, const auto& b) { return a.z_mm < b.z_mm; });
    c.geometry_changed(i.structure + ": slice added at z = " + std::to_string(i.z_mm) + " mm");
  }

  void operator()(const intent::DeleteSlice& i) {
    auto& st = find_structure(s.structures, i.structure);
    require(i.slice >= 0 && i.slice < static_cast<int>(st.slices.size()),
            i.structure + " slice = " + std::to_string(i.slice) + ": out of range");
    require(st.slices.size() > 2, i.structure + ": keeps at least 2 slices (a single slice has no volume)");
    st.slices.erase(st.slices.begin() + i.slice);
    c.geometry_changed(i.structure + ": slice deleted");
  }

  void operator()(const intent::DetectNeedles&) {
    require(s.sweep != nullptr, "detect needles: capture a sweep first");
    auto sweep = s.sweep;
    c.jobs_.start("needles", [sweep](std::atomic<float>& progress) -> JobRunner::Commit {
      auto found = backend::detect_needles(*sweep, progress);
      return [found = std::move(found)](AppState& st) {
        st.detected_needles = found;
        st.messages.push_back("needles: " + std::to_string(found.size()) + " detected, to accept");
      };
    });
  }

  void accept(std::vector<formats::Catheter>::iterator it) {
    formats::Catheter cat = *it;
    s.detected_needles.erase(it);
    if (find_catheter(s.catheters, cat.id) != s.catheters.end()) cat.id = next_catheter_id(s.catheters);
    s.catheters.push_back(cat);
    std::sort(s.catheters.begin(), s.catheters.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  }

  void operator()(const intent::AcceptNeedle& i) {
    auto it = find_catheter(s.detected_needles, i.id);
    require(it != s.detected_needles.end(), "accept needle: no detected needle with id " + std::to_string(i.id));
    accept(it);
    c.geometry_changed("needle " + std::to_string(i.id) + " accepted");
  }

  void operator()(const intent::AcceptAllNeedles&) {
    require(!s.detected_needles.empty(), "accept needles: none detected");
    const size_t n = s.detected_needles.size();
    while (!s.detected_needles.empty()) accept(s.detected_needles.begin());
    c.geometry_changed(std::to_string(n) + " needles accepted");
  }

  void operator()(const intent::MoveNeedle& i) {
    require_finite(i.x_mm, "x_mm");
    require_finite(i.y_mm, "y_mm");
    auto it = find_catheter(s.catheters, i.id);
    const bool accepted = it != s.catheters.end();
    if (!accepted) {
      it = find_catheter(s.detected_needles, i.id);
      require(it != s.detected_needles.end(), "move needle: no needle with id " + std::to_string(i.id));
    }
    // Straight needles along z through a template hole: move the whole path to the hole.
    const double x = snap_to_template(i.x_mm), y = snap_to_template(i.y_mm);
    const double dx = x - it->path_mm.front()[0], dy = y - it->path_mm.front()[1];
    for (auto& p : it->path_mm) {
      p[0] += dx;
      p[1] += dy;
    }
    if (accepted) c.geometry_changed("needle " + std::to_string(i.id) + " moved to (" + std::to_string(x) + ", " +
                                     std::to_string(y) + ") mm");
  }

  void operator()(const intent::AddNeedle& i) {
    require_finite(i.x_mm, "x_mm");
    require_finite(i.y_mm, "y_mm");
    const formats::Structure* target = nullptr;
    for (const auto& st : s.structures)
      if (st.kind == formats::StructureKind::target && !st.slices.empty()) target = &st;
    require(target != nullptr, "add needle: no target contour to size the needle by");
    const double x = snap_to_template(i.x_mm), y = snap_to_template(i.y_mm);
    formats::Catheter cat;
    cat.id = next_catheter_id(s.catheters);
    // Tip 5 mm beyond the base of the target, entry through the template 40 mm below the apex.
    cat.path_mm = {{x, y, target->slices.back().z_mm + 5.0}, {x, y, target->slices.front().z_mm - 40.0}};
    s.catheters.push_back(cat);
    c.geometry_changed("needle " + std::to_string(cat.id) + " added at (" + std::to_string(x) + ", " +
                       std::to_string(y) + ") mm");
  }

  void operator()(const intent::DeleteNeedle& i) {
    auto it = find_catheter(s.catheters, i.id);
    if (it != s.catheters.end()) {
      s.catheters.erase(it);
      c.geometry_changed("needle " + std::to_string(i.id) + " removed");
      return;
    }
    it = find_catheter(s.detected_needles, i.id);
    require(it != s.detected_needles.end(), "delete needle: no needle with id " + std::to_string(i.id));
    s.detected_needles.erase(it);
  }

  void operator()(const intent::Optimise&) { c.start_optimise(); }
  void operator()(const intent::SetAutoReplan& i) { s.auto_replan = i.on; }

  void operator()(const intent::SetDwellTime& i) {
    require(s.plan != nullptr, "dwell time: no plan");
    require(i.dwell >= 0 && i.dwell < static_cast<int>(s.plan->plan.dwells.size()),
            "dwell = " + std::to_string(i.dwell) + ": out of range");
    require(std::isfinite(i.time_s) && i.time_s >= 0.0 && i.time_s <= 999.9,
            "dwell " + std::to_string(i.dwell) + " time_s = " + std::to_string(i.time_s) + ": must be in [0, 999.9] s");
    auto edited = std::make_shared<PlanResult>(*s.plan);
    // Afterloaders deliver in 0.1 s steps (hdr-plan/1): the edit is rounded to that grid.
    edited->plan.dwells[static_cast<size_t>(i.dwell)].time_s = std::round(i.time_s * 10.0) / 10.0;
    edited->plan_revision = s.plan->plan_revision + 1;
    edited->summary = "dwell times edited by hand";
    s.plan = edited;
    c.invalidate_approvals("dwell time edited");
    c.note("dwell " + std::to_string(i.dwell) + " set to " + std::to_string(edited->plan.dwells[static_cast<size_t>(i.dwell)].time_s) + " s");
    c.start_evaluate(edited->plan, edited->plan_revision);
  }

  void operator()(const intent::Login& i) {
    if (s.user && c.records_) c.records_->logout(*s.user);
    const std::string role = records("login").login(i.user, i.password);
    s.user = i.user;
    s.role = role;
    c.password_ = i.password;
    c.note("logged in: " + i.user + " (" + role + ")");
  }

  void operator()(const intent::Logout&) {
    if (s.user && c.records_) c.records_->logout(*s.user);
    s.user.reset();
    s.role.reset();
    c.password_.clear();
  }

  void operator()(const intent::Approve&) {
    require_login("approve", {"physician", "physicist"});
    require(s.plan != nullptr, "approve: no plan");
    require(s.plan->geometry_revision == s.geometry_revision, "approve: the plan is out of date (geometry changed); re-optimise first");
    auto& rec = records("approve");
    if (!s.stored_plan_id) {
      s.stored_plan_id = rec.import_plan(*s.user, c.password_, s.patient_id, s.plan->plan);
      c.note("plan stored as id " + std::to_string(*s.stored_plan_id));
    }
    const Approval a = rec.approve(*s.user, c.password_, *s.stored_plan_id);
    s.approvals = rec.approvals(*s.stored_plan_id);
    c.note("approved by " + a.user + " (" + a.role + ")");
    c.refresh_records();
  }

  void operator()(const intent::ComputeCalibration& i) {
    const auto r = backend::compute_calibration(i.measurement_json);
    s.calibration.last_result = r.summary;
    s.calibration.last_status = r.status;
    c.note("calibration: " + r.summary);
  }

  void operator()(const intent::RecordCalibration& i) {
    require_login("record calibration", {"physicist"});
    const auto r = backend::compute_calibration(i.measurement_json);
    records("record calibration").record_calibration(*s.user, c.password_, i.measurement_json, i.accept, i.reason);
    s.calibration.last_result = r.summary;
    s.calibration.last_status = r.status;
    s.calibration.source_model = r.source_model;
    s.calibration.source_serial = r.source_serial;
    c.refresh_calibration();
    c.refresh_records();
    c.note(std::string("calibration recorded") + (i.accept ? " and accepted" : "") + ": " + r.summary);
  }

  void operator()(const intent::ConnectAfterloader&) {
    require(!c.options_.afterloader_address.empty(), "connect: no afterloader address configured");
    // A second connection would take the link over from the running session.
    require(!c.delivery_active(), "connect: a delivery session holds the link");
    const std::string address = c.options_.afterloader_address;
    c.jobs_.start("connect", [address](std::atomic<float>&) -> JobRunner::Commit {
      const DeliveryView v = backend::query_afterloader(address);
      return [v](AppState& st) {
        st.delivery.link = v.link;
        st.delivery.machine = v.machine;
        st.delivery.source = v.source;
        st.messages.push_back("afterloader: " + v.machine + "; source " + v.source);
      };
    });
  }

  void start(bool resume) {
    require_login(resume ? "resume" : "start delivery", {"therapist", "physicist"});
    require(!c.delivery_active(), "delivery: a session is running");
    require(!c.jobs_.running("connect"), "delivery: the afterloader query is still running");
    require(s.stored_plan_id.has_value(), "delivery: the plan is not stored and approved");
    require(resume || s.delivery.session != "interrupted",
            "start delivery: the session was interrupted; RESUME delivers the remainder");
    require(!c.options_.afterloader_address.empty(), "delivery: no afterloader address configured");
    backend::DeliveryRequest r;
    r.afterloader_address = c.options_.afterloader_address;
    r.records_path = c.options_.records_path;
    r.user = *s.user;
    r.password = c.password_;
    r.plan_id = *s.stored_plan_id;
    r.resume = resume;
    c.delivery_.reset();
    c.delivery_ = backend::start_delivery(r);
    s.delivery = c.delivery_->snapshot();
    s.delivery.session = "running";
    c.note(resume ? "delivery resumed" : "delivery started");
  }
  void operator()(const intent::StartDelivery&) { start(false); }
  void operator()(const intent::ResumeDelivery&) { start(true); }

  void operator()(const intent::Interrupt&) {
    require(c.delivery_active(), "interrupt: no delivery running");
    c.delivery_->interrupt("operator interrupt");
    c.note("INTERRUPT sent");
  }

  void operator()(const intent::EmergencyStop&) {
    // Always accepted, even with nothing running: the operator must never be told "no".
    if (c.delivery_) c.delivery_->emergency_stop();
    c.note("EMERGENCY STOP sent");
  }

  void operator()(const intent::RefreshRecords&) { c.refresh_records(); }
  void operator()(const intent::WaitIdle&) {}
  void operator()(const intent::WaitDelivery&) {}
  void operator()(const intent::Expect&) {}
};

bool Console::apply(const Intent& intent) {
  try {
    std::visit(IntentApplier{*this, state_}, intent);
    state_.last_error.clear();
    return true;
  } catch (const std::exception& e) {
    // Messages that already start with the action's name are not prefixed twice.
    const std::string name = intent_name(intent), what = e.what();
    state_.last_error = what.rfind(name + ":", 0) == 0 ? what : name + ": " + what;
    note(state_.last_error);
    return false;
  }
}

}  // namespace hdr::ui
