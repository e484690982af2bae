// Adapter to planner/imaging: the live frame sources (the demo's simulated probe, recorded sweeps,
// PLUS files, frame grabbers), sweeps, segmentation and needle detection. Converts imaging's
// plain images to the AppState's.
#include <cmath>

#include "planner/common/error.hpp"
#include "ui/state/backend.hpp"

#if HDR_UI_HAVE_IMAGING
#include <algorithm>
#include <mutex>

#include "planner/imaging/frame_source.hpp"
#include "planner/imaging/grabber_presets.hpp"
#include "planner/imaging/needles.hpp"
#include "planner/imaging/plus_io.hpp"
#include "planner/imaging/segment.hpp"
#include "planner/imaging/simulator.hpp"
#include "planner/imaging/trus_io.hpp"

namespace hdr::ui::backend {
namespace {
constexpr int kDemoNeedles = 16;           // needles the demo patient has in place (fewer if the gland has fewer holes)
constexpr double kDemoPixel_mm = 0.3;      // output pixel of the simulated scanner

imaging::SimulationOptions demo_options() {
  imaging::SimulationOptions o;
  o.needle_count = kDemoNeedles;
  // The implant a clinician would plan (peripheral spread, tips at the base). The simulator's
  // default, random holes well inside the mid-gland, gave the demo 9 needles in a ring round
  // the urethra with tips up to 8 mm short of the base: no plan can meet the protocol then.
  o.needle_layout = imaging::SimulationOptions::NeedleLayout::clinical;
  o.pixel_spacing_mm = kDemoPixel_mm;
  o.foley = false;
  return o;
}

GrayImage to_ui(const imaging::Frame& f) {
  GrayImage g;
  g.width = f.image.width;
  g.height = f.image.height;
  g.pixels = f.image.pixels;
  g.spacing_mm[0] = f.image.spacing_mm[0];
  g.spacing_mm[1] = f.image.spacing_mm[1];
  g.origin_mm[0] = f.image.origin_mm[0];
  g.origin_mm[1] = f.image.origin_mm[1];
  g.z_mm = f.z_mm;
  return g;
}

imaging::Sweep to_imaging(const Sweep& s) {
  imaging::Sweep out;
  for (const auto& g : s.frames) {
    imaging::Frame f;
    f.image.width = g.width;
    f.image.height = g.height;
    f.image.pixels = g.pixels;
    f.image.spacing_mm = {g.spacing_mm[0], g.spacing_mm[1]};
    f.image.origin_mm = {g.origin_mm[0], g.origin_mm[1]};
    f.z_mm = g.z_mm;
    out.frames.push_back(std::move(f));
  }
  return out;
}

// The simulated patient of the demo, imaged at whatever position the stepper is commanded to.
class SimulatedProbe final : public Probe {
 public:
  explicit SimulatedProbe(std::uint64_t seed) : seed_(seed), anatomy_(imaging::random_anatomy(seed, demo_options())) {
    geometry_.pixel_mm = kDemoPixel_mm;
  }
  std::string name() const override { return "simulated TRUS probe"; }
  std::shared_ptr<const GrayImage> frame_at(double z_mm) override {
    // Rendered only when the stepper has moved: ~50 ms of CPU a frame that the GL rasteriser
    // would otherwise lose, for an image that is the same (static speckle) while it is still.
    std::lock_guard lock(live_mutex_);
    if (!live_ || live_->z_mm != z_mm)
      live_ = std::make_shared<const GrayImage>(
          to_ui(imaging::render_frame(anatomy_, geometry_, z_mm, seed_ * 1000003ULL + ++frames_rendered_)));
    return live_;
  }
  Sweep sweep(double step_mm, std::atomic<float>& progress) override {
    require(step_mm > 0.0, "sweep step " + std::to_string(step_mm) + " mm: must be > 0");
    const double z0 = z_min_mm(), z1 = z_max_mm();
    const int n = static_cast<int>(std::floor((z1 - z0) / step_mm)) + 1;
    Sweep out;
    out.source_name = name();
    for (int k = 0; k < n; ++k) {
      // The sweep's own frame numbers (render_frame is pure): the live view keeps running.
      out.frames.push_back(to_ui(imaging::render_frame(anatomy_, geometry_, z0 + k * step_mm,
                                                       seed_ * 1000003ULL + 500000ULL + static_cast<std::uint64_t>(k))));
      progress.store(static_cast<float>(k + 1) / static_cast<float>(n));
    }
    return out;
  }
  double z_min_mm() const override { return anatomy_.z_apex_mm - 4.0; }
  double z_max_mm() const override { return anatomy_.z_base_mm + 4.0; }

 private:
  const std::uint64_t seed_;
  const imaging::TrusAnatomy anatomy_;
  imaging::ScanGeometry geometry_;
  std::mutex live_mutex_;
  std::shared_ptr<const GrayImage> live_;
  std::uint64_t frames_rendered_ = 0;
};

// A recording (hdr-trus/1 folder or PLUS file) played back: the live view shows the recorded
// frame nearest the commanded stepper position; a sweep is the recording itself, when it is
// one (a stepper moved back and forth is viewed, never used as a volume).
class RecordedProbe final : public Probe {
 public:
  RecordedProbe(const imaging::Sweep& recording, std::string name) : name_(std::move(name)) {
    require(!recording.frames.empty(), name_ + ": no frames");
    try {
      imaging::validate_sweep(recording, name_);
    } catch (const std::exception& e) {
      not_a_sweep_ = e.what();
    }
    for (const auto& f : recording.frames) frames_.push_back(std::make_shared<const GrayImage>(to_ui(f)));
    by_z_ = frames_;
    std::stable_sort(by_z_.begin(), by_z_.end(), [](const auto& a, const auto& b) { return a->z_mm < b->z_mm; });
  }
  std::string name() const override { return name_; }
  std::shared_ptr<const GrayImage> frame_at(double z_mm) override {
    // The first frame at or beyond z, or the one before it if that is nearer.
    auto it = std::lower_bound(by_z_.begin(), by_z_.end(), z_mm, [](const auto& f, double z) { return f->z_mm < z; });
    if (it == by_z_.end()) return by_z_.back();
    if (it != by_z_.begin() && z_mm - (*(it - 1))->z_mm < (*it)->z_mm - z_mm) --it;
    return *it;
  }
  Sweep sweep(double /*step_mm: the recording has its own*/, std::atomic<float>& progress) override {
    require(not_a_sweep_.empty(), "capture sweep: " + not_a_sweep_);
    Sweep out;
    out.source_name = name_;
    for (const auto& f : frames_) out.frames.push_back(*f);
    progress.store(1.0F);
    return out;
  }
  double z_min_mm() const override { return by_z_.front()->z_mm; }
  double z_max_mm() const override { return by_z_.back()->z_mm; }

 private:
  std::string name_;
  std::string not_a_sweep_;  // why the recording is no sweep (validate_sweep), or ""
  // Immutable after construction: in recorded order, and sorted by z for the live view.
  std::vector<std::shared_ptr<const GrayImage>> frames_, by_z_;
};

// A frame grabber, video file or stream through OpenCV, placed by a grabber preset. Without a
// stepper link a grabbed frame's z is the commanded stepper position, and sweeps are refused.
class VideoProbe final : public Probe {
 public:
  VideoProbe(const std::string& uri, const imaging::GrabberCalibration& preset)
      : uri_(uri), source_(imaging::open_video_source(uri, preset)) {}
  std::string name() const override { return "video " + uri_; }
  std::shared_ptr<const GrayImage> frame_at(double z_mm) override {
    std::lock_guard lock(mutex_);
    if (auto f = source_->next_frame()) {
      f->z_mm = z_mm;
      last_ = std::make_shared<const GrayImage>(to_ui(*f));
    } else if (source_->finished()) {
      throw Error("video " + uri_ + ": the source ended (no more frames)");
    }
    return last_;
  }
  Sweep sweep(double, std::atomic<float>&) override {
    throw Error("capture sweep: " + name() +
                " carries no stepper positions (no stepper link); record the sweep with its stepper positions "
                "(PLUS file) or open a recorded sweep");
  }
  double z_min_mm() const override { return -60.0; }  // the console's stepper range
  double z_max_mm() const override { return 60.0; }

 private:
  std::string uri_;
  std::mutex mutex_;
  std::unique_ptr<imaging::FrameSource> source_;
  std::shared_ptr<const GrayImage> last_;
};

}  // namespace

std::vector<std::string> frame_source_kinds() {
  return {"simulated TRUS probe", "recorded sweep (hdr-trus/1 folder)", "PLUS sequence file (.igs.mha/.mhd)",
          "frame grabber / video / stream"};
}

std::vector<std::string> grabber_preset_names() {
  std::vector<std::string> names;
  for (const auto& p : imaging::builtin_grabber_presets()) names.push_back(p.preset);
  return names;
}

std::shared_ptr<Probe> make_probe(const FrameSourceChoice& choice, std::uint64_t seed) {
  switch (choice.kind) {
    case FrameSourceKind::simulated: return std::make_shared<SimulatedProbe>(seed);
    case FrameSourceKind::recorded_sweep:
      require(!choice.location.empty(), "recorded sweep: no folder given");
      return std::make_shared<RecordedProbe>(imaging::load_trus_folder(choice.location), "recorded sweep " + choice.location);
    case FrameSourceKind::plus_file: {
      require(!choice.location.empty(), "PLUS sequence: no file given");
      const auto& preset = imaging::find_grabber_preset(imaging::builtin_grabber_presets(), choice.preset);
      imaging::Sweep recording;
      recording.frames = imaging::plus_frames(imaging::read_plus_sequence(choice.location), [&preset](imaging::GrayImage image) {
        return imaging::apply_calibration(image, preset);
      });
      return std::make_shared<RecordedProbe>(recording, "PLUS " + choice.location);
    }
    case FrameSourceKind::video: {
      require(!choice.location.empty(), "video source: no device, file or URL given");
      const auto& preset = imaging::find_grabber_preset(imaging::builtin_grabber_presets(), choice.preset);
      return std::make_shared<VideoProbe>(choice.location, preset);
    }
  }
  throw Error("frame source kind " + std::to_string(static_cast<int>(choice.kind)) + ": unknown");
}

std::vector<formats::Structure> segment_sweep(const Sweep& sweep, std::atomic<float>& progress) {
  progress.store(0.1F);
  auto result = imaging::segment_sweep(to_imaging(sweep));
  progress.store(1.0F);
  return result.structures;
}

std::vector<formats::Catheter> detect_needles(const Sweep& sweep, std::atomic<float>& progress) {
  progress.store(0.1F);
  auto found = imaging::detect_needles(to_imaging(sweep));
  progress.store(1.0F);
  return found;
}

}  // namespace hdr::ui::backend

#else
namespace hdr::ui::backend {
namespace {
[[noreturn]] void missing() { throw Error("imaging is not available in this build (hdr_imaging not built)"); }
}  // namespace
std::vector<std::string> frame_source_kinds() { return {}; }
std::vector<std::string> grabber_preset_names() { return {}; }
std::shared_ptr<Probe> make_probe(const FrameSourceChoice&, std::uint64_t) { missing(); }
std::vector<formats::Structure> segment_sweep(const Sweep&, std::atomic<float>&) { missing(); }
std::vector<formats::Catheter> detect_needles(const Sweep&, std::atomic<float>&) { missing(); }
}  // namespace hdr::ui::backend
#endif
