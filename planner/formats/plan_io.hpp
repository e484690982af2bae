#pragma once
// hdr-plan/1: a planned treatment (dwells with times, metrics, timings).
#include <string>

#include "planner/formats/json_reader.hpp"
#include "planner/formats/types.hpp"

namespace hdr::formats {

// Validates: dwells present, times finite, >= 0 and on the 0.1 s grid (to 1e-6 s), directions
// unit vectors (to 1e-3), catheter ids positive.
Plan plan_from_json(const json& doc, const std::string& file);
json plan_to_json(const Plan& p);
Plan load_plan_file(const std::string& path);
void save_plan_file(const std::string& path, const Plan& p);

// The plan's canonical serialisation (sorted keys, fixed number formatting by nlohmann), the
// input of its content hash: equal plans give equal text whatever order they were read in.
std::string canonical_plan_text(const Plan& p);

}  // namespace hdr::formats
