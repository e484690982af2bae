// The image panels shared by the TRUS, contour, needle and plan views: the live axial image
// with its overlays (contours, template grid, needles, isodoses), the sagittal reconstruction,
// the DVH (drawn with ImDrawList: ImPlot is not packaged) and the metrics table.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <vector>

#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"
#include "ui/state/isodose.hpp"
#include "ui/state/reconstruct.hpp"

namespace hdr::ui {

namespace {
constexpr double kTemplatePitch_mm = 5.0;
constexpr float kHandleRadius_px = 14.0F;
constexpr int kNeedleSegments = 10;  // grab radius of a contour point / needle (touch)
constexpr double kIsodosePct[4] = {50.0, 100.0, 150.0, 200.0};
constexpr double kIsodoseTolerance_mm = 0.1;
constexpr double kDvhTolerance_px = 0.25;  // line simplification: ~1 px at 1080p, a tenth of the dose grid
const ImU32 kIsodoseColour[4] = {IM_COL32(80, 160, 255, 255), IM_COL32(255, 235, 60, 255), IM_COL32(255, 140, 0, 255),
                                 IM_COL32(255, 60, 200, 255)};

ImU32 structure_colour(const std::string& name) {
  if (name == "prostate") return IM_COL32(255, 70, 70, 255);
  if (name == "urethra") return IM_COL32(255, 255, 120, 255);
  if (name == "rectum") return IM_COL32(190, 130, 70, 255);
  if (name == "bladder") return IM_COL32(90, 200, 255, 255);
  if (name == "dil") return IM_COL32(230, 90, 255, 255);
  return IM_COL32(200, 200, 200, 255);
}

// Maps patient millimetres (u horizontal, v vertical, v up) to a screen rectangle.
struct Mapping {
  ImVec2 p0, p1;          // screen rectangle
  double u0, u1, v0, v1;  // mm covered
  ImVec2 screen(double u, double v) const {
    return ImVec2(p0.x + static_cast<float>((u - u0) / (u1 - u0)) * (p1.x - p0.x),
                  p1.y - static_cast<float>((v - v0) / (v1 - v0)) * (p1.y - p0.y));
  }
  void mm(ImVec2 s, double& u, double& v) const {
    u = u0 + static_cast<double>((s.x - p0.x) / (p1.x - p0.x)) * (u1 - u0);
    v = v0 + static_cast<double>((p1.y - s.y) / (p1.y - p0.y)) * (v1 - v0);
  }
};

// Fits the image's mm extent into `size` keeping the aspect ratio.
Mapping fit(ImVec2 origin, ImVec2 size, double u0, double u1, double v0, double v1) {
  const double aspect = (u1 - u0) / (v1 - v0);
  float w = size.x, h = size.y;
  if (static_cast<double>(w) / static_cast<double>(h) > aspect)
    w = static_cast<float>(static_cast<double>(h) * aspect);
  else
    h = static_cast<float>(static_cast<double>(w) / aspect);
  return {origin, ImVec2(origin.x + w, origin.y + h), u0, u1, v0, v1};
}

int nearest_slice(const formats::Structure& st, double z_mm) {
  int best = -1;
  double best_d = 1e9;
  for (size_t i = 0; i < st.slices.size(); ++i) {
    const double d = std::fabs(st.slices[i].z_mm - z_mm);
    if (d < best_d) {
      best_d = d;
      best = static_cast<int>(i);
    }
  }
  // Shown only within half a slice spacing (the slab the slice stands for).
  if (best < 0 || st.slices.size() < 2) return best;
  const double spacing = (st.slices.back().z_mm - st.slices.front().z_mm) / static_cast<double>(st.slices.size() - 1);
  return best_d <= 0.5 * spacing + 1e-6 ? best : -1;
}

// (x, y) of a catheter at plane z (linear along its polyline; the nearest end outside it).
formats::Vec2 catheter_at(const formats::Catheter& c, double z_mm) {
  const auto& p = c.path_mm;
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    const double za = p[i][2], zb = p[i + 1][2];
    if ((z_mm - za) * (z_mm - zb) <= 0.0 && za != zb) {
      const double t = (z_mm - za) / (zb - za);
      return {p[i][0] + t * (p[i + 1][0] - p[i][0]), p[i][1] + t * (p[i + 1][1] - p[i][1])};
    }
  }
  return {p.front()[0], p.front()[1]};
}

// Draws `image` (through `texture`) fitted into `size` at the cursor, keeping its aspect
// ratio, on black; without an image, the usual TRUS field with `missing` written on it.
Mapping draw_image(ImDrawList* dl, ImVec2 size, const std::shared_ptr<const GrayImage>& image, ImageTexture& texture,
                   const char* missing) {
  double u0 = -40, u1 = 40, v0 = -10, v1 = 50;  // mm: the usual TRUS field
  if (const GrayImage* img = image.get()) {
    u0 = img->origin_mm[0] - 0.5 * img->spacing_mm[0];
    u1 = u0 + img->width * img->spacing_mm[0];
    v0 = img->origin_mm[1] - 0.5 * img->spacing_mm[1];
    v1 = v0 + img->height * img->spacing_mm[1];
  }
  Mapping m = fit(ImGui::GetCursorScreenPos(), size, u0, u1, v0, v1);
  // Whole pixels: the image is resampled to exactly the pixels it covers (trus_texture.hpp),
  // and the overlays use the same rectangle.
  m.p0 = ImVec2(std::round(m.p0.x), std::round(m.p0.y));
  m.p1 = ImVec2(std::round(m.p1.x), std::round(m.p1.y));
  // The image is opaque and fills the rectangle: no black underlay (fill costs on llvmpipe).
  if (!texture.draw(dl, image, m.p0, m.p1)) {
    dl->AddRectFilled(m.p0, m.p1, IM_COL32(0, 0, 0, 255));
    dl->AddText(ImVec2(m.p0.x + 20, m.p0.y + 20), IM_COL32(255, 200, 0, 255), missing);
  }
  return m;
}

// The cache's lines for this dose grid, plane and prescription (recomputed on change).
const IsodoseCache& isodoses(IsodoseCache& cache, const std::shared_ptr<const DoseVolume>& dose, double plane_mm,
                             double prescription_Gy, bool sagittal) {
  if (cache.dose == dose.get() && cache.plane_mm == plane_mm && cache.prescription_Gy == prescription_Gy) return cache;
  cache.dose = dose.get();
  cache.keep = dose;
  cache.plane_mm = plane_mm;
  cache.prescription_Gy = prescription_Gy;
  for (int l = 0; l < 4; ++l) {
    const double level = kIsodosePct[l] / 100.0 * prescription_Gy;
    cache.lines[l] = join_segments(
        sagittal ? isodose_segments_sagittal(*dose, plane_mm, level) : isodose_segments(*dose, plane_mm, level),
        kIsodoseTolerance_mm);
  }
  return cache;
}

void draw_isodose_lines(ImDrawList* dl, const Mapping& m, const IsodoseCache& iso) {
  std::vector<ImVec2> screen;
  for (int l = 0; l < 4; ++l)
    for (const auto& line : iso.lines[l]) {
      screen.clear();
      for (const auto& p : line.points_mm) screen.push_back(m.screen(p[0], p[1]));
      dl->AddPolyline(screen.data(), static_cast<int>(screen.size()), kIsodoseColour[l],
                      line.closed ? ImDrawFlags_Closed : ImDrawFlags_None, 2.0F);
    }
}

void draw_isodose_legend(ImDrawList* dl, ImVec2 at, double prescription_Gy) {
  for (int l = 0; l < 4; ++l) {
    char label[48];
    std::snprintf(label, sizeof label, "%.0f%% (%.1f Gy)", kIsodosePct[l], kIsodosePct[l] / 100.0 * prescription_Gy);
    const ImVec2 p(at.x, at.y + static_cast<float>(l) * 18.0F);
    dl->AddLine(ImVec2(p.x, p.y + 8), ImVec2(p.x + 22, p.y + 8), kIsodoseColour[l], 3.0F);
    dl->AddText(ImVec2(p.x + 28, p.y), IM_COL32(255, 255, 255, 255), label);
  }
}
}  // namespace

void draw_job(const AppState& s, const char* job) {
  const auto it = s.jobs.find(job);
  if (it == s.jobs.end()) return;
  const JobView& j = it->second;
  if (j.running) {
    char label[64];
    std::snprintf(label, sizeof label, "%s %.0f%%", job, static_cast<double>(j.progress * 100.0F));
    ImGui::ProgressBar(j.progress, ImVec2(-1, 24), label);
  } else if (!j.last_error.empty()) {
    ImGui::TextColored(widgets::kRed, "%s failed: %s", job, j.last_error.c_str());
  } else {
    ImGui::TextColored(widgets::kGrey, "%s done in %.0f ms", job, j.last_duration_ms);
  }
}

void draw_axial(const AppState& s, ViewContext& ctx, Intents& out, ImVec2 size, Overlay overlay) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const Mapping m = draw_image(dl, size, s.live_frame, ctx.live, "no live image (frame source not running)");
  const double u0 = m.u0, u1 = m.u1, v1 = m.v1;
  ImGui::InvisibleButton("axial", ImVec2(m.p1.x - m.p0.x, m.p1.y - m.p0.y));
  const bool hovered = ImGui::IsItemHovered();
  const bool activated = ImGui::IsItemActivated();
  const bool active = ImGui::IsItemActive();
  const bool released = ImGui::IsItemDeactivated();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  double mouse_x = 0, mouse_y = 0;
  m.mm(mouse, mouse_x, mouse_y);
  dl->PushClipRect(m.p0, m.p1, true);
  const double z = s.live_frame ? s.live_frame->z_mm : s.stepper_z_mm;

  if (has(overlay, Overlay::grid)) {
    for (double x = std::ceil(u0 / kTemplatePitch_mm) * kTemplatePitch_mm; x <= u1; x += kTemplatePitch_mm)
      for (double y = 0.0; y <= v1; y += kTemplatePitch_mm) {
        // A 3 px square per hole: two triangles, where an anti-aliased disc costs ~30 (the
        // software rasteriser pays per triangle; ~280 holes are on screen).
        const ImVec2 c = m.screen(x, y);
        dl->AddRectFilled(ImVec2(c.x - 1.5F, c.y - 1.5F), ImVec2(c.x + 1.5F, c.y + 1.5F), IM_COL32(0, 255, 255, 110));
      }
  }

  auto& sc = ctx.scratch;
  if (has(overlay, Overlay::contours) || has(overlay, Overlay::edit_contours)) {
    const bool edit = has(overlay, Overlay::edit_contours);
    for (size_t si = 0; si < s.structures.size(); ++si) {
      const auto& st = s.structures[si];
      const int slice = nearest_slice(st, z);
      if (slice < 0) continue;
      const auto& pts = st.slices[static_cast<size_t>(slice)].points_mm;
      std::vector<ImVec2> poly;
      for (size_t p = 0; p < pts.size(); ++p) {
        const bool dragged = sc.drag_structure == static_cast<int>(si) && sc.drag_slice == slice &&
                             sc.drag_point == static_cast<int>(p);
        poly.push_back(dragged ? m.screen(sc.drag_mm.x, sc.drag_mm.y) : m.screen(pts[p][0], pts[p][1]));
      }
      // Integer widths use ImGui's textured anti-aliasing: 2 triangles a segment instead of ~6.
      dl->AddPolyline(poly.data(), static_cast<int>(poly.size()), structure_colour(st.name), ImDrawFlags_Closed, 3.0F);
      if (edit) {
        for (size_t p = 0; p < poly.size(); ++p) {
          dl->AddCircle(poly[p], 4.0F, structure_colour(st.name));
          const float dx = mouse.x - poly[p].x, dy = mouse.y - poly[p].y;
          if (activated && sc.drag_structure < 0 && dx * dx + dy * dy < kHandleRadius_px * kHandleRadius_px) {
            sc.drag_structure = static_cast<int>(si);
            sc.drag_slice = slice;
            sc.drag_point = static_cast<int>(p);
          }
        }
      }
    }
    if (edit && sc.drag_structure >= 0) {
      if (active) sc.drag_mm = ImVec2(static_cast<float>(mouse_x), static_cast<float>(mouse_y));
      if (released) {
        out.push_back(intent::MoveContourPoint{s.structures[static_cast<size_t>(sc.drag_structure)].name, sc.drag_slice,
                                               sc.drag_point, static_cast<double>(sc.drag_mm.x),
                                               static_cast<double>(sc.drag_mm.y)});
        sc.drag_structure = sc.drag_slice = sc.drag_point = -1;
      }
    }
  }

  if (has(overlay, Overlay::isodoses) && s.plan && s.plan->dose) {
    const IsodoseCache& iso = isodoses(ctx.axial_isodoses, s.plan->dose, z, s.prescription.dose_Gy, false);
    draw_isodose_lines(dl, m, iso);
  }

  if (has(overlay, Overlay::needles) || has(overlay, Overlay::edit_needles)) {
    const bool edit = has(overlay, Overlay::edit_needles);
    auto draw_needle = [&](const formats::Catheter& c, ImU32 colour) {
      const auto xy = catheter_at(c, z);
      ImVec2 p = m.screen(xy[0], xy[1]);
      if (sc.drag_needle == c.id) p = m.screen(sc.drag_mm.x, sc.drag_mm.y);
      // 10-sided (within 0.5 px of a circle at these radii): about half the triangles of
      // ImGui's automatic tessellation, on ~15 needles per frame.
      dl->AddCircleFilled(p, 6.0F, colour, kNeedleSegments);
      dl->AddCircle(p, 9.0F, IM_COL32(0, 0, 0, 255), kNeedleSegments);
      char id[8];
      std::snprintf(id, sizeof id, "%d", c.id);
      dl->AddText(ImVec2(p.x + 8, p.y - 16), colour, id);
      const float dx = mouse.x - p.x, dy = mouse.y - p.y;
      if (edit && activated && sc.drag_needle < 0 && dx * dx + dy * dy < kHandleRadius_px * kHandleRadius_px)
        sc.drag_needle = c.id;
    };
    for (const auto& c : s.catheters) draw_needle(c, IM_COL32(60, 255, 90, 255));
    for (const auto& c : s.detected_needles) draw_needle(c, IM_COL32(255, 150, 30, 255));
    if (edit) {
      if (sc.drag_needle >= 0) {
        if (active) sc.drag_mm = ImVec2(static_cast<float>(mouse_x), static_cast<float>(mouse_y));
        if (released) {
          out.push_back(intent::MoveNeedle{sc.drag_needle, static_cast<double>(sc.drag_mm.x), static_cast<double>(sc.drag_mm.y)});
          sc.drag_needle = -1;
        }
      } else if (released && hovered) {
        // A click on an empty template hole adds a needle there.
        out.push_back(intent::AddNeedle{mouse_x, mouse_y});
      }
    }
  }
  dl->PopClipRect();

  char label[96];
  std::snprintf(label, sizeof label, "AXIAL  z = %.1f mm   %s", z, s.live_frame ? "LIVE" : "");
  dl->AddText(ImVec2(m.p0.x + 8, m.p0.y + 6), IM_COL32(255, 255, 255, 255), label);
  if (has(overlay, Overlay::isodoses) && s.plan && s.plan->dose)
    draw_isodose_legend(dl, ImVec2(m.p1.x - 150, m.p0.y + 8), s.prescription.dose_Gy);
  if (hovered) {
    std::snprintf(label, sizeof label, "(%.1f, %.1f) mm", mouse_x, mouse_y);
    dl->AddText(ImVec2(m.p0.x + 8, m.p1.y - 20), IM_COL32(200, 200, 200, 255), label);
  }
}

void draw_sagittal(const AppState& s, ViewContext& ctx, ImVec2 size, bool show_isodoses) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (s.sweep.get() != ctx.sagittal_from) {
    ctx.sagittal_from = s.sweep.get();
    ctx.sagittal_image.reset();
    if (s.sweep && s.sweep->frames.size() >= 2) {
      try {
        ctx.sagittal_image = std::make_shared<const GrayImage>(sagittal_from_sweep(*s.sweep, 0.0));
      } catch (const std::exception&) {
        ctx.sagittal_image.reset();  // shown as "no sweep" below
      }
    }
  }
  const Mapping m = draw_image(dl, size, ctx.sagittal_image, ctx.sagittal, "no sweep captured");
  const double v0 = m.v0, v1 = m.v1;
  dl->PushClipRect(m.p0, m.p1, true);
  // Needles near the plane x = 0 (within half a template pitch) as lines along z.
  for (const auto& c : s.catheters)
    if (std::fabs(c.path_mm.front()[0]) < 0.5 * kTemplatePitch_mm)
      for (size_t i = 0; i + 1 < c.path_mm.size(); ++i)
        dl->AddLine(m.screen(c.path_mm[i][2], c.path_mm[i][1]), m.screen(c.path_mm[i + 1][2], c.path_mm[i + 1][1]),
                    IM_COL32(60, 255, 90, 255), 2.0F);
  if (show_isodoses && s.plan && s.plan->dose) {
    const IsodoseCache& iso = isodoses(ctx.sagittal_isodoses, s.plan->dose, 0.0, s.prescription.dose_Gy, true);
    draw_isodose_lines(dl, m, iso);
  }
  const double z = s.live_frame ? s.live_frame->z_mm : s.stepper_z_mm;
  dl->AddLine(m.screen(z, v0), m.screen(z, v1), IM_COL32(255, 255, 255, 160), 1.0F);
  dl->PopClipRect();
  dl->AddText(ImVec2(m.p0.x + 8, m.p0.y + 6), IM_COL32(255, 255, 255, 255), "SAGITTAL  x = 0 mm (apex left, base right)");
  ImGui::Dummy(ImVec2(m.p1.x - m.p0.x, m.p1.y - m.p0.y));
}

void draw_dvh(const AppState& s, ImVec2 size) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 p1(p0.x + size.x, p0.y + size.y);
  // No background fill of its own: the window's (glClear) shows through, one large quad less.
  const float left = 44, bottom = 28, right = 10, top = 22;
  const ImVec2 a0(p0.x + left, p0.y + top), a1(p1.x - right, p1.y - bottom);
  dl->AddText(ImVec2(p0.x + 6, p0.y + 3), IM_COL32(255, 255, 255, 255), "DVH (volume % vs dose Gy)");
  if (!s.plan || s.plan->dvh.empty()) {
    dl->AddText(ImVec2(a0.x + 10, a0.y + 20), IM_COL32(200, 200, 200, 255), "no plan");
    ImGui::Dummy(size);
    return;
  }
  const double max_dose = 2.0 * s.prescription.dose_Gy;
  auto to_screen = [&](double dose, double vol) {
    const double fx = std::clamp(dose / max_dose, 0.0, 1.0);
    return ImVec2(a0.x + static_cast<float>(fx) * (a1.x - a0.x), a1.y - static_cast<float>(vol / 100.0) * (a1.y - a0.y));
  };
  for (int k = 0; k <= 4; ++k) {
    const double dose = max_dose * k / 4.0;
    const ImVec2 p = to_screen(dose, 0);
    dl->AddLine(ImVec2(p.x, a0.y), ImVec2(p.x, a1.y), IM_COL32(60, 60, 70, 255));
    char t[16];
    std::snprintf(t, sizeof t, "%.0f", dose);
    dl->AddText(ImVec2(p.x - 8, a1.y + 4), IM_COL32(200, 200, 200, 255), t);
    const ImVec2 q = to_screen(0, 25.0 * k);
    dl->AddLine(ImVec2(a0.x, q.y), ImVec2(a1.x, q.y), IM_COL32(60, 60, 70, 255));
    std::snprintf(t, sizeof t, "%d", 25 * k);
    dl->AddText(ImVec2(p0.x + 8, q.y - 7), IM_COL32(200, 200, 200, 255), t);
  }
  const ImVec2 rx = to_screen(s.prescription.dose_Gy, 0);
  dl->AddLine(ImVec2(rx.x, a0.y), ImVec2(rx.x, a1.y), IM_COL32(255, 235, 60, 200), 1.5F);
  float legend_y = a0.y + 4;
  std::vector<std::array<double, 2>> curve;
  std::vector<ImVec2> pts;
  for (const auto& c : s.plan->dvh) {
    curve.clear();
    for (size_t i = 0; i < c.dose_Gy.size(); ++i) {
      const ImVec2 p = to_screen(c.dose_Gy[i], c.volume_pct[i]);
      curve.push_back({static_cast<double>(p.x), static_cast<double>(p.y)});
    }
    // Within a quarter pixel of the full curve: a third of the points or fewer (~1350 ->
    // under 300 triangles for three structures), and the rasteriser pays per triangle.
    pts.clear();
    for (const auto& p : simplify_polyline(curve, kDvhTolerance_px))
      pts.push_back(ImVec2(static_cast<float>(p[0]), static_cast<float>(p[1])));
    const ImU32 col = structure_colour(c.structure);
    dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), col, ImDrawFlags_None, 3.0F);  // integer width: textured AA
    dl->AddLine(ImVec2(a1.x - 110, legend_y + 7), ImVec2(a1.x - 90, legend_y + 7), col, 3.0F);
    dl->AddText(ImVec2(a1.x - 84, legend_y), IM_COL32(255, 255, 255, 255), c.structure.c_str());
    legend_y += 16;
  }
  ImGui::Dummy(size);
}

void draw_metrics_table(const AppState& s) {
  if (!s.plan) {
    ImGui::TextDisabled("no plan");
    return;
  }
  if (!s.plan->checks.empty()) {
    // As wide as its columns, not the panel: every row is a coloured quad blended pixel by
    // pixel by the software rasteriser, and stretched columns made them ~850 px of mostly
    // empty colour (~1 ms of CPU per frame at 1080p).
    ImGui::PushStyleVar(ImGuiStyleVar_CellPadding, ImVec2(10.0F, 2.0F));  // columns apart at a glance
    const bool table = ImGui::BeginTable("checks", 5,
                                         ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                             ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoHostExtendX);
    ImGui::PopStyleVar();
    if (table) {
      ImGui::TableSetupColumn("Structure");
      ImGui::TableSetupColumn("Metric");
      ImGui::TableSetupColumn("Value");
      ImGui::TableSetupColumn("Protocol");
      ImGui::TableSetupColumn("");
      ImGui::TableHeadersRow();
      for (const auto& c : s.plan->checks) {
        ImGui::TableNextRow();
        ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0,
                               c.pass ? IM_COL32(30, 90, 40, 255) : IM_COL32(120, 30, 30, 255));
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.structure.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.metric.c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%.2f", c.value);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.rule.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.pass ? "PASS" : "FAIL");
      }
      ImGui::EndTable();
    }
    return;
  }
  for (const auto& [st, metrics] : s.plan->plan.metrics)
    for (const auto& [name, v] : metrics) ImGui::Text("%s %s = %.2f", st.c_str(), name.c_str(), v);
}

}  // namespace hdr::ui
