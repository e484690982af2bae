#include "firmware_if/delivery_session.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "planner/common/error.hpp"

namespace hdr::fw {

const char* to_string(SessionState s) {
  switch (s) {
    case SessionState::idle: return "IDLE";
    case SessionState::connecting: return "CONNECTING";
    case SessionState::verifying: return "VERIFYING";
    case SessionState::refused: return "REFUSED";
    case SessionState::downloading: return "DOWNLOADING";
    case SessionState::ready: return "READY";
    case SessionState::delivering: return "DELIVERING";
    case SessionState::unknown: return "UNKNOWN";
    case SessionState::reconnecting: return "RECONNECTING";
    case SessionState::interrupted: return "INTERRUPTED";
    case SessionState::completed: return "COMPLETED";
  }
  return "?";
}

bool transition_allowed(SessionState from, SessionState to) {
  using S = SessionState;
  static const std::map<S, std::set<S>> table = {
      {S::idle, {S::connecting}},
      {S::connecting, {S::verifying, S::refused}},
      {S::verifying, {S::refused, S::downloading, S::ready, S::delivering, S::completed, S::unknown}},
      {S::downloading, {S::ready, S::refused, S::unknown, S::interrupted, S::delivering, S::completed}},
      {S::ready, {S::delivering, S::unknown, S::interrupted, S::completed}},
      {S::delivering, {S::completed, S::interrupted, S::unknown}},
      {S::unknown, {S::reconnecting}},
      {S::reconnecting, {S::unknown, S::downloading, S::ready, S::delivering, S::interrupted, S::completed}},
      {S::refused, {}},
      {S::interrupted, {}},
      {S::completed, {}},
  };
  const auto it = table.find(from);
  return it != table.end() && it->second.count(to) > 0;
}

std::string DeliveryOptions::validate() const {
  if (!(strength_tolerance > 0 && strength_tolerance < 0.2))
    return "DeliveryOptions::strength_tolerance = " + std::to_string(strength_tolerance) + ": must be in (0, 0.2)";
  if (poll_interval_ms < 5 || poll_interval_ms > 1000)
    return "DeliveryOptions::poll_interval_ms = " + std::to_string(poll_interval_ms) + ": must be 5..1000";
  if (reconnect_window_ms < 0) return "DeliveryOptions::reconnect_window_ms = " + std::to_string(reconnect_window_ms) + ": must be >= 0";
  if (fractions < 1) return "DeliveryOptions::fractions = " + std::to_string(fractions) + ": must be >= 1";
  if (plan_tag.empty() || plan_tag.size() > 40 || plan_tag.find('/') != std::string::npos)
    return "DeliveryOptions::plan_tag = '" + plan_tag + "': must be 1..40 characters without '/'";
  return {};
}

namespace {
std::string fmt_s(double s) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(1);
  o << s;
  return o.str();
}
constexpr double kSameTime_s = 0.0005;
bool unfinished(const PriorSession& p) { return p.status == "in_progress" || p.status == "interrupted"; }
}  // namespace

struct DeliverySession::Active {
  std::int64_t session_id = 0;
  Program program;
  Hash hash{};
  std::map<int, double> planned_s;   // by plan dwell index: what this session is to deliver
  std::map<int, double> baseline_s;  // machine's cumulative delivered when this session began
  std::map<int, double> recorded_s;  // what this session has recorded
  std::set<int> shown_done;
  bool command_sent = false;         // START or RESUME sent by this session
  bool seen_ours = false;            // the machine has been seen holding this program
  std::optional<std::chrono::steady_clock::time_point> busy_since;  // DOWNLOAD answered BUSY since
};

DeliverySession::DeliverySession(const formats::Plan& plan, DeliveryRecords& records, LinkClient& link, DeliveryOptions options,
                                 std::function<void(const std::string&)> show)
    : plan_(plan), records_(records), link_(link), options_(std::move(options)), show_(std::move(show)) {
  const std::string problem = options_.validate();
  require(problem.empty(), problem);
  places_ = dwell_places(plan_);
}

void DeliverySession::go(SessionState to) {
  if (to == state_) return;
  HDR_ASSERT(transition_allowed(state_, to), std::string("session transition ") + to_string(state_) + " -> " + to_string(to));
  state_ = to;
}

DeliveryReport DeliverySession::finish(SessionState to, std::string message) {
  go(to);
  DeliveryReport r;
  r.final_state = to;
  r.message = std::move(message);
  return r;
}

std::optional<StatusReport> DeliverySession::query_status() {
  const CallOutcome out = link_.call(MsgType::status, {});
  if (!out.ok()) return std::nullopt;
  try {
    return decode_status(out.response.body);
  } catch (const ProtocolError&) {
    return std::nullopt;
  }
}

bool DeliverySession::reconnect() {
  if (state_ != SessionState::unknown) go(SessionState::unknown);
  show_("link lost: machine state UNKNOWN (the source is not known to be retracted); reconnecting");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.reconnect_window_ms);
  do {
    go(SessionState::reconnecting);
    std::string err;
    if (const auto p = link_.connect(err)) {
      require(p->source_model == profile_.source_model && p->source_serial == profile_.source_serial,
              "after reconnecting, the machine reports source " + p->source_model + " " + p->source_serial + " instead of " +
                  profile_.source_model + " " + profile_.source_serial);
      show_("link re-established; re-querying the machine before any command");
      return true;
    }
    go(SessionState::unknown);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

void DeliverySession::close_unfinished(const std::vector<PriorSession>& priors, std::int64_t completed_id) {
  // Nothing is left: the session that delivered the end is completed; any other session a
  // console left in progress is closed as interrupted.
  for (const auto& p : priors) {
    if (p.id == completed_id && unfinished(p)) {
      records_.set_status(p.id, "completed");
    } else if (p.status == "in_progress") {
      records_.add_interruption(p.id, "console lost during the session");
      records_.set_status(p.id, "interrupted");
    }
  }
}

DeliveryReport DeliverySession::run() {
  HDR_ASSERT(state_ == SessionState::idle, "DeliverySession::run() called twice");
  go(SessionState::connecting);
  std::string err;
  std::optional<MachineProfile> prof;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::min(options_.reconnect_window_ms, 5000));
  while (!(prof = link_.connect(err)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (!prof) return finish(SessionState::refused, "cannot reach the afterloader: " + err);
  profile_ = *prof;
  go(SessionState::verifying);
  show_("afterloader: " + profile_.source_model + " serial " + profile_.source_serial + ", " + std::to_string(profile_.channels) +
        " channels, strength " + fmt_s(static_cast<double>(profile_.strength_mU) / 1000.0) + " U");

  // --- checks before the machine gets anything ---
  if (plan_.source.model != profile_.source_model)
    return finish(SessionState::refused, "plan source model '" + plan_.source.model + "' differs from the machine's '" + profile_.source_model + "'");
  const UtcTime now = utc_now();
  std::string why;
  const auto calib_U = records_.calibrated_strength_U(profile_.source_model, profile_.source_serial, now, why);
  if (!calib_U)
    return finish(SessionState::refused, "no accepted calibration for source " + profile_.source_model + " serial " +
                                              profile_.source_serial + (why.empty() ? "" : " (" + why + ")"));
  const double machine_U = static_cast<double>(profile_.strength_mU) / 1000.0;
  const double deviation = (machine_U - *calib_U) / *calib_U;
  if (!(std::abs(deviation) <= options_.strength_tolerance))
    return finish(SessionState::refused, "machine reports " + fmt_s(machine_U) + " U for " + profile_.source_model + " " +
                                             profile_.source_serial + " but its accepted calibration decayed to now gives " +
                                             fmt_s(*calib_U) + " U (" + fmt_s(100.0 * deviation) + " % > " +
                                             fmt_s(100.0 * options_.strength_tolerance) + " %)");
  const double plan_U = plan_.source.air_kerma_strength_U;
  if (!(std::isfinite(plan_U) && plan_U > 0))
    return finish(SessionState::refused, "plan source.air_kerma_strength_U = " + std::to_string(plan_U) + ": must be > 0");

  auto st = query_status();
  if (!st) return finish(SessionState::refused, "the afterloader does not answer STATUS");
  const auto priors = records_.prior_sessions();

  std::map<std::pair<int, int>, int> by_key;  // (channel, index) -> plan dwell index
  for (const auto& p : places_) by_key[{p.channel, p.index}] = p.plan_dwell_index;

  Active a;
  std::vector<RecordedDwell> program;  // this session's planned times
  bool held = false;                   // the machine holds the earlier program: RESUME it
  std::map<int, double> machine_s;     // cumulative delivered by plan dwell (held program)

  if (!options_.resume) {
    int completed = 0;
    for (const auto& p : priors) {
      if (p.status == "completed") ++completed;
      double d = 0;
      for (const auto& w : p.dwells) d += w.delivered_s;
      if (unfinished(p) && d > 0)
        return finish(SessionState::refused, "plan has an unfinished delivery session " + std::to_string(p.id) +
                                                 " with dwells already delivered: use --resume");
    }
    if (completed >= options_.fractions)
      return finish(SessionState::refused, "plan already delivered (" + std::to_string(completed) + " completed session(s))");
  } else if (st->program_id.rfind(options_.plan_tag + "/s", 0) == 0) {
    // Does the machine still hold a program an earlier session of this plan downloaded?
    std::int64_t k = 0;
    try {
      k = std::stoll(st->program_id.substr(options_.plan_tag.size() + 2));
    } catch (const std::exception&) {
      k = 0;
    }
    const auto it = std::find_if(priors.begin(), priors.end(), [&](const PriorSession& p) { return p.id == k; });
    if (it != priors.end()) {
      std::vector<std::uint32_t> t(plan_.dwells.size(), 0);
      for (const auto& w : it->dwells)
        if (w.plan_dwell_index >= 0 && static_cast<std::size_t>(w.plan_dwell_index) < t.size())
          t[static_cast<std::size_t>(w.plan_dwell_index)] = static_cast<std::uint32_t>(std::llround(w.planned_s * 1000.0));
      const BuiltProgram rebuilt = build_program(plan_, t, st->program_id);
      held = program_hash(rebuilt.program) == st->program_hash;
      if (held) {
        a.program = rebuilt.program;
        a.hash = st->program_hash;
        for (const auto& r : st->dwells) {
          const auto key = by_key.find({r.dwell.channel, r.dwell.index});
          require(key != by_key.end(), "machine reports a dwell (channel " + std::to_string(r.dwell.channel) + " index " +
                                           std::to_string(r.dwell.index) + ") the plan does not have");
          machine_s[key->second] = r.delivered_ms / 1000.0;
          const double left = std::max(0.0, r.dwell.planned_ms / 1000.0 - r.delivered_ms / 1000.0);
          if (left > kSameTime_s) program.push_back({key->second, left, 0.0});
        }
        // Reconcile: what the machine delivered under this program and no session recorded
        // (the console died before committing it) goes to the last session that ran it.
        std::map<int, double> recorded;
        const PriorSession* last = nullptr;
        for (const auto& p : priors)
          if (p.id >= k && p.status != "refused") {
            last = &p;
            for (const auto& w : p.dwells) recorded[w.plan_dwell_index] += w.delivered_s;
          }
        if (last)
          for (const auto& [i, m] : machine_s)
            if (m > recorded[i] + kSameTime_s) {
              double mine = 0, planned = 0;
              for (const auto& w : last->dwells)
                if (w.plan_dwell_index == i) mine = w.delivered_s, planned = w.planned_s;
              records_.record_progress(last->id, i, planned, mine + (m - recorded[i]));
              show_("reconciled dwell " + std::to_string(i) + ": the machine reports " + fmt_s(m) + " s delivered, " +
                    fmt_s(recorded[i]) + " s were recorded; session " + std::to_string(last->id) + " updated");
            }
        if (program.empty()) {
          close_unfinished(priors, last ? last->id : 0);
          return finish(SessionState::completed, "nothing left to deliver: the machine reports every dwell delivered");
        }
      }
    }
  }

  const double factor = plan_U / *calib_U;
  if (!held) {
    // Remainder from the records: against the first session that planned each dwell.
    std::map<int, double> first_planned, total;
    bool any_program = false;
    for (const auto& p : priors) {
      if (p.status == "refused") continue;
      for (const auto& w : p.dwells) {
        if (w.planned_s > 0 && !first_planned.count(w.plan_dwell_index)) first_planned[w.plan_dwell_index] = w.planned_s;
        total[w.plan_dwell_index] += w.delivered_s;
        any_program = any_program || w.planned_s > 0;
      }
    }
    for (std::size_t i = 0; i < plan_.dwells.size(); ++i) {
      const int idx = static_cast<int>(i);
      double planned = 0;
      if (!any_program) {
        planned = round_to_decisecond_ms(plan_.dwells[i].time_s * factor, idx) / 1000.0;
      } else if (first_planned.count(idx)) {
        planned = floor_to_decisecond_ms(first_planned[idx] - total[idx]) / 1000.0;
      }
      if (planned > 0) program.push_back({idx, planned, 0.0});
    }
    if (!any_program)
      show_("decay correction: plan strength " + fmt_s(plan_U) + " U, source now " + fmt_s(*calib_U) + " U, dwell times x " +
            std::to_string(factor));
    if (program.empty()) {
      std::int64_t last = 0;
      for (const auto& p : priors)
        if (unfinished(p)) last = p.id;
      close_unfinished(priors, last);
      return finish(SessionState::completed, "nothing left to deliver: the records show every dwell delivered");
    }
  }

  // The program must fit the machine before anything is recorded as started or sent.
  std::vector<std::uint32_t> times(plan_.dwells.size(), 0);
  for (const auto& w : program) times[static_cast<std::size_t>(w.plan_dwell_index)] = static_cast<std::uint32_t>(std::llround(w.planned_s * 1000.0));
  {
    const BuiltProgram check = build_program(plan_, times, options_.plan_tag + "/s0");
    const auto problems = check_against_profile(held ? a.program : check.program, profile_);
    if (!problems.empty()) {
      std::string all = problems.front();
      if (problems.size() > 1) all += " (and " + std::to_string(problems.size() - 1) + " more)";
      return finish(SessionState::refused, "plan exceeds the machine's limits: " + all);
    }
  }

  for (const auto& p : priors)
    if (p.status == "in_progress") {
      records_.add_interruption(p.id, "console lost during the session; superseded by a resumed session");
      records_.set_status(p.id, "interrupted");
    }
  SessionBegin b;
  b.source_model = profile_.source_model;
  b.source_serial = profile_.source_serial;
  b.sk_used_U = *calib_U;
  b.console_clock = now;
  b.machine_clock = UtcTime{static_cast<double>(profile_.machine_clock_unix_ms) / 1000.0};
  b.program = program;
  a.session_id = records_.begin_session(b);
  for (const auto& w : program) a.planned_s[w.plan_dwell_index] = w.planned_s;
  if (held) {
    a.baseline_s = machine_s;
    go(SessionState::ready);
  } else {
    const BuiltProgram built = build_program(plan_, times, options_.plan_tag + "/s" + std::to_string(a.session_id));
    a.program = built.program;
    a.hash = program_hash(built.program);
    go(SessionState::downloading);
  }
  double total_s = 0;
  for (const auto& w : program) total_s += w.planned_s;
  show_(std::string(held ? "resuming" : "delivering") + " session " + std::to_string(a.session_id) + ": " +
        std::to_string(program.size()) + " dwells, " + fmt_s(total_s) + " s");
  DeliveryReport r;
  try {
    r = monitor(a);
  } catch (...) {
    // The records could not be written (or another fault): no treatment may go on unrecorded.
    // Ask the machine to interrupt; if even that fails its watchdog will, once we are gone.
    link_.call(MsgType::interrupt, {});
    throw;
  }
  r.session_id = a.session_id;
  return r;
}

DeliveryReport DeliverySession::monitor(Active& a) {
  std::map<std::pair<int, int>, int> by_key;
  for (const auto& p : places_) by_key[{p.channel, p.index}] = p.plan_dwell_index;
  auto interrupted = [&](const std::string& reason) {
    records_.add_interruption(a.session_id, reason);
    records_.set_status(a.session_id, "interrupted");
    return finish(SessionState::interrupted, "delivery interrupted: " + reason);
  };
  for (;;) {
    const auto st = query_status();
    if (!st) {
      if (!reconnect())
        return [&] {
          records_.add_interruption(a.session_id, "link lost; machine state UNKNOWN");
          records_.set_status(a.session_id, "interrupted");
          return finish(SessionState::unknown, "link to the afterloader lost and not re-established: machine state UNKNOWN");
        }();
      continue;
    }
    const bool ours = st->program_id == a.program.program_id && st->program_hash == a.hash;
    if (!ours) {
      if (a.seen_ours) return interrupted("the machine no longer holds this session's program");
      go(SessionState::downloading);
      const CallOutcome out = link_.call(MsgType::download, encode(a.program));
      if (out.answered && out.response.result != Result::ok && out.response.result != Result::busy) {
        records_.add_interruption(a.session_id, "machine rejected the program: " + out.response.detail);
        records_.set_status(a.session_id, "refused");
        return finish(SessionState::refused, "the afterloader rejected the program: " + out.response.detail);
      }
      if (out.answered && out.response.result == Result::busy) {
        // Another program is running, or a source is still retracting: wait a little, no more.
        if (!a.busy_since) a.busy_since = std::chrono::steady_clock::now();
        if (std::chrono::steady_clock::now() - *a.busy_since > std::chrono::seconds(10)) {
          records_.add_interruption(a.session_id, "machine busy: " + out.response.detail);
          records_.set_status(a.session_id, "refused");
          return finish(SessionState::refused, "the afterloader is busy and took no program: " + out.response.detail);
        }
      }
      if (!out.answered || out.response.result == Result::busy)
        std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_interval_ms));
      continue;  // re-query before anything else
    }
    a.seen_ours = true;
    // Commit every change the machine reports, then show it.
    bool all_done = true;
    for (const auto& rep : st->dwells) {
      const auto key = by_key.find({rep.dwell.channel, rep.dwell.index});
      if (key == by_key.end()) continue;
      const int i = key->second;
      if (!a.planned_s.count(i)) continue;
      const double mine = std::max(0.0, rep.delivered_ms / 1000.0 - a.baseline_s[i]);
      if (mine > a.recorded_s[i] + 1e-6) {
        records_.record_progress(a.session_id, i, a.planned_s[i], mine);
        a.recorded_s[i] = mine;
      }
      const bool done = mine >= a.planned_s[i] - kSameTime_s;
      all_done = all_done && done;
      if (done && a.shown_done.insert(i).second)
        show_("channel " + std::to_string(rep.dwell.channel) + " dwell " + std::to_string(rep.dwell.index) + " at " +
              fmt_s(rep.dwell.distance_decimm / 10.0) + " mm: " + fmt_s(mine) + " s of " + fmt_s(a.planned_s[i]) + " s");
    }
    switch (st->state) {
      case MachineState::programmed:
        go(SessionState::ready);
        {
          // START is only valid in PROGRAMMED, which a started program never returns to:
          // repeating it after a lost answer cannot start anything twice.
          a.command_sent = true;
          go(SessionState::delivering);
          const CallOutcome out = link_.call(MsgType::start, encode_hash(a.hash));
          if (out.answered && out.response.result == Result::rejected) return interrupted("START refused: " + out.response.detail);
        }
        continue;
      case MachineState::interrupted: {
        if (all_done) {
          records_.set_status(a.session_id, "completed");
          return finish(SessionState::completed, "delivery completed");
        }
        if (!a.command_sent) {
          a.command_sent = true;
          go(SessionState::ready);
          go(SessionState::delivering);
          const CallOutcome out = link_.call(MsgType::resume, encode_hash(a.hash));
          if (out.answered && out.response.result != Result::ok) return interrupted("RESUME refused: " + out.response.detail);
          continue;
        }
        if (!st->source_safe()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_interval_ms));
          continue;  // report the interruption once the machine reports the source safe
        }
        std::string reason = std::string("machine reports ") + to_string(st->stop_reason);
        if (st->fault != FaultCode::none)
          reason += std::string(", fault ") + to_string(st->fault) + " on channel " + std::to_string(st->fault_channel);
        if (st->interlocks & kInterlockDoorOpen) reason += ", door open";
        reason += "; source safe";
        return interrupted(reason);
      }
      case MachineState::completed:
        if (state_ != SessionState::delivering) {
          go(SessionState::ready);
          go(SessionState::delivering);
        }
        records_.set_status(a.session_id, "completed");
        return finish(SessionState::completed, "delivery completed");
      case MachineState::running:
        if (state_ != SessionState::delivering) {
          if (state_ != SessionState::ready) go(SessionState::ready);
          go(SessionState::delivering);
        }
        a.command_sent = true;
        break;
      case MachineState::idle: break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_interval_ms));
  }
}

}  // namespace hdr::fw
