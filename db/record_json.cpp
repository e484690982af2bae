#include "db/record_json.hpp"

#include "planner/formats/plan_io.hpp"

namespace hdr::db {

nlohmann::json plan_record_json(RecordStore& store, Id plan_id) {
  const StoredPlan sp = store.plan(plan_id);
  nlohmann::json approvals = nlohmann::json::array();
  for (const auto& a : store.approvals(plan_id))
    approvals.push_back({{"user", a.user}, {"role", to_string(a.role)}, {"at", format_iso8601_utc(a.at)}});
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& s : store.sessions_for_plan(plan_id)) {
    nlohmann::json interruptions = nlohmann::json::array();
    for (const auto& i : s.interruptions) interruptions.push_back({{"at", format_iso8601_utc(i.at)}, {"reason", i.reason}});
    nlohmann::json dwells = nlohmann::json::array();
    for (const auto& d : s.dwells)
      dwells.push_back({{"catheter", d.catheter},
                        {"position_mm", {d.position_mm[0], d.position_mm[1], d.position_mm[2]}},
                        {"planned_s", d.planned_s},
                        {"delivered_s", d.delivered_s}});
    sessions.push_back({{"id", s.session_id},
                        {"status", to_string(s.status)},
                        {"started_at", format_iso8601_utc(s.started_at)},
                        {"ended_at", s.ended_at ? nlohmann::json(format_iso8601_utc(*s.ended_at)) : nlohmann::json(nullptr)},
                        {"interruptions", interruptions},
                        {"dwells", dwells}});
  }
  return {{"plan", formats::plan_to_json(sp.plan)}, {"approvals", approvals}, {"sessions", sessions}};
}

}  // namespace hdr::db
