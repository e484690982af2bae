#pragma once
// hdr-case/1: a planning problem (source, prescription, structures, catheters, dwell step).
#include <string>

#include "planner/formats/types.hpp"
#include "planner/formats/json_reader.hpp"

namespace hdr::formats {

SourceSpec read_source_spec(const JsonNode& node);
json source_spec_to_json(const SourceSpec& s);
Prescription read_prescription(const JsonNode& node);
json prescription_to_json(const Prescription& p);

Case case_from_json(const json& doc, const std::string& file);
json case_to_json(const Case& c);
Case load_case_file(const std::string& path);
void save_case_file(const std::string& path, const Case& c);

}  // namespace hdr::formats
