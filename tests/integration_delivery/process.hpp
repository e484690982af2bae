#pragma once
// Child processes for the delivery integration tests: `hdr afterloader-sim` and `hdr deliver`
// run as real processes (as the outside tests run them), with stdin as a pipe for the
// simulator's panel commands and stdout/stderr captured to files.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace itest {

class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(fds[0], 0);
      ::close(fds[0]);
      ::close(fds[1]);
      FILE* o = std::fopen(out_path.c_str(), "w");
      FILE* e = std::fopen(err_path.c_str(), "w");
      if (o) ::dup2(fileno(o), 1);
      if (e) ::dup2(fileno(e), 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[0]);
    stdin_fd_ = fds[1];
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (running()) {
      kill(SIGKILL);
      wait_exit(5000);
    }
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
  }
  void write_stdin(const std::string& line) {
    const std::string l = line + "\n";
    [[maybe_unused]] auto n = ::write(stdin_fd_, l.data(), l.size());
  }
  void kill(int sig) {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
  }
  bool running() {
    poll();
    return pid_ > 0 && !exited_;
  }
  // Exit code (128+signal when killed), or -1 on timeout.
  int wait_exit(int timeout_ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < end) {
      if (poll()) return code_;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return poll() ? code_ : -1;
  }

 private:
  bool poll() {
    if (exited_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return exited_;
  }
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits until `path` contains `needle` (polling), up to timeout_ms.
inline bool wait_for_text(const std::string& path, const std::string& needle, int timeout_ms, std::size_t occurrences = 1) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    const std::string s = slurp(path);
    std::size_t n = 0;
    for (std::size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
    if (n >= occurrences) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace itest
