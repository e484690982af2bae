#pragma once
// Runs the real `hdr` binary (HDR_BIN_DIR/hdr) through /bin/sh with stdout and stderr captured
// in files, for the CLI path tests.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace hdr::db::test {

struct RunResult {
  int exit_code = -1;
  std::string out, err;
  std::string last_line() const {
    std::string s = out;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    const auto nl = s.rfind('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
  }
};

inline std::string slurp(const std::filesystem::path& f) {
  std::ifstream in(f, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::filesystem::path& f, const std::string& s) {
  std::ofstream out(f, std::ios::binary);
  out << s;
}

// Runs any shell command line with stdout and stderr captured.
inline RunResult run_hdr_free(const std::filesystem::path& dir, const std::string& command) {
  const auto out = dir / "stdout.txt";
  const auto err = dir / "stderr.txt";
  std::string cmd = "(";
  cmd += command;
  cmd += ") </dev/null >'";
  cmd += out.string();
  cmd += "' 2>'";
  cmd += err.string();
  cmd += "'";
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// `args` is pasted into the shell command after the binary: quote paths with spaces.
inline RunResult run_hdr(const std::filesystem::path& dir, const std::string& args) {
  // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string&&.
  std::string command = "'";
  command += HDR_BIN_DIR;
  command += "/hdr' ";
  command += args;
  return run_hdr_free(dir, command);
}

}  // namespace hdr::db::test
