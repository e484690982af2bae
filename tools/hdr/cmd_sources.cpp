// `hdr sources`: the source library as a table (id, isotope, Λ, L, dataset, citation).
#include <cstdio>

#include "planner/dose/source_model.hpp"
#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/command_registry.hpp"

namespace hdr::cli {
namespace {

void add_sources(CLI::App& app) {
  auto* sub = app.add_subcommand("sources", "List the TG-43 source models in the library (CSV on stdout)");
  set_action(sub, [] {
    const auto& lib = dose::SourceLibrary::builtin();
    std::printf("id,isotope,Lambda_cGy_h_U,L_cm,dataset,description,citation\n");
    for (const auto& s : lib.models()) {
      std::string cite = s.citation;
      for (auto& c : cite)
        if (c == '"') c = '\'';
      std::printf("%s,%s,%.6g,%.4g,%s,%s,\"%s\"\n", s.id.c_str(), s.isotope.c_str(), s.lambda_cGy_h_U,
                  s.active_length_cm, s.dataset.c_str(), s.description.c_str(), cite.c_str());
    }
    return 0;
  });
}

}  // namespace
HDR_REGISTER_COMMAND(10, add_sources);
}  // namespace hdr::cli
