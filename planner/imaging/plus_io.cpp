#include "planner/imaging/plus_io.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"

namespace hdr::imaging {
namespace {

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

std::vector<double> numbers(const std::string& path, const std::string& key, const std::string& value) {
  std::istringstream in(value);
  std::vector<double> v;
  std::string tok;
  while (in >> tok) {
    char* end = nullptr;
    const double d = std::strtod(tok.c_str(), &end);
    if (end == tok.c_str() || *end != '\0' || !std::isfinite(d)) throw Error(path + ": " + key + ": \"" + value + "\" is not a list of numbers");
    v.push_back(d);
  }
  return v;
}

double one_number(const std::string& path, const std::string& key, const std::string& value) {
  const auto v = numbers(path, key, value);
  require(v.size() == 1, path + ": " + key + ": expected one number, found \"" + value + "\"");
  return v[0];
}

}  // namespace

PlusSequence read_plus_sequence(const std::string& path) {
  const std::string text = read_file(path);
  PlusSequence seq;
  seq.path = path;
  // Header: "Key = Value" lines up to and including ElementDataFile.
  size_t pos = 0;
  bool have_data_file = false;
  std::map<int, PlusFrameInfo> by_index;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();  // a last line without a newline
    const std::string line = text.substr(pos, eol - pos);
    pos = std::min(text.size(), eol + 1);
    if (trim(line).empty()) continue;
    const auto eq = line.find('=');
    require(eq != std::string::npos, path + ": header line \"" + trim(line).substr(0, 60) + "\" is not \"Key = Value\"");
    const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key.rfind("Seq_Frame", 0) == 0) {
      const auto us = key.find('_', 9);
      require(us != std::string::npos && us > 9, path + ": malformed frame field name " + key);
      const std::string idx = key.substr(9, us - 9);
      // At most 6 digits: DimSize allows 100000 frames, and stoi must not overflow.
      require(idx.size() <= 6 && std::all_of(idx.begin(), idx.end(), [](char c) { return c >= '0' && c <= '9'; }),
              path + ": malformed frame field name " + key);
      by_index[std::stoi(idx)].fields[key.substr(us + 1)] = value;
    } else {
      seq.header[key] = value;
    }
    if (key == "ElementDataFile") {
      have_data_file = true;
      break;
    }
  }
  require(have_data_file, path + ": no ElementDataFile in the header (truncated or not a MetaImage file)");
  auto field = [&](const char* k) -> const std::string& {
    const auto it = seq.header.find(k);
    if (it == seq.header.end()) throw Error(path + ": header field " + std::string(k) + " is missing");
    return it->second;
  };
  // Parsed numbers are range-checked as doubles before any conversion (an out-of-range
  // float-to-int conversion is undefined behaviour; found by fuzz_plus_sequence).
  const double ndims_value = one_number(path, "NDims", field("NDims"));
  require(ndims_value == 2 || ndims_value == 3, path + ": NDims = " + field("NDims") + ": expected 2 or 3");
  const int ndims = static_cast<int>(ndims_value);
  const auto dims = numbers(path, "DimSize", field("DimSize"));
  require(static_cast<int>(dims.size()) == ndims, path + ": DimSize has " + std::to_string(dims.size()) + " values for NDims = " + std::to_string(ndims));
  for (double d : dims) require(d >= 1 && d <= 100000 && d == std::floor(d), path + ": DimSize: " + field("DimSize") + " is not a list of positive sizes");
  seq.width = static_cast<int>(dims[0]);
  seq.height = static_cast<int>(dims[1]);
  seq.frame_count = ndims == 3 ? static_cast<int>(dims[2]) : 1;
  seq.element_type = field("ElementType");
  if (seq.element_type == "MET_UCHAR" || seq.element_type == "MET_CHAR") seq.bytes_per_pixel = 1;
  else if (seq.element_type == "MET_SHORT" || seq.element_type == "MET_USHORT") seq.bytes_per_pixel = 2;
  else throw Error(path + ": ElementType = " + seq.element_type + ": supported are MET_UCHAR, MET_CHAR, MET_SHORT, MET_USHORT");
  if (seq.header.count("ElementNumberOfChannels"))
    require(one_number(path, "ElementNumberOfChannels", seq.header["ElementNumberOfChannels"]) == 1, path + ": ElementNumberOfChannels: only single-channel images are supported");
  if (seq.header.count("ElementSpacing")) {
    const auto sp = numbers(path, "ElementSpacing", seq.header["ElementSpacing"]);
    require(sp.size() >= 2, path + ": ElementSpacing: expected at least 2 values");
    for (size_t k = 0; k < sp.size() && k < 3; ++k) {
      require(sp[k] > 0, path + ": ElementSpacing: spacing must be > 0");
      seq.spacing_mm[k] = sp[k];
    }
  }
  if (seq.header.count("BinaryDataByteOrderMSB") && seq.bytes_per_pixel > 1)
    require(seq.header["BinaryDataByteOrderMSB"] == "False", path + ": BinaryDataByteOrderMSB = True is not supported");
  const size_t expected = static_cast<size_t>(seq.width) * static_cast<size_t>(seq.height) * static_cast<size_t>(seq.frame_count) *
                          static_cast<size_t>(seq.bytes_per_pixel);
  // Pixel data: inline after the header (LOCAL) or in the named file next to the header.
  std::string raw;
  const std::string& data_file = field("ElementDataFile");
  std::string data_name = path;
  if (data_file == "LOCAL") {
    raw = text.substr(pos);
  } else {
    require(data_file.find('/') == std::string::npos && data_file.find("..") == std::string::npos,
            path + ": ElementDataFile = " + data_file + ": must name a file next to the header");
    data_name = (std::filesystem::path(path).parent_path() / data_file).string();
    raw = read_file(data_name);
  }
  const bool compressed = seq.header.count("CompressedData") && seq.header["CompressedData"] == "True";
  if (compressed) {
    size_t csize = raw.size();
    if (seq.header.count("CompressedDataSize")) {
      const double c = one_number(path, "CompressedDataSize", seq.header["CompressedDataSize"]);
      require(c >= 1 && c <= static_cast<double>(raw.size()),
              data_name + ": CompressedDataSize = " + seq.header["CompressedDataSize"] + " but only " + std::to_string(raw.size()) + " bytes follow (truncated file)");
      csize = static_cast<size_t>(c);
    }
    // zlib expands at most ~1032:1: a header claiming more pixels than the compressed bytes can
    // hold is corrupt, and is refused before the buffer for them is allocated.
    constexpr size_t kZlibMaxRatio = 1032;
    require(expected <= csize * kZlibMaxRatio + 64,
            data_name + ": DimSize " + field("DimSize") + " needs " + std::to_string(expected) + " bytes, more than " +
                std::to_string(csize) + " compressed bytes can hold (corrupt header)");
    seq.data.resize(expected);
    uLongf out_len = static_cast<uLongf>(expected);
    const int rc = uncompress(seq.data.data(), &out_len, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(csize));
    if (rc != Z_OK) {
      const char* why = rc == Z_DATA_ERROR ? "corrupt or truncated zlib data" : (rc == Z_BUF_ERROR ? "more data than DimSize allows, or truncated" : "decompression failed");
      throw Error(data_name + ": CompressedData: " + why + " (zlib code " + std::to_string(rc) + ")");
    }
    require(out_len == expected, data_name + ": decompressed " + std::to_string(out_len) + " bytes, DimSize needs " + std::to_string(expected));
  } else {
    require(raw.size() >= expected, data_name + ": pixel data has " + std::to_string(raw.size()) + " bytes, DimSize " + field("DimSize") + " needs " +
                                        std::to_string(expected) + " (truncated file)");
    seq.data.assign(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(expected));
  }
  // Per-frame fields. Frame k's fields are Seq_Frame<k>; a frame without any is reported.
  seq.frames.resize(static_cast<size_t>(seq.frame_count));
  for (auto& [idx, info] : by_index) {
    require(idx < seq.frame_count, path + ": Seq_Frame" + std::to_string(idx) + " fields for a frame beyond DimSize's " + std::to_string(seq.frame_count));
    seq.frames[static_cast<size_t>(idx)] = info;
  }
  for (int k = 0; k < seq.frame_count; ++k) {
    PlusFrameInfo& f = seq.frames[static_cast<size_t>(k)];
    char name[32];
    std::snprintf(name, sizeof name, "Seq_Frame%04d_", k);
    if (f.fields.empty() && seq.frame_count > 1) seq.warnings.push_back(std::string(name) + "*: frame " + std::to_string(k) + " has no per-frame fields");
    auto num = [&](const char* k2) -> std::optional<double> {
      const auto it = f.fields.find(k2);
      if (it == f.fields.end()) return std::nullopt;
      return one_number(path, std::string(name) + k2, it->second);
    };
    f.timestamp_s = num("Timestamp");
    f.probe_position_mm = num("ProbePosition");
    f.probe_rotation_deg = num("ProbeRotation");
    f.template_position_mm = num("TemplatePosition");
    const auto st = f.fields.find("ImageStatus");
    f.image_ok = st == f.fields.end() || trim(st->second) == "OK";
  }
  // Timestamps must not run backwards.
  std::optional<double> prev;
  for (int k = 0; k < seq.frame_count; ++k) {
    const auto& t = seq.frames[static_cast<size_t>(k)].timestamp_s;
    if (!t) continue;
    if (prev && *t < *prev) seq.warnings.push_back("frame " + std::to_string(k) + ": Timestamp " + std::to_string(*t) + " is earlier than the previous frame's");
    prev = t;
  }
  return seq;
}

GrayImage plus_frame_image(const PlusSequence& seq, int k) {
  require(k >= 0 && k < seq.frame_count, seq.path + ": frame " + std::to_string(k) + " does not exist (" + std::to_string(seq.frame_count) + " frames)");
  require(seq.bytes_per_pixel == 1, seq.path + ": ElementType = " + seq.element_type + " (" +
                                        (seq.header.count("UltrasoundImageType") ? seq.header.at("UltrasoundImageType") : std::string("not B-mode")) +
                                        ") is not an 8-bit B-mode image");
  GrayImage g;
  g.width = seq.width;
  g.height = seq.height;
  g.spacing_mm = {seq.spacing_mm[0], seq.spacing_mm[1]};
  const size_t n = static_cast<size_t>(seq.width) * static_cast<size_t>(seq.height);
  g.pixels.assign(seq.data.begin() + static_cast<std::ptrdiff_t>(n * static_cast<size_t>(k)), seq.data.begin() + static_cast<std::ptrdiff_t>(n * static_cast<size_t>(k + 1)));
  return g;
}

std::vector<Frame> plus_frames(const PlusSequence& seq, const std::function<GrayImage(GrayImage)>& place) {
  std::vector<Frame> frames;
  for (int k = 0; k < seq.frame_count; ++k) {
    const auto& info = seq.frames[static_cast<size_t>(k)];
    require(info.image_ok, seq.path + ": frame " + std::to_string(k) + ": ImageStatus is not OK; refusing to use it");
    require(info.probe_position_mm.has_value(), seq.path + ": frame " + std::to_string(k) + ": no ProbePosition (stepper position) recorded");
    Frame f;
    f.image = place(plus_frame_image(seq, k));
    f.z_mm = *info.probe_position_mm;
    f.timestamp_s = info.timestamp_s.value_or(static_cast<double>(k));
    frames.push_back(std::move(f));
  }
  return frames;
}

Sweep plus_to_sweep(const PlusSequence& seq, std::array<double, 2> origin_mm) {
  Sweep sweep;
  sweep.frames = plus_frames(seq, [origin_mm](GrayImage image) {
    image.origin_mm = origin_mm;
    return image;
  });
  validate_sweep(sweep, seq.path);
  return sweep;
}

}  // namespace hdr::imaging
