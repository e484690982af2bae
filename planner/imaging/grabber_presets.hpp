#pragma once
// Frame-grabber presets: the calibration (crop, pixel spacing, probe axis, orientation) of one
// scanner and imaging preset, as the physicist measured it, kept in an `hdr-grabber-presets/1`
// JSON file. The shipped presets (data/grabber_presets.json, with their provenance) are
// compiled into the binary; a site's own file is read with parse_grabber_presets().
//
//   { "format": "hdr-grabber-presets/1",
//     "presets": [ { "preset": "name", "crop_px": [x, y, width, height],
//                    "spacing_mm": [sx, sy], "probe_px": [column, row],
//                    "flip_vertical": bool, "flip_horizontal": bool }, ... ] }
//
// `probe_px` is the probe axis (for a stepper: the centre of rotation) in the cropped image;
// the flips bring the probe to the bottom of the console's frame.
#include <string>
#include <vector>

#include "planner/imaging/frame_source.hpp"

namespace hdr::imaging {

// Every preset in `json_text`, each validated; throws hdr::Error naming `file` and the field.
std::vector<GrabberCalibration> parse_grabber_presets(const std::string& json_text, const std::string& file);

// The presets shipped with the console.
const std::vector<GrabberCalibration>& builtin_grabber_presets();

// The preset called `name` in `presets`; throws hdr::Error listing the names there are.
const GrabberCalibration& find_grabber_preset(const std::vector<GrabberCalibration>& presets, const std::string& name);

}  // namespace hdr::imaging
