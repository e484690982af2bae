#pragma once
// Reads a consensus along-away QA table (planner/dose/data/<id>_along_away.csv): rows z (cm,
// + toward the tip), columns y (cm), values Ḋ/S_K in cGy h⁻¹ U⁻¹.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

struct AlongAwayTable {
  std::vector<double> y_cm;
  std::vector<double> z_cm;
  std::vector<std::vector<double>> value;  // [iz][iy]
};

inline AlongAwayTable read_along_away(const std::string& path) {
  std::ifstream in(path);
  AlongAwayTable t;
  std::string line;
  bool header = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    std::string cell;
    std::vector<std::string> cells;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (!header) {
      for (size_t c = 1; c < cells.size(); ++c) t.y_cm.push_back(std::stod(cells[c]));
      header = true;
      continue;
    }
    t.z_cm.push_back(std::stod(cells[0]));
    std::vector<double> row;
    for (size_t c = 1; c < cells.size(); ++c) row.push_back(std::stod(cells[c]));
    t.value.push_back(row);
  }
  return t;
}
