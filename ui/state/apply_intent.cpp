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
    require(!c.jobs_.running("login"), action + ": a login is in progress");
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
  // Every job start goes through here: a job of the same name still running refuses the
  // intent (never a silently dropped request).
  void start_job(const std::string& name, const std::string& action, JobRunner::Work work) {
    require(c.jobs_.start(name, std::move(work)), action + ": '" + name + "' is still running; wait for it to finish");
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
    // File I/O and JSON parsing off the UI thread.
    Console* console = &c;
    start_job("load_case", "load case", [path = i.path, console](std::atomic<float>&) -> JobRunner::Commit {
      auto loaded = std::make_shared<const formats::Case>(formats::load_case_file(path));
      return [loaded, path, console](AppState& st) {
        st.structures = loaded->structures;
        st.catheters = loaded->catheters;
        st.detected_needles.clear();
        st.prescription = loaded->prescription;
        console->geometry_changed("case " + loaded->id + " loaded from " + path);
      };
    });
  }

  void operator()(const intent::SelectFrameSource& i) {
    require(i.index >= 0 && i.index < static_cast<int>(s.frame_sources.size()),
            "frame source index = " + std::to_string(i.index) + ": out of range");
    backend::FrameSourceChoice choice{static_cast<backend::FrameSourceKind>(i.index), i.location, i.preset};
    // Opening reads a whole recording or a device: a worker's job. The live view keeps the
    // source it has until the new one is open, and keeps it when opening fails.
    Console* console = &c;
    const std::uint64_t seed = c.options_.phantom_seed;
    start_job("frame_source", "open frame source", [choice, seed, console](std::atomic<float>&) -> JobRunner::Commit {
      std::shared_ptr<backend::Probe> probe = backend::make_probe(choice, seed);
      console->set_probe(probe);
      return [choice, probe](AppState& st) {
        st.frame_source_index = static_cast<int>(choice.kind);
        st.frame_source_location = choice.location;
        st.frame_source_preset = choice.preset;
        st.messages.push_back("frame source: " + probe->name());
      };
    });
  }

  void operator()(const intent::SetStepper& i) {
    require_finite(i.z_mm, "stepper z_mm");
    require(i.z_mm >= -60.0 && i.z_mm <= 60.0, "stepper z_mm = " + std::to_string(i.z_mm) + ": outside [-60, 60] mm");
    s.stepper_z_mm = i.z_mm;
    c.probe_z_mm_.store(i.z_mm);
  }

  void operator()(const intent::CaptureSweep&) {
    require(!s.frame_sources.empty(), "capture sweep: no frame source in this build");
    require(!c.job_running("frame_source"), "capture sweep: the frame source is still opening; wait for it");
    Console* console = &c;
    const double step = c.options_.sweep_step_mm;
    start_job("sweep", "capture sweep", [console, step](std::atomic<float>& progress) -> JobRunner::Commit {
      auto sweep = std::make_shared<const Sweep>(console->probe()->sweep(step, progress));
      return [sweep](AppState& st) {
        st.sweep = sweep;
        st.messages.push_back("sweep captured: " + std::to_string(sweep->frames.size()) + " frames");
      };
    });
  }

  void operator()(const intent::AutoSegment&) {
    require(s.sweep != nullptr, "auto-segment: capture a sweep first");
    auto sweep = s.sweep;
    start_job("segment", "auto-segment", [sweep](std::atomic<float>& progress) -> JobRunner::Commit {
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
    start_job("needles", "detect needles", [sweep](std::atomic<float>& progress) -> JobRunner::Commit {
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
    edited->metrics_pending = true;  // the metrics shown are the previous times' until re-evaluated
    s.plan = edited;
    c.invalidate_approvals("dwell time edited");
    c.note("dwell " + std::to_string(i.dwell) + " set to " + std::to_string(edited->plan.dwells[static_cast<size_t>(i.dwell)].time_s) + " s");
    c.start_evaluate(edited->plan, edited->plan_revision);
  }

  // The previous user is logged out at once: nothing is done in their name while the new
  // password is checked (Argon2id, ~0.1 s, on a worker: the frame never waits for it).
  void operator()(const intent::Login& i) {
    backend::Records& rec = records("login");
    require(!i.user.empty(), "login: user name is empty");
    require(!c.jobs_.running("login"), "login: a login is in progress");
    const std::optional<std::string> previous = s.user;
    log_out_now();
    Console* console = &c;
    start_job("login", "login", [&rec, previous, user = i.user, password = i.password, console](std::atomic<float>&) -> JobRunner::Commit {
      if (previous) rec.logout(*previous);  // ends the previous user's login session in the store
      const std::string role = rec.login(user, password);
      return [user, password, role, console](AppState& st) {
        st.user = user;
        st.role = role;
        console->password_ = password;
        console->note("logged in: " + user + " (" + role + ")");
      };
    });
  }

  // Nothing is done in the user's name from here on; ending the store's login session is the
  // caller's (a write: on a worker).
  void log_out_now() {
    s.user.reset();
    s.role.reset();
    c.password_.clear();
  }

  void operator()(const intent::Logout&) {
    require(!c.jobs_.running("login"), "logout: a login is in progress");
    const std::optional<std::string> user = s.user;
    log_out_now();
    if (!user || !c.records_) return;
    backend::Records* rec = c.records_.get();
    Console* console = &c;
    start_job("logout", "logout", [rec, user = *user, console](std::atomic<float>&) -> JobRunner::Commit {
      rec->logout(user);
      return [user, console](AppState&) { console->note("logged out: " + user); };
    });
  }

  void operator()(const intent::Approve& i) {
    require_login("approve", {"physician", "physicist"});
    require(s.plan != nullptr, "approve: no plan");
    require(s.plan->geometry_revision == s.geometry_revision, "approve: the plan is out of date (geometry changed); re-optimise first");
    require(!c.jobs_.running("optimise") && !c.jobs_.running("evaluate") && !s.plan->metrics_pending,
            "approve: the plan is being recomputed; approve the result");
    std::string deviations;
    for (const auto& f : s.plan->protocol_failures()) deviations += (deviations.empty() ? "" : "; ") + f;
    require(deviations.empty() || i.deviations_acknowledged,
            "approve: the plan does not meet the protocol (" + deviations +
                "); acknowledge the deviations to approve it as it is, or re-plan");
    for (const auto& a : s.approvals)
      require(a.role != *s.role, "approve: the plan already has a " + a.role + "'s approval (" + a.user + ")");
    auto& rec = records("approve");
    // Import (if not stored yet) and approval in the store, on a worker. The result applies
    // only if the plan shown is still the one approved (same result, same geometry).
    const std::shared_ptr<const PlanResult> plan = s.plan;
    const std::uint64_t geometry = s.geometry_revision;
    const std::optional<std::int64_t> stored = s.stored_plan_id;
    Console* console = &c;
    start_job("approve", "approve",
              [&rec, plan, geometry, stored, user = *s.user, password = c.password_, patient = s.patient_id,
               console, deviations](std::atomic<float>& progress) -> JobRunner::Commit {
                const std::int64_t id = stored ? *stored : rec.import_plan(user, password, patient, plan->plan);
                progress.store(0.5F);
                const Approval a = rec.approve(user, password, id);
                std::vector<Approval> all = rec.approvals(id);
                return [plan, geometry, stored, id, a, all = std::move(all), console, deviations](AppState& st) {
                  if (!stored) console->note("plan stored as id " + std::to_string(id));
                  if (st.plan != plan || st.geometry_revision != geometry || (stored && st.stored_plan_id != stored)) {
                    console->note("approval by " + a.user + " recorded for stored plan " + std::to_string(id) +
                                  ", but the plan changed meanwhile: it does not apply to the plan shown");
                    return;
                  }
                  st.stored_plan_id = id;
                  st.approvals = all;
                  console->note("approved by " + a.user + " (" + a.role + ")" +
                                (deviations.empty() ? "" : " with the deviations acknowledged: " + deviations));
                  console->refresh_records();
                };
              });
  }

  void operator()(const intent::ComputeCalibration& i) {
    const auto r = backend::compute_calibration(i.measurement_json);
    s.calibration.last_result = r.summary;
    s.calibration.last_status = r.status;
    c.note("calibration: " + r.summary);
  }

  void operator()(const intent::RecordCalibration& i) {
    require_login("record calibration", {"physicist"});
    // Computing is pure and quick (and names bad fields at once); the store write is a job.
    const auto r = backend::compute_calibration(i.measurement_json);
    auto& rec = records("record calibration");
    Console* console = &c;
    start_job("record_calibration", "record calibration",
              [&rec, r, i, user = *s.user, password = c.password_, console](std::atomic<float>& progress) -> JobRunner::Commit {
                rec.record_calibration(user, password, i.measurement_json, i.accept, i.reason);
                progress.store(0.7F);
                const auto accepted = rec.accepted_calibration(r.source_model, r.source_serial);
                return [r, accepted, accept = i.accept, console](AppState& st) {
                  st.calibration.last_result = r.summary;
                  st.calibration.last_status = r.status;
                  st.calibration.source_model = r.source_model;
                  st.calibration.source_serial = r.source_serial;
                  apply_accepted_calibration(st, accepted);
                  console->note(std::string("calibration recorded") + (accept ? " and accepted" : "") + ": " + r.summary);
                  console->refresh_records();
                };
              });
  }

  void operator()(const intent::ConnectAfterloader&) {
    require(!c.options_.afterloader_address.empty(), "connect: no afterloader address configured");
    // A second connection would take the link over from the running session.
    require(!c.delivery_active(), "connect: a delivery session holds the link");
    const std::string address = c.options_.afterloader_address;
    start_job("connect", "connect", [address](std::atomic<float>&) -> JobRunner::Commit {
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

  void operator()(const intent::RefreshRecords&) {
    records("refresh records");
    c.refresh_records();
  }
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
