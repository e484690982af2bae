// Script parsing: every intent's JSON form, and refusals that name the entry and the field.
#include <doctest/doctest.h>

#include <string>

#include "planner/common/error.hpp"
#include "ui/state/script.hpp"

using namespace hdr::ui;

namespace {
std::string error_of(const std::string& text) {
  try {
    parse_script(text, "s.json");
  } catch (const hdr::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a script parses into the intents the views emit") {
  const Script s = parse_script(R"([
    {"intent": "select_view", "view": "plan"},
    {"intent": "set_stepper", "z_mm": -12.5},
    {"intent": "move_needle", "id": 3, "x_mm": 5, "y_mm": 15},
    {"intent": "set_dwell_time", "dwell": 7, "time_s": 4.2},
    {"intent": "login", "user": "dr.demo", "password": "pw"},
    {"intent": "start_delivery", "refused": true},
    {"intent": "wait_delivery", "session": "running", "min_delivered_s": 5},
    {"intent": "expect", "path": "approvals.count", "equals": "2"}
  ])",
                                "s.json");
  REQUIRE(s.size() == 8);
  CHECK(std::get<intent::SelectView>(s[0].intent).view == View::plan);
  CHECK(std::get<intent::SetStepper>(s[1].intent).z_mm == doctest::Approx(-12.5));
  CHECK(std::get<intent::MoveNeedle>(s[2].intent).id == 3);
  CHECK(std::get<intent::SetDwellTime>(s[3].intent).time_s == doctest::Approx(4.2));
  CHECK(std::get<intent::Login>(s[4].intent).user == "dr.demo");
  CHECK(s[5].expect_refused);
  CHECK_FALSE(s[4].expect_refused);
  CHECK(std::get<intent::WaitDelivery>(s[6].intent).min_delivered_s == doctest::Approx(5.0));
  CHECK(std::get<intent::Expect>(s[7].intent).equals == "2");
  for (const auto& e : s) CHECK(!intent_name(e.intent).empty());
}

TEST_CASE("refusals name the file, the entry and the field") {
  CHECK(error_of(R"({"intent": "optimise"})").find("array") != std::string::npos);
  const std::string unknown = error_of(R"([{"intent": "optimise"}, {"intent": "fly"}])");
  CHECK(unknown.find("s.json") != std::string::npos);
  CHECK(unknown.find("[1]") != std::string::npos);
  CHECK(unknown.find("fly") != std::string::npos);
  const std::string missing = error_of(R"([{"intent": "set_stepper"}])");
  CHECK(missing.find("z_mm") != std::string::npos);
  const std::string bad_view = error_of(R"([{"intent": "select_view", "view": "cockpit"}])");
  CHECK(bad_view.find("cockpit") != std::string::npos);
  CHECK(!error_of(R"([{"intent": "expect", "path": "view"}])").empty());
}

TEST_CASE("state values for expect") {
  AppState s;
  CHECK(state_value(s, "view") == "patient");
  CHECK(state_value(s, "plan.present") == "false");
  CHECK(state_value(s, "delivery.session") == "none");
  CHECK(state_value(s, "approvals.count") == "0");
  CHECK_THROWS_AS(state_value(s, "no.such.path"), hdr::Error);
}
