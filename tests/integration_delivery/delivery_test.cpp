// End to end: `hdr deliver` against `hdr afterloader-sim`, over real TCP on loopback (through a
// fault-injecting proxy) and over a real pty pair (socat). In every scenario the simulator's
// own log (the ground truth) shows no dwell receiving more than planned + 0.1 s summed over all
// sessions, and after resuming every dwell's total equals its plan within 0.1 s; the record
// store agrees.
#include <doctest/doctest.h>
#include <sodium.h>

#include <fcntl.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "db/password.hpp"
#include "db/record_store.hpp"
#include "fault_proxy.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kHdr = std::string(HDR_BIN_DIR) + "/hdr";
constexpr double kTimeScale = 50.0;

// (channel, index) -> plan time: catheters along +z from their tips at z = 0, 5 mm steps.
const std::map<std::pair<int, int>, double> kPlan = {
    {{1, 0}, 20.0}, {{1, 1}, 10.0}, {{1, 2}, 0.0}, {{1, 3}, 5.0},
    {{2, 0}, 15.0}, {{2, 1}, 15.0},
    {{3, 0}, 8.0},  {{3, 1}, 0.0},  {{3, 2}, 12.0}};

hdr::formats::Plan make_plan() {
  hdr::formats::Plan p;
  p.case_id = "itest";
  p.source.model = "mHDR-v2";
  p.source.air_kerma_strength_U = 40700.0;
  p.prescription = {15.0, 1};
  for (const auto& [key, t] : kPlan)
    p.dwells.push_back({key.first, {10.0 * key.first, 0.0, 5.0 * key.second}, {0, 0, 1}, t});
  return p;
}

int next_port() {
  static int n = 0;
  return 20000 + (::getpid() % 2000) * 10 + (n++ % 10);
}

struct Env {
  std::string dir;
  std::string db, pw;
  long long plan_id = 0;
  int sim_port = next_port();
  int proxy_port = next_port();
  std::string sim_log;
  std::unique_ptr<itest::Child> sim;
  int run_no = 0;

  explicit Env(const std::string& name, const std::string& serial = "SIM-0001") {
    dir = (fs::temp_directory_path() / ("hdr_itest_" + name + "_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir);
    fs::create_directories(dir);
    db = dir + "/records.db";
    pw = dir + "/pw.txt";
    sim_log = dir + "/sim.jsonl";
    std::ofstream(pw) << "secret\n";
    hdr::db::StoreOptions o;
    o.pwhash_opslimit = hdr::db::pwhash_opslimit_min();
    o.pwhash_memlimit = hdr::db::pwhash_memlimit_min();
    auto st = hdr::db::RecordStore::create(db, "admin", "secret", o);
    const auto admin = st.authenticate("admin", "secret");
    st.add_user(admin, "doc", hdr::db::Role::physician, "secret");
    st.add_user(admin, "phys", hdr::db::Role::physicist, "secret");
    st.add_user(admin, "ther", hdr::db::Role::therapist, "secret");
    const auto doc = st.authenticate("doc", "secret");
    const auto phys = st.authenticate("phys", "secret");
    plan_id = st.import_plan(doc, "PAT-1", make_plan());
    st.approve(doc, plan_id);
    st.approve(phys, plan_id);
    hdr::db::CalibrationInput c;
    c.model = "mHDR-v2";
    c.serial = serial;
    c.measured_at = hdr::utc_now();
    c.S_K_U = 40700.0;
    c.certificate_S_K_U = 40700.0;
    c.certificate_reference_time = c.measured_at;
    c.certificate_S_K_at_measurement_U = 40700.0;
    c.deviation_pct = 0.0;
    c.status = "pass";
    c.measurement_json = "{}";
    c.result_json = "{}";
    st.record_calibration(phys, c, true, "");
  }
  ~Env() {
    if (sim) {
      sim->kill(SIGTERM);
      sim->wait_exit(3000);
    }
    fs::remove_all(dir);
  }
  void start_sim(const std::string& listen, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kHdr, "afterloader-sim", "--listen", listen, "--log", sim_log, "--time-scale",
                                     std::to_string(kTimeScale)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    sim = std::make_unique<itest::Child>(argv, dir + "/sim.out", dir + "/sim.err");
    REQUIRE(itest::wait_for_text(sim_log, "powered_on", 20000));
  }
  std::string tcp_sim() const { return "tcp:127.0.0.1:" + std::to_string(sim_port); }
  std::string tcp_proxy() const { return "tcp:127.0.0.1:" + std::to_string(proxy_port); }
  std::unique_ptr<itest::Child> deliver(const std::string& addr, bool resume) {
    ++run_no;
    std::vector<std::string> argv = {kHdr, "deliver", "--db", db, "--as", "ther", "--password-file", pw,
                                     "--plan-id", std::to_string(plan_id), "--afterloader", addr};
    if (resume) argv.push_back("--resume");
    return std::make_unique<itest::Child>(argv, err_path() + ".out", err_path());
  }
  std::string err_path() const { return dir + "/deliver" + std::to_string(run_no) + ".err"; }
  int deliver_and_wait(const std::string& addr, bool resume, int timeout_ms = 60000) {
    auto c = deliver(addr, resume);
    const int code = c->wait_exit(timeout_ms);
    MESSAGE(std::string(resume ? "deliver --resume" : "deliver"), " exit ", code, ": ", itest::slurp(err_path()));
    return code;
  }

  // Sum over all logged dwell segments, by (channel, index); checks each segment's planned_s.
  std::map<std::pair<int, int>, double> delivered() const {
    std::map<std::pair<int, int>, double> out;
    std::istringstream in(itest::slurp(sim_log));
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const auto j = nlohmann::json::parse(line);
      if (j.at("event") != "dwell") continue;
      const std::pair<int, int> key{j.at("channel").get<int>(), j.at("index").get<int>()};
      REQUIRE(kPlan.count(key) == 1);
      CHECK(j.at("planned_s").get<double>() <= kPlan.at(key) + 1e-9);
      CHECK(j.at("distance_mm").get<double>() == doctest::Approx(5.0 * key.second));
      out[key] += j.at("delivered_s").get<double>();
    }
    return out;
  }
  void check_never_over() const {
    for (const auto& [key, total] : delivered()) {
      INFO("channel ", key.first, " index ", key.second);
      CHECK(total <= kPlan.at(key) + 0.1);
    }
  }
  void check_complete() const {
    const auto d = delivered();
    for (const auto& [key, planned] : kPlan) {
      INFO("channel ", key.first, " index ", key.second);
      const double got = d.count(key) ? d.at(key) : 0.0;
      CHECK(got <= planned + 0.1);
      CHECK(got >= planned - 0.1);
    }
    // The record store agrees with the machine's log.
    auto st = hdr::db::RecordStore::open(db);
    for (const auto& t : st.delivered_totals(plan_id)) {
      INFO("plan dwell ", t.plan_dwell_index);
      CHECK(std::abs(t.delivered_s - t.plan_time_s) <= 0.1);
    }
    CHECK(st.verify().ok());
  }
  std::vector<std::string> session_statuses() {
    auto st = hdr::db::RecordStore::open(db);
    std::vector<std::string> s;
    for (const auto& x : st.sessions_for_plan(plan_id)) s.push_back(hdr::db::to_string(x.status));
    return s;
  }
  bool log_has(const std::string& text) const { return itest::slurp(sim_log).find(text) != std::string::npos; }
  // Resumes until completed (at most `tries` times).
  void resume_to_completion(const std::string& addr, int tries = 3) {
    int code = 1;
    for (int i = 0; i < tries && code != 0; ++i) code = deliver_and_wait(addr, true);
    CHECK(code == 0);
  }
};

}  // namespace

TEST_CASE("TCP: a clean delivery completes and matches the plan; --resume then has nothing left") {
  Env e("clean");
  e.start_sim(e.tcp_sim());
  CHECK(e.deliver_and_wait(e.tcp_sim(), false) == 0);
  e.check_complete();
  CHECK(e.session_statuses() == std::vector<std::string>{"completed"});
  CHECK(e.deliver_and_wait(e.tcp_sim(), true) == 0);  // nothing left
  CHECK(e.deliver_and_wait(e.tcp_sim(), false) == 1);  // the single fraction is delivered
  e.check_complete();
}

TEST_CASE("refusals send the machine no program") {
  SUBCASE("machine strength differs from the calibration by more than 2 %") {
    Env e("strength");
    e.start_sim(e.tcp_sim(), {"--source-strength", "41600"});  // +2.2 %
    CHECK(e.deliver_and_wait(e.tcp_sim(), false) == 1);
    // Progress lines may come first; the refusal is one "hdr: error:" line naming the values.
    const std::string err = itest::slurp(e.err_path());
    CHECK(err.find("hdr: error: machine reports 41600.0 U") != std::string::npos);
    CHECK(err.find("2 %") != std::string::npos);
    CHECK(!e.log_has("program_loaded"));
  }
  SUBCASE("no accepted calibration for the machine's source serial") {
    Env e("serial");
    e.start_sim(e.tcp_sim(), {"--source-serial", "OTHER-9"});
    CHECK(e.deliver_and_wait(e.tcp_sim(), false) == 1);
    CHECK(itest::slurp(e.err_path()).find("OTHER-9") != std::string::npos);
    CHECK(!e.log_has("program_loaded"));
  }
  SUBCASE("the plan needs more channels than the machine has") {
    Env e("channels");
    e.start_sim(e.tcp_sim(), {"--channels", "2"});
    CHECK(e.deliver_and_wait(e.tcp_sim(), false) == 1);
    CHECK(!e.log_has("program_loaded"));
  }
}

TEST_CASE("TCP through a faulty proxy: corrupted, duplicated and dropped chunks") {
  Env e("faulty");
  e.start_sim(e.tcp_sim());
  itest::FaultProxy proxy(e.proxy_port, e.sim_port, {0.05, 0.05, 0.03}, 7);
  const int code = e.deliver_and_wait(e.tcp_proxy(), false);
  e.check_never_over();
  if (code != 0) e.resume_to_completion(e.tcp_proxy());
  e.check_complete();
  CHECK(proxy.corrupted() > 0);
}

TEST_CASE("TCP: link cut mid-dwell; the console reconnects by itself and completes") {
  Env e("cut");
  e.start_sim(e.tcp_sim());
  itest::FaultProxy proxy(e.proxy_port, e.sim_port, {}, 1);
  auto c = e.deliver(e.tcp_proxy(), false);
  REQUIRE(itest::wait_for_text(e.sim_log, "\"event\":\"source_out\"", 20000));
  std::this_thread::sleep_for(150ms);  // 3 s of travel at x50 is 60 ms: now inside a 20 s dwell
  proxy.cut_all();
  CHECK(c->wait_exit(60000) == 0);
  CHECK(proxy.connections() >= 2);
  e.check_complete();
}

TEST_CASE("TCP: a stall longer than the watchdog interrupts the machine; resume completes") {
  Env e("stall");
  e.start_sim(e.tcp_sim());
  itest::FaultProxy proxy(e.proxy_port, e.sim_port, {}, 2);
  auto c = e.deliver(e.tcp_proxy(), false);
  REQUIRE(itest::wait_for_text(e.sim_log, "\"event\":\"source_out\"", 20000));
  std::this_thread::sleep_for(100ms);
  proxy.stall_for(1600ms);
  const int code = c->wait_exit(60000);
  CHECK(e.log_has("\"event\":\"watchdog\""));
  e.check_never_over();
  if (code != 0) e.resume_to_completion(e.tcp_proxy());
  e.check_complete();
}

TEST_CASE("TCP: door opened mid-dwell interrupts; after closing it, resume completes") {
  Env e("door");
  e.start_sim(e.tcp_sim());
  auto c = e.deliver(e.tcp_sim(), false);
  REQUIRE(itest::wait_for_text(e.sim_log, "\"event\":\"source_out\"", 20000));
  std::this_thread::sleep_for(150ms);
  e.sim->write_stdin("door open");
  CHECK(c->wait_exit(60000) == 1);
  CHECK(itest::slurp(e.err_path()).find("door") != std::string::npos);
  e.check_never_over();
  CHECK(e.deliver_and_wait(e.tcp_sim(), true) == 1);  // door still open: RESUME refused
  e.sim->write_stdin("door close");
  e.resume_to_completion(e.tcp_sim());
  e.check_complete();
}

TEST_CASE("TCP: emergency stop on the panel; resume completes") {
  Env e("estop");
  e.start_sim(e.tcp_sim());
  auto c = e.deliver(e.tcp_sim(), false);
  REQUIRE(itest::wait_for_text(e.sim_log, "\"event\":\"source_out\"", 20000, 2));
  std::this_thread::sleep_for(100ms);
  e.sim->write_stdin("estop");
  CHECK(c->wait_exit(60000) == 1);
  e.check_never_over();
  e.resume_to_completion(e.tcp_sim());
  e.check_complete();
  const auto s = e.session_statuses();
  CHECK(s.front() == "interrupted");
  CHECK(s.back() == "completed");
}

TEST_CASE("TCP: console killed (SIGKILL) mid-dwell and restarted with --resume") {
  Env e("kill");
  e.start_sim(e.tcp_sim());
  auto c = e.deliver(e.tcp_sim(), false);
  REQUIRE(itest::wait_for_text(e.sim_log, "\"event\":\"source_out\"", 20000));
  std::this_thread::sleep_for(150ms);
  c->kill(SIGKILL);
  c->wait_exit(5000);
  CHECK(e.session_statuses() == std::vector<std::string>{"in_progress"});
  REQUIRE(itest::wait_for_text(e.sim_log, "\"event\":\"watchdog\"", 5000));
  e.check_never_over();
  e.resume_to_completion(e.tcp_sim());
  e.check_complete();
  const auto s = e.session_statuses();
  CHECK(s.front() == "interrupted");
  CHECK(s.back() == "completed");
}

TEST_CASE("serial over a socat pty pair: delivery, console killed, resume to completion") {
  Env e("serial");
  const std::string a = e.dir + "/ttyA", b = e.dir + "/ttyB";
  itest::Child socat({"/usr/bin/socat", "pty,raw,echo=0,link=" + a, "pty,raw,echo=0,link=" + b}, e.dir + "/socat.out",
                     e.dir + "/socat.err");
  for (int i = 0; i < 500 && !(fs::exists(a) && fs::exists(b)); ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(fs::exists(b));
  // Hold the console's end open ourselves (never reading it): killing the console must not
  // close the pty's last slave descriptor, or socat would end the line.
  const int hold = ::open(b.c_str(), O_RDWR | O_NOCTTY);
  REQUIRE(hold >= 0);
  e.start_sim("serial:" + a);
  auto c = e.deliver("serial:" + b, false);
  REQUIRE(itest::wait_for_text(e.sim_log, "\"event\":\"source_out\"", 20000, 2));
  std::this_thread::sleep_for(100ms);
  c->kill(SIGKILL);
  c->wait_exit(5000);
  REQUIRE(itest::wait_for_text(e.sim_log, "\"event\":\"watchdog\"", 5000));
  e.check_never_over();
  e.resume_to_completion("serial:" + b);
  e.check_complete();
  ::close(hold);
  socat.kill(SIGTERM);
}
