// hdr-plan/1 reader (planner/formats/plan_io.hpp). Properties: round-trip fixpoint, and the
// canonical text used for approval hashes is stable across the round trip.
#include "planner/formats/plan_io.hpp"
#include "tools/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hdr::fuzz::expect_only_hdr_errors([&] {
    using namespace hdr::formats;
    const Plan p = plan_from_json(parse_json_text(hdr::fuzz::as_text(data, size), "fuzz.json"), "fuzz.json");
    const json once = plan_to_json(p);
    const Plan again = plan_from_json(once, "roundtrip.json");
    hdr::fuzz::check(once == plan_to_json(again), "hdr-plan/1 round trip is not a fixpoint");
    hdr::fuzz::check(canonical_plan_text(p) == canonical_plan_text(again), "canonical plan text changed in round trip");
  });
  return 0;
}
