// `hdr deliver`: deliver an approved plan (or the remainder of its interrupted session) on the
// afterloader (../shared/CLI.md). Thin: authentication and approval checks through the record
// store, then the delivery session of firmware_if over an adapter that commits every machine
// report to the store before the session shows it. Never reads standard input.
#include <cstdio>
#include <memory>

#include "calib/decay.hpp"
#include "db/record_store.hpp"
#include "firmware_if/delivery_session.hpp"
#include "firmware_if/link_client.hpp"
#include "planner/common/error.hpp"
#include "tools/hdr/cli_support.hpp"
#include "tools/hdr/command_registry.hpp"

namespace {

using hdr::db::Id;

// DeliveryRecords over the SQLite record store: each call is one durable transaction.
class StoreRecords final : public hdr::fw::DeliveryRecords {
 public:
  StoreRecords(hdr::db::RecordStore& store, hdr::db::Actor actor, const hdr::db::StoredPlan& plan)
      : store_(store), actor_(std::move(actor)), plan_(plan) {}

  std::optional<double> calibrated_strength_U(const std::string& model, const std::string& serial, hdr::UtcTime now,
                                              std::string& why) override {
    const auto c = store_.accepted_calibration(model, serial);
    if (!c) {
      why = "record the source's calibration with `hdr calib record --accept`";
      return std::nullopt;
    }
    return hdr::calib::decay_sk(c->S_K_U, c->reference_time, now, c->half_life_days);
  }

  std::vector<hdr::fw::PriorSession> prior_sessions() override {
    std::vector<hdr::fw::PriorSession> out;
    for (const auto& s : store_.sessions_for_plan(plan_.plan_id)) {
      hdr::fw::PriorSession p;
      p.id = s.session_id;
      p.status = hdr::db::to_string(s.status);
      for (const auto& d : s.dwells) p.dwells.push_back({d.plan_dwell_index, d.planned_s, d.delivered_s});
      out.push_back(std::move(p));
    }
    return out;
  }

  std::int64_t begin_session(const hdr::fw::SessionBegin& b) override {
    hdr::db::SessionStart s;
    s.plan_id = plan_.plan_id;
    s.source_model = b.source_model;
    s.source_serial = b.source_serial;
    s.sk_used_U = b.sk_used_U;
    s.console_clock = b.console_clock;
    s.machine_clock = b.machine_clock;
    for (const auto& d : b.program) s.program.push_back({d.plan_dwell_index, d.planned_s});
    return store_.begin_session(actor_, s);
  }

  void record_progress(std::int64_t session, int i, double planned_s, double delivered_s) override {
    const auto& dwell = plan_.plan.dwells.at(static_cast<std::size_t>(i));
    store_.record_dwell_progress(actor_, session, {i, dwell.catheter, dwell.position_mm, planned_s, delivered_s});
  }

  void add_interruption(std::int64_t session, const std::string& reason) override {
    store_.add_interruption(actor_, session, hdr::utc_now(), reason);
  }

  void set_status(std::int64_t session, const std::string& status) override {
    store_.set_session_status(actor_, session, hdr::db::session_status_from_string(status), hdr::utc_now());
  }

 private:
  hdr::db::RecordStore& store_;
  hdr::db::Actor actor_;
  const hdr::db::StoredPlan& plan_;
};

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
    const hdr::db::Actor actor = store.authenticate(f->user, password);
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
    StoreRecords records(store, actor, stored);
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
}

}  // namespace

HDR_REGISTER_COMMAND(60, add_deliver);
