// The PNG chunk check (planner/imaging/png_chunks.hpp) that guards every hdr-trus/1 frame
// before it reaches the decoder. Property: an accepted file starts with the PNG signature and
// an IHDR chunk.
#include "planner/imaging/png_chunks.hpp"
#include "tools/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = hdr::fuzz::as_text(data, size);
  hdr::fuzz::expect_only_hdr_errors([&] {
    hdr::imaging::check_png_chunks(bytes, "fuzz.png");
    hdr::fuzz::check(bytes.size() >= 33 && bytes.compare(1, 3, "PNG") == 0 && bytes.compare(12, 4, "IHDR") == 0,
                     "an accepted PNG lacks its signature or IHDR chunk");
  });
  return 0;
}
