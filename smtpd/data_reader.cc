#include "smtpd/data_reader.h"

namespace tern::smtpd {

std::size_t DataReader::feed(std::string_view in, std::string& out) {
    std::size_t i = 0;
    while (i < in.size() && state_ != State::Done) {
        const char c = in[i];
        switch (state_) {
        case State::LineStart:
            if (c == '.') {
                state_ = State::Dot;
                ++i;
            } else {
                state_ = State::Mid;  // c is handled in Mid
            }
            break;
        case State::Dot:  // a leading dot, held back
            if (c == '\r') {
                state_ = State::DotCr;
                ++i;
            } else if (c == '\n') {  // "<LF>.<LF>" or "<CRLF>.<LF>": an (unstuffed) empty line, not the end
                out += '\n';
                prev_crlf_ = false;
                state_ = State::LineStart;
                ++i;
            } else {
                state_ = State::Mid;  // dot-unstuffing: the leading dot is dropped
            }
            break;
        case State::DotCr:
            if (c == '\n') {
                ++i;
                if (prev_crlf_) {
                    state_ = State::Done;
                } else {  // "<LF>.<CR><LF>": not the end
                    out += '\n';
                    prev_crlf_ = true;
                    state_ = State::LineStart;
                }
            } else {
                out += '\r';
                state_ = State::Mid;
            }
            break;
        case State::Mid: {
            // Copy up to the next CR or LF in one go.
            std::size_t j = i;
            while (j < in.size() && in[j] != '\r' && in[j] != '\n') ++j;
            out.append(in.data() + i, j - i);
            i = j;
            if (i < in.size()) {
                if (in[i] == '\n') {
                    out += '\n';
                    prev_crlf_ = false;
                    state_ = State::LineStart;
                } else {
                    state_ = State::MidCr;
                }
                ++i;
            }
            break;
        }
        case State::MidCr:
            if (c == '\n') {
                out += '\n';
                prev_crlf_ = true;
                state_ = State::LineStart;
                ++i;
            } else {
                out += '\r';  // a bare CR is content
                state_ = State::Mid;
                if (c == '\r') {
                    state_ = State::MidCr;
                    ++i;
                }
            }
            break;
        case State::Done:
            break;
        }
    }
    return i;
}

void CrlfToLf::feed(std::string_view in, std::string& out) {
    out.reserve(out.size() + in.size() + 1);
    for (char c : in) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (c == '\n') {
                out += '\n';
                continue;
            }
            out += '\r';
        }
        if (c == '\r') {
            pending_cr_ = true;
        } else {
            out += c;
        }
    }
}

void CrlfToLf::finish(std::string& out) {
    if (pending_cr_) out += '\r';
    pending_cr_ = false;
}

}  // namespace tern::smtpd
