// take_line: one protocol line from a libevent input buffer, with the limit
// enforced where it is read, before anything parses (STYLE.md example 4).
#pragma once

#include <event2/buffer.h>

#include <cstddef>
#include <string>

namespace tern {

enum class LineStatus { Ok, NeedMore, TooLong };

// Takes one line ending in LF (CRLF or bare LF; the line returned has neither).
// `limit` counts the line with its line end. After TooLong the over-long line
// has been drained, or — when no line end has arrived yet — `in` holds at
// least `limit` bytes and the caller should discard with skip_line().
// saw_bare_lf (optional) is set when the line ended in LF without CR.
LineStatus take_line(evbuffer* in, std::size_t limit, std::string& line, bool* saw_bare_lf = nullptr);

// Discards input up to and including the next LF; returns true when one was found.
bool skip_line(evbuffer* in);

}  // namespace tern
