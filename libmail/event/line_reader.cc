#include "libmail/event/line_reader.h"

namespace tern {

LineStatus take_line(evbuffer* in, std::size_t limit, std::string& line, bool* saw_bare_lf) {
    evbuffer_ptr lf = evbuffer_search(in, "\n", 1, nullptr);
    if (lf.pos < 0)
        return evbuffer_get_length(in) >= limit ? LineStatus::TooLong : LineStatus::NeedMore;
    const auto through_lf = static_cast<std::size_t>(lf.pos) + 1;
    if (through_lf > limit) {
        evbuffer_drain(in, through_lf);
        return LineStatus::TooLong;
    }
    line.resize(through_lf);
    evbuffer_remove(in, line.data(), through_lf);
    line.pop_back();  // LF
    const bool has_cr = !line.empty() && line.back() == '\r';
    if (has_cr) line.pop_back();
    if (saw_bare_lf) *saw_bare_lf = !has_cr;
    return LineStatus::Ok;
}

bool skip_line(evbuffer* in) {
    evbuffer_ptr lf = evbuffer_search(in, "\n", 1, nullptr);
    if (lf.pos < 0) {
        evbuffer_drain(in, evbuffer_get_length(in));
        return false;
    }
    evbuffer_drain(in, static_cast<std::size_t>(lf.pos) + 1);
    return true;
}

}  // namespace tern
