#pragma once
// Each cmd_*.cpp registers its subcommands with a static HDR_REGISTER_COMMAND(fn) so that
// adding a command touches no shared file. `order` fixes the help listing's order.
#include <CLI/CLI.hpp>
#include <functional>

namespace hdr::cli {

using CommandAdder = void (*)(CLI::App& app);

struct CommandRegistration {
  CommandRegistration(int order, CommandAdder adder);
};

void add_registered_commands(CLI::App& app);

}  // namespace hdr::cli

#define HDR_REGISTER_COMMAND(order, fn) \
  static const ::hdr::cli::CommandRegistration hdr_command_registration_##fn(order, &fn)
