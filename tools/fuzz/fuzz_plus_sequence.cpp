// PLUS sequence files (planner/imaging/plus_io.hpp) as read_plus_sequence reads them from disk:
// MetaImage header, per-frame fields, inline raw or zlib-compressed pixels. Property: every
// frame of an accepted B-mode sequence decodes to width x height pixels.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "planner/imaging/plus_io.hpp"
#include "tools/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader takes a path (an .mhd names its data file beside it): one scratch file per process.
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("hdr_fuzz_plus_" + std::to_string(::getpid()) + ".igs.mha")).string();
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  hdr::fuzz::expect_only_hdr_errors([&] {
    const auto seq = hdr::imaging::read_plus_sequence(path);
    for (int k = 0; k < seq.frame_count; ++k) {
      const auto image = hdr::imaging::plus_frame_image(seq, k);
      hdr::fuzz::check(image.pixels.size() == static_cast<size_t>(seq.width) * static_cast<size_t>(seq.height),
                       "a decoded PLUS frame does not hold width x height pixels");
    }
  });
  return 0;
}
