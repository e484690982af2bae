#include "tools/afterloader_sim/event_log.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>

#include "planner/common/error.hpp"

namespace hdr::sim {

EventLog::EventLog(const std::string& path) {
  file_ = std::fopen(path.c_str(), "a");
  require(file_ != nullptr, path + ": cannot open the simulator log (" + std::strerror(errno) + ")");
}

EventLog::~EventLog() {
  if (file_) std::fclose(file_);
}

void EventLog::write(nlohmann::json event, double machine_time_s) {
  event["t"] = std::round(machine_time_s * 1000.0) / 1000.0;
  const std::string line = event.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace hdr::sim
