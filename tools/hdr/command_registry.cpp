#include "tools/hdr/command_registry.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace hdr::cli {
namespace {
std::vector<std::pair<int, CommandAdder>>& registry() {
  static std::vector<std::pair<int, CommandAdder>> r;
  return r;
}
}  // namespace

CommandRegistration::CommandRegistration(int order, CommandAdder adder) { registry().emplace_back(order, adder); }

void add_registered_commands(CLI::App& app) {
  auto r = registry();
  std::stable_sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, adder] : r) adder(app);
}

}  // namespace hdr::cli
