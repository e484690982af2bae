#include "planner/imaging/frame_source.hpp"

#include <cctype>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <sstream>

#include "planner/common/error.hpp"
#include "planner/imaging/cv_convert.hpp"
#include "planner/imaging/plus_io.hpp"
#include "planner/imaging/trus_io.hpp"

namespace hdr::imaging {

bool GrabberCalibration::validate(std::string* error) const {
  std::ostringstream m;
  if (crop_x < 0 || crop_y < 0) m << "GrabberCalibration(" << preset << ")::crop_x/crop_y = " << crop_x << "," << crop_y << ": must be >= 0";
  else if (crop_width < 0 || crop_height < 0) m << "GrabberCalibration(" << preset << ")::crop_width/crop_height: must be >= 0";
  else if (!(spacing_mm[0] > 0 && spacing_mm[1] > 0 && spacing_mm[0] < 5 && spacing_mm[1] < 5))
    m << "GrabberCalibration(" << preset << ")::spacing_mm = " << spacing_mm[0] << "," << spacing_mm[1] << ": must be in (0, 5) mm";
  const std::string s = m.str();
  if (error) *error = s;
  return s.empty();
}

GrayImage apply_calibration(const GrayImage& grabbed, const GrabberCalibration& c) {
  std::string why;
  require(c.validate(&why), why);
  const int w = c.crop_width > 0 ? c.crop_width : grabbed.width - c.crop_x;
  const int h = c.crop_height > 0 ? c.crop_height : grabbed.height - c.crop_y;
  require(w > 0 && h > 0 && c.crop_x + w <= grabbed.width && c.crop_y + h <= grabbed.height,
          "grabber preset " + c.preset + ": crop " + std::to_string(c.crop_x) + "," + std::to_string(c.crop_y) + " " + std::to_string(w) + "x" +
              std::to_string(h) + " does not fit the " + std::to_string(grabbed.width) + "x" + std::to_string(grabbed.height) + " frame");
  cv::Mat roi = view_of(grabbed)(cv::Rect(c.crop_x, c.crop_y, w, h)).clone();
  double pc = c.probe_px[0], pr = c.probe_px[1];
  if (c.flip_vertical) {
    cv::flip(roi, roi, 0);
    pr = (h - 1) - pr;
  }
  if (c.flip_horizontal) {
    cv::flip(roi, roi, 1);
    pc = (w - 1) - pc;
  }
  // Probe axis at (0, 0): origin is the bottom-left pixel's position.
  const std::array<double, 2> origin{-pc * c.spacing_mm[0], -((h - 1) - pr) * c.spacing_mm[1]};
  return to_gray_image(roi, c.spacing_mm, origin);
}

namespace {

// The OpenCV backend named explicitly per kind of URI: CAP_ANY would probe every backend in
// turn (GStreamer, camera SDKs), which is slow, prints their warnings and leaks in them.
int backend_for(const std::string& uri) {
  if (uri.rfind("/dev/video", 0) == 0) return cv::CAP_V4L2;      // frame grabber
  if (uri.find("://") != std::string::npos) return cv::CAP_FFMPEG;  // rtsp/http/udp stream
  const auto dot = uri.rfind('.');
  std::string ext = dot == std::string::npos ? "" : uri.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool still = ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "bmp" || ext == "tif" || ext == "tiff" || ext == "pgm";
  return still ? cv::CAP_IMAGES : cv::CAP_FFMPEG;                // image sequence | video file
}

class VideoSource final : public FrameSource {
 public:
  VideoSource(const std::string& uri, const GrabberCalibration& cal) : uri_(uri), cal_(cal) {
    std::string why;
    require(cal.validate(&why), why);
    const bool ok = cap_.open(uri, backend_for(uri));
    require(ok && cap_.isOpened(), uri + ": cannot open as a video device, file, image sequence or stream");
  }
  std::optional<Frame> next_frame() override {
    if (done_) return std::nullopt;
    cv::Mat m;
    if (!cap_.read(m) || m.empty()) {
      done_ = true;
      return std::nullopt;
    }
    cv::Mat g;
    if (m.channels() == 3) cv::cvtColor(m, g, cv::COLOR_BGR2GRAY);
    else if (m.channels() == 4) cv::cvtColor(m, g, cv::COLOR_BGRA2GRAY);
    else g = m;
    require(g.type() == CV_8UC1, uri_ + ": frame " + std::to_string(index_) + " is not an 8-bit image");
    Frame f;
    f.image = apply_calibration(to_gray_image(g, {1, 1}, {0, 0}), cal_);
    f.timestamp_s = cap_.get(cv::CAP_PROP_POS_MSEC) / 1000.0;
    f.z_mm = 0.0;
    ++index_;
    return f;
  }
  bool finished() const override { return done_; }
  std::string describe() const override { return "video " + uri_ + " (" + cal_.preset + ")"; }

 private:
  std::string uri_;
  GrabberCalibration cal_;
  cv::VideoCapture cap_;
  bool done_ = false;
  int index_ = 0;
};

class SweepSource final : public FrameSource {
 public:
  SweepSource(Sweep s, std::string what) : sweep_(std::move(s)), what_(std::move(what)) {}
  std::optional<Frame> next_frame() override {
    if (next_ >= sweep_.frames.size()) return std::nullopt;
    return sweep_.frames[next_++];
  }
  bool finished() const override { return next_ >= sweep_.frames.size(); }
  std::string describe() const override { return what_; }

 private:
  Sweep sweep_;
  std::string what_;
  size_t next_ = 0;
};

class SimulatedSource final : public FrameSource {
 public:
  SimulatedSource(std::uint64_t seed, const SimulationOptions& o, double speed) : probe_(seed, o, speed) {}
  std::optional<Frame> next_frame() override { return probe_.next_frame(); }
  bool finished() const override { return false; }
  std::string describe() const override { return "simulated TRUS probe"; }

 private:
  LiveProbe probe_;
};

}  // namespace

std::unique_ptr<FrameSource> open_video_source(const std::string& uri, const GrabberCalibration& calibration) {
  return std::make_unique<VideoSource>(uri, calibration);
}
std::unique_ptr<FrameSource> open_trus_folder_source(const std::string& dir) {
  return std::make_unique<SweepSource>(load_trus_folder(dir), "hdr-trus/1 " + dir);
}
std::unique_ptr<FrameSource> open_plus_source(const std::string& path, std::array<double, 2> origin_mm) {
  return std::make_unique<SweepSource>(plus_to_sweep(read_plus_sequence(path), origin_mm), "PLUS " + path);
}
std::unique_ptr<FrameSource> open_simulated_source(std::uint64_t seed, const SimulationOptions& options, double speed) {
  return std::make_unique<SimulatedSource>(seed, options, speed);
}

}  // namespace hdr::imaging
