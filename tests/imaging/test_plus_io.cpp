// PLUS sequence files: every sample reads with the frame count, size, spacing and stepper
// positions its header states; truncated and corrupt copies give clear errors.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include <filesystem>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"
#include "planner/imaging/plus_io.hpp"
#include "tests/error_of.hpp"

namespace fs = std::filesystem;
using namespace hdr::imaging;
using hdr::test::error_of;

namespace {
const std::string kData = std::string(HDR_SOURCE_DIR) + "/tests/imaging/data/plus/";

fs::path temp_file(const std::string& name) { return fs::temp_directory_path() / (std::to_string(::getpid()) + "_" + name); }
}  // namespace

TEST_CASE("USTC stepper recording: 200 compressed frames with encoder positions") {
  const auto s = read_plus_sequence(kData + "USTC_FrameGrabber_RandomStepperMotionData2.igs.mha");
  CHECK(s.frame_count == 200);
  CHECK(s.width == 640);
  CHECK(s.height == 480);
  CHECK(s.data.size() == 640u * 480u * 200u);
  REQUIRE(s.frames.size() == 200);
  // values copied from the header lines Seq_Frame0000_* (independent truth)
  REQUIRE(s.frames[0].probe_position_mm.has_value());
  CHECK(*s.frames[0].probe_position_mm == doctest::Approx(0.879005));
  CHECK(*s.frames[0].probe_rotation_deg == doctest::Approx(2.36375));
  CHECK(*s.frames[0].template_position_mm == doctest::Approx(-41.6758));
  CHECK(*s.frames[0].timestamp_s == doctest::Approx(0.0));
  REQUIRE(s.frames[199].timestamp_s.has_value());
  CHECK(*s.frames[199].timestamp_s == doctest::Approx(19.9));
  for (const auto& f : s.frames) CHECK(f.probe_position_mm.has_value());
  // a frame is a real image: not all one value
  const auto im = plus_frame_image(s, 100);
  const auto [lo, hi] = std::minmax_element(im.pixels.begin(), im.pixels.end());
  CHECK(*hi > *lo + 50);
}

TEST_CASE("BK stepper recording: 6 compressed frames") {
  const auto s = read_plus_sequence(kData + "SegmentationTest_BKMedical_RandomStepperMotionData2_Trimmed_Anonymized.igs.mha");
  CHECK(s.frame_count == 6);
  CHECK(s.width == 640);
  CHECK(s.height == 480);
  CHECK(s.spacing_mm[0] == doctest::Approx(1.0));
  CHECK(s.frames[0].fields.count("ToolToTrackerTransform") == 1);
  CHECK(s.frames[0].image_ok);
}

TEST_CASE("single scan-converted frame (NDims 2) and a tracker-only sequence") {
  const auto s = read_plus_sequence(kData + "BkCurvilinearScanConvertedData.igs.mha");
  CHECK(s.frame_count == 1);
  CHECK(s.width == 600);
  CHECK(s.height == 400);
  CHECK(*s.frames[0].timestamp_s == doctest::Approx(15.462571));
  const auto t = read_plus_sequence(kData + "Prostate10_tracker.igs.mha");
  CHECK(t.frame_count == 10);
  CHECK(t.width == 1);
  CHECK(*t.frames[9].timestamp_s == doctest::Approx(5.5));
}

TEST_CASE("headers whose data file is absent are refused naming it") {
  const auto e = error_of([] { read_plus_sequence(kData + "Prostate10_video.igs.mhd"); });
  CHECK(e.find("Prostate10_video.raw") != std::string::npos);
  const auto e2 = error_of([] { read_plus_sequence(kData + "BkCurvilinearRfData.igs.mhd"); });
  CHECK(e2.find("BkCurvilinearRfData.raw") != std::string::npos);
}

TEST_CASE("an .mhd with its raw data: frame count from DimSize, missing frame fields reported") {
  // Header of Prostate10_video (which skips Seq_Frame0002) with a synthetic raw file.
  const auto dir = fs::temp_directory_path() / ("hdr_plus_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  hdr::write_file_atomically((dir / "Prostate10_video.igs.mhd").string(), hdr::read_file(kData + "Prostate10_video.igs.mhd"));
  hdr::write_file_atomically((dir / "Prostate10_video.raw").string(), std::string(640u * 480u * 10u, '\x10'));
  const auto s = read_plus_sequence((dir / "Prostate10_video.igs.mhd").string());
  CHECK(s.frame_count == 10);
  CHECK(s.spacing_mm[0] == doctest::Approx(0.3));
  CHECK(s.frames[2].fields.empty());
  REQUIRE(!s.warnings.empty());
  CHECK(s.warnings[0].find("frame 2") != std::string::npos);
  // no ProbePosition: not a stepper sweep, refused as one
  CHECK(error_of([&] { plus_to_sweep(s, {0, 0}); }).find("ProbePosition") != std::string::npos);
  // truncated raw data
  hdr::write_file_atomically((dir / "Prostate10_video.raw").string(), std::string(640u * 480u * 9u, '\x10'));
  CHECK(error_of([&] { read_plus_sequence((dir / "Prostate10_video.igs.mhd").string()); }).find("truncated") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("truncated and corrupt compressed files give clear errors") {
  const std::string text = hdr::read_file(kData + "SegmentationTest_BKMedical_RandomStepperMotionData2_Trimmed_Anonymized.igs.mha");
  const auto p = temp_file("bad.igs.mha");
  SUBCASE("truncated data") {
    hdr::write_file_atomically(p.string(), text.substr(0, text.size() - 5000));
    CHECK(error_of([&] { read_plus_sequence(p.string()); }).find("truncated") != std::string::npos);
  }
  SUBCASE("corrupt data") {
    std::string t = text;
    for (size_t k = t.size() - 100000; k < t.size() - 90000; ++k) t[k] = static_cast<char>(t[k] ^ 0x5A);
    hdr::write_file_atomically(p.string(), t);
    CHECK(error_of([&] { read_plus_sequence(p.string()); }).find("zlib") != std::string::npos);
  }
  SUBCASE("truncated header") {
    hdr::write_file_atomically(p.string(), text.substr(0, 300));
    CHECK(!error_of([&] { read_plus_sequence(p.string()); }).empty());
  }
  SUBCASE("a DimSize no compressed data could hold is refused before allocating it") {
    // 100000 x 100000 x 6 bytes (60 GB) claimed for 217 kB of zlib data.
    const size_t at = text.find("DimSize = 640 480");
    REQUIRE(at != std::string::npos);
    const std::string t = text.substr(0, at) + "DimSize = 100000 100000" + text.substr(at + 17);
    hdr::write_file_atomically(p.string(), t);
    CHECK(error_of([&] { read_plus_sequence(p.string()); }).find("more than") != std::string::npos);
  }
  SUBCASE("a frame number too long for an int is refused by name (found by fuzz_plus_sequence)") {
    hdr::write_file_atomically(p.string(), "NDims = 3\nSeq_Frame04444444440_Timestamp = 0.2\n" + text);
    CHECK(error_of([&] { read_plus_sequence(p.string()); }).find("malformed frame field name Seq_Frame04444444440") !=
          std::string::npos);
  }
  SUBCASE("numbers beyond any int are refused by name, never converted (found by fuzz_plus_sequence)") {
    const size_t at = text.find("NDims = 3");
    REQUIRE(at != std::string::npos);
    hdr::write_file_atomically(p.string(), text.substr(0, at) + "NDims = 3444444444444444444444" + text.substr(at + 9));
    CHECK(error_of([&] { read_plus_sequence(p.string()); }).find("NDims = 3444444444444444444444") != std::string::npos);
    const size_t cs = text.find("CompressedDataSize = ");
    REQUIRE(cs != std::string::npos);
    hdr::write_file_atomically(p.string(), text.substr(0, cs) + "CompressedDataSize = 1e300\n" +
                                              text.substr(text.find('\n', cs) + 1));
    CHECK(error_of([&] { read_plus_sequence(p.string()); }).find("CompressedDataSize = 1e300") != std::string::npos);
  }
  SUBCASE("bad DimSize") {
    const size_t at = text.find("DimSize = 640");
    REQUIRE(at != std::string::npos);
    const std::string t = text.substr(0, at) + "DimSize = abc" + text.substr(at + 13);
    hdr::write_file_atomically(p.string(), t);
    CHECK(error_of([&] { read_plus_sequence(p.string()); }).find("DimSize") != std::string::npos);
  }
  fs::remove(p);
}
