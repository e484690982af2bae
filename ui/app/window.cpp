#include "ui/app/window.hpp"

#include <SDL.h>
#include <SDL_opengl.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <imgui.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "planner/common/atomic_file.hpp"
#include "planner/common/error.hpp"
#include "ui/app/screenshot.hpp"
#include "ui/app/solid_fills.hpp"
#include "ui/app/trus_texture.hpp"
#include "ui/app/views/views.hpp"
#include "ui/state/demo.hpp"
#include "ui/state/frame_stats.hpp"
#include "ui/state/script.hpp"

namespace hdr::ui {

namespace {
using Clock = std::chrono::steady_clock;

// CPU time of the calling (UI) thread: the frame's own cost, whatever else the machine runs.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// CPU time of the whole process (every thread: UI, workers, Mesa's rasteriser threads).
double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

void draw_current_view(const AppState& s, ViewContext& ctx, Intents& out) {
  switch (s.view) {
    case View::patient: draw_patient(s, ctx, out); break;
    case View::trus: draw_trus(s, ctx, out); break;
    case View::contours: draw_contours(s, ctx, out); break;
    case View::needles: draw_needles(s, ctx, out); break;
    case View::plan: draw_plan(s, ctx, out); break;
    case View::approval: draw_approval(s, ctx, out); break;
    case View::delivery: draw_delivery(s, ctx, out); break;
    case View::calibration: draw_calibration(s, ctx, out); break;
    case View::records: draw_records(s, ctx, out); break;
  }
}

// The whole screen: status bar on top, navigation on the left, the current view.
Intents draw_console(const AppState& s, ViewContext& ctx) {
  Intents out;
  const ImGuiIO& io = ImGui::GetIO();
  // NoBackground: the three windows tile the screen, and each frame starts with a clear in the
  // window colour (run_window); their own full-screen background quads would double the fill
  // work, which on a software rasteriser (Mesa llvmpipe) is most of the frame.
  const ImGuiWindowFlags fixed = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
                                 ImGuiWindowFlags_NoBackground;
  const float bar_h = 112.0F, nav_w = 250.0F;
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(io.DisplaySize.x, bar_h));
  ImGui::Begin("status", nullptr, fixed);
  draw_status_bar(s, ctx, out);
  ImGui::End();
  ImGui::SetNextWindowPos(ImVec2(0, bar_h));
  ImGui::SetNextWindowSize(ImVec2(nav_w, io.DisplaySize.y - bar_h));
  ImGui::Begin("navigation", nullptr, fixed);
  draw_navigation(s, ctx, out);
  ImGui::End();
  ImGui::SetNextWindowPos(ImVec2(nav_w, bar_h));
  ImGui::SetNextWindowSize(ImVec2(io.DisplaySize.x - nav_w, io.DisplaySize.y - bar_h));
  ImGui::Begin("view", nullptr, fixed);
  draw_current_view(s, ctx, out);
  ImGui::End();
  return out;
}

void prefill_calibration_form(ViewScratch& sc, const std::string& measurement_json) {
  const auto m = nlohmann::json::parse(measurement_json);
  std::snprintf(sc.cal_measured_at, sizeof sc.cal_measured_at, "%s", m["measured_at"].get<std::string>().c_str());
  std::snprintf(sc.cal_model, sizeof sc.cal_model, "%s", m["source"]["model"].get<std::string>().c_str());
  std::snprintf(sc.cal_serial, sizeof sc.cal_serial, "%s", m["source"]["serial"].get<std::string>().c_str());
  sc.cal_certificate_U = m["certificate"]["S_K_U"].get<double>();
  std::snprintf(sc.cal_certificate_time, sizeof sc.cal_certificate_time, "%s",
                m["certificate"]["reference_time"].get<std::string>().c_str());
  sc.cal_N_SK = m["chamber"]["N_SK_U_per_A"].get<double>();
  for (int i = 0; i < 3; ++i) sc.cal_readings_A[i] = m["readings_A"][static_cast<size_t>(i)].get<double>();
  sc.cal_temperature_C = m["temperature_C"].get<double>();
  sc.cal_pressure_kPa = m["pressure_kPa"].get<double>();
}

void style_for_touch() {
  ImGui::StyleColorsDark();
  ImGuiStyle& st = ImGui::GetStyle();
  st.FramePadding = ImVec2(12, 8);
  st.ItemSpacing = ImVec2(12, 10);
  st.ScrollbarSize = 28;  // a scrollbar a gloved finger can hold
  st.GrabMinSize = 24;
  // Square frames: a rounded one is ~20 anti-aliased triangles where a square is 2, and the
  // software rasteriser pays per triangle (~15 % of its CPU per frame on the plan view).
  st.FrameRounding = 0;
  ImFontConfig font;
  font.SizePixels = 20.0F;
  ImGui::GetIO().Fonts->AddFontDefault(&font);
  ImGui::GetIO().IniFilename = nullptr;  // no imgui.ini next to the patient's data
}
}  // namespace

int run_window(const WindowOptions& options) {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) {
    std::fprintf(stderr, "hdrconsole: error: cannot open the display (%s); use --headless\n", SDL_GetError());
    return 1;
  }
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
  SDL_DisplayMode mode{};
  if (SDL_GetDesktopDisplayMode(0, &mode) != 0) {
    mode.w = 1920;
    mode.h = 1080;
  }
  SDL_Window* window = SDL_CreateWindow("HDR planning console", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, mode.w,
                                        mode.h, SDL_WINDOW_OPENGL | SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_ALLOW_HIGHDPI);
  if (!window) {
    std::fprintf(stderr, "hdrconsole: error: cannot create the window (%s)\n", SDL_GetError());
    SDL_Quit();
    return 1;
  }
  SDL_GLContext gl = SDL_GL_CreateContext(window);
  if (!gl) {
    std::fprintf(stderr, "hdrconsole: error: no OpenGL 3 context (%s)\n", SDL_GetError());
    SDL_DestroyWindow(window);
    SDL_Quit();
    return 1;
  }
  SDL_GL_MakeCurrent(window, gl);
  SDL_GL_SetSwapInterval(1);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  style_for_touch();
  ImGui_ImplSDL2_InitForOpenGL(window, gl);
  ImGui_ImplOpenGL3_Init("#version 130");

  int exit_code = 0;
  {
    // Everything that talks to workers and the simulator lives in this scope, so it is gone
    // before the GL context and SDL are torn down.
    std::unique_ptr<demo::Environment> env;
    std::unique_ptr<Console> plain;
    ViewContext ctx;
    ctx.demo = options.demo;
    std::optional<ScriptRunner> script;
    try {
      if (options.demo) {
        env = demo::make_environment(options.hdr_executable, demo::data_dir(), options.sim_time_scale, true);
        prefill_calibration_form(ctx.scratch, env->calibration_json);
      } else {
        plain = std::make_unique<Console>(ConsoleOptions{});
      }
      Console& console = env ? *env->console : *plain;
      if (options.script_file)
        script.emplace(parse_script(read_file(*options.script_file), *options.script_file));
      else if (env)
        script.emplace(demo::workflow(env->calibration_json, false));  // prepare the plan, leave approval to people

      FrameStats stats;      // wall time of each frame's work
      FrameStats cpu_stats;  // the UI thread's CPU time in it
      // Where the wall time goes: the frame's CPU side (the background clear issued first, then
      // events, state, ImGui, with the rasteriser threads clearing meanwhile), the draw
      // submission (image blits, vertex upload, draw calls: llvmpipe bins triangles here), the
      // wait for the rasteriser (glFinish), and the swap after the measured time.
      FrameStats build_stats, submit_stats, raster_stats, swap_stats;
      int counted = 0;
      double process_cpu_at_first_ms = 0.0, process_cpu_at_last_ms = 0.0;  // all threads, llvmpipe's too
      bool running = true;
      while (running) {
        const auto frame_start = Clock::now();
        const double cpu_start = thread_cpu_ms();
        const double process_cpu_ms_before = process_cpu_ms();
        {
          // The window colour first, flushed: Mesa's rasteriser threads paint the 1080p
          // background (~2 ms of CPU) while this thread builds the frame; the image blits later
          // wait only for what is left of it. Scissored clears around the images after the blits
          // cost the rasteriser as much at the end of the frame, with nothing to overlap them
          // (3 paired runs, load 4.6-5.2: mean 14.6-17.9 -> 11.0-13.3 ms, p99 30-33 -> 17-27 ms).
          int fb_w = 0, fb_h = 0;
          SDL_GL_GetDrawableSize(window, &fb_w, &fb_h);
          glViewport(0, 0, fb_w, fb_h);
          const ImVec4& bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
          glClearColor(bg.x, bg.y, bg.z, 1.0F);
          glClear(GL_COLOR_BUFFER_BIT);
          glFlush();
        }
        SDL_Event e;
        while (SDL_PollEvent(&e)) {
          ImGui_ImplSDL2_ProcessEvent(&e);
          if (e.type == SDL_QUIT) running = false;
        }
        console.poll();
        bool script_done = !script || script->status() == ScriptRunner::Status::done;
        if (script && script->status() == ScriptRunner::Status::running) {
          if (script->step(console) == ScriptRunner::Status::failed) {
            std::fprintf(stderr, "hdrconsole: error: %s\n", script->failure().c_str());
            exit_code = 1;
            if (options.script_file) running = false;  // a test script failing ends the run
          }
          script_done = script->status() == ScriptRunner::Status::done;
        }
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplSDL2_NewFrame();
        ImGui::NewFrame();
        Intents intents = draw_console(console.state(), ctx);
        ImGui::Render();
        split_solid_fills(ImGui::GetDrawData());  // fills without the texture fetch: same pixels, less rasteriser work
        const auto t_built = Clock::now();
        {
          int fb_w = 0, fb_h = 0;
          SDL_GL_GetDrawableSize(window, &fb_w, &fb_h);
          blit_queued_images(fb_w, fb_h);  // on the background cleared at the frame's start
        }
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
        const auto t_submitted = Clock::now();
        glFinish();  // the frame's work is done here (excludes the wait for vsync)
        const auto t_done = Clock::now();
        const double work_ms = std::chrono::duration<double, std::milli>(t_done - frame_start).count();
        const double cpu_ms = thread_cpu_ms() - cpu_start;
        // Frames count (for --exit-after-frames and --stats) once the startup script is done:
        // then the live image and the plan are on screen.
        const bool counting = script_done || (script && script->status() == ScriptRunner::Status::failed);
        if (counting) {
          if (counted == 0) process_cpu_at_first_ms = process_cpu_ms_before;
          ++counted;
          process_cpu_at_last_ms = process_cpu_ms();
          stats.add(work_ms);
          cpu_stats.add(cpu_ms);
          build_stats.add(std::chrono::duration<double, std::milli>(t_built - frame_start).count());
          submit_stats.add(std::chrono::duration<double, std::milli>(t_submitted - t_built).count());
          raster_stats.add(std::chrono::duration<double, std::milli>(t_done - t_submitted).count());
        }
        const bool last = options.exit_after_frames && counted >= *options.exit_after_frames;
        if (last && options.screenshot_png) {
          int w = 0, h = 0;
          SDL_GL_GetDrawableSize(window, &w, &h);
          save_screenshot_png(*options.screenshot_png, w, h);
          std::fprintf(stderr, "hdrconsole: screenshot %s (%dx%d)\n", options.screenshot_png->c_str(), w, h);
        }
        const auto t_swap = Clock::now();
        SDL_GL_SwapWindow(window);
        if (counting) swap_stats.add(std::chrono::duration<double, std::milli>(Clock::now() - t_swap).count());
        // Widgets report, the console acts after the frame.
        for (const auto& i : intents) console.apply(i);
        if (last) running = false;
        // Frame pacing: a display without vsync (Xvfb) would otherwise spin a core.
        const auto next = frame_start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double, std::milli>(options.frame_period_ms));
        if (Clock::now() < next) std::this_thread::sleep_until(next);
      }
      if (options.stats && stats.count() > 0) {
        std::printf("frames: %zu  frame time mean %.2f ms  p99 %.2f ms  max %.2f ms\n", stats.count(), stats.mean_ms(),
                    stats.percentile_ms(99.0), stats.max_ms());
        std::printf("  frame time = UI build (with the clear issued) %.2f + draw submission %.2f + rasteriser (glFinish) %.2f ms (means; rasteriser"
                    " p99 %.2f ms); then the swap, not in the frame time: mean %.2f ms  p99 %.2f ms\n",
                    build_stats.mean_ms(), submit_stats.mean_ms(), raster_stats.mean_ms(), raster_stats.percentile_ms(99.0),
                    swap_stats.mean_ms(), swap_stats.percentile_ms(99.0));
        std::printf("UI thread CPU per frame: mean %.2f ms  p99 %.2f ms (with LP_NUM_THREADS=0 Mesa rasterises here too)\n",
                    cpu_stats.mean_ms(), cpu_stats.percentile_ms(99.0));
        std::printf("process CPU per frame (every thread: UI, workers, Mesa's rasteriser threads, the swap): %.2f ms\n",
                    (process_cpu_at_last_ms - process_cpu_at_first_ms) / static_cast<double>(stats.count()));
        std::printf("last frame drew %d vertices, %d triangles\n", ImGui::GetIO().MetricsRenderVertices,
                    ImGui::GetIO().MetricsRenderIndices / 3);
      }
      if (options.stats && stats.count() == 0) std::printf("frames: 0 (the startup script never finished)\n");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hdrconsole: error: %s\n", e.what());
      exit_code = 1;
    }
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();
  SDL_GL_DeleteContext(gl);
  SDL_DestroyWindow(window);
  SDL_Quit();
  return exit_code;
}

}  // namespace hdr::ui
