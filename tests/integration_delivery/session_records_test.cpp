// The delivery session in-process, with an in-memory record store, against the real
// simulator process: records agree with the machine's log, and a record store that fails
// mid-treatment makes the console interrupt the machine at once (not leave it to the
// watchdog) with nothing delivered beyond plan.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "firmware_if/delivery_session.hpp"
#include "planner/common/error.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using namespace hdr::fw;

namespace {

class MemoryRecords final : public DeliveryRecords {
 public:
  int fail_after_progress = -1;  // throw on the Nth record_progress (0-based), -1 never
  std::map<std::int64_t, PriorSession> sessions;
  int progress_calls = 0;
  std::optional<double> calibrated_strength_U(const std::string&, const std::string&, hdr::UtcTime, std::string&) override {
    return 40700.0;
  }
  std::vector<PriorSession> prior_sessions() override {
    std::vector<PriorSession> out;
    for (const auto& [id, s] : sessions) out.push_back(s);
    return out;
  }
  std::int64_t begin_session(const SessionBegin& b) override {
    const std::int64_t id = static_cast<std::int64_t>(sessions.size()) + 1;
    sessions[id] = PriorSession{id, "in_progress", b.program};
    return id;
  }
  void record_progress(std::int64_t s, int i, double planned, double delivered) override {
    if (progress_calls++ == fail_after_progress) throw hdr::Error("records: disk full (injected)");
    auto& dw = sessions.at(s).dwells;
    for (auto& d : dw)
      if (d.plan_dwell_index == i) {
        REQUIRE(delivered >= d.delivered_s);  // never decreases
        d.delivered_s = delivered;
        return;
      }
    dw.push_back({i, planned, delivered});
  }
  void add_interruption(std::int64_t, const std::string&) override {}
  void set_status(std::int64_t s, const std::string& status) override { sessions.at(s).status = status; }
};

hdr::formats::Plan two_catheters() {
  hdr::formats::Plan p;
  p.source.model = "mHDR-v2";
  p.source.air_kerma_strength_U = 40700.0;
  for (int c = 1; c <= 2; ++c)
    for (int k = 0; k < 3; ++k) p.dwells.push_back({c, {0, 10.0 * c, 5.0 * k}, {0, 0, 1}, 10.0 + k});
  return p;
}

struct Sim {
  std::string dir = (fs::temp_directory_path() / ("hdr_session_" + std::to_string(::getpid()))).string();
  std::string log = dir + "/sim.jsonl";
  int port = 26000 + ::getpid() % 3000;
  std::unique_ptr<itest::Child> child;
  Sim() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    child = std::make_unique<itest::Child>(
        std::vector<std::string>{std::string(HDR_BIN_DIR) + "/hdr", "afterloader-sim", "--listen", address(), "--log", log,
                                 "--time-scale", "50", "--no-stdin"},
        dir + "/out", dir + "/err");
    REQUIRE(itest::wait_for_text(log, "powered_on", 20000));
  }
  ~Sim() {
    child->kill(SIGTERM);
    child->wait_exit(3000);
    fs::remove_all(dir);
  }
  std::string address() const { return "tcp:127.0.0.1:" + std::to_string(port); }
  std::map<std::pair<int, int>, double> delivered() const {
    std::map<std::pair<int, int>, double> out;
    std::istringstream in(itest::slurp(log));
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) {
        const auto j = nlohmann::json::parse(line);
        if (j.at("event") == "dwell") out[{j.at("channel").get<int>(), j.at("index").get<int>()}] += j.at("delivered_s").get<double>();
      }
    return out;
  }
};

DeliveryOptions options() {
  DeliveryOptions o;
  o.plan_tag = "mem";
  o.reconnect_window_ms = 3000;
  return o;
}

}  // namespace

TEST_CASE("in-memory records match the machine's log after a clean session") {
  Sim sim;
  const auto plan = two_catheters();
  MemoryRecords records;
  LinkClient link(parse_address(sim.address()), LinkOptions{});
  DeliverySession session(plan, records, link, options(), [](const std::string&) {});
  const DeliveryReport r = session.run();
  CHECK(r.completed());
  CHECK(session.state() == SessionState::completed);
  const auto log = sim.delivered();
  for (const auto& d : records.sessions.at(1).dwells) {
    const auto& pd = plan.dwells[static_cast<std::size_t>(d.plan_dwell_index)];
    const int index = static_cast<int>(std::lround(pd.position_mm[2] / 5.0));
    CHECK(d.delivered_s == doctest::Approx(pd.time_s).epsilon(1e-6));
    CHECK(log.at({pd.catheter, index}) == doctest::Approx(d.delivered_s).epsilon(1e-6));
  }
}

TEST_CASE("a record store failing mid-treatment interrupts the machine at once") {
  Sim sim;
  const auto plan = two_catheters();
  MemoryRecords records;
  records.fail_after_progress = 1;
  LinkClient link(parse_address(sim.address()), LinkOptions{});
  DeliverySession session(plan, records, link, options(), [](const std::string&) {});
  CHECK_THROWS_AS(session.run(), hdr::Error);
  REQUIRE(itest::wait_for_text(sim.log, "\"event\":\"interrupted\"", 3000));
  const std::string text = itest::slurp(sim.log);
  CHECK(text.find("\"reason\":\"console\"") != std::string::npos);  // not the watchdog
  CHECK(text.find("\"event\":\"watchdog\"") == std::string::npos);
  for (const auto& [key, total] : sim.delivered()) CHECK(total <= 10.0 + key.second + 0.1);
}
