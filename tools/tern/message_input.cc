#include "tools/tern/message_input.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "libmail/core/result.h"

namespace tern::cli {

namespace {
constexpr std::size_t kReadChunkOctets = 64 * 1024;
}  // namespace

void MessageSplitter::feed(std::string_view raw) {
    std::string data;
    data.reserve(raw.size() + 1);
    if (cr_pending_) data += '\r';
    cr_pending_ = false;
    data += raw;
    if (!data.empty() && data.back() == '\r') {
        cr_pending_ = true;
        data.pop_back();
    }
    std::string lf;
    lf.reserve(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n') {
            saw_crlf_ = true;
            continue;
        }
        lf += data[i];
    }
    take(lf);
}

void MessageSplitter::finish() {
    if (cr_pending_) take("\r");
    cr_pending_ = false;
    if (in_headers_) {
        if (!field_.empty()) sink_.header(field_);
        sink_.end_of_headers();
        in_headers_ = false;
    }
}

void MessageSplitter::take(std::string_view s) {
    std::size_t i = 0;
    while (in_headers_ && i < s.size()) {
        const char c = s[i];
        if (at_line_start_ && field_.empty() && c == '\n') {
            // The empty line: headers end.
            sink_.end_of_headers();
            in_headers_ = false;
            ++i;
            break;
        }
        if (at_line_start_ && !field_.empty() && c != ' ' && c != '\t') {
            sink_.header(field_);  // the next line is not a continuation
            field_.clear();
            continue;  // re-examine c as the start of a new field
        }
        if (field_.size() >= max_field_) throw std::runtime_error("header field too long");
        field_ += c;
        at_line_start_ = c == '\n';
        ++i;
    }
    if (!in_headers_ && i < s.size()) sink_.body(s.substr(i));
}

UniqueFd open_message(const std::string& path) {
    if (path == "-") return UniqueFd(::dup(0));
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw std::runtime_error(sys_error("open", path).message);
    return fd;
}

// Reads fd to its end in chunks, handing each to f.
void read_chunks(int fd, const std::function<void(std::string_view)>& f) {
    std::string buf(kReadChunkOctets, '\0');
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(sys_error("read").message);
        if (n == 0) return;
        f(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
}

}  // namespace tern::cli
