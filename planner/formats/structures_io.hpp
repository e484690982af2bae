#pragma once
// Reading and writing hdr-structures/1 and hdr-catheters/1 (and their parts inside a case).
#include <string>

#include "planner/formats/json_reader.hpp"
#include "planner/formats/types.hpp"

namespace hdr::formats {

// Parses the array of structure objects at `node` (validates names, kinds, polygons: >= 3
// finite points per slice, slices strictly increasing in z after sorting, no duplicate z).
std::vector<Structure> read_structure_list(const JsonNode& node);
std::vector<Catheter> read_catheter_list(const JsonNode& node);

json structure_list_to_json(const std::vector<Structure>& structures);
json catheter_list_to_json(const std::vector<Catheter>& catheters);

// Whole files. `file` names the file in errors.
std::vector<Structure> load_structures_file(const std::string& path);
std::vector<Catheter> load_catheters_file(const std::string& path);
void save_structures_file(const std::string& path, const std::vector<Structure>& structures);
void save_catheters_file(const std::string& path, const std::vector<Catheter>& catheters);

// Finds a structure by name (nullptr if absent).
const Structure* find_structure(const std::vector<Structure>& structures, const std::string& name);

}  // namespace hdr::formats
