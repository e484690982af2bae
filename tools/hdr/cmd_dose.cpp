// `hdr dose --source ID --points IN.csv [--out OUT.csv] [--formalism line|point]`: TG-43 dose
// rate per unit air-kerma strength for one source at the origin, long axis +z, tip at +z.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"
#include "planner/dose/tg43.hpp"
#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/command_registry.hpp"

namespace hdr::cli {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  std::string c;
  while (std::getline(ss, c, ',')) cells.push_back(trim(c));
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

double parse_coordinate(const std::string& text, const std::string& where) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v))
    throw Error(where + ": '" + text + "' is not a finite number");
  return v;
}

std::string dose_table(const dose::SourceModel& source, const std::string& in_path, dose::Formalism formalism) {
  const std::string text = read_file(in_path);
  std::stringstream in(text);
  std::string line;
  int line_no = 0;
  int z_col = -1, y_col = -1;
  size_t n_cols = 0;
  std::string out = "z_cm,y_cm,dose_rate_cGy_h_U\n";
  char buf[64];
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;
    const auto cells = split(line);
    if (z_col < 0) {
      for (size_t c = 0; c < cells.size(); ++c) {
        if (cells[c] == "z_cm") z_col = static_cast<int>(c);
        if (cells[c] == "y_cm") y_col = static_cast<int>(c);
      }
      if (z_col < 0 || y_col < 0)
        throw Error(in_path + ":" + std::to_string(line_no) + ": header must name columns z_cm and y_cm");
      n_cols = cells.size();
      continue;
    }
    const std::string where = in_path + ":" + std::to_string(line_no);
    if (cells.size() != n_cols)
      throw Error(where + ": expected " + std::to_string(n_cols) + " cells, found " + std::to_string(cells.size()));
    const std::string& zt = cells[static_cast<size_t>(z_col)];
    const std::string& yt = cells[static_cast<size_t>(y_col)];
    const double z = parse_coordinate(zt, where + ": z_cm");
    const double y = parse_coordinate(yt, where + ": y_cm");
    if (y < 0) throw Error(where + ": y_cm = " + yt + " is negative (it is the distance from the source axis)");
    if (std::hypot(z, y) > 100) throw Error(where + ": point farther than 100 cm from the source");
    const double d = dose::dose_rate_per_U(source, z, y, formalism);
    if (std::isnan(d))
      std::snprintf(buf, sizeof buf, "nan");
    else
      std::snprintf(buf, sizeof buf, "%.9g", d);
    out += zt + "," + yt + "," + buf + "\n";
  }
  if (z_col < 0) throw Error(in_path + ": empty file (expected a header z_cm,y_cm)");
  return out;
}

void add_dose(CLI::App& app) {
  auto* sub = app.add_subcommand("dose", "TG-43 dose rate per unit S_K for one source at the origin (tip towards +z)");
  static std::string source_id, points_path, out_path, formalism = "line";
  sub->add_option("--source", source_id, "Source model id (see `hdr sources`)")->required();
  sub->add_option("--points", points_path, "CSV with a header and columns z_cm,y_cm (y >= 0)")->required();
  sub->add_option("--out", out_path, "Output CSV (default: stdout)");
  sub->add_option("--formalism", formalism, "line (2D, default) or point (1D approximation)")
      ->check(CLI::IsMember({"line", "point"}));
  set_action(sub, [] {
    const auto& source = dose::SourceLibrary::builtin().get(source_id);
    const auto f = formalism == "point" ? dose::Formalism::point_1d : dose::Formalism::line_2d;
    const std::string table = dose_table(source, points_path, f);
    if (out_path.empty())
      std::fwrite(table.data(), 1, table.size(), stdout);
    else
      write_file_atomically(out_path, table);
    return 0;
  });
}

}  // namespace
HDR_REGISTER_COMMAND(20, add_dose);
}  // namespace hdr::cli
