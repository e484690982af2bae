// hdr-trus/1 reading and writing: round trips, and every malformed input refused with an error
// naming the file (never a crash, never a silently used frame).
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include <filesystem>
#include <fstream>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"
#include "planner/imaging/trus_io.hpp"
#include "tests/error_of.hpp"

namespace fs = std::filesystem;
using namespace hdr::imaging;
using hdr::test::error_of;

namespace {
fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("hdr_test_trus_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

Sweep small_sweep(int frames, int w, int h) {
  Sweep s;
  for (int k = 0; k < frames; ++k) {
    Frame f;
    f.image.width = w;
    f.image.height = h;
    f.image.spacing_mm = {0.25, 0.3};
    f.image.origin_mm = {-10.0, -2.0};
    f.image.pixels.resize(static_cast<size_t>(w * h));
    for (int i = 0; i < w * h; ++i) f.image.pixels[static_cast<size_t>(i)] = static_cast<std::uint8_t>((i * 7 + k * 13) % 256);
    f.z_mm = -5.0 + 2.5 * k;
    f.timestamp_s = 0.1 * k;
    s.frames.push_back(f);
  }
  return s;
}
}  // namespace

TEST_CASE("a sweep written as hdr-trus/1 reads back identical") {
  const auto dir = fresh_dir("roundtrip");
  const Sweep s = small_sweep(4, 33, 17);
  save_trus_folder(dir.string(), s);
  const Sweep r = load_trus_folder(dir.string());
  REQUIRE(r.frames.size() == 4);
  for (size_t k = 0; k < 4; ++k) {
    CHECK(r.frames[k].image.pixels == s.frames[k].image.pixels);
    CHECK(r.frames[k].z_mm == doctest::Approx(s.frames[k].z_mm));
    CHECK(r.frames[k].image.spacing_mm[1] == doctest::Approx(0.3));
    CHECK(r.frames[k].image.origin_mm[0] == doctest::Approx(-10.0));
  }
  // pixel -> patient mapping of formats/README.md: bottom-left pixel is the origin
  CHECK(r.frames[0].image.y_mm(16) == doctest::Approx(-2.0));
  CHECK(r.frames[0].image.y_mm(0) == doctest::Approx(-2.0 + 16 * 0.3));
  fs::remove_all(dir);
}

TEST_CASE("repeated stepper positions are accepted, a reversal is refused") {
  Sweep s = small_sweep(4, 8, 8);
  s.frames[2].z_mm = s.frames[1].z_mm;  // the stepper dwelt
  CHECK_NOTHROW(validate_sweep(s, "x"));
  s.frames[3].z_mm = s.frames[0].z_mm - 1.0;  // went back
  const std::string e = error_of([&] { validate_sweep(s, "sweepX"); });
  CHECK(e.find("sweepX: frame 3") != std::string::npos);
  CHECK(e.find("reverses") != std::string::npos);
}

TEST_CASE("malformed hdr-trus/1 folders are refused with the file named") {
  const auto dir = fresh_dir("bad");
  save_trus_folder(dir.string(), small_sweep(3, 16, 12));
  const std::string seq = (dir / "sequence.json").string();
  const std::string good = hdr::read_file(seq);

  SUBCASE("a frame that is not an image") {
    hdr::write_file_atomically((dir / "f001.png").string(), "not a png at all");
    const auto e = error_of([&] { load_trus_folder(dir.string()); });
    CHECK(e.find("f001.png") != std::string::npos);
    CHECK(e.find("not a PNG") != std::string::npos);
  }
  SUBCASE("a truncated frame") {
    const std::string png = hdr::read_file((dir / "f002.png").string());
    hdr::write_file_atomically((dir / "f002.png").string(), png.substr(0, png.size() / 2));
    const auto e = error_of([&] { load_trus_folder(dir.string()); });
    CHECK(e.find("f002.png") != std::string::npos);
  }
  SUBCASE("a frame of another size") {
    Sweep other = small_sweep(1, 20, 12);
    hdr::write_file_atomically((dir / "f001.png").string(), encode_png(other.frames[0].image));
    const auto e = error_of([&] { load_trus_folder(dir.string()); });
    CHECK(e.find("f001.png") != std::string::npos);
    CHECK(e.find("differs") != std::string::npos);
  }
  SUBCASE("a missing frame file") {
    fs::remove(dir / "f000.png");
    CHECK(error_of([&] { load_trus_folder(dir.string()); }).find("f000.png") != std::string::npos);
  }
  SUBCASE("a wrong format tag") {
    const size_t at = good.find("hdr-trus/1");
    REQUIRE(at != std::string::npos);
    const std::string t = good.substr(0, at) + "hdr-trus/9" + good.substr(at + 10);
    hdr::write_file_atomically(seq, t);
    CHECK(error_of([&] { load_trus_folder(dir.string()); }).find("hdr-trus/9") != std::string::npos);
  }
  SUBCASE("non-monotonic z") {
    hdr::write_file_atomically(seq, R"({"format": "hdr-trus/1", "pixel_spacing_mm": [0.25, 0.3], "origin_mm": [-10, -2],
      "frames": [{"file": "f000.png", "z_mm": 0}, {"file": "f001.png", "z_mm": 5}, {"file": "f002.png", "z_mm": 2}]})");
    CHECK(error_of([&] { load_trus_folder(dir.string()); }).find("z_mm") != std::string::npos);
  }
  SUBCASE("a frame path escaping the folder") {
    const size_t at = good.find("f000.png");
    REQUIRE(at != std::string::npos);
    const std::string t = good.substr(0, at) + "../x.png" + good.substr(at + 8);
    hdr::write_file_atomically(seq, t);
    CHECK(error_of([&] { load_trus_folder(dir.string()); }).find("plain name") != std::string::npos);
  }
  fs::remove_all(dir);
}
