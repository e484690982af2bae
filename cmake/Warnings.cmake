# -Wnull-dereference is left out: it fires inside inlined Boost.Asio code at -O2 (false
# positives outside our control), which -Werror would turn into a broken build.
# Project-wide warning and sanitizer flags, applied through one interface target that every
# project target links (third-party headers come in as SYSTEM and stay quiet).
add_library(hdr_build_flags INTERFACE)
target_compile_options(hdr_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(HDR_WERROR)
  target_compile_options(hdr_build_flags INTERFACE -Werror)
endif()
if(HDR_SANITIZE)
  target_compile_options(hdr_build_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(hdr_build_flags INTERFACE -fsanitize=address,undefined)
endif()
