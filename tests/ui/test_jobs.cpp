// The console's worker jobs (ui/state/jobs.hpp): results reach the state only through
// collect(), in start order, once each; a commit may start further jobs (the approval's and the
// calibration's commits refresh the records view).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "planner/common/error.hpp"
#include "ui/state/jobs.hpp"

using namespace hdr::ui;

namespace {
// Collects until no job is left (bounded: a job that never ends fails the test, not hangs it).
void collect_until_idle(JobRunner& jobs, AppState& state) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (jobs.any_running()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    jobs.collect(state);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Work that ends at once with a commit appending `tag` to the state's messages.
JobRunner::Work note(const std::string& tag) {
  return [tag](std::atomic<float>&) -> JobRunner::Commit {
    return [tag](AppState& s) { s.messages.push_back(tag); };
  };
}

}  // namespace

TEST_CASE("a commit that starts jobs: every commit applies once, the new jobs' in a later collect") {
  // The approval's commit starts a records refresh from inside collect(). Before the fix the
  // start reallocated the job list under collect()'s iterator: std::terminate (the new job's
  // running thread destroyed) or a write to freed memory, as the scripted workflow test saw.
  for (int approvals = 1; approvals <= 6; ++approvals) {
    CAPTURE(approvals);
    JobRunner jobs;
    AppState state;
    for (int k = 0; k < approvals; ++k) {
      REQUIRE(jobs.start("approve" + std::to_string(k), [&jobs, k](std::atomic<float>&) -> JobRunner::Commit {
        return [&jobs, k](AppState& s) {
          s.messages.push_back("approved " + std::to_string(k));
          // Two starts per commit: the job list grows past its capacity inside collect().
          REQUIRE(jobs.start("records" + std::to_string(k), note("records " + std::to_string(k))));
          REQUIRE(jobs.start("audit" + std::to_string(k), note("audit " + std::to_string(k))));
        };
      }));
    }
    collect_until_idle(jobs, state);
    const auto position = [&](const std::string& m) { return std::find(state.messages.begin(), state.messages.end(), m) - state.messages.begin(); };
    const auto count = [&](const std::string& m) { return std::count(state.messages.begin(), state.messages.end(), m); };
    CHECK(state.messages.size() == static_cast<size_t>(3 * approvals));
    for (int k = 0; k < approvals; ++k) {
      const std::string n = std::to_string(k);
      CHECK(count("approved " + n) == 1);
      CHECK(count("records " + n) == 1);
      CHECK(count("audit " + n) == 1);
      CHECK(position("approved " + n) < position("records " + n));
      CHECK(!state.jobs.at("approve" + n).running);
      CHECK(state.jobs.at("records" + n).last_error.empty());
    }
  }
}

TEST_CASE("a commit may restart its own job's name, and a failing job reports without a commit") {
  JobRunner jobs;
  AppState state;
  REQUIRE(jobs.start("records", [&jobs](std::atomic<float>&) -> JobRunner::Commit {
    return [&jobs](AppState& s) {
      s.messages.push_back("first read");
      // The finished job has left the list: the same name starts again (a newer read).
      REQUIRE(jobs.start("records", note("second read")));
    };
  }));
  REQUIRE(jobs.start("login", [](std::atomic<float>&) -> JobRunner::Commit { throw hdr::Error("wrong password"); }));
  collect_until_idle(jobs, state);
  const auto& m = state.messages;
  REQUIRE(m.size() == 3);
  const auto first = std::find(m.begin(), m.end(), "first read"), second = std::find(m.begin(), m.end(), "second read");
  CHECK(first < second);
  CHECK(second != m.end());
  CHECK(std::count(m.begin(), m.end(), "login: wrong password") == 1);
  CHECK(state.jobs.at("login").last_error == "wrong password");
  CHECK(state.jobs.at("records").last_error.empty());
}
