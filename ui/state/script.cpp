#include "ui/state/script.hpp"

#include <cmath>
#include <sstream>

#include "planner/common/error.hpp"
#include "planner/formats/json_reader.hpp"

namespace hdr::ui {

namespace {
using formats::JsonNode;

View parse_view(const JsonNode& n) {
  const std::string v = n.string();
  for (View candidate : {View::patient, View::trus, View::contours, View::needles, View::plan, View::approval,
                         View::delivery, View::calibration, View::records})
    if (v == to_string(candidate)) return candidate;
  n.fail("unknown view '" + v + "'");
}

int int_field(const JsonNode& e, const char* key) {
  const long long v = e.at(key).integer();
  if (v < -1000000 || v > 1000000) e.at(key).fail("out of range");
  return static_cast<int>(v);
}

Intent parse_entry(const JsonNode& e) {
  const std::string name = e.at("intent").string();
  if (name == "select_view") return intent::SelectView{parse_view(e.at("view"))};
  if (name == "set_patient") {
    intent::SetPatient p;
    p.id = e.at("id").string();
    p.name = e.has("name") ? e.at("name").string() : std::string();
    p.fraction = e.has("fraction") ? int_field(e, "fraction") : 1;
    p.dose_Gy = e.number_or("dose_Gy", 15.0);
    return p;
  }
  if (name == "load_case") return intent::LoadCase{e.at("path").string()};
  if (name == "select_frame_source")
    return intent::SelectFrameSource{int_field(e, "index"), e.has("location") ? e.at("location").string() : std::string(),
                                     e.has("preset") ? e.at("preset").string() : std::string()};
  if (name == "set_stepper") return intent::SetStepper{e.at("z_mm").number()};
  if (name == "capture_sweep") return intent::CaptureSweep{};
  if (name == "auto_segment") return intent::AutoSegment{};
  if (name == "move_contour_point")
    return intent::MoveContourPoint{e.at("structure").string(), int_field(e, "slice"), int_field(e, "point"),
                                    e.at("x_mm").number(), e.at("y_mm").number()};
  if (name == "add_slice") return intent::AddSlice{e.at("structure").string(), e.at("z_mm").number()};
  if (name == "delete_slice") return intent::DeleteSlice{e.at("structure").string(), int_field(e, "slice")};
  if (name == "detect_needles") return intent::DetectNeedles{};
  if (name == "accept_needle") return intent::AcceptNeedle{int_field(e, "id")};
  if (name == "accept_all_needles") return intent::AcceptAllNeedles{};
  if (name == "move_needle") return intent::MoveNeedle{int_field(e, "id"), e.at("x_mm").number(), e.at("y_mm").number()};
  if (name == "add_needle") return intent::AddNeedle{e.at("x_mm").number(), e.at("y_mm").number()};
  if (name == "delete_needle") return intent::DeleteNeedle{int_field(e, "id")};
  if (name == "optimise") return intent::Optimise{};
  if (name == "set_auto_replan") return intent::SetAutoReplan{e.at("on").boolean()};
  if (name == "set_dwell_time") return intent::SetDwellTime{int_field(e, "dwell"), e.at("time_s").number()};
  if (name == "login") return intent::Login{e.at("user").string(), e.at("password").string()};
  if (name == "logout") return intent::Logout{};
  if (name == "approve")
    return intent::Approve{e.has("acknowledge_deviations") ? e.at("acknowledge_deviations").boolean() : false};
  if (name == "compute_calibration") return intent::ComputeCalibration{e.at("measurement").raw().dump()};
  if (name == "record_calibration")
    return intent::RecordCalibration{e.at("measurement").raw().dump(), e.has("accept") ? e.at("accept").boolean() : true,
                                     e.has("reason") ? e.at("reason").string() : std::string()};
  if (name == "connect_afterloader") return intent::ConnectAfterloader{};
  if (name == "start_delivery") return intent::StartDelivery{};
  if (name == "interrupt") return intent::Interrupt{};
  if (name == "emergency_stop") return intent::EmergencyStop{};
  if (name == "resume_delivery") return intent::ResumeDelivery{};
  if (name == "refresh_records") return intent::RefreshRecords{};
  if (name == "wait_idle") return intent::WaitIdle{e.number_or("timeout_s", 60.0)};
  if (name == "wait_delivery")
    return intent::WaitDelivery{e.at("session").string(), e.number_or("timeout_s", 60.0), e.number_or("min_delivered_s", 0.0)};
  if (name == "expect") {
    intent::Expect x;
    x.path = e.at("path").string();
    if (e.has("equals")) x.equals = e.at("equals").string();
    if (e.has("min")) x.min = e.at("min").number();
    if (!e.has("equals") && !e.has("min")) e.fail("expect needs \"equals\" or \"min\"");
    return x;
  }
  e.at("intent").fail("unknown intent '" + name + "'");
}

std::string num(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}
}  // namespace

Script parse_script(const std::string& json_text, const std::string& file) {
  const auto doc = formats::parse_json_text(json_text, file);
  const JsonNode root(doc, file, "");
  if (!doc.is_array()) root.fail("a script is a JSON array of intents");
  Script out;
  for (size_t i = 0; i < root.size(); ++i) {
    const JsonNode e = root.at(i);
    if (!e.raw().is_object()) e.fail("expected an object with an \"intent\" member");
    out.push_back({parse_entry(e), e.has("refused") && e.at("refused").boolean()});
  }
  return out;
}

std::string state_value(const AppState& s, const std::string& path) {
  if (path == "view") return to_string(s.view);
  if (path == "user") return s.user.value_or("");
  if (path == "role") return s.role.value_or("");
  if (path == "sweep.frames") return std::to_string(s.sweep ? s.sweep->frames.size() : 0);
  if (path == "sweep.source") return s.sweep ? s.sweep->source_name : "";
  if (path == "frame_source.index") return std::to_string(s.frame_source_index);
  if (path == "frame_source.location") return s.frame_source_location;
  if (path == "live_frame.present") return s.live_frame ? "true" : "false";
  if (path == "structures.count") return std::to_string(s.structures.size());
  if (path == "catheters.count") return std::to_string(s.catheters.size());
  if (path == "detected_needles.count") return std::to_string(s.detected_needles.size());
  if (path == "plan.present") return s.plan ? "true" : "false";
  if (path == "plan.current") return s.plan && s.plan->geometry_revision == s.geometry_revision ? "true" : "false";
  if (path == "plan.dose") return s.plan && s.plan->dose ? "true" : "false";
  if (path == "plan.protocol_pass") return s.plan && s.plan->protocol_pass() ? "true" : "false";
  if (path == "plan.total_time_s") {
    double t = 0;
    if (s.plan)
      for (const auto& d : s.plan->plan.dwells) t += d.time_s;
    return num(t);
  }
  if (path == "approvals.count") return std::to_string(s.approvals.size());
  if (path == "plan.stored") return s.stored_plan_id ? "true" : "false";
  if (path == "delivery.session") return s.delivery.session;
  if (path == "delivery.link") return s.delivery.link;
  if (path == "delivery.delivered_s") return num(s.delivery.delivered_total_s());
  if (path == "delivery.planned_s") return num(s.delivery.planned_total_s());
  if (path == "calibration.accepted") return s.calibration.accepted_sk_U ? "true" : "false";
  if (path == "calibration.status") return s.calibration.last_status;
  if (path == "records.sessions") return std::to_string(s.records.sessions.size());
  if (path == "records.audit") return std::to_string(s.records.audit.size());
  if (path == "records.audit.newest_action") return s.records.audit.empty() ? "" : s.records.audit.front().action;
  if (path == "last_error") return s.last_error;
  const std::string metric_prefix = "metric.";  // metric.<structure>.<name>
  if (path.rfind(metric_prefix, 0) == 0 && s.plan) {
    const std::string rest = path.substr(metric_prefix.size());
    const auto dot = rest.find('.');
    if (dot != std::string::npos) {
      const auto st = s.plan->plan.metrics.find(rest.substr(0, dot));
      if (st != s.plan->plan.metrics.end()) {
        const auto m = st->second.find(rest.substr(dot + 1));
        if (m != st->second.end()) return num(m->second);
      }
    }
    throw Error("expect: no metric '" + rest + "' in the plan");
  }
  throw Error("expect: unknown state path '" + path + "'");
}

const char* awaited_job(const Intent& i) {
  if (std::holds_alternative<intent::Login>(i)) return "login";
  if (std::holds_alternative<intent::Approve>(i)) return "approve";
  if (std::holds_alternative<intent::RecordCalibration>(i)) return "record_calibration";
  if (std::holds_alternative<intent::RefreshRecords>(i)) return "records";
  if (std::holds_alternative<intent::LoadCase>(i)) return "load_case";
  if (std::holds_alternative<intent::SelectFrameSource>(i)) return "frame_source";
  if (std::holds_alternative<intent::CaptureSweep>(i)) return "sweep";
  return nullptr;
}

ScriptRunner::Status ScriptRunner::step(Console& console) {
  if (status_ != Status::running) return status_;
  if (!awaiting_job_.empty()) {
    constexpr double kRecordJobTimeout_s = 60.0;  // Argon2id and SQLite writes take well under 1 s each
    if (console.job_running(awaiting_job_)) {
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - awaiting_since_).count() > kRecordJobTimeout_s) {
        failure_ = awaiting_where_ + ": its job '" + awaiting_job_ + "' did not finish within " + num(kRecordJobTimeout_s) + " s";
        return status_ = Status::failed;
      }
      return status_;
    }
    const auto it = console.state().jobs.find(awaiting_job_);
    const std::string error = it == console.state().jobs.end() ? std::string() : it->second.last_error;
    const bool refused = awaiting_refused_;
    const std::string where = awaiting_where_;
    awaiting_job_.clear();
    if (!error.empty() && !refused) {
      failure_ = where + ": " + error;
      return status_ = Status::failed;
    }
    if (error.empty() && refused) {
      failure_ = where + ": was accepted but the script expects a refusal";
      return status_ = Status::failed;
    }
    return status_;
  }
  if (next_ >= script_.size()) return status_ = Status::done;
  const ScriptEntry& entry = script_[next_];
  const std::string where = "script entry " + std::to_string(next_) + " (" + intent_name(entry.intent) + ")";
  auto fail = [&](const std::string& why) {
    failure_ = where + ": " + why;
    return status_ = Status::failed;
  };
  auto wait_until = [&](bool condition, double timeout_s, const std::string& what) {
    if (condition) {
      waiting_ = false;
      ++next_;
      return status_;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!waiting_) {
      waiting_ = true;
      wait_started_ = now;
    }
    if (std::chrono::duration<double>(now - wait_started_).count() > timeout_s) {
      waiting_ = false;
      return fail("timed out after " + num(timeout_s) + " s waiting for " + what);
    }
    return status_;
  };
  const AppState& s = console.state();
  if (const auto* w = std::get_if<intent::WaitIdle>(&entry.intent))
    return wait_until(!console.busy(), w->timeout_s, "the jobs to finish");
  if (const auto* w = std::get_if<intent::WaitDelivery>(&entry.intent)) {
    if (s.delivery.session == w->session && s.delivery.session != "running" && console.delivery_active())
      return status_;  // the state machine still settles
    const bool reached = w->session == "running"
                             ? s.delivery.session == "running" && s.delivery.delivered_total_s() >= w->min_delivered_s
                             : s.delivery.session == w->session && !console.delivery_active();
    // A session that ended in another state can no longer reach the one awaited.
    if (!reached && w->session == "running" && !console.delivery_active() && s.delivery.session != "running")
      return fail("delivery ended as '" + s.delivery.session + "' (" + s.delivery.message + ") before " +
                  num(w->min_delivered_s) + " s were delivered");
    if (!reached && w->session != "running" && !console.delivery_active() && s.delivery.session != "none" &&
        s.delivery.session != w->session)
      return fail("delivery ended as '" + s.delivery.session + "' (" + s.delivery.message + "), expected '" +
                  w->session + "'");
    return wait_until(reached, w->timeout_s, "delivery session '" + w->session + "'");
  }
  if (const auto* x = std::get_if<intent::Expect>(&entry.intent)) {
    std::string value;
    try {
      value = state_value(s, x->path);
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    if (x->min) {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || !std::isfinite(v) || v < *x->min)
        return fail(x->path + " = " + value + ", expected at least " + num(*x->min));
    } else if (value != x->equals) {
      std::string why;
      if (x->path == "plan.protocol_pass" && s.plan) {
        for (const auto& f : s.plan->protocol_failures()) why += (why.empty() ? "" : "; ") + f;
        if (s.plan->metrics_pending) why = "the edited dwell times are still being evaluated";
      }
      return fail(x->path + " = '" + value + "', expected '" + x->equals + "'" + (why.empty() ? "" : ": " + why));
    }
    ++next_;
    return status_;
  }
  const bool accepted = console.apply(entry.intent);
  if (accepted && awaited_job(entry.intent)) {
    awaiting_job_ = awaited_job(entry.intent);
    awaiting_refused_ = entry.expect_refused;
    awaiting_where_ = where;
    awaiting_since_ = std::chrono::steady_clock::now();
    ++next_;
    return status_;
  }
  if (accepted && entry.expect_refused) return fail("was accepted but the script expects a refusal");
  if (!accepted && !entry.expect_refused) return fail(s.last_error);
  ++next_;
  return status_;
}

}  // namespace hdr::ui
