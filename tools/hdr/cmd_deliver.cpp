// `hdr deliver`: deliver an approved plan (or the remainder of its interrupted session) on the
// afterloader (../shared/CLI.md). Thin: authentication and approval checks through the record
// store, then the delivery session of firmware_if over an adapter that commits every machine
// report to the store before the session shows it. Never reads standard input.
#include <cstdio>
#include <memory>

#include "db/record_store.hpp"
#include "firmware_if/delivery_session.hpp"
#include "firmware_if/link_client.hpp"
#include "planner/common/error.hpp"
#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/login_session.hpp"
#include "tools/hdr/command_registry.hpp"
#include "tools/workflow/store_delivery_records.hpp"

namespace {

using hdr::db::Id;

struct DeliverFlags {
  std::string db, user, password_file, afterloader;
  Id plan_id = 0;
  bool resume = false;
};

void add_deliver(CLI::App& app) {
  auto f = std::make_shared<DeliverFlags>();
  CLI::App* sub = app.add_subcommand("deliver", "Deliver an approved plan on the afterloader (therapist or physicist)");
  sub->add_option("--db", f->db, "record store (SQLite file)")->required();
  sub->add_option("--as", f->user, "user name")->required();
  sub->add_option("--password-file", f->password_file, "file whose first line is the password")->required();
  sub->add_option("--plan-id", f->plan_id, "plan to deliver")->required();
  sub->add_option("--afterloader", f->afterloader, "tcp:HOST:PORT or serial:PATH")->required();
  sub->add_flag("--resume", f->resume, "deliver the remainder of the plan's interrupted (or crashed) session");
  hdr::cli::set_action(sub, [f] {
    const hdr::fw::Address address = hdr::fw::parse_address(f->afterloader);
    const std::string password = hdr::cli::read_password_file(f->password_file);
    auto store = hdr::db::RecordStore::open(f->db);
    return hdr::cli::with_login_session(store, f->user, password, [&](const hdr::db::Actor& actor) {
      hdr::require(actor.role == hdr::db::Role::therapist || actor.role == hdr::db::Role::physicist,
                   "user '" + actor.name + "' (" + hdr::db::to_string(actor.role) + ") may not deliver: therapist or physicist only");
      const hdr::db::PlanDeliveryStatus ds = store.plan_delivery_status(f->plan_id);
      if (!ds.deliverable()) {
        std::string why;
        for (const auto& p : ds.problems) why += (why.empty() ? "" : "; ") + p;
        throw hdr::Error("plan " + std::to_string(f->plan_id) + " may not be delivered: " +
                         (why.empty() ? std::string("not approved by a physician and a physicist") : why));
      }
      const hdr::db::StoredPlan stored = store.plan(f->plan_id);
      hdr::workflow::StoreDeliveryRecords records(store, actor, stored,
                                                  "record the source's calibration with `hdr calib record --accept`");
      hdr::fw::LinkOptions link_options;
      link_options.console_name = "hdr deliver (" + actor.name + ")";
      hdr::fw::LinkClient link(address, link_options);
      hdr::fw::DeliveryOptions options;
      options.resume = f->resume;
      options.fractions = std::max(1, stored.plan.prescription.fractions);
      options.plan_tag = "p" + std::to_string(stored.plan_id) + "-" + stored.content_hash.substr(0, 16);
      hdr::fw::DeliverySession session(stored.plan, records, link, options, [](const std::string& line) { hdr::cli::progress(line); });
      const hdr::fw::DeliveryReport report = session.run();
      if (report.completed()) {
        hdr::cli::progress(report.message);
        return 0;
      }
      throw hdr::Error(report.message);
    });
  });
}

}  // namespace

HDR_REGISTER_COMMAND(60, add_deliver);
