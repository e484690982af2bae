// `hdr`: every capability of the console from the command line (../shared/CLI.md).
#include <cstdio>

#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/command_registry.hpp"

int main(int argc, char** argv) {
  CLI::App app{"hdr — HDR prostate brachytherapy planning console, command line"};
  app.require_subcommand(1);
  hdr::cli::add_registered_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "hdr: error: %s (see --help)\n", e.what());
    return 2;
  }
  return hdr::cli::exit_code();
}
