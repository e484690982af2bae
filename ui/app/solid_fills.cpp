#include "ui/app/solid_fills.hpp"

#include "ui/app/draw_packing.hpp"
#include "ui/app/triangle_runs.hpp"

#include <SDL_opengl.h>  // with GL_GLEXT_PROTOTYPES (ui/CMakeLists.txt): GL 3 entry points from libGL

#include <cstdio>

namespace hdr::ui {

namespace {
// GL names of the two programs. ImGui's is whatever its backend has bound when the first
// solid run is drawn (its render state is set up before any command).
GLuint g_solid_program = 0;
GLint g_solid_proj = -1;
GLuint g_imgui_program = 0;
bool g_solid_failed = false;  // the program did not build: everything stays on ImGui's

// ImGui's vertex shader without UV, and a fragment shader that outputs the vertex colour
// (ImGui's imgui_impl_opengl3.cpp, GLSL 1.30 variant: same attribute names, same transform).
constexpr const char* kVertexShader =
    "#version 130\n"
    "uniform mat4 ProjMtx;\n"
    "in vec2 Position;\n"
    "in vec2 UV;\n"
    "in vec4 Color;\n"
    "out vec4 Frag_Color;\n"
    "void main() { Frag_Color = Color; gl_Position = ProjMtx * vec4(Position.xy, 0, 1); }\n";
constexpr const char* kFragmentShader =
    "#version 130\n"
    "in vec4 Frag_Color;\n"
    "out vec4 Out_Color;\n"
    "void main() { Out_Color = Frag_Color; }\n";

bool build_solid_program(GLuint imgui_program) {
  auto compile = [](GLenum kind, const char* source) {
    const GLuint s = glCreateShader(kind);
    glShaderSource(s, 1, &source, nullptr);
    glCompileShader(s);
    GLint ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
      glDeleteShader(s);
      return 0U;
    }
    return s;
  };
  const GLuint vs = compile(GL_VERTEX_SHADER, kVertexShader), fs = compile(GL_FRAGMENT_SHADER, kFragmentShader);
  if (vs == 0 || fs == 0) return false;
  const GLuint p = glCreateProgram();
  glAttachShader(p, vs);
  glAttachShader(p, fs);
  // The attribute locations of ImGui's program: its vertex array object feeds both.
  for (const char* name : {"Position", "UV", "Color"}) {
    const GLint loc = glGetAttribLocation(imgui_program, name);
    if (loc >= 0) glBindAttribLocation(p, static_cast<GLuint>(loc), name);
  }
  glLinkProgram(p);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(p, GL_LINK_STATUS, &ok);
  if (!ok) {
    glDeleteProgram(p);
    return false;
  }
  g_solid_program = p;
  g_solid_proj = glGetUniformLocation(p, "ProjMtx");
  return true;
}

void use_solid_program(const ImDrawList*, const ImDrawCmd*) {
  if (g_solid_failed) return;
  GLint current = 0;
  glGetIntegerv(GL_CURRENT_PROGRAM, &current);
  if (static_cast<GLuint>(current) == g_solid_program && g_solid_program != 0) return;
  g_imgui_program = static_cast<GLuint>(current);
  if (g_solid_program == 0 && !build_solid_program(g_imgui_program)) {
    g_solid_failed = true;
    std::fprintf(stderr, "hdrconsole: warning: untextured fill program did not build; fills sample the atlas\n");
    return;
  }
  // ImGui's projection, read back rather than recomputed: the same transform to the bit.
  float projection[16];
  glGetUniformfv(g_imgui_program, glGetUniformLocation(g_imgui_program, "ProjMtx"), projection);
  glUseProgram(g_solid_program);
  glUniformMatrix4fv(g_solid_proj, 1, GL_FALSE, projection);
}

void use_imgui_program(const ImDrawList*, const ImDrawCmd*) {
  if (g_solid_failed || g_imgui_program == 0) return;
  glUseProgram(g_imgui_program);
}

ImDrawCmd callback_cmd(const ImDrawCmd& like, ImDrawCallback callback) {
  ImDrawCmd c = like;
  c.UserCallback = callback;
  c.UserCallbackData = nullptr;
  c.ElemCount = 0;
  return c;
}

}  // namespace

void split_solid_fills(ImDrawData* draw_data) {
  if (g_solid_failed || draw_data == nullptr) return;
  const ImTextureID atlas = ImGui::GetIO().Fonts->TexID;
  const ImVec2 white_uv = ImGui::GetIO().Fonts->TexUvWhitePixel;
  // A run smaller than this (a check mark, a thin separator) is not worth two program switches.
  constexpr float kMinSolidArea_px2 = 400.0F;
  for (int li = 0; li < draw_data->CmdListsCount; ++li) {
    ImDrawList* list = draw_data->CmdLists[li];
    ImVector<ImDrawCmd> out;
    ImVector<ImDrawIdx> indices;  // the list's indices, each command's in its new order
    out.reserve(list->CmdBuffer.Size + 8);
    indices.reserve(list->IdxBuffer.Size);
    bool solid_bound = false;
    for (const ImDrawCmd& cmd : list->CmdBuffer) {
      const ImDrawIdx* src = list->IdxBuffer.Data + cmd.IdxOffset;
      if (cmd.UserCallback != nullptr || cmd.TextureId != atlas || cmd.ElemCount == 0) {
        // An image, or a callback of someone else's (ImGui's render-state reset binds its program):
        // ImGui's program first.
        if (solid_bound) {
          out.push_back(callback_cmd(cmd, use_imgui_program));
          solid_bound = false;
        }
        ImDrawCmd same = cmd;
        same.IdxOffset = static_cast<unsigned>(indices.Size);
        for (unsigned k = 0; k < cmd.ElemCount; ++k) indices.push_back(src[k]);
        out.push_back(same);
        continue;
      }
      // Runs of one kind in a row become one draw (packed for llvmpipe's rectangles).
      DrawPacker packer(out, indices);
      for (const TriangleRun& run : triangle_runs(*list, cmd, white_uv, kMinSolidArea_px2)) {
        if (run.solid != solid_bound) {
          packer.close();
          out.push_back(callback_cmd(cmd, run.solid ? use_solid_program : use_imgui_program));
          solid_bound = run.solid;
        }
        packer.open(cmd);
        packer.append(src + run.first_elem, run.elem_count);
      }
      packer.close();
    }
    if (solid_bound) out.push_back(callback_cmd(list->CmdBuffer.back(), use_imgui_program));
    list->CmdBuffer.swap(out);
    list->IdxBuffer.swap(indices);
  }
}

}  // namespace hdr::ui
