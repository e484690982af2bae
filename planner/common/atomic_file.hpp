#pragma once
// Writes a whole file or nothing: content goes to "<path>.tmp-<pid>" and is renamed over
// `path` only after a successful flush, so a crash or error never leaves a half-written output.
#include <string>

namespace hdr {

// Throws hdr::Error naming the path when the file cannot be written.
void write_file_atomically(const std::string& path, const std::string& content);

// Reads a whole file; throws hdr::Error naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace hdr
