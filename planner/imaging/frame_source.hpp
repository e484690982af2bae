#pragma once
// One interface for every source of TRUS frames: a frame grabber / video file / image
// sequence / network stream (OpenCV VideoCapture), a recorded hdr-trus/1 sweep, a PLUS
// sequence file, and the simulated live probe. The console polls next_frame() each UI frame;
// it never blocks longer than one decode.
#include <array>
#include <memory>
#include <optional>
#include <string>

#include "planner/imaging/image.hpp"
#include "planner/imaging/simulator.hpp"

namespace hdr::imaging {

// Frame-grabber calibration of one scanner preset: where the ultrasound image sits inside
// the scanner's screen (the burned-in text outside it is ignored), its pixel spacing, where
// the probe axis is, and whether the image must be flipped so that the probe is at the bottom.
struct GrabberCalibration {
  std::string preset;                      // e.g. "BK 8848 axial, depth 6 cm"
  int crop_x = 0, crop_y = 0;              // top-left of the image region in grabbed pixels
  int crop_width = 0, crop_height = 0;     // 0 = whole frame
  std::array<double, 2> spacing_mm{0.2, 0.2};
  std::array<double, 2> probe_px{0.0, 0.0};  // probe axis (column, row) in the cropped image
  bool flip_vertical = false;              // probe at the top on the scanner: flip
  bool flip_horizontal = false;
  bool validate(std::string* error) const;
};

// Crop, flip and place a grabbed 8-bit frame in patient coordinates (probe axis at (0, 0)).
// Throws hdr::Error naming the preset when the crop does not fit the frame.
GrayImage apply_calibration(const GrayImage& grabbed, const GrabberCalibration& calibration);

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // The next frame, or nullopt when none is available now (live) or the source is exhausted
  // (recorded; then finished() is true). Undecodable frames are an hdr::Error, never skipped.
  virtual std::optional<Frame> next_frame() = 0;
  virtual bool finished() const = 0;
  virtual std::string describe() const = 0;
};

// OpenCV VideoCapture: "/dev/video0" (V4L2 grabber), a video file, an image sequence pattern
// ("frames/img_%03d.png"), or a stream URL. A grabbed frame carries no stepper position: its
// z_mm is 0 and the caller must set it from the stepper's encoder before using it in a sweep
// (no stepper link is implemented yet).
std::unique_ptr<FrameSource> open_video_source(const std::string& uri, const GrabberCalibration& calibration);
std::unique_ptr<FrameSource> open_trus_folder_source(const std::string& dir);
std::unique_ptr<FrameSource> open_plus_source(const std::string& path, std::array<double, 2> origin_mm);
std::unique_ptr<FrameSource> open_simulated_source(std::uint64_t seed, const SimulationOptions& options, double stepper_speed_mm_s = 5.0);

}  // namespace hdr::imaging
