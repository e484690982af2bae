// hdr-case/1 reader (planner/formats/case_io.hpp). Property: an accepted case re-serialises
// to a document the reader accepts and that serialises identically (round-trip fixpoint).
#include "planner/formats/case_io.hpp"
#include "tools/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hdr::fuzz::expect_only_hdr_errors([&] {
    using namespace hdr::formats;
    const Case c = case_from_json(parse_json_text(hdr::fuzz::as_text(data, size), "fuzz.json"), "fuzz.json");
    const json once = case_to_json(c);
    const json twice = case_to_json(case_from_json(once, "roundtrip.json"));
    hdr::fuzz::check(once == twice, "hdr-case/1 round trip is not a fixpoint");
  });
  return 0;
}
