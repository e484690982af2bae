#pragma once
// A physically motivated TRUS simulator with known truth, for `hdr phantom trus`, the
// console's demo probe, and the imaging tests.
//
// Model (per axial frame at stepper position z):
//  - anatomy in patient millimetres: prostate = deformed superellipse cross-sections tapering
//    to apex and base; urethra (with or without a Foley catheter); rectal wall around the
//    probe; bladder beyond the base; calcifications; needles along z from the template.
//  - per-tissue echogenicity (backscatter power) and attenuation (dB/cm/MHz).
//  - speckle: a complex Gaussian scatterer field in the probe's polar grid (r, theta)
//    convolved with a Gaussian PSF whose lateral width grows away from the focus; strong
//    specular reflectors (needles, calcifications, catheter walls) added coherently;
//    transmission loss behind them (acoustic shadowing); reverberation tails behind needles.
//  - envelope -> log compression (dynamic range, gain) -> scan conversion of the curvilinear
//    transverse array (radius 10..60 mm, +-70 deg) to the hdr-trus/1 pixel grid.
// Everything is reproducible from a seed.
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "planner/formats/types.hpp"
#include "planner/imaging/image.hpp"

namespace hdr::imaging {

struct ImageQuality {
  double gain_dB = 0.0;             // overall display gain
  double dynamic_range_dB = 55.0;   // log-compression window
  double psf_scale = 1.0;           // 1 = nominal PSF (axial sigma 0.25 mm, lateral 0.5 mm at focus)
  double noise_dB = -45.0;          // electronic noise power relative to tissue
  double shadow_transmission = 0.2; // intensity passing a calcification
  double frequency_MHz = 7.0;
};

struct SimNeedle {
  double x_mm = 0.0, y_mm = 0.0;          // at the entry side (z_entry)
  double slope_x = 0.0, slope_y = 0.0;    // mm per mm of z (small deflection)
  double z_tip_mm = 0.0, z_entry_mm = 0.0;  // tip towards the base (larger z)
};

struct TrusAnatomy {
  // prostate
  double cx_mm = 0.0, cy_mm = 22.0;         // centre at mid-gland
  double half_width_mm = 22.0, half_height_mm = 16.0;
  double superellipse_n = 2.4;              // 2 = ellipse, larger = boxier
  std::vector<double> harmonic_amp;         // relative, k = 2.. (deformation)
  std::vector<double> harmonic_phase;
  double posterior_flattening = 0.15;       // indentation by the rectum/probe
  double z_apex_mm = -20.0, z_base_mm = 20.0;
  double centre_drift_y_mm = 2.0;           // anterior shift from apex to base
  double echo_prostate = 0.5;               // backscatter relative to periprostatic tissue
  double echo_central = 0.8;                // transition zone factor
  double capsule_echo = 1.6;                // thin rim factor
  // urethra
  double urethra_dx_mm = 0.0, urethra_dy_mm = 3.0, urethra_radius_mm = 3.0;
  bool foley = false;
  // rectum / probe
  double probe_radius_mm = 10.0;
  double rectal_wall_mm = 3.5;
  // bladder (ellipsoid)
  double bladder_c[3] = {0.0, 32.0, 35.0};
  double bladder_r[3] = {28.0, 20.0, 18.0};
  // calcifications (x, y, z, radius)
  std::vector<std::array<double, 4>> calcifications;
  std::vector<SimNeedle> needles;
  std::array<double, 6> texture_phase{};   // smooth background texture (periprostatic fat)
  ImageQuality quality;

  // Prostate cross-section at z: scale in (0, 1] or nullopt outside apex..base.
  std::optional<double> prostate_scale(double z_mm) const;
  double prostate_centre_y(double z_mm) const;
  // Boundary radius from the cross-section centre at polar angle phi (from +x, CCW).
  double prostate_radius(double phi, double scale) const;
  bool in_prostate(double x, double y, double z) const;
  bool urethra_present(double z_mm) const { return prostate_scale(z_mm).has_value(); }
  std::array<double, 2> urethra_centre(double z_mm) const;
};

struct SimulationOptions {
  // How the needles sit on the template. `random_holes`: holes drawn at random well inside the
  // mid-gland (the imaging tests' sweeps). `clinical`: the implant a clinician plans for HDR
  // monotherapy/boost: holes spread by farthest-point selection with a peripheral bias over the
  // gland (>= 2 mm inside the capsule, >= 7 mm from the urethra, clear of the rectal wall),
  // tips advanced to the base (0..2 mm beyond it), so that a plan can meet the protocol.
  enum class NeedleLayout { random_holes, clinical };
  int needle_count = 0;                      // needles placed on the 5 mm template (at most the holes that qualify)
  NeedleLayout needle_layout = NeedleLayout::random_holes;
  std::optional<double> frame_spacing_mm;    // default: drawn from the seed (2..5 mm)
  std::optional<int> frame_count;            // default: apex-1 frame .. base+1 frame
  std::optional<double> pixel_spacing_mm;    // default: drawn from the seed (0.2..0.3 mm)
  std::optional<bool> foley;                 // default: drawn from the seed
  // Default: drawn from the seed. Given, it replaces the drawn image quality and nothing else
  // (same anatomy and needles): robustness runs at extreme gain, noise, blur or shadowing.
  std::optional<ImageQuality> quality;
  bool validate(std::string* error) const;
};

struct SimulatedSweep {
  Sweep sweep;
  TrusAnatomy anatomy;
  std::vector<formats::Structure> truth_structures;  // prostate, urethra, rectum, bladder
  std::vector<formats::Catheter> truth_catheters;
};

// The anatomy a seed gives (sizes, shapes, image quality, needles on the 5 mm template).
TrusAnatomy random_anatomy(std::uint64_t seed, const SimulationOptions& options);

// Scan geometry of the simulated array and its output pixel grid.
struct ScanGeometry {
  double r_min_mm = 10.0, r_max_mm = 60.0, half_angle_deg = 70.0;
  int lines = 192;
  double dr_mm = 0.15;
  double pixel_mm = 0.25;
};

// Renders one frame at z_mm. `frame_seed` drives the speckle.
Frame render_frame(const TrusAnatomy& anatomy, const ScanGeometry& geometry, double z_mm, std::uint64_t frame_seed);

// Truth contours on the given frame positions (structures only where present).
std::vector<formats::Structure> truth_structures(const TrusAnatomy& anatomy, const std::vector<double>& z_mm);
std::vector<formats::Catheter> truth_catheters(const TrusAnatomy& anatomy);

// A whole reproducible sweep with its truth.
SimulatedSweep simulate_sweep(std::uint64_t seed, const SimulationOptions& options);

// The demo's live probe: renders frames on a worker thread while the stepper moves apex ->
// base -> apex continuously; the console polls latest_frame() at its own rate (never blocks
// for rendering). Stops and joins in the destructor.
class LiveProbe {
 public:
  LiveProbe(std::uint64_t seed, const SimulationOptions& options, double stepper_speed_mm_s = 5.0);
  ~LiveProbe();
  LiveProbe(const LiveProbe&) = delete;
  LiveProbe& operator=(const LiveProbe&) = delete;

  // The newest frame not yet returned, or nullopt when none is new since the last call.
  std::optional<Frame> next_frame();
  const TrusAnatomy& anatomy() const { return anatomy_; }
  std::uint64_t frames_rendered() const { return rendered_.load(); }

 private:
  void run();
  TrusAnatomy anatomy_;
  ScanGeometry geometry_;
  double speed_mm_s_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<Frame> latest_;
  bool stop_ = false;
  std::atomic<std::uint64_t> rendered_{0};
  std::thread worker_;
};

}  // namespace hdr::imaging
