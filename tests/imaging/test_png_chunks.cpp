// The PNG chunk check in front of the decoder: a complete PNG passes; every truncation, a
// flipped byte and a wrong first chunk are refused with one error naming the file and the fault.
#include <doctest/doctest.h>

#include <string>

#include "planner/common/error.hpp"
#include "planner/imaging/png_chunks.hpp"
#include "planner/imaging/trus_io.hpp"
#include "tests/error_of.hpp"

using namespace hdr::imaging;
using hdr::test::error_of;

namespace {
std::string sample_png() {
  GrayImage im;
  im.width = 40;
  im.height = 30;
  im.pixels.resize(40 * 30);
  for (size_t i = 0; i < im.pixels.size(); ++i) im.pixels[i] = static_cast<std::uint8_t>((i * 37) % 251);
  return encode_png(im);
}
}  // namespace

TEST_CASE("a complete PNG passes and decodes; bytes after IEND are ignored") {
  const std::string png = sample_png();
  CHECK_NOTHROW(check_png_chunks(png, "f.png"));
  CHECK(decode_png(png, "f.png").width == 40);
  CHECK_NOTHROW(check_png_chunks(png + "trailing", "f.png"));
}

TEST_CASE("every truncation of a PNG is refused, naming the file") {
  const std::string png = sample_png();
  for (size_t n = 1; n < png.size(); ++n) {
    const std::string e = error_of([&] { decode_png(png.substr(0, n), "f007.png"); });
    INFO("kept " << n << " of " << png.size() << " bytes: " << e);
    REQUIRE(e.rfind("f007.png: ", 0) == 0);
    if (n >= 8) CHECK(e.find("truncated") != std::string::npos);
    else CHECK(e.find("not a PNG") != std::string::npos);
  }
}

TEST_CASE("corrupt PNG structure is refused with what is wrong") {
  const std::string png = sample_png();
  SUBCASE("a flipped byte inside the pixel data fails the CRC") {
    std::string bad = png;
    const size_t idat = bad.find("IDAT");
    REQUIRE(idat != std::string::npos);
    bad[idat + 6] = static_cast<char>(bad[idat + 6] ^ 0x10);
    const std::string e = error_of([&] { decode_png(bad, "f.png"); });
    CHECK(e.find("IDAT chunk's CRC") != std::string::npos);
  }
  SUBCASE("another image format") {
    CHECK(error_of([&] { decode_png("\xff\xd8\xff\xe0 a JPEG header", "f.png"); }).find("not a PNG") != std::string::npos);
  }
  SUBCASE("a first chunk other than IHDR") {
    std::string bad = png;
    bad.replace(12, 4, "IHDX");
    CHECK(error_of([&] { check_png_chunks(bad, "f.png"); }).find("first chunk must be IHDR") != std::string::npos);
  }
  SUBCASE("a chunk type that is not letters") {
    std::string bad = png;
    bad.replace(12, 4, "IH\x01R");
    CHECK(error_of([&] { check_png_chunks(bad, "f.png"); }).find("four letters") != std::string::npos);
  }
  SUBCASE("a declared length beyond 2^31") {
    std::string bad = png;
    bad[8] = static_cast<char>(0x80);
    CHECK(error_of([&] { check_png_chunks(bad, "f.png"); }).find("impossible length") != std::string::npos);
  }
}
