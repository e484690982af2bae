#pragma once
// The windowed console: SDL2 window with an OpenGL 3 context, Dear ImGui frame loop
// (events -> poll state -> NewFrame -> views -> Render -> apply intents), screenshot and
// frame statistics.
#include <optional>
#include <string>

namespace hdr::ui {

struct WindowOptions {
  bool demo = false;
  std::string hdr_executable;                 // for the demo's afterloader simulator
  std::optional<std::string> screenshot_png;  // saved after the last frame
  std::optional<int> exit_after_frames;       // frames counted once the startup script is done
  bool stats = false;
  std::optional<std::string> script_file;
  double sim_time_scale = 100.0;
  double frame_period_ms = 1000.0 / 60.0;     // frame pacing when the display has no vsync
};

// Runs until the window closes, the frame count is reached, or a script fails. Returns the
// exit code (0; 1 when the display cannot be opened, the script fails or the screenshot
// cannot be written).
int run_window(const WindowOptions& options);

}  // namespace hdr::ui
