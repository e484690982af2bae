#include "planner/optimize/roles.hpp"

#include <algorithm>
#include <cctype>

#include "planner/common/error.hpp"

namespace hdr::optimize {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
}  // namespace

const anatomy::StructureGeometry* Roles::find(const std::string& role) const {
  if (role == "prostate") return target;
  if (role == "urethra") return urethra;
  if (role == "rectum") return rectum;
  if (role == "bladder") return bladder;
  for (const auto* s : boosts)
    if (s->name() == role) return s;
  for (const auto* s : other_organs)
    if (s->name() == role) return s;
  return nullptr;
}

Roles identify_roles(const std::vector<anatomy::StructureGeometry>& structures) {
  Roles r;
  std::vector<const anatomy::StructureGeometry*> targets;
  for (const auto& s : structures) {
    const std::string n = lower(s.name());
    using formats::StructureKind;
    if (s.kind() == StructureKind::target) {
      targets.push_back(&s);
    } else if (s.kind() == StructureKind::boost) {
      r.boosts.push_back(&s);
    } else if (n == "urethra" && !r.urethra) {
      r.urethra = &s;
    } else if (n == "rectum" && !r.rectum) {
      r.rectum = &s;
    } else if (n == "bladder" && !r.bladder) {
      r.bladder = &s;
    } else if (s.kind() == StructureKind::organ_at_risk) {
      r.other_organs.push_back(&s);
    }
  }
  for (const auto* t : targets)
    if (lower(t->name()) == "prostate") r.target = t;
  if (!r.target) {
    require(!targets.empty(), "the case has no structure of kind 'target' to plan on");
    require(targets.size() == 1, "the case has " + std::to_string(targets.size()) +
                                     " structures of kind 'target' and none is named 'prostate'");
    r.target = targets.front();
  }
  r.target->require_volume("planning (the target)");
  for (const auto* b : r.boosts) b->require_volume("planning (a boost volume)");
  // An organ's dose limits (D2cc, D10, ...) need its volume: a single-slice organ is refused,
  // never planned and reported as if it were absent.
  for (const auto* o : {r.urethra, r.rectum, r.bladder})
    if (o) o->require_volume("its dose limits in planning");
  for (const auto* o : r.other_organs) o->require_volume("its dose limits in planning");
  return r;
}

}  // namespace hdr::optimize
