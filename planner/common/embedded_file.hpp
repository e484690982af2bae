#pragma once
// A data file compiled into the binary (cmake/EmbedData.cmake), so that the executables
// find their data whatever the working directory.
#include <span>
#include <string_view>

namespace hdr {
struct EmbeddedFile {
  std::string_view name;     // file name without directory, e.g. "mHDR-v2_F.csv"
  std::string_view content;  // the file's bytes
};
}  // namespace hdr
