// Adapter to firmware_if: a delivery session against the afterloader, on its own thread,
// committing every machine report to the record store before the console shows it.
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "planner/common/error.hpp"
#include "ui/state/backend.hpp"

#if HDR_UI_HAVE_FIRMWARE && HDR_UI_HAVE_DB && HDR_UI_HAVE_CALIB
#include "db/record_store.hpp"
#include "firmware_if/delivery_session.hpp"
#include "firmware_if/link_client.hpp"
#include "tools/workflow/store_delivery_records.hpp"

namespace hdr::ui::backend {
namespace {

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string describe(const fw::MachineProfile& p) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%u channels, %u dwells/channel, max dwell %.1f s", p.channels, p.max_dwells_per_channel,
                p.max_dwell_ms / 1000.0);
  return buf;
}
std::string describe_source(const fw::MachineProfile& p) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %s, %.0f U now", p.source_model.c_str(), p.source_serial.c_str(),
                static_cast<double>(p.strength_mU) / 1000.0);
  return buf;
}

// The console's shared view of one running delivery (written by the session thread).
struct Shared {
  mutable std::mutex mutex;
  DeliveryView view;
  std::map<int, double> prior_delivered_s;  // per plan dwell, from earlier sessions
  std::map<int, double> session_delivered_s;
  const formats::Plan* plan = nullptr;

  void recompute_channels() {  // caller holds the mutex
    std::map<int, ChannelProgress> by_catheter;
    for (size_t i = 0; i < plan->dwells.size(); ++i) {
      const auto& d = plan->dwells[i];
      if (d.time_s <= 0) continue;
      auto& c = by_catheter[d.catheter];
      c.catheter = d.catheter;
      c.planned_s += d.time_s;  // the plan's nominal time (the machine's is decay-corrected)
      const int k = static_cast<int>(i);
      c.delivered_s += (prior_delivered_s.count(k) ? prior_delivered_s[k] : 0.0) +
                       (session_delivered_s.count(k) ? session_delivered_s[k] : 0.0);
    }
    view.channels.clear();
    for (auto& [id, c] : by_catheter) view.channels.push_back(c);
  }
};

class FwDelivery final : public Delivery {
 public:
  explicit FwDelivery(const DeliveryRequest& r)
      : request_(r), link_(std::make_unique<fw::LinkClient>(fw::parse_address(r.afterloader_address), fw::LinkOptions{})) {
    shared_.view.session = "running";
    shared_.view.link = "connecting";
    worker_ = std::thread([this] { run(); });
  }
  ~FwDelivery() override {
    if (worker_.joinable()) worker_.join();
    for (auto& t : commands_)
      if (t.joinable()) t.join();
  }
  DeliveryView snapshot() const override {
    std::lock_guard lock(shared_.mutex);
    DeliveryView v = shared_.view;
    if (!finished_.load()) v.link = link_->connected() ? "connected" : "unknown";
    return v;
  }
  bool finished() const override { return finished_.load(); }
  void interrupt(const std::string& reason) override { send(fw::MsgType::interrupt, "INTERRUPT (" + reason + ")"); }
  void emergency_stop() override { send(fw::MsgType::emergency_stop, "EMERGENCY STOP"); }

 private:
  // Stop commands go out on their own thread: the link call is bounded but blocking, and the
  // UI thread never blocks. The session thread sees the machine INTERRUPTED and records it.
  void send(fw::MsgType type, const std::string& what) {
    std::lock_guard lock(command_mutex_);
    commands_.emplace_back([this, type, what] {
      const fw::CallOutcome out = link_->call(type, {});
      std::lock_guard l(shared_.mutex);
      shared_.view.message = what + (out.answered ? " acknowledged" : " NOT acknowledged (link state unknown): " + out.error);
    });
  }

  void finish(const std::string& session, const std::string& message, const std::string& link) {
    std::lock_guard lock(shared_.mutex);
    shared_.view.session = session;
    shared_.view.message = message;
    shared_.view.link = link;
    finished_.store(true);
  }

  void run() {
    try {
      auto store = db::RecordStore::open(request_.records_path);
      const db::Actor actor = store.authenticate(request_.user, request_.password);
      // The run's own login session ends with it, as `hdr deliver`'s does: "logout" once the
      // session has run, "aborted" on an error path.
      struct EndLogin {
        db::RecordStore& store;
        const db::Actor& actor;
        db::LoginEnd how = db::LoginEnd::aborted;
        ~EndLogin() {
          try {
            store.logout(actor, how);
          } catch (const std::exception&) {
            // Already ended or the store is unreadable: nothing more to record from here.
          }
        }
      } end_login{store, actor};
      require(actor.role == db::Role::therapist || actor.role == db::Role::physicist,
              "user '" + actor.name + "' (" + db::to_string(actor.role) + ") may not deliver: therapist or physicist only");
      const db::PlanDeliveryStatus ds = store.plan_delivery_status(request_.plan_id);
      if (!ds.deliverable()) {
        std::string why;
        for (const auto& p : ds.problems) why += (why.empty() ? "" : "; ") + p;
        throw Error("plan " + std::to_string(request_.plan_id) + " may not be delivered: " +
                    (why.empty() ? std::string("not approved by a physician and a physicist") : why));
      }
      const db::StoredPlan stored = store.plan(request_.plan_id);
      {
        std::lock_guard lock(shared_.mutex);
        shared_.plan = &stored.plan;
        for (const auto& t : store.delivered_totals(request_.plan_id)) shared_.prior_delivered_s[t.plan_dwell_index] = t.delivered_s;
        shared_.recompute_channels();
      }
      // Commit before show: the console's view changes only after the store holds the report.
      workflow::StoreDeliveryRecords::Observers show;
      show.session_begun = [this](std::int64_t id) {
        std::lock_guard lock(shared_.mutex);
        shared_.view.session_id = id;
      };
      show.progress_recorded = [this](int i, double delivered_s) {
        std::lock_guard lock(shared_.mutex);
        shared_.session_delivered_s[i] = delivered_s;
        shared_.recompute_channels();
      };
      workflow::StoreDeliveryRecords records(store, actor, stored, "record one in the calibration view", show);
      fw::DeliveryOptions options;
      options.resume = request_.resume;
      options.fractions = std::max(1, stored.plan.prescription.fractions);
      options.plan_tag = "p" + std::to_string(stored.plan_id) + "-" + stored.content_hash.substr(0, 16);
      fw::DeliverySession session(stored.plan, records, *link_, options, [this](const std::string& line) {
        std::lock_guard lock(shared_.mutex);
        shared_.view.message = line;
      });
      const fw::DeliveryReport report = session.run();
      end_login.how = db::LoginEnd::logout;
      // Totals are re-read from the store: what is shown is what was recorded.
      {
        std::lock_guard lock(shared_.mutex);
        shared_.prior_delivered_s.clear();
        shared_.session_delivered_s.clear();
        for (const auto& t : store.delivered_totals(request_.plan_id)) shared_.prior_delivered_s[t.plan_dwell_index] = t.delivered_s;
        shared_.recompute_channels();
        shared_.plan = nullptr;  // `stored` goes out of scope
      }
      const std::string state = lower(fw::to_string(report.final_state));
      finish(state, report.message, state == "unknown" ? "unknown" : (link_->connected() ? "connected" : "disconnected"));
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(shared_.mutex);
        shared_.plan = nullptr;
      }
      finish("refused", e.what(), link_->connected() ? "connected" : "disconnected");
    }
  }

  DeliveryRequest request_;
  std::unique_ptr<fw::LinkClient> link_;
  Shared shared_;
  std::atomic<bool> finished_{false};
  std::thread worker_;
  std::mutex command_mutex_;
  std::vector<std::thread> commands_;
};
}  // namespace

std::unique_ptr<Delivery> start_delivery(const DeliveryRequest& request) { return std::make_unique<FwDelivery>(request); }

DeliveryView query_afterloader(const std::string& address) {
  fw::LinkClient link(fw::parse_address(address), fw::LinkOptions{});
  std::string error;
  const auto profile = link.connect(error);
  require(profile.has_value(), address + ": cannot connect to the afterloader (" + error + ")");
  DeliveryView v;
  v.link = "connected";
  v.machine = describe(*profile);
  v.source = describe_source(*profile);
  link.disconnect();
  return v;
}

}  // namespace hdr::ui::backend
#else
namespace hdr::ui::backend {
std::unique_ptr<Delivery> start_delivery(const DeliveryRequest&) {
  throw Error("delivery is not available in this build (hdr_firmware, hdr_db and hdr_calib needed)");
}
DeliveryView query_afterloader(const std::string& address) {
  throw Error(address + ": the afterloader link is not available in this build (hdr_firmware not built)");
}
}  // namespace hdr::ui::backend
#endif
