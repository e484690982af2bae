// Loading the source library: the six built-in models, and malformed or missing tables
// refused with an error naming the file and the line.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "planner/common/error.hpp"
#include "planner/dose/source_model.hpp"

using namespace hdr::dose;

namespace {
std::string data_file(const std::string& name) {
  std::ifstream in(std::string(HDR_SOURCE_DIR) + "/planner/dose/data/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Loads the real data with one file replaced (or removed when `text` is empty).
std::string load_error(const std::string& name, const std::string& text) {
  try {
    SourceLibrary::load([&](const std::string& n) -> std::string {
      if (n == name) {
        if (text.empty()) throw hdr::Error(n + ": no such file");
        return text;
      }
      return data_file(n);
    });
  } catch (const hdr::Error& e) {
    return e.what();
  }
  return "";
}

std::string replace_line(const std::string& text, int line_no, const std::string& line) {
  std::stringstream in(text), out;
  std::string l;
  int n = 0;
  while (std::getline(in, l)) out << (++n == line_no ? line : l) << "\n";
  return out.str();
}
}  // namespace

TEST_CASE("the six built-in HDR sources with their published constants") {
  const auto& lib = SourceLibrary::builtin();
  const std::map<std::string, std::pair<double, double>> expected = {
      {"mHDR-v2", {1.10942, 0.35}}, {"Flexisource", {1.1125, 0.35}},   {"VS2000", {1.100, 0.50}},
      {"M-19", {1.114, 0.35}},      {"GammaMedPlus-HDR", {1.1165, 0.35}}, {"BEBIG-GI192M11", {1.112, 0.35}}};
  REQUIRE(lib.models().size() == 6);
  for (const auto& [id, c] : expected) {
    const auto& s = lib.get(id);
    CHECK(s.lambda_cGy_h_U == c.first);
    CHECK(s.active_length_cm == c.second);
    CHECK(s.isotope == "Ir-192");
    CHECK(!s.citation.empty());
    CHECK(s.F.size() == s.F_r_cm.size() * s.F_theta_deg.size());
  }
  CHECK_THROWS_WITH_AS(lib.get("mhdr-v2"), doctest::Contains("unknown source model 'mhdr-v2'"), hdr::Error);
}

TEST_CASE("near-source artefacts are replaced, physical cells kept as published") {
  const auto& s = SourceLibrary::builtin().get("mHDR-v2");
  // mHDR-v2 F(0.06 cm, 20°) = 1.78 is a flagged extrapolation (flags up to 0.1 cm in that
  // row): replaced by the first unflagged value at larger r, F(0.15 cm, 20°) = 1.30631.
  size_t it20 = 0;
  while (s.F_theta_deg[it20] != 20.0) ++it20;
  CHECK(s.F_at_node(it20, 1) == doctest::Approx(1.30631));
  CHECK(s.F_at_node(it20, 4) == doctest::Approx(1.30631));
  CHECK(s.F_at_node(it20, 6) == doctest::Approx(0.93297));  // 0.25 cm, as published
  // Flagged cable-side cells at r >= 0.5 cm are used as given: GammaMed F(0.6 cm, 180°) and
  // F(6 cm, 180°) are flagged in the sheet and must equal the published numbers.
  const auto& g = SourceLibrary::builtin().get("GammaMedPlus-HDR");
  const size_t last = g.F_theta_deg.size() - 1;
  CHECK(g.F_r_cm[3] == 0.6);
  CHECK(g.F_at_node(last, 3) != g.F_at_node(last, 4));
}

TEST_CASE("malformed or missing tables are refused naming file and line") {
  const std::string gl = data_file("M-19_gL.csv");
  CHECK(load_error("M-19_gL.csv", replace_line(gl, 5, "0.5,abc,")) == "M-19_gL.csv:5: column 'gL': 'abc' is not a finite number");
  CHECK(load_error("M-19_gL.csv", replace_line(gl, 6, "0.75,0.99")).find("M-19_gL.csv:6: expected 3 cells") == 0);
  CHECK(load_error("M-19_gL.csv", replace_line(gl, 6, "0.4,0.99,")).find("M-19_gL.csv: r_cm not strictly increasing") == 0);
  CHECK(load_error("VS2000_F.csv", "").find("VS2000_F.csv") != std::string::npos);
  CHECK(load_error("VS2000_F_flags.csv", "").find("VS2000_F_flags.csv") != std::string::npos);
  const std::string f = data_file("Flexisource_F.csv");
  CHECK(load_error("Flexisource_F.csv", replace_line(f, 10, "12,1,1,1,1,1,nan,1,1,1,1")).find("Flexisource_F.csv:10:") == 0);
  CHECK(load_error("Flexisource_F.csv", replace_line(f, 1, "theta,0,0.25")).find("Flexisource_F.csv") == 0);
  const std::string idx = data_file("sources.csv");
  CHECK(load_error("sources.csv", replace_line(idx, 3, "mHDR-v2,x,Ir-192,-1,0.35,HEBD consensus,mHDR-v2")) ==
        "sources.csv:3: Lambda out of range (0.5, 2)");
}
