#include "db/dicom_rt_plan.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>

#include "planner/common/error.hpp"

namespace hdr::db {
namespace {

constexpr double kIr192HalfLife_days = 73.827;  // NNDC/DDEP; every source of the library is Ir-192

// DS values are at most 16 characters: the most significant digits that fit.
std::string ds(double v) {
  char buf[32];
  for (int prec = 12; prec >= 4; --prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::string(buf).size() <= 16) return buf;
  }
  return buf;
}

std::string ds3(const formats::Vec3& v) { return ds(v[0]) + "\\" + ds(v[1]) + "\\" + ds(v[2]); }

struct DicomDateTime {
  std::string date, time;  // DA YYYYMMDD, TM HHMMSS (UTC)
};

DicomDateTime dicom_utc(UtcTime t) {
  const std::time_t s = static_cast<std::time_t>(std::floor(t.unix_s));
  std::tm tm{};
  gmtime_r(&s, &tm);
  char d[16], h[16];
  std::strftime(d, sizeof d, "%Y%m%d", &tm);
  std::strftime(h, sizeof h, "%H%M%S", &tm);
  return {d, h};
}

std::string new_uid() {
  char buf[100];
  dcmGenerateUniqueIdentifier(buf, SITE_INSTANCE_UID_ROOT);
  return buf;
}

void put(DcmItem* item, const DcmTagKey& tag, const std::string& value) {
  const OFCondition c = item->putAndInsertString(tag, value.c_str());
  if (c.bad()) throw Error("DICOM export: cannot set " + std::string(DcmTag(tag).getTagName()) + " = '" + value + "': " + c.text());
}

DcmItem* new_item(DcmItem* parent, const DcmTagKey& seq) {
  DcmItem* item = nullptr;
  const OFCondition c = parent->findOrCreateSequenceItem(seq, item, -2);
  if (c.bad() || !item) throw Error("DICOM export: cannot add an item to " + std::string(DcmTag(seq).getTagName()));
  return item;
}

struct ChannelDwell {
  formats::Vec3 position_mm{};
  double relative_mm = 0.0;
  double time_s = 0.0;
};

// The dwells of each catheter, tip first: the tip is where the source's long axis points
// from (direction runs tip -> entry), so sort by the projection on the direction.
std::map<int, std::vector<ChannelDwell>> channels_of(const formats::Plan& p) {
  std::map<int, std::vector<std::pair<double, formats::PlanDwell>>> by_cat;
  for (const auto& d : p.dwells) {
    const auto& u = d.direction;
    by_cat[d.catheter].emplace_back(d.position_mm[0] * u[0] + d.position_mm[1] * u[1] + d.position_mm[2] * u[2], d);
  }
  std::map<int, std::vector<ChannelDwell>> out;
  for (auto& [cat, list] : by_cat) {
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    double along = 0.0;
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) {
        const auto& a = list[i - 1].second.position_mm;
        const auto& b = list[i].second.position_mm;
        along += std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
      }
      out[cat].push_back(ChannelDwell{list[i].second.position_mm, along, list[i].second.time_s});
    }
  }
  return out;
}

// Source Applicator Step Size (required for stepwise movement): the smallest spacing of
// consecutive dwells of the channel; a channel with one dwell takes the plan's smallest
// spacing; a plan of single-dwell channels the planner's default 5 mm dwell step.
double step_size_mm(const std::vector<ChannelDwell>& dwells, double plan_step_mm) {
  double step = 0.0;
  for (size_t i = 1; i < dwells.size(); ++i) {
    const double d = dwells[i].relative_mm - dwells[i - 1].relative_mm;
    if (d > 1e-6 && (step == 0.0 || d < step)) step = d;
  }
  return step > 0.0 ? step : plan_step_mm;
}

// Names as DICOM PN: the user or patient name as the family-name component.
std::string person_name(const std::string& name) { return name + "^"; }

bool counts(const RtPlanExport& e, const Approval& a) {
  return a.plan_hash == e.plan.recomputed_hash && e.plan.recomputed_hash == e.plan.content_hash;
}

// RT Plan Description (ST, at most 1024 characters): the plan, its content hash, and every
// approval with role, user and UTC time, those not given to the plan's current content marked
// as not counted, e.g.
//   "hdr console plan 3, content hash 1f2e...; approved by physician paula at
//    2026-11-27T09:12:03Z; approved by physicist phil at 2026-11-27T09:14:40Z"
std::string approvals_description(const RtPlanExport& e) {
  std::string d = "hdr console plan " + std::to_string(e.plan.plan_id) + ", content hash " + e.plan.content_hash;
  if (e.approvals.empty()) d += "; no approvals";
  for (const auto& a : e.approvals)
    d += std::string("; ") + (counts(e, a) ? "approved" : "approval not counted (given to other content)") + " by " +
         to_string(a.role) + " " + a.user + " at " + format_iso8601_utc(a.at);
  require(d.size() <= 1024, "plan id " + std::to_string(e.plan.plan_id) + ": the approvals do not fit RT Plan Description (" +
                                std::to_string(d.size()) + " > 1024 characters)");
  return d;
}

}  // namespace

void write_rt_plan_dicom(const RtPlanExport& e, const std::string& out_path) {
  const formats::Plan& p = e.plan.plan;
  const std::string where = "plan id " + std::to_string(e.plan.plan_id);
  require(!p.dwells.empty(), where + ": no dwells to export");
  require(std::isfinite(p.source.air_kerma_strength_U) && p.source.air_kerma_strength_U > 0,
          where + ": source.air_kerma_strength_U must be > 0 to export");
  // The strength's reference time: the plan's, or (absent) the import, when the file was read.
  const UtcTime sk_time = p.source.reference_time ? parse_iso8601(*p.source.reference_time, where + ": source.reference_time")
                                                  : e.plan.imported_at;
  const DicomDateTime now = dicom_utc(utc_now());
  const DicomDateTime plan_dt = dicom_utc(e.plan.imported_at);
  const DicomDateTime sk_dt = dicom_utc(sk_time);

  DcmFileFormat file;
  DcmDataset* ds_root = file.getDataset();
  DcmItem* root = ds_root;
  // SOP Common, patient, study, series, equipment.
  const std::string sop_uid = new_uid();
  put(root, DCM_SpecificCharacterSet, "ISO_IR 192");
  put(root, DCM_SOPClassUID, UID_RTPlanStorage);
  put(root, DCM_SOPInstanceUID, sop_uid);
  put(root, DCM_InstanceCreationDate, now.date);
  put(root, DCM_InstanceCreationTime, now.time);
  put(root, DCM_TimezoneOffsetFromUTC, "+0000");
  put(root, DCM_PatientName, "");  // the store knows patients by id only
  put(root, DCM_PatientID, e.plan.patient_id);
  put(root, DCM_PatientBirthDate, "");
  put(root, DCM_PatientSex, "");
  put(root, DCM_StudyInstanceUID, new_uid());
  put(root, DCM_StudyDate, plan_dt.date);
  put(root, DCM_StudyTime, plan_dt.time);
  put(root, DCM_ReferringPhysicianName, "");
  put(root, DCM_StudyID, p.case_id.substr(0, 16));
  put(root, DCM_AccessionNumber, "");
  put(root, DCM_Modality, "RTPLAN");
  put(root, DCM_SeriesInstanceUID, new_uid());
  put(root, DCM_SeriesNumber, "1");
  put(root, DCM_OperatorsName, person_name(e.exported_by));
  put(root, DCM_Manufacturer, "hdr_console");
  put(root, DCM_ManufacturerModelName, "hdr records export-dicom");
  put(root, DCM_SoftwareVersions, "0.1.0");

  // RT General Plan.
  put(root, DCM_RTPlanLabel, ("plan " + std::to_string(e.plan.plan_id)).substr(0, 16));
  put(root, DCM_RTPlanName, p.case_id.substr(0, 64));
  // Both approvers, readable by any DICOM viewer (RT Approval has one Reviewer Name only).
  put(root, DCM_RTPlanDescription, approvals_description(e));
  put(root, DCM_RTPlanDate, plan_dt.date);
  put(root, DCM_RTPlanTime, plan_dt.time);
  put(root, DCM_RTPlanGeometry, "TREATMENT_DEVICE");

  // RT Prescription: the prescribed dose per fraction.
  {
    DcmItem* dr = new_item(root, DCM_DoseReferenceSequence);
    put(dr, DCM_DoseReferenceNumber, "1");
    put(dr, DCM_DoseReferenceStructureType, "SITE");
    put(dr, DCM_DoseReferenceDescription, "prescription");
    put(dr, DCM_DoseReferenceType, "TARGET");
    put(dr, DCM_TargetPrescriptionDose, ds(p.prescription.dose_Gy));
  }

  const auto channels = channels_of(p);
  double plan_step_mm = 0.0;
  for (const auto& [cat, dwells] : channels) {
    const double s = step_size_mm(dwells, 0.0);
    if (s > 0.0 && (plan_step_mm == 0.0 || s < plan_step_mm)) plan_step_mm = s;
  }
  if (plan_step_mm == 0.0) plan_step_mm = 5.0;
  double total_time_s = 0.0;
  for (const auto& d : p.dwells) total_time_s += d.time_s;
  const double rakr = p.source.air_kerma_strength_U;  // µGy h⁻¹ at 1 m == U
  const double total_reference_air_kerma = rakr * total_time_s / 3600.0;

  // RT Fraction Scheme.
  {
    DcmItem* fg = new_item(root, DCM_FractionGroupSequence);
    put(fg, DCM_FractionGroupNumber, "1");
    put(fg, DCM_NumberOfFractionsPlanned, std::to_string(p.prescription.fractions));
    put(fg, DCM_NumberOfBeams, "0");
    put(fg, DCM_NumberOfBrachyApplicationSetups, "1");
    DcmItem* ref = new_item(fg, DCM_ReferencedBrachyApplicationSetupSequence);
    put(ref, DCM_ReferencedBrachyApplicationSetupNumber, "1");
  }

  // RT Brachy Application Setups.
  put(root, DCM_BrachyTreatmentTechnique, "INTERSTITIAL");
  put(root, DCM_BrachyTreatmentType, "HDR");
  {
    DcmItem* m = new_item(root, DCM_TreatmentMachineSequence);
    put(m, DCM_TreatmentMachineName, "afterloader");
  }
  {
    DcmItem* s = new_item(root, DCM_SourceSequence);
    put(s, DCM_SourceNumber, "1");
    put(s, DCM_SourceType, "LINE");
    put(s, DCM_SourceModelID, p.source.model.substr(0, 16));
    put(s, DCM_SourceIsotopeName, "Ir-192");
    put(s, DCM_SourceIsotopeHalfLife, ds(kIr192HalfLife_days));
    put(s, DCM_SourceStrengthUnits, "AIR_KERMA_RATE");
    put(s, DCM_ReferenceAirKermaRate, ds(rakr));
    put(s, DCM_SourceStrengthReferenceDate, sk_dt.date);
    put(s, DCM_SourceStrengthReferenceTime, sk_dt.time);
  }
  {
    DcmItem* as = new_item(root, DCM_ApplicationSetupSequence);
    put(as, DCM_ApplicationSetupType, "PERINEAL");
    put(as, DCM_ApplicationSetupNumber, "1");
    put(as, DCM_ApplicationSetupName, "prostate template");
    put(as, DCM_TotalReferenceAirKerma, ds(total_reference_air_kerma));
    for (const auto& [cat, dwells] : channels) {
      DcmItem* ch = new_item(as, DCM_ChannelSequence);
      double channel_time_s = 0.0;
      for (const auto& d : dwells) channel_time_s += d.time_s;
      put(ch, DCM_ChannelNumber, std::to_string(cat));
      put(ch, DCM_ChannelLength, "");
      put(ch, DCM_ChannelTotalTime, ds(channel_time_s));
      put(ch, DCM_SourceMovementType, "STEPWISE");
      put(ch, DCM_SourceApplicatorStepSize, ds(step_size_mm(dwells, plan_step_mm)));
      put(ch, DCM_TransferTubeNumber, "");
      put(ch, DCM_ReferencedSourceNumber, "1");
      put(ch, DCM_NumberOfControlPoints, std::to_string(2 * dwells.size()));
      // A channel whose dwells are all 0 s keeps weights 0 over a final weight of 1, so that
      // ChannelTotalTime x dWeight / FinalWeight decodes to 0 s instead of 0/0.
      put(ch, DCM_FinalCumulativeTimeWeight, ds(channel_time_s > 0.0 ? channel_time_s : 1.0));
      double cumulative_s = 0.0;
      int index = 0;
      for (const auto& d : dwells) {
        for (int k = 0; k < 2; ++k) {
          if (k == 1) cumulative_s += d.time_s;
          DcmItem* cp = new_item(ch, DCM_BrachyControlPointSequence);
          put(cp, DCM_ControlPointIndex, std::to_string(index++));
          put(cp, DCM_ControlPointRelativePosition, ds(d.relative_mm));
          put(cp, DCM_ControlPoint3DPosition, ds3(d.position_mm));
          put(cp, DCM_CumulativeTimeWeight, ds(cumulative_s));
        }
      }
    }
  }

  // RT Approval: approved only with both roles' approvals of the current content.
  const Approval* physician = nullptr;
  const Approval* physicist = nullptr;
  for (const auto& a : e.approvals) {
    if (!counts(e, a)) continue;
    if (a.role == Role::physician) physician = &a;
    if (a.role == Role::physicist) physicist = &a;
  }
  if (physician && physicist) {
    const Approval* last = physician->at > physicist->at ? physician : physicist;
    const DicomDateTime at = dicom_utc(last->at);
    put(root, DCM_ApprovalStatus, "APPROVED");
    put(root, DCM_ReviewDate, at.date);
    put(root, DCM_ReviewTime, at.time);
    put(root, DCM_ReviewerName, person_name(last->user));
  } else {
    put(root, DCM_ApprovalStatus, "UNAPPROVED");
  }

  const std::string tmp = out_path + ".tmp-" + std::to_string(::getpid());
  const OFCondition c = file.saveFile(tmp.c_str(), EXS_LittleEndianExplicit);
  if (c.bad()) {
    std::remove(tmp.c_str());
    throw Error(out_path + ": cannot write the DICOM file: " + c.text());
  }
  if (std::rename(tmp.c_str(), out_path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(out_path + ": cannot rename the DICOM file into place");
  }
}

}  // namespace hdr::db
