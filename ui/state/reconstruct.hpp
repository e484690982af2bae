#pragma once
// Reconstructions the TRUS view shows from a captured sweep (plain derivations, no state).
#include "ui/state/app_state.hpp"

namespace hdr::ui {

// The sagittal plane x = x_mm through a sweep: column z (one per frame, sweep order), rows as
// in the frames (anterior at the top). Pixel spacing [mean frame spacing, frame sy]; origin
// [first frame's z, frames' origin y]. Frames must share size and geometry (a sweep does);
// hdr::Error otherwise, or when x_mm lies outside the frames.
GrayImage sagittal_from_sweep(const Sweep& sweep, double x_mm);

}  // namespace hdr::ui
