// Requests as bytes: the RESP multibulk form a client sends, which is also what the AOF and a
// replica's stream store. The parser (request_parser.h) reads what this writes.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace basalt::protocol {

// Appends argv as a RESP multibulk command: *<argc>, then $<len> and the bytes of each.
void AppendCommand(std::string& out, std::span<const std::string_view> argv);

}  // namespace basalt::protocol
