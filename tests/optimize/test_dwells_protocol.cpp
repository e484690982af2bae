// Dwell positions and activation; protocols (built-in, parsing, validation).
#include <doctest/doctest.h>

#include <cmath>

#include "planner/common/error.hpp"
#include "planner/optimize/dwell_positions.hpp"
#include "planner/optimize/protocol.hpp"

using namespace hdr;
using namespace hdr::optimize;

namespace {
anatomy::StructureGeometry box_target() {
  formats::Structure s{"prostate", formats::StructureKind::target, {}};
  for (double z = 0; z <= 40; z += 5) s.slices.push_back({z, {{-20, 10}, {20, 10}, {20, 40}, {-20, 40}}});
  return anatomy::StructureGeometry::build(s);  // solid: x [-20,20], y [10,40], z [-2.5, 42.5)
}
double distance_to_segment(const Eigen::Vector3d& p, const Eigen::Vector3d& a, const Eigen::Vector3d& b) {
  const double t = std::clamp((p - a).dot(b - a) / (b - a).squaredNorm(), 0.0, 1.0);
  return (a + t * (b - a) - p).norm();
}
}  // namespace

TEST_CASE("candidates every step from the tip, on the path, directed tip -> entry") {
  formats::Catheter c{3, {{0, 20, 50}, {0, 20, 20}, {6, 20, 12}}};  // bends at z = 20
  const auto d = candidate_dwells(c, 5.0);
  // Length 30 + 10 = 40 mm -> positions at 0, 5, ..., 40.
  REQUIRE(d.size() == 9);
  const Eigen::Vector3d a(0, 20, 50), b(0, 20, 20), e(6, 20, 12);
  for (size_t k = 0; k < d.size(); ++k) {
    CHECK(d[k].catheter_id == 3);
    CHECK(d[k].index_on_catheter == static_cast<int>(k));
    CHECK(d[k].distance_from_tip_mm == doctest::Approx(5.0 * static_cast<double>(k)));
    const double off = std::min(distance_to_segment(d[k].position_mm, a, b), distance_to_segment(d[k].position_mm, b, e));
    CHECK(off < 1e-9);
    CHECK(d[k].direction.norm() == doctest::Approx(1.0));
    CHECK(d[k].position_mm.z() <= 50.0);  // never beyond the tip
  }
  CHECK(d[0].position_mm.isApprox(a));
  CHECK(d[1].direction.isApprox(Eigen::Vector3d(0, 0, -1)));
  CHECK(d[7].direction.isApprox((e - b).normalized()));  // on the second segment
  CHECK(d[8].position_mm.isApprox(e));
  CHECK_THROWS_AS(candidate_dwells(c, 0.0), Error);
}

TEST_CASE("activation: inside the target plus the margin, nothing else") {
  const auto t = box_target();
  formats::Catheter c{1, {{0, 25, 60}, {0, 25, -40}}};  // straight through along -z
  const auto act = active_dwells({c}, 2.5, t, 2.0);
  // Active z: [-2.5 - 2, 42.5 + 2] -> from z = 44.5 down to -4.5, positions at 60 - 2.5 k.
  REQUIRE(!act.empty());
  for (const auto& d : act) {
    CHECK(d.position_mm.z() <= 44.5 + 1e-9);
    CHECK(d.position_mm.z() >= -4.5 - 1e-9);
  }
  CHECK(act.front().position_mm.z() == doctest::Approx(42.5));  // 60 - 7 * 2.5
  CHECK(act.back().position_mm.z() == doctest::Approx(-2.5));
  CHECK(act.size() == 19);
  // A catheter running 3 mm outside the side wall is not active with a 2 mm margin, and is
  // with a 4 mm margin.
  formats::Catheter side{2, {{23, 25, 40}, {23, 25, 0}}};
  CHECK(active_dwells({side}, 5.0, t, 2.0).empty());
  CHECK(active_dwells({side}, 5.0, t, 4.0).size() == 9);
  CHECK(near_target(t, Eigen::Vector3d(21.5, 41.5, 20), 2.2));   // corner, distance sqrt(4.5)
  CHECK_FALSE(near_target(t, Eigen::Vector3d(21.5, 41.5, 20), 2.0));
}

TEST_CASE("built-in protocols load; limits are relative to the prescription") {
  const Protocol b = builtin_protocol("boost");
  CHECK(b.name == "boost-15Gy-x1");
  CHECK(b.constraints.size() == 8);
  bool found = false;
  for (const auto& c : b.constraints)
    if (c.structure == "urethra" && c.metric == "D10_Gy") {
      CHECK(c.is_max);
      CHECK(c.limit_pct == 115.0);
      found = true;
    }
  CHECK(found);
  const Protocol m = builtin_protocol("monotherapy");
  CHECK(m.fractions == 2);
  CHECK(m.reference_prescription_Gy == 13.5);
  CHECK_THROWS_WITH_AS(builtin_protocol("salvage"), doctest::Contains("known: boost, monotherapy"), Error);
}

TEST_CASE("malformed protocols are refused naming the field") {
  const std::string head = R"({"format": "hdr-protocol/1", "name": "x", "reference_prescription_Gy": 15, )";
  CHECK_THROWS_WITH_AS(protocol_from_json_text(head + R"("constraints": [{"structure": "rectum", "metric": "D2cm_Gy", "max_pct": 75}]})", "p.json"),
                       doctest::Contains("unknown metric 'D2cm_Gy'"), Error);
  CHECK_THROWS_WITH_AS(protocol_from_json_text(head + R"("constraints": [{"structure": "rectum", "metric": "D2cc_Gy"}]})", "p.json"),
                       doctest::Contains("exactly one of max_pct or min_pct"), Error);
  CHECK_THROWS_WITH_AS(protocol_from_json_text(head + R"("constraints": [], "modulation_weight": -1})", "p.json"),
                       doctest::Contains("Protocol::modulation_weight"), Error);
  CHECK_THROWS_WITH_AS(protocol_from_json_text(R"({"format": "hdr-plan/1"})", "p.json"), doctest::Contains("p.json"), Error);
  const Protocol ok = protocol_from_json_text(head + R"("constraints": [{"structure": "rectum", "metric": "D2cc_Gy", "max_pct": 70}]})", "p.json");
  CHECK(ok.constraints.at(0).limit_pct == 70.0);
}
