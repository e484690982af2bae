#pragma once
// Case -> plan: the whole inverse-planning pipeline that the console and `hdr plan` call.
//
//   structures -> roles, dose points (seeded)       catheters -> active dwells (target + margin)
//   dose-rate matrix A (points × dwells, Gy/s)      -> projected L-BFGS on the dose-volume penalty
//   coarse evaluation (evaluation.hpp) -> one global scale c chosen on the DVHs so that
//   V100 reaches the protocol's aim while every upper limit keeps its planning margin; while
//   the normalised plan misses a limit (or the optimiser's own V100 is off the aim) the
//   objective is re-weighted and the optimiser restarts warm (max_rounds; the round closest
//   to the protocol is kept; if it misses a planning margin, a constrained refinement from it
//   is kept when closer; when no scale keeps every planning margin: the middle of the
//   scales keeping the hard margins, else of those keeping the limits themselves, else
//   coverage at V100 95 % + 1 pp) -> times c·t rounded to
//   0.1 s -> metrics recomputed on the rounded times on the fine evaluation (rescaled once
//   when it misses a limit or keeps V100 by less than 1 pp) -> protocol check, TRAK and an
//   independent direct-path point-dose check.
//
// PlanningSession keeps the geometry, the matrix and the last solution: after a needle moves
// only that catheter's matrix columns are recomputed and the optimiser starts from the last
// times (warm start).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "planner/anatomy/structure.hpp"
#include "planner/dose/dose_matrix.hpp"
#include "planner/formats/types.hpp"
#include "planner/optimize/dose_points.hpp"
#include "planner/optimize/dwell_positions.hpp"
#include "planner/optimize/evaluation.hpp"
#include "planner/optimize/lbfgs.hpp"
#include "planner/optimize/protocol.hpp"

namespace hdr::optimize {

struct PlannerOptions {
  PointDensity density;
  LbfgsOptions lbfgs;
  EvaluationOptions evaluation;
  int threads = 0;          // dose engine threads, 0 = all
  uint64_t seed = 20261127; // dose-point sampling seed (same seed, same plan)
  int max_rounds = 4;       // optimise / evaluate / re-weight rounds
  // L-BFGS iterations per round when re-planning from the last solution (a needle moved, a
  // dwell edited). A warm start sits next to the new optimum: in bench_plan its objective is
  // below the cold plan's after 5 iterations, after which L-BFGS crawls (1e-4 relative per
  // iteration) for ~120 more, for 2-5 % of the objective and no change in the protocol's
  // verdict. The cap keeps a re-plan within the OR's budget (30 ms).
  int warm_max_iterations = 40;
  // When the best round still misses a planning margin, re-optimise once with the protocol's
  // limits as constraints (constrained_refinement.hpp) and keep that plan if it is closer.
  // 100 phantom seeds: 91 -> 95 plans meeting the protocol, none of the 91 lost. Plans the
  // rounds keep within every planning margin never reach it.
  bool constrained_refinement = true;
  double time_step_s = 0.1; // afterloader time resolution (1 / time_step_s must be an integer)
  void validate() const;
};

struct PlanReport {
  bool planned = false;
  std::string message = "PlanningSession::plan was not called.";
  int rounds = 0;
  int iterations = 0;             // L-BFGS iterations over all rounds
  LbfgsReport last_solver;
  bool refinement_tried = false, refinement_used = false;  // constrained refinement (PlannerOptions)
  int refinement_iterations = 0;                            // its L-BFGS iterations
  double dose_scale = 1.0;        // the global normalisation applied to the optimised times
  size_t dose_points = 0, active_dwells = 0, evaluation_points = 0;
  double time_dose_matrix_ms = 0, time_optimize_ms = 0, time_dose_grid_ms = 0, time_total_ms = 0;
  double time_solver_ms = 0;  // the L-BFGS part of time_optimize_ms (the rest: round evaluations)
  std::vector<ConstraintResult> constraints;  // on the final, rounded plan
  bool meets_protocol = false;
  std::vector<std::string> failures;          // "urethra D10_Gy = 17.9 Gy > 17.25 Gy (by 0.65 Gy)"
  double trak_cGy_cm2 = 0;                    // = µGy m² : S_K × Σ t
  struct PointCheck {
    Eigen::Vector3d position_mm;
    double kernel_Gy = 0, direct_Gy = 0, difference_pct = 0;
  };
  std::vector<PointCheck> point_checks;
  double max_point_difference_pct = 0;
};

struct PlanResult {
  formats::Plan plan;
  PlanReport report;
  PlanEvaluation evaluation;  // of the final plan
};

class PlanningSession {
 public:
  // Validates the case (source model known, S_K and prescription > 0, target with a volume,
  // at least one active dwell) and builds roles, dose points, dwells and the matrix.
  PlanningSession(formats::Case c, Protocol protocol, PlannerOptions options = {});
  ~PlanningSession();
  PlanningSession(const PlanningSession&) = delete;
  PlanningSession& operator=(const PlanningSession&) = delete;

  // Optimises (warm from the last solution when there is one) and evaluates.
  PlanResult plan();
  // Replaces one catheter's path, recomputes only its matrix columns (the whole matrix when
  // its number of active dwells changed) and re-plans warm.
  PlanResult move_catheter(int catheter_id, std::vector<formats::Vec3> new_path);

  const formats::Case& plan_case() const { return case_; }
  const std::vector<CandidateDwell>& dwells() const { return dwells_; }
  const DosePoints& dose_points() const { return points_; }
  const dose::DoseRateMatrix& matrix() const { return A_; }

 private:
  void rebuild_matrix();
  PlanResult run(double matrix_ms);

  formats::Case case_;
  Protocol protocol_;
  PlannerOptions options_;
  const dose::SourceModel* source_ = nullptr;
  std::unique_ptr<dose::Tg43Kernel> kernel_;
  std::vector<anatomy::StructureGeometry> structures_;
  Roles roles_;
  GroupScale scale_;
  DosePoints points_;
  std::vector<CandidateDwell> dwells_;
  std::vector<dose::DwellGeometry> geometry_;
  dose::DoseRateMatrix A_;
  double matrix_ms_ = 0;
  double time_scale_s_ = 0;
  std::optional<Eigen::VectorXd> last_times_;  // unrounded, unscaled optimiser solution
};

// One-shot: plan a case with a protocol.
PlanResult plan_case(const formats::Case& c, const Protocol& protocol, const PlannerOptions& options = {});

// The report's protocol evaluation, optimiser and independent-check members for Plan::extra.
nlohmann::json report_to_json(const PlanReport& r, const Protocol& protocol);

}  // namespace hdr::optimize
