// Decay against the worked factors (exp(−ln2·t/73.827 d)) and the acceptance rule
// at its boundaries.
#include <doctest/doctest.h>

#include <cmath>

#include "calib/acceptance.hpp"
#include "calib/decay.hpp"
#include "calib/measurement.hpp"
#include "planner/common/error.hpp"

using namespace hdr::calib;

TEST_CASE("Ir-192 decay factors: 1 d 0.990655, 30 d 0.754527, 90 d 0.429561") {
  CHECK(decay_factor(1.0, kIr192HalfLife_days) == doctest::Approx(0.990655).epsilon(5e-7));
  CHECK(decay_factor(30.0, kIr192HalfLife_days) == doctest::Approx(0.754527).epsilon(5e-7));
  CHECK(decay_factor(90.0, kIr192HalfLife_days) == doctest::Approx(0.429561).epsilon(5e-7));
  // Invariants: one half-life halves, zero changes nothing, factors compose, back-decay inverts.
  CHECK(decay_factor(kIr192HalfLife_days, kIr192HalfLife_days) == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(decay_factor(0.0, kIr192HalfLife_days) == 1.0);
  CHECK(decay_factor(30.0, 73.827) * decay_factor(60.0, 73.827) == doctest::Approx(decay_factor(90.0, 73.827)));
  CHECK(decay_factor(-30.0, 73.827) * decay_factor(30.0, 73.827) == doctest::Approx(1.0).epsilon(1e-15));
}

TEST_CASE("decay_sk uses full date-times, whatever their zone offsets") {
  // 2026-11-27T10:00+01:00 is 09:00Z; to 2026-11-28T09:00Z is exactly one day.
  const auto from = hdr::parse_iso8601("2026-11-27T10:00:00+01:00", "from");
  const auto to = hdr::parse_iso8601("2026-11-28T09:00:00Z", "to");
  CHECK(decay_sk(40700.0, from, to, kIr192HalfLife_days) == doctest::Approx(40700.0 * 0.990655).epsilon(5e-7));
  // Same instants written in other zones give the same result.
  const auto to_ny = hdr::parse_iso8601("2026-11-28T04:00:00-05:00", "to");
  const auto to_ist = hdr::parse_iso8601("2026-11-28T14:30:00+0530", "to");
  CHECK(decay_sk(40700.0, from, to_ny, kIr192HalfLife_days) == decay_sk(40700.0, from, to, kIr192HalfLife_days));
  CHECK(decay_sk(40700.0, from, to_ist, kIr192HalfLife_days) == decay_sk(40700.0, from, to, kIr192HalfLife_days));
  // Twelve hours matter: half a day is a 0.47 % change, more than an offset slip should hide.
  const auto half = hdr::parse_iso8601("2026-11-27T21:00:00Z", "t");
  CHECK(decay_sk(40700.0, from, half, kIr192HalfLife_days) ==
        doctest::Approx(40700.0 * std::exp(-std::log(2.0) * 0.5 / 73.827)).epsilon(1e-14));
}

TEST_CASE("decay refuses non-physical inputs") {
  const auto t = hdr::parse_iso8601("2026-11-27T10:00:00Z", "t");
  CHECK_THROWS_AS(decay_factor(1.0, 0.0), hdr::Error);
  CHECK_THROWS_AS(decay_factor(1.0, -73.8), hdr::Error);
  CHECK_THROWS_AS(decay_factor(1.0, NAN), hdr::Error);
  CHECK_THROWS_AS(decay_factor(INFINITY, 73.8), hdr::Error);
  CHECK_THROWS_AS(decay_sk(0.0, t, t, 73.8), hdr::Error);
  CHECK_THROWS_AS(decay_sk(-1.0, t, t, 73.8), hdr::Error);
  CHECK_THROWS_AS(decay_sk(NAN, t, t, 73.8), hdr::Error);
}

TEST_CASE("acceptance: pass below 3 %, warn 3..5 % inclusive, fail above 5 %, symmetric") {
  CHECK(classify_deviation(0.0) == AcceptanceStatus::pass);
  CHECK(classify_deviation(2.9999) == AcceptanceStatus::pass);
  CHECK(classify_deviation(-2.9999) == AcceptanceStatus::pass);
  CHECK(classify_deviation(3.0) == AcceptanceStatus::warn);
  CHECK(classify_deviation(-3.0) == AcceptanceStatus::warn);
  CHECK(classify_deviation(5.0) == AcceptanceStatus::warn);
  CHECK(classify_deviation(-5.0) == AcceptanceStatus::warn);
  CHECK(classify_deviation(5.0001) == AcceptanceStatus::fail);
  CHECK(classify_deviation(-5.0001) == AcceptanceStatus::fail);
  CHECK_THROWS_AS(classify_deviation(NAN), hdr::Error);
  CHECK(deviation_pct(41948.9, 40700.0) == doctest::Approx(100.0 * 1248.9 / 40700.0));
  CHECK_THROWS_AS(deviation_pct(1.0, 0.0), hdr::Error);
}

TEST_CASE("status names round-trip") {
  for (auto s : {AcceptanceStatus::pass, AcceptanceStatus::warn, AcceptanceStatus::fail})
    CHECK(acceptance_status_from_string(to_string(s)) == s);
  CHECK_THROWS_WITH_AS(acceptance_status_from_string("ok"), doctest::Contains("'ok'"), hdr::Error);
}
