#pragma once
// The `hdr records show --json` document of one plan (../shared/CLI.md):
//   {"plan": {hdr-plan/1}, "approvals": [{"user","role","at"}],
//    "sessions": [{"id","status","started_at","ended_at","interruptions":[{"at","reason"}],
//                  "dwells":[{"catheter","position_mm":[x,y,z],"planned_s","delivered_s"}]}]}
// `delivered_s` is what that session delivered (a dwell's total is the sum over sessions);
// `ended_at` is null while a session is in progress. Times are ISO-8601 UTC.
#include <nlohmann/json.hpp>

#include "db/record_store.hpp"

namespace hdr::db {

nlohmann::json plan_record_json(RecordStore& store, Id plan_id);

}  // namespace hdr::db
