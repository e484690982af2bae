// Adapter to planner/imaging: the simulated TRUS probe (the demo patient), sweeps,
// segmentation, needle detection. Converts imaging's plain images to the AppState's.
#include <cmath>

#include "planner/common/error.hpp"
#include "ui/state/backend.hpp"

#if HDR_UI_HAVE_IMAGING
#include "planner/imaging/simulator.hpp"
#if __has_include("planner/imaging/segment.hpp")
#include "planner/imaging/segment.hpp"
#define HDR_UI_HAVE_SEGMENTATION 1
#endif
#if __has_include("planner/imaging/needles.hpp")
#include "planner/imaging/needles.hpp"
#define HDR_UI_HAVE_NEEDLE_DETECTION 1
#endif

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
  GrayImage frame_at(double z_mm) override {
    // Speckle decorrelates frame to frame as on a real scanner; reproducible per frame number.
    return to_ui(imaging::render_frame(anatomy_, geometry_, z_mm, seed_ * 1000003ULL + frame_++));
  }
  double z_min_mm() const override { return anatomy_.z_apex_mm - 4.0; }
  double z_max_mm() const override { return anatomy_.z_base_mm + 4.0; }

 private:
  std::uint64_t seed_;
  imaging::TrusAnatomy anatomy_;
  imaging::ScanGeometry geometry_;
  std::uint64_t frame_ = 0;
};
}  // namespace

std::vector<std::string> probe_sources() { return {"simulated TRUS probe"}; }

std::unique_ptr<Probe> make_probe(int source_index, std::uint64_t seed) {
  require(source_index == 0, "frame source " + std::to_string(source_index) + ": unknown (0 = simulated TRUS probe)");
  return std::make_unique<SimulatedProbe>(seed);
}

std::shared_ptr<const Sweep> capture_sweep(Probe& probe, double step_mm, std::atomic<float>& progress) {
  require(step_mm > 0.0, "sweep step " + std::to_string(step_mm) + " mm: must be > 0");
  const double z0 = probe.z_min_mm(), z1 = probe.z_max_mm();
  const int n = static_cast<int>(std::floor((z1 - z0) / step_mm)) + 1;
  auto sweep = std::make_shared<Sweep>();
  sweep->source_name = probe.name();
  for (int k = 0; k < n; ++k) {
    sweep->frames.push_back(probe.frame_at(z0 + k * step_mm));
    progress.store(static_cast<float>(k + 1) / static_cast<float>(n));
  }
  return sweep;
}

std::vector<formats::Structure> segment_sweep(const Sweep& sweep, std::atomic<float>& progress) {
#if HDR_UI_HAVE_SEGMENTATION
  progress.store(0.1F);
  auto result = imaging::segment_sweep(to_imaging(sweep));
  progress.store(1.0F);
  return result.structures;
#else
  (void)sweep;
  (void)progress;
  throw Error("automatic segmentation is not in this build's hdr_imaging yet");
#endif
}

std::vector<formats::Catheter> detect_needles(const Sweep& sweep, std::atomic<float>& progress) {
#if HDR_UI_HAVE_NEEDLE_DETECTION
  progress.store(0.1F);
  auto found = imaging::detect_needles(to_imaging(sweep));
  progress.store(1.0F);
  return found;
#else
  (void)sweep;
  (void)progress;
  throw Error("needle detection is not in this build's hdr_imaging yet");
#endif
}

}  // namespace hdr::ui::backend

#else
namespace hdr::ui::backend {
namespace {
[[noreturn]] void missing() { throw Error("imaging is not available in this build (hdr_imaging not built)"); }
}  // namespace
std::vector<std::string> probe_sources() { return {}; }
std::unique_ptr<Probe> make_probe(int, std::uint64_t) { missing(); }
std::shared_ptr<const Sweep> capture_sweep(Probe&, double, std::atomic<float>&) { missing(); }
std::vector<formats::Structure> segment_sweep(const Sweep&, std::atomic<float>&) { missing(); }
std::vector<formats::Catheter> detect_needles(const Sweep&, std::atomic<float>&) { missing(); }
}  // namespace hdr::ui::backend
#endif
