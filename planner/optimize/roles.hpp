#pragma once
// Which structure plays which clinical role. The target is the structure of kind `target`
// named "prostate" (any case), else the only structure of kind `target`; urethra, rectum and
// bladder are recognised by name; every `boost` structure is escalated; other organs at risk
// get a generic maximum-dose objective. Metrics are reported under the role names. The target,
// boosts and organs at risk must have a volume (two slices or more); `other` structures are not
// planned on.
#include <string>
#include <vector>

#include "planner/anatomy/structure.hpp"

namespace hdr::optimize {

struct Roles {
  const anatomy::StructureGeometry* target = nullptr;
  const anatomy::StructureGeometry* urethra = nullptr;
  const anatomy::StructureGeometry* rectum = nullptr;
  const anatomy::StructureGeometry* bladder = nullptr;
  std::vector<const anatomy::StructureGeometry*> boosts;
  std::vector<const anatomy::StructureGeometry*> other_organs;

  // The structure for a role name ("prostate", "urethra", "rectum", "bladder") or a
  // structure's own name; nullptr when absent.
  const anatomy::StructureGeometry* find(const std::string& role) const;
};

// Throws hdr::Error when there is no target, when it is ambiguous, or when the target has no
// volume (single slice).
Roles identify_roles(const std::vector<anatomy::StructureGeometry>& structures);

}  // namespace hdr::optimize
