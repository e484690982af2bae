#pragma once
// The chunk structure of a PNG file (signature, IHDR first, every chunk complete with a
// matching CRC, IEND present), checked before the image is handed to the decoder. Why: the
// decoder (libpng inside OpenCV) reports a truncated or corrupt file by printing its own line on
// stderr before failing; checking first lets a bad frame give exactly one error, ours, naming
// the file and what is wrong with it.
#include <string>
#include <string_view>

namespace hdr::imaging {

// Throws hdr::Error("<name>: ...") when `bytes` is not a structurally complete PNG file.
// Bytes after IEND are ignored, as PNG decoders do.
void check_png_chunks(std::string_view bytes, const std::string& name);

}  // namespace hdr::imaging
