#pragma once
// A small, strict reader for the TG-43 CSV tables: a '#' provenance line, a header line, then
// numeric rows. Every defect is an hdr::Error naming the file and the 1-based line.
#include <string>
#include <vector>

namespace hdr::dose {

struct CsvTable {
  std::string file;
  std::string provenance;                      // the first '#' line, without '#'
  std::vector<std::string> header;             // cells of the header line
  std::vector<std::vector<std::string>> rows;  // raw cells of each data row
  std::vector<int> row_lines;                  // 1-based line number of each row
};

CsvTable parse_csv_table(const std::string& text, const std::string& file);

// Parses a finite number; empty cells are refused unless allow_empty (then NaN is returned,
// meaning "no value" to the caller, never stored as a dose).
double csv_number(const CsvTable& t, size_t row, size_t col, bool allow_empty = false);
double csv_header_number(const CsvTable& t, size_t col);
[[noreturn]] void csv_fail(const CsvTable& t, int line, const std::string& why);

}  // namespace hdr::dose
