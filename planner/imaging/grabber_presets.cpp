#include "planner/imaging/grabber_presets.hpp"

#include <cmath>
#include <span>

#include "planner/common/embedded_file.hpp"
#include "planner/common/error.hpp"
#include "planner/formats/json_reader.hpp"

namespace hdr::imaging {
namespace data {
std::span<const hdr::EmbeddedFile> embedded_files();  // generated (cmake/EmbedData.cmake)
}

std::vector<GrabberCalibration> parse_grabber_presets(const std::string& json_text, const std::string& file) {
  const auto doc = formats::parse_json_text(json_text, file);
  formats::check_format_tag(doc, file, {"hdr-grabber-presets/1"});
  const formats::JsonNode root(doc, file, "");
  const formats::JsonNode list = root.at("presets");
  std::vector<GrabberCalibration> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const formats::JsonNode p = list.at(i);
    GrabberCalibration c;
    c.preset = p.at("preset").string();
    if (c.preset.empty()) p.at("preset").fail("must name the preset");
    for (const auto& seen : out)
      if (seen.preset == c.preset) p.at("preset").fail("\"" + c.preset + "\" appears twice");
    const auto crop = p.at("crop_px").numbers(4);
    for (size_t k = 0; k < 4; ++k)
      if (!(crop[k] >= 0 && crop[k] <= 65535 && crop[k] == std::floor(crop[k])))
        p.at("crop_px").fail("expected 4 whole numbers of pixels in [0, 65535] (x, y, width, height)");
    c.crop_x = static_cast<int>(crop[0]);
    c.crop_y = static_cast<int>(crop[1]);
    c.crop_width = static_cast<int>(crop[2]);
    c.crop_height = static_cast<int>(crop[3]);
    const auto spacing = p.at("spacing_mm").numbers(2);
    c.spacing_mm = {spacing[0], spacing[1]};
    const auto probe = p.at("probe_px").numbers(2);
    c.probe_px = {probe[0], probe[1]};
    c.flip_vertical = p.at("flip_vertical").boolean();
    c.flip_horizontal = p.at("flip_horizontal").boolean();
    std::string why;
    if (!c.validate(&why)) p.fail(why);
    out.push_back(std::move(c));
  }
  if (out.empty()) list.fail("no presets");
  return out;
}

const std::vector<GrabberCalibration>& builtin_grabber_presets() {
  static const std::vector<GrabberCalibration> presets = [] {
    for (const auto& f : data::embedded_files())
      if (f.name == "grabber_presets.json") return parse_grabber_presets(std::string(f.content), "grabber_presets.json");
    throw Error("grabber_presets.json is not embedded in this build");
  }();
  return presets;
}

const GrabberCalibration& find_grabber_preset(const std::vector<GrabberCalibration>& presets, const std::string& name) {
  std::string names;
  for (const auto& p : presets) {
    if (p.preset == name) return p;
    names += (names.empty() ? "\"" : ", \"") + p.preset + "\"";
  }
  throw Error("grabber preset \"" + name + "\": unknown (there are " + names + ")");
}

}  // namespace hdr::imaging
