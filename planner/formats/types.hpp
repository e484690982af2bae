#pragma once
// Value types of the interchange formats (../shared/formats/README.md, copied in
// planner/formats/FORMATS.md): hdr-structures/1, hdr-catheters/1, hdr-case/1, hdr-plan/1.
// Patient frame in millimetres: x left->right, y posterior->anterior, z along the probe axis
// (apex -> base). Plain values, handed down the planning chain and never reached back into.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hdr::formats {

using Vec2 = std::array<double, 2>;
using Vec3 = std::array<double, 3>;

enum class StructureKind { target, organ_at_risk, boost, other };
const char* to_string(StructureKind kind);

// One closed polygon on the axial plane z = z_mm (last point not repeated).
struct ContourSlice {
  double z_mm = 0.0;
  std::vector<Vec2> points_mm;
};

struct Structure {
  std::string name;
  StructureKind kind = StructureKind::other;
  std::vector<ContourSlice> slices;  // sorted by z_mm, strictly increasing
};

struct Catheter {
  int id = 0;
  std::vector<Vec3> path_mm;  // polyline from the tip outwards (>= 2 points)
};

struct SourceSpec {
  std::string model;                          // id in the source library, e.g. "mHDR-v2"
  double air_kerma_strength_U = 0.0;          // S_K at reference_time
  std::optional<std::string> reference_time;  // ISO-8601; absent: "when the file is read"
};

struct Prescription {
  double dose_Gy = 0.0;  // per fraction
  int fractions = 1;
};

struct Case {
  std::string id;
  SourceSpec source;
  Prescription prescription;
  std::vector<Structure> structures;
  std::vector<Catheter> catheters;
  double dwell_step_mm = 5.0;
};

struct PlanDwell {
  int catheter = 0;
  Vec3 position_mm{};
  Vec3 direction{};     // unit tangent tip -> entry; the source tip (theta = 0) points along -direction
  double time_s = 0.0;  // >= 0, multiple of 0.1 s, at the plan's air_kerma_strength_U
};

// Metrics by structure name then metric name, e.g. metrics["prostate"]["V100_pct"].
using Metrics = std::map<std::string, std::map<std::string, double>>;

struct Plan {
  std::string case_id;
  SourceSpec source;
  Prescription prescription;
  std::vector<PlanDwell> dwells;
  Metrics metrics;
  std::map<std::string, double> timing_ms;  // dose_matrix, optimize, dose_grid, total
  // Further members the planner reports (protocol evaluation, TRAK, independent check...),
  // written and read back verbatim so that a plan round-trips and its hash is stable.
  nlohmann::json extra = nlohmann::json::object();
};

}  // namespace hdr::formats
