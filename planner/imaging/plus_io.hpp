#pragma once
// PLUS toolkit sequence files (MetaImage `.igs.mha` with the data inline, or `.igs.mhd` with
// the data in a separate file; raw or zlib-compressed) with their per-frame fields, e.g.
//   Seq_Frame0003_ProbePosition = 12.5      (stepper translation encoder, mm)
//   Seq_Frame0003_Timestamp = 2.0
// Every inconsistency is an hdr::Error naming the file and the field: unknown element type,
// sizes that do not match the data, truncated or corrupt compressed data, frame fields that
// do not parse. Frames without per-frame fields are listed in `warnings`, never invented.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "planner/imaging/image.hpp"

namespace hdr::imaging {

struct PlusFrameInfo {
  std::map<std::string, std::string> fields;  // Seq_FrameNNNN_<name> = value, by <name>
  std::optional<double> timestamp_s;
  std::optional<double> probe_position_mm;    // ProbePosition (brachytherapy stepper)
  std::optional<double> probe_rotation_deg;   // ProbeRotation
  std::optional<double> template_position_mm; // TemplatePosition
  bool image_ok = true;                       // ImageStatus != INVALID
};

struct PlusSequence {
  std::string path;
  int width = 0, height = 0, frame_count = 0;
  int bytes_per_pixel = 1;          // MET_UCHAR 1, MET_SHORT/USHORT 2
  std::string element_type;         // e.g. MET_UCHAR
  double spacing_mm[3] = {1, 1, 1}; // ElementSpacing (x, y, frame)
  std::map<std::string, std::string> header;
  std::vector<PlusFrameInfo> frames;
  std::vector<std::uint8_t> data;   // width * height * frame_count * bytes_per_pixel
  std::vector<std::string> warnings;
};

PlusSequence read_plus_sequence(const std::string& path);

// B-mode frame k as a GrayImage (MET_UCHAR only; RF data is refused with an error).
GrayImage plus_frame_image(const PlusSequence& seq, int k);

// The frames in recorded order with z from ProbePosition, each image passed through `place`
// (which puts it in patient coordinates); refused when a frame lacks its position or is
// invalid. The positions may go back and forth (a recording to view, not yet a sweep).
std::vector<Frame> plus_frames(const PlusSequence& seq, const std::function<GrayImage(GrayImage)>& place);

// The sequence as a sweep: plus_frames with `origin_mm` placing the probe axis at (0, 0),
// also refused when the positions are not monotonic (validate_sweep).
Sweep plus_to_sweep(const PlusSequence& seq, std::array<double, 2> origin_mm);

}  // namespace hdr::imaging
