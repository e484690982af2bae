#pragma once
// A stored plan as a DICOM RT Plan (Brachy) file, written with DCMTK (PS3.3 A.20, RT Plan IOD):
//  - RT Plan Storage, Modality RTPLAN, RT Plan Geometry TREATMENT_DEVICE (no structure set is
//    referenced: catheters are known only through their dwells);
//  - RT Brachy Application Setups: Brachy Treatment Type HDR, technique INTERSTITIAL; one
//    source (isotope Ir-192, half-life 73.827 d, Reference Air Kerma Rate = the plan's S_K in
//    µGy h⁻¹ at 1 m, which equals U numerically, with its reference date and time in UTC and
//    Timezone Offset From UTC "+0000");
//  - one Application Setup (PERINEAL template) with one channel per catheter (Channel Number =
//    the plan's catheter id), stepwise source movement, and for each dwell of that catheter,
//    tip first, a pair of Brachy Control Points at the same place (relative position = distance
//    in mm along the dwells from the dwell nearest the tip; 3D position in the patient frame,
//    mm) whose Cumulative Time Weights are the cumulative dwell time in seconds before and
//    after the dwell; Channel Total Time = Final Cumulative Time Weight = the channel's total
//    time, so that  dwell time = ChannelTotalTime · ΔCumulativeTimeWeight / FinalCumulativeTimeWeight;
//  - RT Approval: APPROVED with the review date/time and reviewer of the approval that
//    completed it (the later one) when the plan has both a physician's and a physicist's
//    approval for its current content, UNAPPROVED otherwise. RT Approval holds one reviewer
//    only, so RT Plan Description lists every approval with role, user and UTC time
//    ("...; approved by physician paula at 2026-11-27T09:12:03Z; approved by physicist phil
//    at ..."), an approval given to other content marked as not counted.
// A channel whose dwells are all 0 s has total time 0 (and final weight 0).
#include <string>
#include <vector>

#include "db/record_store.hpp"

namespace hdr::db {

struct RtPlanExport {
  StoredPlan plan;
  std::vector<Approval> approvals;
  std::string exported_by;
};

// Writes `out_path` whole or not at all (temporary file renamed into place). hdr::Error
// naming the file or the plan value at fault.
void write_rt_plan_dicom(const RtPlanExport& e, const std::string& out_path);

}  // namespace hdr::db
