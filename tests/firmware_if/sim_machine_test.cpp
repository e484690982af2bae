// The simulated machine on its own (no link): exact dwell timing, interruption mid-dwell and
// resume of only the remainder, interlocks, watchdog, faults, and the log's dwell segments.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <unistd.h>

#include "tools/afterloader_sim/machine.hpp"

using namespace hdr;
using namespace hdr::fw;

namespace {
struct Rig {
  std::string path = "/tmp/hdr_fw_machine_test_" + std::to_string(::getpid()) + ".jsonl";
  std::unique_ptr<sim::EventLog> log;
  std::unique_ptr<sim::Machine> m;
  Program program;
  Rig() {
    std::remove(path.c_str());
    log = std::make_unique<sim::EventLog>(path);
    sim::MachineOptions o;
    o.strength_reference = utc_now();
    m = std::make_unique<sim::Machine>(o, *log);
    program.program_id = "t/s1";
    program.dwells = {{1, 0, 0, 5000}, {1, 1, 50, 2300}, {2, 0, 0, 1000}};
  }
  ~Rig() { std::remove(path.c_str()); }
  ResponseMsg send(MsgType t, const Bytes& payload = {}) { return m->handle(t, payload); }
  Bytes hash() const { return encode_hash(program_hash(program)); }
  // Sum of logged dwell segments by (channel, index), and the number of segments.
  std::map<std::pair<int, int>, double> delivered(int* segments = nullptr) const {
    std::ifstream in(path);
    std::map<std::pair<int, int>, double> out;
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line);
      if (j.at("event") == "dwell") {
        out[{j.at("channel").get<int>(), j.at("index").get<int>()}] += j.at("delivered_s").get<double>();
        ++n;
      } else {
        // Only source-movement events carry a channel.
        const std::string e = j.at("event");
        CHECK((!j.contains("channel") || e == "check_cable" || e == "source_out"));
      }
    }
    if (segments) *segments = n;
    return out;
  }
  void run_to_completion() {
    for (int i = 0; i < 100000 && m->state() == MachineState::running; ++i) m->advance(0.37);
  }
};
}  // namespace

TEST_CASE("a program runs to completion delivering exactly the planned times") {
  Rig r;
  CHECK(r.send(MsgType::download, encode(r.program)).result == Result::ok);
  CHECK(r.send(MsgType::start, r.hash()).result == Result::ok);
  r.run_to_completion();
  CHECK(r.m->state() == MachineState::completed);
  CHECK(!r.m->source_out());
  const auto d = r.delivered();
  CHECK(d.at({1, 0}) == doctest::Approx(5.0).epsilon(1e-9));
  CHECK(d.at({1, 1}) == doctest::Approx(2.3).epsilon(1e-9));
  CHECK(d.at({2, 0}) == doctest::Approx(1.0).epsilon(1e-9));
  // Source travel and check cable take time: 1500 mm at 1000 mm/s out and back per channel.
  CHECK(r.m->now_s() > 2 * 3.0 + 8.3);
}

TEST_CASE("interrupted mid-dwell, the machine delivers only the remainder on RESUME") {
  Rig r;
  r.send(MsgType::download, encode(r.program));
  r.send(MsgType::start, r.hash());
  // check cable 1.5 s out + 1.5 s back, travel 1500 mm / 500 mm/s = 3 s, then 1.5 s into the first dwell.
  r.m->advance(3.0 + 3.0 + 1.5);
  CHECK(r.m->status(false).source == SourceState::dwelling);
  CHECK(r.send(MsgType::interrupt).result == Result::ok);
  CHECK(r.m->state() == MachineState::interrupted);
  CHECK(r.send(MsgType::resume, r.hash()).result == Result::busy);  // still retracting
  r.m->advance(5.0);
  CHECK(!r.m->source_out());
  const StatusReport s = r.m->status(true);
  CHECK(s.dwells[0].delivered_ms == 1500);
  // The same program downloaded again (a console that lost the answer) keeps the progress.
  CHECK(r.send(MsgType::download, encode(r.program)).result == Result::ok);
  CHECK(r.m->status(true).dwells[0].delivered_ms == 1500);
  CHECK(r.send(MsgType::start, r.hash()).result == Result::rejected);  // START is for a fresh program
  CHECK(r.send(MsgType::resume, r.hash()).result == Result::ok);
  r.run_to_completion();
  CHECK(r.m->state() == MachineState::completed);
  int segments = 0;
  const auto d = r.delivered(&segments);
  CHECK(segments == 4);  // the first dwell in two segments
  CHECK(d.at({1, 0}) == doctest::Approx(5.0).epsilon(1e-9));
}

TEST_CASE("door, emergency stop and watchdog interrupt and retract; door open blocks RESUME") {
  Rig r;
  r.send(MsgType::download, encode(r.program));
  r.send(MsgType::start, r.hash());
  r.m->advance(7.0);
  r.m->set_door_open(true);
  CHECK(r.m->status(false).stop_reason == StopReason::door);
  r.m->advance(3.0);
  CHECK(r.send(MsgType::resume, r.hash()).result == Result::rejected);
  r.m->set_door_open(false);
  CHECK(r.send(MsgType::resume, r.hash()).result == Result::ok);
  r.m->advance(7.0);
  r.m->emergency_stop("test");
  CHECK(r.m->status(false).stop_reason == StopReason::emergency_stop);
  CHECK((r.m->status(false).interlocks & kInterlockEmergency) != 0);
  r.m->advance(3.0);
  CHECK(!r.m->source_out());
  CHECK(r.send(MsgType::resume, r.hash()).result == Result::ok);
  r.m->advance(7.0);
  r.m->watchdog_expired();
  CHECK(r.m->status(false).stop_reason == StopReason::watchdog);
  r.m->advance(3.0);
  CHECK(r.send(MsgType::resume, r.hash()).result == Result::ok);
  r.run_to_completion();
  const auto d = r.delivered();
  CHECK(d.at({1, 0}) == doctest::Approx(5.0).epsilon(1e-9));
  CHECK(d.at({1, 1}) == doctest::Approx(2.3).epsilon(1e-9));
  CHECK(d.at({2, 0}) == doctest::Approx(1.0).epsilon(1e-9));
}

TEST_CASE("fault injection: an obstructed check cable stops before the source leaves; a refused channel rejects the program") {
  Rig r;
  r.m->set_obstructed_channel(2);
  r.send(MsgType::download, encode(r.program));
  r.send(MsgType::start, r.hash());
  r.run_to_completion();
  const StatusReport s = r.m->status(true);
  CHECK(s.state == MachineState::interrupted);
  CHECK(s.fault == FaultCode::check_cable_obstructed);
  CHECK(s.fault_channel == 2);
  CHECK(s.dwells[2].delivered_ms == 0);
  r.m->set_refused_channel(1);
  Program other = r.program;
  other.program_id = "t/s2";
  CHECK(r.send(MsgType::download, encode(other)).result == Result::rejected);
}

TEST_CASE("START needs the loaded program's hash; programs beyond the limits are rejected") {
  Rig r;
  r.send(MsgType::download, encode(r.program));
  Hash wrong{};
  CHECK(r.send(MsgType::start, encode_hash(wrong)).result == Result::rejected);
  Program bad = r.program;
  bad.program_id = "t/s3";
  bad.dwells[0].planned_ms = 1000000;  // 1000 s > 999.9 s
  CHECK(r.send(MsgType::download, encode(bad)).result == Result::rejected);
  bad.dwells[0].planned_ms = 5050;  // not on the 0.1 s grid
  CHECK(r.send(MsgType::download, encode(bad)).result == Result::rejected);
  Bytes garbage = {1, 2, 3};
  CHECK(r.send(MsgType::download, garbage).result == Result::format_error);
}
