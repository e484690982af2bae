// Emergency-stop latency on loopback: from the console's EMERGENCY_STOP command to the
// machine's "source safe" report (its NOTIFY), through the real link client and the real
// simulator process (`hdr afterloader-sim`, started here). The source dwells at the channel
// tip, 1500 mm from the safe, retracting at 1000 mm/s machine time; at --time-scale 1000 that
// travel is 1.5 ms of wall time, reported separately so that the link's own share is visible.
// Usage: bench_estop [path/to/hdr] [repetitions]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "firmware_if/link_client.hpp"

using namespace hdr::fw;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const std::string hdr = argc > 1 ? argv[1] : (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "hdr").string();
  const int reps = argc > 2 ? std::atoi(argv[2]) : 30;
  const double time_scale = 1000.0;
  const int port = 21000 + ::getpid() % 5000;
  const std::string log = "/tmp/bench_estop_" + std::to_string(::getpid()) + ".jsonl";
  const pid_t sim = ::fork();
  if (sim == 0) {
    const std::string listen = "tcp:127.0.0.1:" + std::to_string(port);
    const std::string scale = std::to_string(time_scale);
    ::execl(hdr.c_str(), hdr.c_str(), "afterloader-sim", "--listen", listen.c_str(), "--log", log.c_str(), "--time-scale",
            scale.c_str(), "--no-stdin", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  LinkClient link(parse_address("tcp:127.0.0.1:" + std::to_string(port)), LinkOptions{});
  std::string err;
  std::optional<MachineProfile> prof;
  for (int i = 0; i < 100 && !(prof = link.connect(err)); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!prof) {
    std::fprintf(stderr, "bench_estop: cannot reach the simulator: %s\n", err.c_str());
    ::kill(sim, SIGTERM);
    return 1;
  }
  std::mutex m;
  std::promise<Clock::time_point>* waiting = nullptr;
  link.set_notify_handler([&](const StatusReport& s) {
    std::lock_guard l(m);
    if (waiting && s.source_safe() && s.stop_reason == StopReason::emergency_stop) {
      waiting->set_value(Clock::now());
      waiting = nullptr;
    }
  });
  Program p;
  p.program_id = "bench/s1";
  for (std::uint16_t i = 0; i < 40; ++i) p.dwells.push_back({1, i, static_cast<std::uint32_t>(i * 10), 999900});
  const Hash h = program_hash(p);
  link.call(MsgType::download, encode(p));
  const double travel_ms = 1500.0 / 1000.0 / time_scale * 1000.0;
  std::vector<double> total_ms, ack_ms;
  bool started = false;
  for (int r = 0; r < reps; ++r) {
    link.call(started ? MsgType::resume : MsgType::start, encode_hash(h));
    started = true;
    // Wait until the source dwells (not travelling), so that each stop retracts from the tip region.
    for (int i = 0; i < 2000; ++i) {
      const CallOutcome o = link.call(MsgType::status, {});
      if (o.ok() && decode_status(o.response.body).source == SourceState::dwelling) break;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    std::promise<Clock::time_point> safe;
    auto fut = safe.get_future();
    {
      std::lock_guard l(m);
      waiting = &safe;
    }
    const auto t0 = Clock::now();
    const CallOutcome o = link.call(MsgType::emergency_stop, {});
    const auto t_ack = Clock::now();
    if (!o.ok() || fut.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      std::fprintf(stderr, "bench_estop: no source-safe report in repetition %d\n", r);
      std::lock_guard l(m);
      waiting = nullptr;
      continue;
    }
    total_ms.push_back(std::chrono::duration<double, std::milli>(fut.get() - t0).count());
    ack_ms.push_back(std::chrono::duration<double, std::milli>(t_ack - t0).count());
  }
  ::kill(sim, SIGTERM);
  ::waitpid(sim, nullptr, 0);
  std::remove(log.c_str());
  if (total_ms.empty()) return 1;
  auto stats = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return std::make_pair(v[v.size() / 2], v.back());
  };
  const auto [med, worst] = stats(total_ms);
  const auto [amed, aworst] = stats(ack_ms);
  std::printf("emergency stop on loopback TCP, %zu repetitions, machine time scale %.0f\n", total_ms.size(), time_scale);
  std::printf("  command -> machine acknowledgement: median %.2f ms, max %.2f ms\n", amed, aworst);
  std::printf("  command -> 'source safe' report:    median %.2f ms, max %.2f ms\n", med, worst);
  std::printf("  of which source travel (<= 1500 mm at 1000 mm/s, scaled): <= %.2f ms\n", travel_ms);
  std::printf("  link + machine overhead beyond travel: median %.2f ms, max %.2f ms (goal <= 20 ms)\n", med - travel_ms,
              worst - travel_ms);
  return 0;
}
