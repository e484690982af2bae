// Approval: login and role-checked sign-off (a physician's and a physicist's).
#include "ui/app/views/views.hpp"
#include "ui/app/widgets.hpp"
#include "ui/state/demo.hpp"

namespace hdr::ui {

namespace {
bool job_running(const AppState& s, const char* name) {
  const auto it = s.jobs.find(name);
  return it != s.jobs.end() && it->second.running;
}

void draw_login(const AppState& s, ViewContext& ctx, Intents& out) {
  auto& sc = ctx.scratch;
  if (job_running(s, "login")) {
    draw_job(s, "login");  // the password check (Argon2id) runs on a worker
    return;
  }
  if (s.user) {
    ImGui::Text("Logged in as %s (%s)", s.user->c_str(), s.role->c_str());
    ImGui::SameLine();
    if (ImGui::Button("Log out", ImVec2(120, 40))) out.push_back(intent::Logout{});
    return;
  }
  ImGui::SetNextItemWidth(300);
  ImGui::InputText("User", sc.login_user, sizeof sc.login_user);
  ImGui::SetNextItemWidth(300);
  ImGui::InputText("Password", sc.login_password, sizeof sc.login_password, ImGuiInputTextFlags_Password);
  if (widgets::big_button("Log in", sc.login_user[0] != '\0', 200)) {
    out.push_back(intent::Login{sc.login_user, sc.login_password});
    sc.login_password[0] = '\0';
  }
  if (s.jobs.count("login")) draw_job(s, "login");  // a refused login says why
  if (ctx.demo)
    ImGui::TextDisabled("Demo users: %s / %s, %s / %s, %s / %s", demo::kPhysician.name, demo::kPhysician.password,
                        demo::kPhysicist.name, demo::kPhysicist.password, demo::kTherapist.name, demo::kTherapist.password);
}
}  // namespace

void draw_login_panel(const AppState& s, ViewContext& ctx, Intents& out) { draw_login(s, ctx, out); }

void draw_approval(const AppState& s, ViewContext& ctx, Intents& out) {
  widgets::heading("Approval");
  draw_login(s, ctx, out);
  ImGui::Separator();
  if (!s.plan) {
    ImGui::TextColored(widgets::kAmber, "No plan to approve.");
    return;
  }
  const bool current = s.plan->geometry_revision == s.geometry_revision;
  ImGui::Text("Plan: %zu dwells, protocol %s%s", s.plan->plan.dwells.size(), s.plan->protocol_pass() ? "pass" : "FAIL",
              current ? "" : " (OUT OF DATE: re-optimise first)");
  if (s.stored_plan_id) ImGui::Text("Stored as plan %lld", static_cast<long long>(*s.stored_plan_id));
  draw_metrics_table(s);
  const bool deviates = !s.plan->protocol_pass();
  bool acknowledged = ctx.scratch.deviations_acknowledged_for.lock() == s.plan;
  if (deviates) {
    // A plan outside the protocol is not signed without looking: name what fails, above the
    // button, and ask for the deviations to be acknowledged (for this plan only).
    ImGui::TextColored(widgets::kRed, "This plan does NOT meet the protocol:");
    for (const auto& f : s.plan->protocol_failures()) ImGui::BulletText("%s", f.c_str());
    if (ImGui::Checkbox("I have reviewed each deviation and approve the plan as it is", &acknowledged))
      ctx.scratch.deviations_acknowledged_for = acknowledged ? s.plan : nullptr;
  }
  ImGui::Separator();
  ImGui::Text("Approvals (%zu of 2 required: physician and physicist)", s.approvals.size());
  for (const auto& a : s.approvals) ImGui::BulletText("%s (%s) at %s", a.user.c_str(), a.role.c_str(), a.at.c_str());
  const bool role_ok = s.role && (*s.role == "physician" || *s.role == "physicist");
  const bool approving = job_running(s, "approve");
  if (widgets::big_button("Approve plan", role_ok && current && !approving && (!deviates || acknowledged), 260))
    out.push_back(intent::Approve{deviates && acknowledged});
  if (s.jobs.count("approve")) draw_job(s, "approve");
  if (s.user && !role_ok) ImGui::TextColored(widgets::kAmber, "Only a physician or a physicist approves plans.");
}

}  // namespace hdr::ui
