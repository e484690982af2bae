// `hdr dose` per the command-line contract, run as a user would.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace {
struct Run {
  int code;
  std::string out, err;
};

Run run(const std::string& args) {
  const std::string dir = "/tmp/hdr_dose_cli_test";
  std::system(("mkdir -p " + dir).c_str());
  const std::string cmd = std::string(HDR_BIN_DIR) + "/hdr " + args + " >" + dir + "/out 2>" + dir + "/err";
  const int status = std::system(cmd.c_str());
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  return {WEXITSTATUS(status), slurp(dir + "/out"), slurp(dir + "/err")};
}

std::string write(const std::string& name, const std::string& text) {
  const std::string p = "/tmp/hdr_dose_cli_test_" + name;
  std::ofstream(p) << text;
  return p;
}
}  // namespace

TEST_CASE("hdr dose: header, order, echo, nan inside the source, exponent input") {
  const auto in = write("pts.csv", "z_cm,y_cm\n0,1\n1e-1,0\n-2.5,3.25\n0.0,1.0E0\n");
  const Run r = run("dose --source Flexisource --points " + in);
  CHECK(r.code == 0);
  std::stringstream ss(r.out);
  std::string l;
  std::getline(ss, l);
  CHECK(l == "z_cm,y_cm,dose_rate_cGy_h_U");
  std::getline(ss, l);
  CHECK(l == "0,1,1.1125");
  std::getline(ss, l);
  CHECK(l == "1e-1,0,nan");
  std::getline(ss, l);
  CHECK(l.rfind("-2.5,3.25,", 0) == 0);
  std::getline(ss, l);
  CHECK(l == "0.0,1.0E0,1.1125");
}

TEST_CASE("hdr dose: --out writes the file; bad input exits 1 with one error line and no output file") {
  const auto in = write("pts2.csv", "y_cm,z_cm\n1,0\n");
  const std::string out = "/tmp/hdr_dose_cli_test_out.csv";
  std::remove(out.c_str());
  Run r = run("dose --source M-19 --points " + in + " --out " + out);
  CHECK(r.code == 0);
  std::ifstream f(out);
  std::string l;
  std::getline(f, l);
  CHECK(l == "z_cm,y_cm,dose_rate_cGy_h_U");
  std::getline(f, l);
  CHECK(l == "0,1,1.114");

  std::remove(out.c_str());
  const auto bad = write("bad.csv", "z_cm,y_cm\n0,1\n0,-1\n");
  r = run("dose --source M-19 --points " + bad + " --out " + out);
  CHECK(r.code == 1);
  CHECK(r.err.rfind("hdr: error: ", 0) == 0);
  CHECK(r.err.find(":3: y_cm") != std::string::npos);
  CHECK(!std::ifstream(out).good());

  r = run("dose --source NoSuch --points " + in);
  CHECK(r.code == 1);
  CHECK(r.err.find("unknown source model 'NoSuch'") != std::string::npos);
  r = run("dose --source M-19 --points " + write("nan.csv", "z_cm,y_cm\nnan,1\n"));
  CHECK(r.code == 1);
  r = run("dose --source M-19");
  CHECK(r.code == 2);
  r = run("dose --help");
  CHECK(r.code == 0);
  CHECK(r.out.find("--points") != std::string::npos);
}
