// Sweep -> volume (repeated and uneven positions), reslices, grabber calibration, and the
// frame sources (image sequence through OpenCV VideoCapture, recorded folder).
#include <doctest/doctest.h>
#include <unistd.h>

#include <opencv2/videoio.hpp>

#include <filesystem>
#include <functional>

#include "planner/common/error.hpp"
#include "planner/imaging/frame_source.hpp"
#include "planner/imaging/trus_io.hpp"
#include "planner/imaging/volume.hpp"

namespace fs = std::filesystem;
using namespace hdr::imaging;

namespace {
Frame flat(int w, int h, std::uint8_t v, double z) {
  Frame f;
  f.image.width = w;
  f.image.height = h;
  f.image.pixels.assign(static_cast<size_t>(w * h), v);
  f.image.spacing_mm = {0.5, 0.5};
  f.image.origin_mm = {-2.0, -1.0};
  f.z_mm = z;
  return f;
}
}  // namespace

TEST_CASE("volume: repeated positions averaged, uneven spacing interpolated linearly") {
  Sweep s;
  s.frames = {flat(8, 6, 10, 0.0), flat(8, 6, 30, 0.0), flat(8, 6, 60, 2.0), flat(8, 6, 100, 6.0)};
  const Volume v = build_volume(s, 1.0);
  CHECK(v.nz == 7);
  CHECK(v.at(3, 2, 0) == 20);   // mean of the two frames at z = 0
  CHECK(v.at(3, 2, 1) == 40);   // half way 20 -> 60
  CHECK(v.at(3, 2, 2) == 60);
  CHECK(v.at(3, 2, 4) == 80);   // half way 60 -> 100 over 4 mm
  CHECK(v.at(0, 0, 6) == 100);
  const GrayImage sag = sagittal_reslice(v, 0.0);
  CHECK(sag.width == 7);
  CHECK(sag.height == 6);
  CHECK(sag.at(1, 3) == 40);
  const GrayImage cor = coronal_reslice(v, 0.0);
  CHECK(cor.width == 8);
  CHECK(cor.height == 7);
  CHECK(cor.at(0, 0) == 100);  // base (highest z) on top
  CHECK_THROWS_AS(sagittal_reslice(v, 50.0), hdr::Error);
  s.frames[3].z_mm = 1.0;  // reversal
  CHECK_THROWS_AS(build_volume(s, 1.0), hdr::Error);
}

TEST_CASE("grabber calibration: crop, flip, probe axis at (0, 0)") {
  GrayImage g;
  g.width = 20;
  g.height = 10;
  g.pixels.assign(200, 0);
  g.pixels[2 * 20 + 15] = 255;  // grabbed pixel (col 15, row 2)
  GrabberCalibration c;
  c.preset = "test";
  c.crop_x = 5;
  c.crop_y = 1;
  c.crop_width = 12;
  c.crop_height = 8;
  c.spacing_mm = {0.5, 0.25};
  c.probe_px = {6.0, 0.0};  // probe at the top of the scanner image
  c.flip_vertical = true;
  const GrayImage out = apply_calibration(g, c);
  CHECK(out.width == 12);
  CHECK(out.height == 8);
  // bright pixel: cropped (10, 1) -> flipped row 6; probe row 0 -> 7 (bottom)
  CHECK(out.at(10, 6) == 255);
  CHECK(out.x_mm(6) == doctest::Approx(0.0));
  CHECK(out.y_mm(7) == doctest::Approx(0.0));
  CHECK(out.y_mm(6) == doctest::Approx(0.25));  // one row above the probe
  c.crop_width = 30;
  CHECK_THROWS_AS(apply_calibration(g, c), hdr::Error);
}

TEST_CASE("frame sources: image sequence through VideoCapture, recorded folder") {
  const fs::path dir = fs::temp_directory_path() / ("hdr_src_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Sweep s;
  for (int k = 0; k < 3; ++k) s.frames.push_back(flat(32, 24, static_cast<std::uint8_t>(50 * (k + 1)), 2.0 * k));
  save_trus_folder(dir.string(), s);
  GrabberCalibration c;
  c.preset = "seq";
  c.spacing_mm = {0.5, 0.5};
  c.probe_px = {16, 23};
  auto video = open_video_source((dir / "f%03d.png").string(), c);
  int n = 0;
  while (auto f = video->next_frame()) {
    CHECK(f->image.width == 32);
    CHECK(f->image.at(3, 3) == 50 * (n + 1));
    ++n;
  }
  CHECK(n == 3);
  CHECK(video->finished());
  auto folder = open_trus_folder_source(dir.string());
  n = 0;
  while (auto f = folder->next_frame()) {
    CHECK(f->z_mm == doctest::Approx(2.0 * n));
    ++n;
  }
  CHECK(n == 3);
  CHECK_THROWS_AS(open_video_source((dir / "nothing_%03d.png").string(), c), hdr::Error);
  fs::remove_all(dir);
}

TEST_CASE("frame sources: a video file through VideoCapture (FFmpeg backend)") {
  const fs::path path = fs::temp_directory_path() / ("hdr_vid_" + std::to_string(::getpid()) + ".avi");
  {
    cv::VideoWriter w(path.string(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10.0, cv::Size(64, 48));
    REQUIRE(w.isOpened());
    for (int k = 0; k < 5; ++k) w.write(cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(40.0 * (k + 1))));
  }
  GrabberCalibration c;
  c.preset = "avi";
  c.spacing_mm = {0.2, 0.2};
  c.probe_px = {32, 47};
  auto video = open_video_source(path.string(), c);
  int n = 0;
  double last_t = -1.0;
  while (auto f = video->next_frame()) {
    CHECK(f->image.width == 64);
    CHECK(f->image.height == 48);
    CHECK(std::abs(int(f->image.at(10, 10)) - 40 * (n + 1)) <= 4);  // MJPEG is lossy
    CHECK(f->timestamp_s > last_t);
    last_t = f->timestamp_s;
    ++n;
  }
  CHECK(n == 5);
  fs::remove(path);
  CHECK_THROWS_AS(open_video_source(path.string(), c), hdr::Error);  // gone: one clear error
}
