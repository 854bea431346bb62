#include "tools/sendmail/message_input.h"

#include <sysexits.h>

#include "libmail/cleanup/address_list.h"
#include "libmail/core/text.h"

namespace tern::sendmail {

namespace {

// A line longer than this is passed on in pieces (the body has no line limit
// here; cleanup and smtp apply theirs later).
constexpr std::size_t kMaxLinePiece = 64 * 1024;

bool is_header_start(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && line[i] > 32 && line[i] < 127 && line[i] != ':') ++i;
    return i > 0 && i < line.size() && line[i] == ':';
}

std::string_view name_of(std::string_view header) { return trim(header.substr(0, header.find(':'))); }

}  // namespace

void MessageInput::feed(std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size() && !done_; ++i) {
        const char c = bytes[i];
        if (c == '\n') {
            if (!line_.empty() && line_.back() == '\r') line_.pop_back();
            line_ += '\n';
            take(line_, true);
            line_.clear();
        } else {
            line_ += c;
            if (line_.size() >= kMaxLinePiece) {
                take(line_, false);
                line_.clear();
            }
        }
    }
}

void MessageInput::finish() {
    if (!done_ && !line_.empty()) {
        line_ += '\n';
        take(line_, true);
        line_.clear();
    }
    done_ = true;
    if (in_headers_) end_headers();
}

void MessageInput::take(std::string_view piece, bool complete_line) {
    const bool line_start = !line_continues_;
    line_continues_ = !complete_line;
    if (line_start && complete_line) {
        if (at_start_ && piece.substr(0, 5) == "From ") {  // mbox separator, not part of the message
            at_start_ = false;
            return;
        }
        if (!o_.ignore_dots && piece == ".\n") {
            done_ = true;
            if (in_headers_) end_headers();
            return;
        }
    }
    at_start_ = false;
    total_ += piece.size();
    if (o_.message_size_limit != 0 && total_ > o_.message_size_limit)
        throw InputError{EX_DATAERR, "message too large (message_size_limit is " +
                                         std::to_string(o_.message_size_limit) + " bytes)"};
    if (!in_headers_) {
        body_.append(piece);
        return;
    }
    header_bytes_ += piece.size();
    if (header_bytes_ > o_.header_section_limit)
        throw InputError{EX_DATAERR, "message header section too large (header_section_size_limit is " +
                                         std::to_string(o_.header_section_limit) + " bytes)"};
    if (!line_start || ((piece.front() == ' ' || piece.front() == '\t') && !headers_.empty() && piece != "\n")) {
        if (!headers_.empty()) {
            headers_.back().append(piece);  // a folded line, or the rest of a long one
            return;
        }
    } else if (is_header_start(piece)) {
        headers_.emplace_back(piece);
        return;
    }
    // The empty line or the first line that is not a header ends the section.
    end_headers();
    body_.append(piece);
}

void MessageInput::end_headers() {
    in_headers_ = false;
    bool resent = false;
    for (const auto& h : headers_)
        if (istarts_with(name_of(h), "Resent-")) resent = true;
    const std::string prefix = resent ? "Resent-" : "";
    for (const auto& h : headers_) {
        const std::string_view name = name_of(h);
        const bool is_bcc = iequals(name, prefix + "Bcc");
        if (o_.extract_recipients) {
            if (iequals(name, prefix + "To") || iequals(name, prefix + "Cc") || is_bcc) {
                std::string value;
                for (char c : std::string_view(h).substr(h.find(':') + 1))
                    if (c != '\n' && c != '\r') value += c;
                for (auto& a : cleanup::parse_address_list(value)) rcpts_.push_back(std::move(a));
            }
            // Blind copies stay blind (RFC 5322 3.6.3): the header goes.
            if (is_bcc) continue;
        }
        headers_out_ += h;
    }
    headers_.clear();
}

}  // namespace tern::sendmail
