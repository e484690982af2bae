#pragma once
// The simulator's ground-truth log: one JSON object per line, flushed per line, so that a
// test can read it while the simulator runs and after it is killed.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace hdr::sim {

class EventLog {
 public:
  explicit EventLog(const std::string& path);  // appends; hdr::Error naming the path
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  // Adds "t" (machine seconds) and writes one line.
  void write(nlohmann::json event, double machine_time_s);

 private:
  std::FILE* file_ = nullptr;
};

}  // namespace hdr::sim
