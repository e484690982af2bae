#pragma once
// hdr-trus/1 recorded sweeps (formats/README.md): a folder with sequence.json and 8-bit
// grayscale PNG frames.
#include <string>

#include "planner/imaging/image.hpp"

namespace hdr::imaging {

// Reads DIR/sequence.json and every frame. Throws hdr::Error naming the file and field at
// fault: unknown format tag, a frame that cannot be decoded, a frame whose size differs from
// the first, a non-monotonic z_mm.
Sweep load_trus_folder(const std::string& dir);

// Writes the frames as fNNN.png and then sequence.json (each file atomically; sequence.json
// last, so a folder without it was never finished). Creates DIR if needed.
void save_trus_folder(const std::string& dir, const Sweep& sweep);

// PNG encoding/decoding of one image (spacing/origin not stored in the PNG). `name` for errors.
std::string encode_png(const GrayImage& image);
GrayImage decode_png(const std::string& bytes, const std::string& name);

}  // namespace hdr::imaging
