// TG-43 table loader (planner/dose): one of the six sources' files is replaced by the fuzz
// input; the loader must refuse bad tables with hdr::Error (naming file and line) and an
// accepted table must give a finite, non-negative dose wherever the formalism is defined.
#include <cmath>
#include <string>

#include "planner/common/embedded_file.hpp"
#include "planner/dose/source_model.hpp"
#include "planner/dose/tg43.hpp"
#include "tools/fuzz/fuzz_support.hpp"

namespace hdr::dose::data {
std::span<const hdr::EmbeddedFile> embedded_files();  // the real tables, compiled in
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks which file of the M-19 set the input replaces.
  static const char* const targets[] = {"M-19_gL.csv", "M-19_F.csv", "M-19_F_flags.csv"};
  const std::string replaced = targets[data[0] % 3];
  const std::string text = hdr::fuzz::as_text(data + 1, size - 1);
  hdr::fuzz::expect_only_hdr_errors([&] {
    using namespace hdr::dose;
    const SourceLibrary lib = SourceLibrary::load([&](const std::string& name) -> std::string {
      if (name == replaced) return text;
      if (name == "sources.csv")
        return "# fuzz\nid,description,isotope,Lambda_cGy_h_U,L_cm,dataset,files_prefix\n"
               "M-19,fuzz,Ir-192,1.114,0.35,HEBD consensus,M-19\n";
      for (const auto& f : data::embedded_files())
        if (f.name == name) return std::string(f.content);
      throw hdr::Error(name + ": no such table");
    });
    const auto& s = lib.get("M-19");
    for (double z : {-3.0, -0.5, 0.0, 0.4, 2.0})
      for (double y : {0.0, 0.3, 1.0, 5.0}) {
        const double d = dose_rate_per_U(s, z, y);
        const bool inside = y == 0.0 && std::fabs(z) <= s.active_length_cm / 2;
        hdr::fuzz::check(inside ? std::isnan(d) : (std::isfinite(d) && d >= 0), "dose not finite outside the source");
      }
  });
  return 0;
}
