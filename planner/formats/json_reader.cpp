#include "planner/formats/json_reader.hpp"

#include <cmath>

#include "planner/common/error.hpp"

namespace hdr::formats {

namespace {
std::string show(const json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}
}  // namespace

void JsonNode::fail(const std::string& why) const {
  throw Error(file_ + ": " + (path_.empty() ? std::string("(top level)") : path_) + ": " + why);
}

bool JsonNode::has(const char* key) const { return v_->is_object() && v_->contains(key); }

JsonNode JsonNode::at(const char* key) const {
  if (!v_->is_object()) fail("expected an object, found " + show(*v_));
  auto it = v_->find(key);
  const std::string child = path_.empty() ? std::string(key) : path_ + "." + key;
  if (it == v_->end()) throw Error(file_ + ": " + child + ": missing required field");
  return JsonNode(*it, file_, child);
}

JsonNode JsonNode::at(size_t index) const {
  if (!v_->is_array()) fail("expected an array, found " + show(*v_));
  if (index >= v_->size()) fail("index " + std::to_string(index) + " out of range");
  return JsonNode((*v_)[index], file_, path_ + "[" + std::to_string(index) + "]");
}

size_t JsonNode::size() const {
  if (!v_->is_array()) fail("expected an array, found " + show(*v_));
  return v_->size();
}

double JsonNode::number() const {
  if (!v_->is_number()) fail("expected a number, found " + show(*v_));
  const double d = v_->get<double>();
  if (!std::isfinite(d)) fail("expected a finite number");
  return d;
}

double JsonNode::positive_number() const {
  const double d = number();
  if (!(d > 0)) fail("must be > 0, found " + show(*v_));
  return d;
}

double JsonNode::non_negative_number() const {
  const double d = number();
  if (d < 0) fail("must be >= 0, found " + show(*v_));
  return d;
}

long long JsonNode::integer() const {
  if (v_->is_number_integer()) return v_->get<long long>();
  if (v_->is_number_float()) {
    const double d = v_->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<long long>(d);
  }
  fail("expected an integer, found " + show(*v_));
}

std::string JsonNode::string() const {
  if (!v_->is_string()) fail("expected a string, found " + show(*v_));
  return v_->get<std::string>();
}

bool JsonNode::boolean() const {
  if (!v_->is_boolean()) fail("expected true or false, found " + show(*v_));
  return v_->get<bool>();
}

std::vector<double> JsonNode::numbers(size_t expected_count) const {
  const size_t n = size();
  if (n != expected_count)
    fail("expected " + std::to_string(expected_count) + " numbers, found " + std::to_string(n));
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = at(i).number();
  return out;
}

double JsonNode::number_or(const char* key, double fallback) const {
  return has(key) ? at(key).number() : fallback;
}

json parse_json_text(const std::string& text, const std::string& file) {
  try {
    // allow_exceptions, no comments; nlohmann refuses NaN/Infinity literals as invalid JSON.
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(file + ": not valid JSON (byte " + std::to_string(e.byte) + ")");
  } catch (const json::out_of_range&) {
    // A number too large for a double (e.g. 1e400) is reported by nlohmann as out_of_range,
    // not parse_error (found by tools/fuzz).
    throw Error(file + ": not valid JSON (a number is out of the range of a double)");
  }
}

void check_format_tag(const json& doc, const std::string& file, const std::vector<std::string>& accepted) {
  std::string list;
  for (const auto& a : accepted) list += (list.empty() ? "" : ", ") + a;
  if (!doc.is_object()) throw Error(file + ": expected a JSON object with \"format\" (accepted: " + list + ")");
  auto it = doc.find("format");
  if (it == doc.end() || !it->is_string())
    throw Error(file + ": format: missing format tag (accepted: " + list + ")");
  const std::string tag = it->get<std::string>();
  for (const auto& a : accepted)
    if (tag == a) return;
  throw Error(file + ": format: unknown format tag '" + tag + "' (accepted: " + list + ")");
}

}  // namespace hdr::formats
