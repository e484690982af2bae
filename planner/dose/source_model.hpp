#pragma once
// TG-43U1 data of one brachytherapy source model and the library of built-in models.
//
// Data: planner/dose/data/ (copied from the AAPM/ESTRO HEBD consensus spreadsheets and the
// CLRP database, provenance in each file's first line), compiled into the binary.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hdr::dose {

struct SourceModel {
  std::string id;           // "mHDR-v2", "Flexisource", ...
  std::string description;  // manufacturer and model
  std::string isotope;      // "Ir-192"
  std::string dataset;      // "HEBD consensus" or "CLRP"
  std::string citation;     // provenance line of the data files
  double lambda_cGy_h_U = 0.0;     // dose-rate constant Λ
  double active_length_cm = 0.0;   // L used in G_L (always the table's own L)

  // Radial dose function g_L(r): nodes strictly increasing.
  std::vector<double> gL_r_cm;
  std::vector<double> gL;

  // 2D anisotropy function F(r, θ), θ in degrees (0 = tip side, 180 = cable side).
  // F[it * F_r_cm.size() + ir]. Cells the data marks as inside the source or as near-source
  // extrapolation artefacts are already replaced (see tg43.hpp, point 2).
  std::vector<double> F_theta_deg;
  std::vector<double> F_r_cm;
  std::vector<double> F;

  double F_at_node(size_t it, size_t ir) const { return F[it * F_r_cm.size() + ir]; }
};

class SourceLibrary {
 public:
  // The six built-in Ir-192 HDR models (embedded data). Parsed once, on first use.
  static const SourceLibrary& builtin();

  // Loads sources.csv and the tables it names through `read(file_name)` (returns the text or
  // throws hdr::Error). A malformed or missing table throws hdr::Error naming file and line.
  static SourceLibrary load(const std::function<std::string(const std::string&)>& read);

  // Throws hdr::Error "unknown source model 'X' (known: ...)".
  const SourceModel& get(std::string_view id) const;
  const std::vector<SourceModel>& models() const { return models_; }

 private:
  std::vector<SourceModel> models_;
};

}  // namespace hdr::dose
