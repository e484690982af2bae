#!/usr/bin/python3
"""Reads a DICOM RT Plan with pydicom (an independent reader) and prints what the brachy
test checks as JSON: each dwell decoded as ChannelTotalTime * dCumulativeTimeWeight /
FinalCumulativeTimeWeight from its pair of control points."""
import json
import sys

import pydicom

ds = pydicom.dcmread(sys.argv[1])
src = ds.SourceSequence[0]
setup = ds.ApplicationSetupSequence[0]
channels = []
for ch in setup.ChannelSequence:
    total = float(ch.ChannelTotalTime)
    final = float(ch.FinalCumulativeTimeWeight)
    cps = list(ch.BrachyControlPointSequence)
    dwells = []
    for a, b in zip(cps[0::2], cps[1::2]):
        assert [float(x) for x in a.ControlPoint3DPosition] == [float(x) for x in b.ControlPoint3DPosition]
        dw = float(b.CumulativeTimeWeight) - float(a.CumulativeTimeWeight)
        dwells.append({
            "position_mm": [float(x) for x in a.ControlPoint3DPosition],
            "relative_mm": float(a.ControlPointRelativePosition),
            "time_s": total * dw / final if final > 0 else 0.0,
        })
    channels.append({"number": int(ch.ChannelNumber), "total_s": total, "final": final,
                     "n_control_points": int(ch.NumberOfControlPoints), "dwells": dwells})
print(json.dumps({
    "sop_class": str(ds.SOPClassUID),
    "modality": ds.Modality,
    "patient_id": ds.PatientID,
    "treatment_type": ds.BrachyTreatmentType,
    "technique": ds.BrachyTreatmentTechnique,
    "isotope": src.SourceIsotopeName,
    "half_life_days": float(src.SourceIsotopeHalfLife),
    "reference_air_kerma_rate": float(src.ReferenceAirKermaRate),
    "reference_date": src.SourceStrengthReferenceDate,
    "reference_time": src.SourceStrengthReferenceTime,
    "timezone_offset": ds.TimezoneOffsetFromUTC,
    "approval_status": ds.ApprovalStatus,
    "reviewer": str(ds.get("ReviewerName", "")),
    "review_date": str(ds.get("ReviewDate", "")),
    "plan_description": str(ds.get("RTPlanDescription", "")),
    "channels": channels,
}))
