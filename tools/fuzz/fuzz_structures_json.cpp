// hdr-structures/1 and hdr-catheters/1 readers (planner/formats/structures_io.hpp), as
// load_structures_file / load_catheters_file use them. Property: round-trip fixpoint.
#include "planner/formats/structures_io.hpp"
#include "tools/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hdr::formats;
  json doc;
  try {
    doc = parse_json_text(hdr::fuzz::as_text(data, size), "fuzz.json");
  } catch (const hdr::Error&) {
    return 0;
  }
  hdr::fuzz::expect_only_hdr_errors([&] {
    check_format_tag(doc, "fuzz.json", {"hdr-structures/1"});
    const auto s = read_structure_list(JsonNode(doc, "fuzz.json", "").at("structures"));
    const json once = structure_list_to_json(s);
    hdr::fuzz::check(once == structure_list_to_json(read_structure_list(JsonNode(once, "rt.json", ""))),
                     "hdr-structures/1 round trip is not a fixpoint");
    for (const auto& st : s) (void)find_structure(s, st.name);
  });
  hdr::fuzz::expect_only_hdr_errors([&] {
    check_format_tag(doc, "fuzz.json", {"hdr-catheters/1", "hdr-structures/1"});
    const auto c = read_catheter_list(JsonNode(doc, "fuzz.json", "").at("catheters"));
    const json once = catheter_list_to_json(c);
    hdr::fuzz::check(once == catheter_list_to_json(read_catheter_list(JsonNode(once, "rt.json", ""))),
                     "hdr-catheters/1 round trip is not a fixpoint");
  });
  return 0;
}
