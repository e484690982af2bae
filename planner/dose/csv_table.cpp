#include "planner/dose/csv_table.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "planner/common/error.hpp"

namespace hdr::dose {
namespace {

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (char c : line) {
    if (c == ',') {
      cells.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell.push_back(c);
    }
  }
  cells.push_back(cell);
  for (auto& s : cells) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  }
  return cells;
}

double parse_number(const std::string& s, bool& ok) {
  ok = false;
  if (s.empty()) return 0;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v)) return 0;
  ok = true;
  return v;
}

}  // namespace

void csv_fail(const CsvTable& t, int line, const std::string& why) {
  throw Error(t.file + ":" + std::to_string(line) + ": " + why);
}

CsvTable parse_csv_table(const std::string& text, const std::string& file) {
  CsvTable t;
  t.file = file;
  int line_no = 0;
  size_t pos = 0;
  bool have_header = false;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (pos > text.size()) break;
      continue;
    }
    if (line[0] == '#') {
      // A bare "#" line carries no provenance (found by fuzz_tg43_table: substr(npos) threw).
      const auto text_at = line.find_first_not_of("# ");
      if (t.provenance.empty() && text_at != std::string::npos) t.provenance = line.substr(text_at);
      continue;
    }
    auto cells = split_cells(line);
    if (!have_header) {
      t.header = std::move(cells);
      have_header = true;
      continue;
    }
    if (cells.size() != t.header.size())
      csv_fail(t, line_no, "expected " + std::to_string(t.header.size()) + " cells, found " + std::to_string(cells.size()));
    t.rows.push_back(std::move(cells));
    t.row_lines.push_back(line_no);
  }
  if (t.provenance.empty()) throw Error(file + ":1: missing '#' provenance line");
  if (!have_header) throw Error(file + ": missing header line");
  if (t.rows.empty()) throw Error(file + ": no data rows");
  return t;
}

double csv_number(const CsvTable& t, size_t row, size_t col, bool allow_empty) {
  const std::string& s = t.rows[row][col];
  if (s.empty() && allow_empty) return std::nan("");
  bool ok = false;
  const double v = parse_number(s, ok);
  if (!ok)
    csv_fail(t, t.row_lines[row],
             "column '" + t.header[col] + "': '" + s + "' is not a finite number");
  return v;
}

double csv_header_number(const CsvTable& t, size_t col) {
  bool ok = false;
  const double v = parse_number(t.header[col], ok);
  if (!ok) throw Error(t.file + ": header cell '" + t.header[col] + "' is not a number");
  return v;
}

}  // namespace hdr::dose
