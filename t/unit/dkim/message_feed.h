// Test helper: cuts a message (LF line ends) into header fields and body
// and feeds them to a Verifier or Signer, the body in chunks of a given size.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace dkimtest {

template <class Sink>
void feed(Sink& sink, std::string_view msg, std::size_t chunk = 1 << 20) {
    std::size_t pos = 0;
    while (pos < msg.size() && msg[pos] != '\n') {
        std::size_t end = pos;
        do {
            end = msg.find('\n', end);
            end = end == std::string_view::npos ? msg.size() : end + 1;
        } while (end < msg.size() && (msg[end] == ' ' || msg[end] == '\t'));
        sink.header(msg.substr(pos, end - pos));
        pos = end;
    }
    sink.end_of_headers();
    if (pos < msg.size()) ++pos;  // the empty line
    for (; pos < msg.size(); pos += chunk) sink.body(msg.substr(pos, std::min(chunk, msg.size() - pos)));
    sink.end_of_body();
}

}  // namespace dkimtest
