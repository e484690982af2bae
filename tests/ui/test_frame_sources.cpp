// The console's frame sources through its intents: a recorded hdr-trus/1 sweep played back
// (the live frame is the recorded one nearest the stepper; a capture is the recording, frame
// for frame), a real PLUS recording placed by its grabber preset (stepper moved back and
// forth: viewed, refused as a sweep), and sources that cannot be opened (named, nothing changed).
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include "planner/imaging/grabber_presets.hpp"
#include "planner/imaging/trus_io.hpp"
#include "ui/state/console.hpp"

using namespace hdr::ui;
namespace fs = std::filesystem;

namespace {
bool wait_until(Console& c, double timeout_s, const std::function<bool()>& done) {
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < timeout_s) {
    c.poll();
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Five 40x30 frames at z = -10 .. 10 mm, frame k filled with the value 40 k + (column % 7).
hdr::imaging::Sweep small_recording() {
  hdr::imaging::Sweep s;
  for (int k = 0; k < 5; ++k) {
    hdr::imaging::Frame f;
    f.image.width = 40;
    f.image.height = 30;
    f.image.spacing_mm = {0.5, 0.5};
    f.image.origin_mm = {-10.0, -2.0};
    for (int j = 0; j < 30; ++j)
      for (int i = 0; i < 40; ++i) f.image.pixels.push_back(static_cast<std::uint8_t>(40 * k + i % 7));
    f.z_mm = -10.0 + 5.0 * k;
    s.frames.push_back(std::move(f));
  }
  return s;
}

const std::string kPlus =
    std::string(HDR_SOURCE_DIR) + "/tests/imaging/data/plus/USTC_FrameGrabber_RandomStepperMotionData2.igs.mha";
const std::string kUltrasonix = "Ultrasonix BPC8-4/10 transverse, depth 7 cm (frame grabber 640x480)";
}  // namespace

TEST_CASE("a recorded sweep plays back at the stepper position and captures frame for frame") {
  const fs::path dir = fs::temp_directory_path() / ("hdr-ui-recorded-" + std::to_string(::getpid()));
  const auto recording = small_recording();
  hdr::imaging::save_trus_folder(dir.string(), recording);
  Console c(ConsoleOptions{});  // with the live probe thread
  const AppState& s = c.state();
  REQUIRE(s.frame_sources.size() == 4);
  REQUIRE(c.apply(intent::SelectFrameSource{1, dir.string(), ""}));
  REQUIRE(wait_until(c, 30, [&] { return !c.busy(); }));
  REQUIRE_MESSAGE(s.frame_source_index == 1, s.jobs.at("frame_source").last_error);
  CHECK(s.frame_source_location == dir.string());

  // Stepper at 3.4 mm: the nearest recorded frame is the one at 5 mm (value 120 + i % 7).
  REQUIRE(c.apply(intent::SetStepper{3.4}));
  REQUIRE(wait_until(c, 10, [&] { return s.live_frame && s.live_frame->z_mm == 5.0; }));
  CHECK(s.live_frame->width == 40);
  CHECK(s.live_frame->pixels[3] == 123);
  CHECK(s.live_frame->origin_mm[0] == doctest::Approx(-10.0));

  REQUIRE(c.apply(intent::CaptureSweep{}));
  REQUIRE(wait_until(c, 30, [&] { return !c.busy(); }));
  REQUIRE(s.sweep != nullptr);
  REQUIRE(s.sweep->frames.size() == recording.frames.size());
  for (size_t k = 0; k < recording.frames.size(); ++k) {
    CHECK(s.sweep->frames[k].z_mm == recording.frames[k].z_mm);
    CHECK(s.sweep->frames[k].pixels == recording.frames[k].image.pixels);  // PNG is lossless
  }
  fs::remove_all(dir);
}

TEST_CASE("a PLUS stepper recording is placed by its grabber preset, viewed, and refused as a sweep") {
  ConsoleOptions o;
  o.live_probe = true;
  Console c(o);
  const AppState& s = c.state();
  REQUIRE(c.apply(intent::SelectFrameSource{2, kPlus, kUltrasonix}));
  REQUIRE(wait_until(c, 60, [&] { return !c.busy(); }));
  REQUIRE_MESSAGE(s.frame_source_index == 2, s.jobs.at("frame_source").last_error);
  // Frame 0 of the file sits at ProbePosition 0.879005 mm, the file's frames span 0.39-1.78 mm.
  REQUIRE(c.apply(intent::SetStepper{0.879005}));
  REQUIRE(wait_until(c, 10, [&] { return s.live_frame && std::fabs(s.live_frame->z_mm - 0.879005) < 1e-9; }));
  // The preset's crop (450 x 345 of the 640 x 480 grab) without the burned-in text, its
  // calibrated spacing, and the probe axis (centre of rotation, 34.65 rows from the top of the
  // crop) at x = 0, y = 0: flipped to the bottom, it lies 34.65 rows above the bottom-left pixel.
  const auto& preset = hdr::imaging::find_grabber_preset(hdr::imaging::builtin_grabber_presets(), kUltrasonix);
  CHECK(s.live_frame->width == 450);
  CHECK(s.live_frame->height == 345);
  CHECK(s.live_frame->spacing_mm[0] == doctest::Approx(0.266593));
  CHECK(s.live_frame->origin_mm[0] == doctest::Approx(-preset.probe_px[0] * 0.266593));
  CHECK(s.live_frame->origin_mm[1] == doctest::Approx(-preset.probe_px[1] * 0.263840));

  // The stepper went back and forth (80 reversals): no volume can be built from it.
  CHECK(c.apply(intent::CaptureSweep{}));
  REQUIRE(wait_until(c, 30, [&] { return !c.busy(); }));
  CHECK(s.sweep == nullptr);
  const std::string why = s.jobs.at("sweep").last_error;
  CHECK(why.find(kPlus) != std::string::npos);
}

TEST_CASE("a source that cannot be opened is named and the open one stays") {
  Console c(ConsoleOptions{});
  const AppState& s = c.state();
  const std::string missing = "/nonexistent/hdr-sweep";
  REQUIRE(c.apply(intent::SelectFrameSource{1, missing, ""}));
  REQUIRE(wait_until(c, 30, [&] { return !c.busy(); }));
  CHECK(s.frame_source_index == 0);
  CHECK(s.jobs.at("frame_source").last_error.find(missing) != std::string::npos);
  // A PLUS file needs a known preset: an unknown one is refused, listing those there are.
  REQUIRE(c.apply(intent::SelectFrameSource{2, kPlus, "no such scanner"}));
  REQUIRE(wait_until(c, 30, [&] { return !c.busy(); }));
  CHECK(s.frame_source_index == 0);
  CHECK(s.jobs.at("frame_source").last_error.find(kUltrasonix) != std::string::npos);
  CHECK_FALSE(c.apply(intent::SelectFrameSource{7, "", ""}));
  CHECK(s.last_error.find("frame source index = 7") != std::string::npos);
  // The simulated probe still streams.
  REQUIRE(wait_until(c, 20, [&] { return s.live_frame != nullptr; }));
}

TEST_CASE("grabber presets: the shipped ones parse; a malformed file is refused by field") {
  const auto& presets = hdr::imaging::builtin_grabber_presets();
  REQUIRE(presets.size() >= 2);
  for (const auto& p : presets) CHECK(p.validate(nullptr));
  auto refused = [](const std::string& text) {
    try {
      hdr::imaging::parse_grabber_presets(text, "site.json");
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string head = R"({"format": "hdr-grabber-presets/1", "presets": [{"preset": "A", )";
  CHECK(refused(R"({"format": "hdr-structures/1", "presets": []})").find("hdr-grabber-presets/1") != std::string::npos);
  CHECK(refused(head + R"("crop_px": [0, 0, -5, 10], "spacing_mm": [0.2, 0.2], "probe_px": [1, 1], "flip_vertical": false, "flip_horizontal": false}]})")
            .find("crop_px") != std::string::npos);
  CHECK(refused(head + R"("crop_px": [0, 0, 5, 10], "spacing_mm": [0, 0.2], "probe_px": [1, 1], "flip_vertical": false, "flip_horizontal": false}]})")
            .find("spacing_mm") != std::string::npos);
  CHECK(refused(head + R"("crop_px": [0, 0, 5, 10], "spacing_mm": [0.2, 0.2], "probe_px": [1, 1], "flip_vertical": false}]})")
            .find("flip_horizontal") != std::string::npos);
  CHECK(refused(R"({"format": "hdr-grabber-presets/1", "presets": []})").find("no presets") != std::string::npos);
}
