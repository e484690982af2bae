#pragma once
// Checked access to parsed JSON for the interchange formats. Every failure throws hdr::Error
// with one line naming the file and the JSON path at fault, e.g.
//   "case.json: structures[2].slices[0].z_mm: expected a finite number, found \"abc\"".
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hdr::formats {

using nlohmann::json;

class JsonNode {
 public:
  JsonNode(const json& value, std::string file, std::string path)
      : v_(&value), file_(std::move(file)), path_(std::move(path)) {}

  const json& raw() const { return *v_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& why) const;

  bool has(const char* key) const;
  JsonNode at(const char* key) const;   // required member
  JsonNode at(size_t index) const;      // array element
  size_t size() const;                  // array length (requires an array)

  double number() const;                // finite number
  double positive_number() const;       // finite and > 0
  double non_negative_number() const;   // finite and >= 0
  long long integer() const;
  std::string string() const;
  bool boolean() const;
  std::vector<double> numbers(size_t expected_count) const;  // array of finite numbers

  double number_or(const char* key, double fallback) const;

 private:
  const json* v_;
  std::string file_;
  std::string path_;
};

// Parses text (refusing NaN/Inf and trailing garbage) and checks the "format" tag against
// `accepted`. `file` names the source in errors.
json parse_json_text(const std::string& text, const std::string& file);
void check_format_tag(const json& doc, const std::string& file, const std::vector<std::string>& accepted);

}  // namespace hdr::formats
