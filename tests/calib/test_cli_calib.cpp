// `hdr calib compute` and `hdr calib decay` run as a user runs them: exit codes, one
// `hdr: error:` line naming the field, and nothing on stdout when the input is bad.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/calib/example_measurement.hpp"

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Run {
  int exit_code = -1;
  std::string out, err;
};

fs::path scratch() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("hdr_tests_calib_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

// Arguments are passed through the shell single-quoted; none of ours contain a quote.
Run run_hdr(const std::string& args) {
  const fs::path out = scratch() / "stdout.txt", err = scratch() / "stderr.txt";
  // Built with += rather than a chain of operator+ (GCC 12 -Wrestrict false positive, bug 105329).
  std::string cmd = "'";
  cmd += HDR_BIN_DIR;
  cmd += "/hdr' ";
  cmd += args;
  cmd += " >'";
  cmd += out.string();
  cmd += "' 2>'";
  cmd += err.string();
  cmd += "' </dev/null";
  const int status = std::system(cmd.c_str());
  Run r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// `calib compute --input '<path>'`, built with += (see run_hdr).
std::string compute_args(const fs::path& input) {
  std::string a = "calib compute --input '";
  a += input.string();
  a += "'";
  return a;
}

Run compute_text(const std::string& text) {
  const fs::path in = scratch() / "m.json";
  write(in, text);
  return run_hdr(compute_args(in));
}

json example() { return json::parse(hdr::calib::test::kExampleMeasurementJson); }

void check_refused(const Run& r, const std::string& must_name) {
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("hdr: error: ", 0) == 0);
  CHECK(r.err.find(must_name) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
}

}  // namespace

TEST_CASE("hdr calib compute: the contract's example is a pass at +0.07 %") {
  const Run r = compute_text(hdr::calib::test::kExampleMeasurementJson);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const json j = json::parse(r.out);
  CHECK(std::fabs(j.at("S_K_U").get<double>() - 41949.0) < 0.5);
  CHECK(j.at("C_TP").get<double>() == doctest::Approx(1.023880).epsilon(5e-7));
  CHECK(std::fabs(j.at("certificate_S_K_at_measurement_U").get<double>() - 41918.0) < 0.5);
  CHECK(std::fabs(j.at("deviation_pct").get<double>() - 0.07) < 0.005);
  CHECK(j.at("status") == "pass");
  CHECK(j.at("mean_reading_A").get<double>() == doctest::Approx(9.0e-8));
  CHECK(j.at("warnings").is_array());
}

TEST_CASE("hdr calib compute: the issue's worked vector is a warn at +3.07 %; with only required fields") {
  json d = example();
  d["readings_A"] = {90.0e-9};
  d["certificate"] = {{"S_K_U", 40700.0}, {"reference_time", "2026-11-27T09:15:00+01:00"}};  // == measured_at
  d.erase("leakage_A");
  d["electrometer"].erase("P_elec");
  d["source"].erase("half_life_days");
  d.erase("reference_temperature_C");
  const Run r = compute_text(d.dump());
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(r.out);
  CHECK(std::fabs(j.at("S_K_U").get<double>() - 41948.9) < 0.05);
  CHECK(std::fabs(j.at("deviation_pct").get<double>() - 3.07) < 0.005);
  CHECK(j.at("status") == "warn");
  // A fail: the certificate 10 % above the measurement.
  d["certificate"]["S_K_U"] = 41948.85 * 1.1;
  const json f = json::parse(compute_text(d.dump()).out);
  CHECK(f.at("status") == "fail");
}

TEST_CASE("hdr calib compute: bad input exits 1, names the field, prints nothing on stdout") {
  struct Bad {
    const char* what;
    void (*mutate)(json&);
    const char* must_name;
  };
  const Bad cases[] = {
      {"missing measured_at", [](json& d) { d.erase("measured_at"); }, "measured_at"},
      {"missing temperature", [](json& d) { d.erase("temperature_C"); }, "temperature_C"},
      {"missing certificate strength", [](json& d) { d["certificate"].erase("S_K_U"); }, "certificate.S_K_U"},
      {"missing chamber coefficient", [](json& d) { d["chamber"].erase("N_SK_U_per_A"); }, "chamber.N_SK_U_per_A"},
      {"non-numeric pressure", [](json& d) { d["pressure_kPa"] = "abc"; }, "pressure_kPa"},
      {"non-numeric reading", [](json& d) { d["readings_A"][2] = "9e-8"; }, "readings_A[2]"},
      {"negative pressure", [](json& d) { d["pressure_kPa"] = -99.8; }, "pressure_kPa"},
      {"zero pressure", [](json& d) { d["pressure_kPa"] = 0; }, "pressure_kPa"},
      {"pressure in mmHg", [](json& d) { d["pressure_kPa"] = 748.6; }, "pressure_kPa"},
      {"temperature in kelvin", [](json& d) { d["temperature_C"] = 297.65; }, "temperature_C"},
      {"no readings", [](json& d) { d["readings_A"] = json::array(); }, "readings_A"},
      {"readings not an array", [](json& d) { d["readings_A"] = 9e-8; }, "readings_A"},
      {"negative reading", [](json& d) { d["readings_A"][0] = -9e-8; }, "readings_A[0]"},
      {"zero N_SK", [](json& d) { d["chamber"]["N_SK_U_per_A"] = 0; }, "chamber.N_SK_U_per_A"},
      {"negative certificate", [](json& d) { d["certificate"]["S_K_U"] = -44700; }, "certificate.S_K_U"},
      {"certificate after measurement", [](json& d) { d["certificate"]["reference_time"] = "2026-11-28T12:00:00Z"; },
       "certificate.reference_time"},
      {"certificate after measurement by offset",
       [](json& d) { d["certificate"]["reference_time"] = "2026-11-27T08:15:00-00:01"; }, "likely entry error"},
      {"date without zone", [](json& d) { d["measured_at"] = "2026-11-27T08:15:00"; }, "measured_at"},
      {"impossible date", [](json& d) { d["measured_at"] = "2026-02-30T08:15:00Z"; }, "measured_at"},
      {"zero half-life", [](json& d) { d["source"]["half_life_days"] = 0.0; }, "source.half_life_days"},
      {"P_elec absurd", [](json& d) { d["electrometer"]["P_elec"] = 0.0; }, "electrometer.P_elec"},
      {"leakage above reading", [](json& d) { d["leakage_A"] = 2e-7; }, "leakage_A"},
      {"missing source", [](json& d) { d.erase("source"); }, "source"},
      {"wrong format", [](json& d) { d["format"] = "hdr-case/1"; }, "format"},
      {"sweet spot with two points",
       [](json& d) {
         d["sweet_spot_scan"] = {{"measurement_position_mm", 1230.0},
                                 {"points",
                                  {{{"position_mm", 1220.0}, {"current_A", 8.9e-8}},
                                   {{"position_mm", 1230.0}, {"current_A", 9.0e-8}}}}};
       },
       "sweet_spot_scan.points"},
  };
  for (const Bad& b : cases) {
    CAPTURE(b.what);
    json d = example();
    b.mutate(d);
    check_refused(compute_text(d.dump()), b.must_name);
  }
  SUBCASE("NaN typed into a number field") {
    std::string text = hdr::calib::test::kExampleMeasurementJson;
    text.replace(text.find("24.5"), 4, "NaN");
    check_refused(compute_text(text), "temperature_C");
  }
  SUBCASE("a number beyond a double's range (found by fuzz_calibration)") {
    std::string text = hdr::calib::test::kExampleMeasurementJson;
    text.replace(text.find("4.55e11"), 7, "4.55e400");
    check_refused(compute_text(text), "m.json: not valid JSON");
  }
  SUBCASE("not JSON, empty file, missing file") {
    check_refused(compute_text("{\"format\": \"hdr-calibration/1\", "), "m.json");
    check_refused(compute_text(""), "m.json");
    check_refused(run_hdr(compute_args(scratch() / "does-not-exist.json")),
                  "does-not-exist.json");
  }
}

TEST_CASE("hdr calib decay: worked factors, zone offsets, defaults and explicit half-life") {
  const Run one = run_hdr("calib decay --sk 40700 --from 2026-11-27T10:00:00+01:00 --to 2026-11-28T09:00:00Z");
  REQUIRE(one.exit_code == 0);
  const json j = json::parse(one.out);
  CHECK(j.at("factor").get<double>() == doctest::Approx(0.990655).epsilon(5e-7));
  CHECK(j.at("S_K_U").get<double>() == doctest::Approx(40700.0 * 0.990655).epsilon(5e-7));
  const json t30 = json::parse(run_hdr("calib decay --sk 40700 --from 2026-01-01T00:00:00Z --to 2026-01-31T00:00:00Z").out);
  CHECK(t30.at("factor").get<double>() == doctest::Approx(0.754527).epsilon(5e-7));
  const json t90 = json::parse(run_hdr("calib decay --sk 1 --from 2026-01-01T00:00Z --to 2026-04-01T00:00Z").out);
  CHECK(t90.at("factor").get<double>() == doctest::Approx(0.429561).epsilon(5e-7));
  // Co-60, 1925.28 d: one half-life halves the strength.
  const json co = json::parse(
      run_hdr("calib decay --sk 1000 --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z --half-life-days 1").out);
  CHECK(co.at("S_K_U").get<double>() == doctest::Approx(500.0).epsilon(1e-12));
}

TEST_CASE("hdr calib decay: bad values exit 1 naming the flag; missing flags are usage errors") {
  check_refused(run_hdr("calib decay --sk abc --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z"), "--sk");
  check_refused(run_hdr("calib decay --sk -5 --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z"), "--sk");
  check_refused(run_hdr("calib decay --sk nan --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z"), "--sk");
  check_refused(run_hdr("calib decay --sk 100 --from 2026-01-01T00:00:00 --to 2026-01-02T00:00:00Z"), "--from");
  check_refused(run_hdr("calib decay --sk 100 --from 2026-01-01T00:00:00Z --to tomorrow"), "--to");
  check_refused(run_hdr("calib decay --sk 100 --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z --half-life-days 0"),
                "--half-life-days");
  const Run usage = run_hdr("calib decay --sk 100 --from 2026-01-01T00:00:00Z");
  CHECK(usage.exit_code == 2);
  CHECK(usage.out.empty());
}

TEST_CASE("hdr calib compute: a clinic's thresholds change the status; invalid thresholds are refused") {
  json d = example();
  d["readings_A"] = {90.0e-9};
  d["certificate"] = {{"S_K_U", 40700.0}, {"reference_time", "2026-11-27T09:15:00+01:00"}};  // +3.07 %
  const fs::path in = scratch() / "clinic.json";
  write(in, d.dump());
  const json strict = json::parse(run_hdr(compute_args(in) + " --fail-above-pct 3").out);
  CHECK(strict.at("status") == "fail");
  const json lenient = json::parse(run_hdr(compute_args(in) + " --pass-below-pct 3.5 --fail-above-pct 6").out);
  CHECK(lenient.at("status") == "pass");
  CHECK(json::parse(run_hdr(compute_args(in)).out).at("status") == "warn");  // defaults 3 / 5
  check_refused(run_hdr(compute_args(in) + " --pass-below-pct 4 --fail-above-pct 2"), "fail_above_pct");
  check_refused(run_hdr(compute_args(in) + " --pass-below-pct abc"), "--pass-below-pct");
}
