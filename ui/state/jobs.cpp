#include "ui/state/jobs.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <exception>

namespace hdr::ui {

bool lower_this_thread_priority() {
  constexpr int kBackgroundNice = 10;  // CFS weight ~1/10 of a nice-0 thread
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::setpriority(PRIO_PROCESS, tid, kBackgroundNice) == 0;
}

JobRunner::~JobRunner() { wait_all(); }

void JobRunner::wait_all() {
  for (auto& j : jobs_)
    if (j->thread.joinable()) j->thread.join();
  jobs_.clear();
}

bool JobRunner::start(const std::string& name, Work work) {
  if (running(name)) return false;
  auto job = std::make_unique<Job>();
  job->name = name;
  job->started = std::chrono::steady_clock::now();
  Job* raw = job.get();
  job->thread = std::thread([raw, w = std::move(work)]() {
    lower_this_thread_priority();
    try {
      raw->commit = w(raw->progress);
    } catch (const std::exception& e) {
      raw->error = e.what();
    }
    raw->duration_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - raw->started).count();
    raw->done.store(true, std::memory_order_release);
  });
  jobs_.push_back(std::move(job));
  return true;
}

void JobRunner::collect(AppState& state) {
  // Finished jobs leave jobs_ before any commit runs: a commit may start a job (the approval's
  // and the calibration's commits refresh the records view), and a start() while this loop
  // walked jobs_ reallocated the vector under its iterator; the erase then destroyed the new
  // job's running thread (std::terminate) or wrote freed memory (SIGSEGV).
  std::vector<std::unique_ptr<Job>> finished;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& j = **it;
    JobView& view = state.jobs[j.name];
    view.name = j.name;
    if (!j.done.load(std::memory_order_acquire)) {
      view.running = true;
      view.progress = j.progress.load(std::memory_order_relaxed);
      ++it;
      continue;
    }
    j.thread.join();
    finished.push_back(std::move(*it));
    it = jobs_.erase(it);
  }
  for (const auto& job : finished) {
    Job& j = *job;
    JobView& view = state.jobs[j.name];
    view.running = false;
    view.progress = 1.0F;
    view.last_duration_ms = j.duration_ms;
    view.last_error = j.error;
    if (!j.error.empty()) {
      state.last_error = j.name + ": " + j.error;
      state.messages.push_back(state.last_error);
    } else if (j.commit) {
      try {
        j.commit(state);
      } catch (const std::exception& e) {
        view.last_error = e.what();
        state.last_error = j.name + ": " + e.what();
        state.messages.push_back(state.last_error);
      }
    }
  }
}

bool JobRunner::running(const std::string& name) const {
  for (const auto& j : jobs_)
    if (j->name == name && !j->done.load(std::memory_order_acquire)) return true;
  // A finished but uncollected job still counts: its result has not reached the state yet.
  for (const auto& j : jobs_)
    if (j->name == name) return true;
  return false;
}

bool JobRunner::any_running() const { return !jobs_.empty(); }

}  // namespace hdr::ui
