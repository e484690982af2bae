// `hdr phantom trus`, `hdr segment`, `hdr needles` as a user runs them (CLI.md contract).
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "planner/common/atomic_file.hpp"
#include "planner/formats/structures_io.hpp"
#include "planner/imaging/trus_io.hpp"

namespace fs = std::filesystem;

namespace {
int run(const std::string& args, const fs::path& err) {
  const std::string cmd = std::string(HDR_BIN_DIR) + "/hdr " + args + " >/dev/null 2>" + err.string();
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
}  // namespace

TEST_CASE("phantom trus -> segment -> needles, and clear refusals") {
  const fs::path dir = fs::temp_directory_path() / ("hdr_cli_img_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path err = dir / "err.txt";
  REQUIRE(run("phantom trus --seed 4 --out " + (dir / "sw").string() + " --needles 5", err) == 0);
  const auto sweep = hdr::imaging::load_trus_folder((dir / "sw").string());
  CHECK(sweep.frames.size() >= 5);
  const std::string truth_text = hdr::read_file((dir / "sw" / "truth.json").string());
  CHECK(truth_text.find("\"hdr-structures/1\"") != std::string::npos);
  CHECK(truth_text.find("\"catheters\"") != std::string::npos);
  // reproducible: the same seed gives the same frames
  REQUIRE(run("phantom trus --seed 4 --out " + (dir / "sw2").string() + " --needles 5", err) == 0);
  CHECK(hdr::read_file((dir / "sw" / "f003.png").string()) == hdr::read_file((dir / "sw2" / "f003.png").string()));

  REQUIRE(run("segment --trus " + (dir / "sw").string() + " --out " + (dir / "s.json").string(), err) == 0);
  const auto structures = hdr::formats::load_structures_file((dir / "s.json").string());
  CHECK(hdr::formats::find_structure(structures, "prostate") != nullptr);
  CHECK(hdr::formats::find_structure(structures, "urethra") != nullptr);
  CHECK(hdr::formats::find_structure(structures, "rectum") != nullptr);

  REQUIRE(run("needles --trus " + (dir / "sw").string() + " --out " + (dir / "c.json").string(), err) == 0);
  const auto catheters = hdr::formats::load_catheters_file((dir / "c.json").string());
  CHECK(catheters.size() >= 4);
  CHECK(catheters.size() <= 6);

  // refusals: exit 1, one "hdr: error:" line naming the file; no output written
  fs::remove(dir / "sw" / "f002.png");
  CHECK(run("segment --trus " + (dir / "sw").string() + " --out " + (dir / "s2.json").string(), err) == 1);
  const std::string e = hdr::read_file(err.string());
  CHECK(e.rfind("hdr: error: ", 0) == 0);
  CHECK(e.find("f002.png") != std::string::npos);
  CHECK(!fs::exists(dir / "s2.json"));
  // a truncated frame: the decoder must not add a line of its own (libpng would, unchecked)
  const std::string f001 = hdr::read_file((dir / "sw" / "f001.png").string());
  hdr::write_file_atomically((dir / "sw" / "f001.png").string(), f001.substr(0, f001.size() * 2 / 3));
  CHECK(run("segment --trus " + (dir / "sw").string() + " --out " + (dir / "s2.json").string(), err) == 1);
  const std::string t = hdr::read_file(err.string());
  CHECK(t.rfind("hdr: error: ", 0) == 0);
  CHECK(t.find("f001.png") != std::string::npos);
  CHECK(t.find("truncated") != std::string::npos);
  CHECK(std::count(t.begin(), t.end(), '\n') == 1);
  CHECK(!fs::exists(dir / "s2.json"));
  CHECK(run("needles --trus " + (dir / "nowhere").string() + " --out " + (dir / "c2.json").string(), err) == 1);
  CHECK(!fs::exists(dir / "c2.json"));
  CHECK(run("phantom trus --seed 1", err) == 2);  // usage: --out missing
  fs::remove_all(dir);
}
