#include "tools/hdr/cli_support.hpp"

#include <cstdio>
#include <exception>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"

namespace hdr::cli {
namespace {
int g_exit_code = 0;
}

void set_action(CLI::App* sub, std::function<int()> body) {
  sub->callback([body = std::move(body)]() {
    try {
      g_exit_code = body();
    } catch (const hdr::Error& e) {
      std::fprintf(stderr, "hdr: error: %s\n", e.what());
      g_exit_code = 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hdr: error: %s\n", e.what());
      g_exit_code = 1;
    }
  });
}

int exit_code() { return g_exit_code; }

CLI::App* shared_group(CLI::App& app, const std::string& name, const std::string& description) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    if (sub->get_name() == name) return sub;
  CLI::App* group = app.add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

std::string read_password_file(const std::string& path) {
  const std::string text = read_file(path);
  const auto eol = text.find_first_of("\r\n");
  std::string pw = text.substr(0, eol);
  require(!pw.empty(), path + ": the password file's first line is empty");
  return pw;
}

void progress(const std::string& message) { std::fprintf(stderr, "hdr: %s\n", message.c_str()); }

}  // namespace hdr::cli
