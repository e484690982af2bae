#include "planner/imaging/trus_io.hpp"

#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"
#include "planner/formats/json_reader.hpp"
#include "planner/imaging/cv_convert.hpp"
#include "planner/imaging/png_chunks.hpp"

namespace hdr::imaging {

std::string encode_png(const GrayImage& image) {
  std::vector<unsigned char> buf;
  const cv::Mat m = view_of(image);
  require(cv::imencode(".png", m, buf), "could not encode a PNG frame");
  return std::string(buf.begin(), buf.end());
}

GrayImage decode_png(const std::string& bytes, const std::string& name) {
  require(!bytes.empty(), name + ": empty file, not an image");
  check_png_chunks(bytes, name);
  const std::vector<unsigned char> buf(bytes.begin(), bytes.end());
  cv::Mat m;
  try {
    m = cv::imdecode(buf, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw Error(name + ": cannot be decoded as an image (" + e.what() + ")");
  }
  require(!m.empty(), name + ": cannot be decoded as an image (truncated or not PNG)");
  require(m.depth() == CV_8U, name + ": expected 8-bit pixels, found another bit depth");
  if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
  else if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2GRAY);
  require(m.channels() == 1, name + ": expected a grayscale image");
  return to_gray_image(m, {1.0, 1.0}, {0.0, 0.0});
}

Sweep load_trus_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::string seq_path = (fs::path(dir) / "sequence.json").string();
  const formats::json doc = formats::parse_json_text(read_file(seq_path), seq_path);
  formats::check_format_tag(doc, seq_path, {"hdr-trus/1"});
  const formats::JsonNode root(doc, seq_path, "");
  const std::vector<double> spacing = root.at("pixel_spacing_mm").numbers(2);
  const std::vector<double> origin = root.at("origin_mm").numbers(2);
  for (int k = 0; k < 2; ++k) {
    if (!(spacing[static_cast<size_t>(k)] > 0.0)) root.at("pixel_spacing_mm").at(static_cast<size_t>(k)).fail("pixel spacing must be > 0");
  }
  const formats::JsonNode frames = root.at("frames");
  require(frames.size() > 0, seq_path + ": frames: the sweep has no frames");
  Sweep sweep;
  for (size_t k = 0; k < frames.size(); ++k) {
    const formats::JsonNode f = frames.at(k);
    const std::string file = f.at("file").string();
    if (file.empty() || file.find('/') != std::string::npos || file.find("..") != std::string::npos)
      f.at("file").fail("a frame file must be a plain name inside the folder");
    Frame frame;
    frame.z_mm = f.at("z_mm").number();
    frame.timestamp_s = f.number_or("timestamp_s", static_cast<double>(k));
    const std::string path = (fs::path(dir) / file).string();
    frame.image = decode_png(read_file(path), path);
    frame.image.spacing_mm = {spacing[0], spacing[1]};
    frame.image.origin_mm = {origin[0], origin[1]};
    if (!sweep.frames.empty()) {
      const GrayImage& a = sweep.frames.front().image;
      if (a.width != frame.image.width || a.height != frame.image.height) {
        throw Error(path + ": size " + std::to_string(frame.image.width) + "x" + std::to_string(frame.image.height) +
                    " differs from the first frame's " + std::to_string(a.width) + "x" + std::to_string(a.height));
      }
    }
    sweep.frames.push_back(std::move(frame));
  }
  validate_sweep(sweep, seq_path);
  return sweep;
}

void save_trus_folder(const std::string& dir, const Sweep& sweep) {
  namespace fs = std::filesystem;
  validate_sweep(sweep, dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(!ec && fs::is_directory(dir), dir + ": cannot create the sweep folder (" + ec.message() + ")");
  formats::json frames = formats::json::array();
  for (size_t k = 0; k < sweep.frames.size(); ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "f%03zu.png", k);
    write_file_atomically((fs::path(dir) / name).string(), encode_png(sweep.frames[k].image));
    frames.push_back({{"file", name}, {"z_mm", sweep.frames[k].z_mm}, {"timestamp_s", sweep.frames[k].timestamp_s}});
  }
  const GrayImage& im = sweep.frames.front().image;
  formats::json doc = {{"format", "hdr-trus/1"},
                       {"pixel_spacing_mm", {im.spacing_mm[0], im.spacing_mm[1]}},
                       {"origin_mm", {im.origin_mm[0], im.origin_mm[1]}},
                       {"frames", frames}};
  write_file_atomically((fs::path(dir) / "sequence.json").string(), doc.dump(1) + "\n");
}

}  // namespace hdr::imaging
