#include "libmail/cleanup/submit_stream.h"

#include <unistd.h>

#include <algorithm>

#include "libmail/queue/queue_file.h"

namespace tern::cleanup {

namespace {

using queue::RecordType;

constexpr std::size_t kReadBytes = 64 * 1024;

SubmitError malformed(std::string m) { return {SubmitErrorKind::Malformed, std::move(m)}; }
SubmitError truncated() { return {SubmitErrorKind::Truncated, "input ended before the message was complete"}; }

// No control characters, no white space, no 8-bit bytes is not required
// (SMTPUTF8 addresses), but nothing that could break a log line or a header.
bool valid_address(std::string_view a) {
    if (a.size() > kMaxSubmitAddress) return false;
    return std::none_of(a.begin(), a.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 32 || u == 127;
    });
}

}  // namespace

std::string encode_submission_envelope(const Submission& s) {
    std::string out = queue::encode_record(RecordType::Sender, s.sender);
    if (!s.full_name.empty()) out += queue::encode_record(RecordType::Attr, "full_name=" + s.full_name);
    for (const auto& r : s.recipients) out += queue::encode_record(RecordType::Recipient, r);
    return out;
}

std::string encode_submission_content(std::string_view bytes) {
    std::string out;
    while (!bytes.empty()) {
        const std::size_t n = std::min(bytes.size(), queue::kMaxContentChunk);
        out += queue::encode_record(RecordType::Content, bytes.substr(0, n));
        bytes.remove_prefix(n);
    }
    return out;
}

std::string encode_submission_end() { return queue::encode_record(RecordType::End, {}); }

Result<void, SubmitError> SubmitReader::next(char& type, std::string& data, std::size_t max_len) {
    auto fill = [&](std::size_t need) -> Result<void, SubmitError> {
        while (buf_.size() - pos_ < need && !eof_) {
            if (pos_ > 0) {
                buf_.erase(0, pos_);
                pos_ = 0;
            }
            char tmp[kReadBytes];
            const ssize_t n = ::read(fd_, tmp, sizeof tmp);
            if (n < 0) {
                if (errno == EINTR) continue;
                return SubmitError{SubmitErrorKind::Io, sys_error("read", "standard input").message};
            }
            if (n == 0) eof_ = true;
            buf_.append(tmp, static_cast<std::size_t>(n));
        }
        return {};
    };
    if (auto r = fill(queue::kRecordHeaderBytes); !r) return r;
    if (buf_.size() == pos_ && eof_) {
        type = 0;
        return {};
    }
    if (buf_.size() - pos_ < queue::kRecordHeaderBytes) return truncated();
    type = buf_[pos_];
    std::uint32_t len = 0;
    for (int i = 1; i < 5; ++i) len = (len << 8) | static_cast<unsigned char>(buf_[pos_ + i]);
    // The bound is checked before anything of the record is stored.
    if (len > max_len) return malformed("record of " + std::to_string(len) + " bytes is too long");
    pos_ += queue::kRecordHeaderBytes;
    if (auto r = fill(len); !r) return r;
    if (buf_.size() - pos_ < len) return truncated();
    data.assign(buf_, pos_, len);
    pos_ += len;
    return {};
}

Result<Submission, SubmitError> SubmitReader::read_envelope() {
    Submission s;
    char type = 0;
    std::string data;
    if (auto r = next(type, data, queue::kMaxEnvelopeRecord); !r) return r.error();
    if (type == 0) return truncated();
    if (type != static_cast<char>(RecordType::Sender)) return malformed("the stream does not start with a sender");
    if (!data.empty() && !valid_address(data)) return malformed("bad sender address");
    s.sender = std::move(data);
    for (;;) {
        if (auto r = next(type, data, queue::kMaxEnvelopeRecord); !r) return r.error();
        switch (static_cast<RecordType>(type)) {
        case RecordType::Attr: {
            if (!s.recipients.empty()) return malformed("attribute after recipients");
            constexpr std::string_view kFullName = "full_name=";
            if (data.compare(0, kFullName.size(), kFullName) != 0) return malformed("unknown attribute");
            s.full_name = data.substr(kFullName.size(), kMaxSubmitFullName);
            break;
        }
        case RecordType::Recipient:
            if (data.empty() || !valid_address(data)) return malformed("bad recipient address");
            if (s.recipients.size() >= max_recipients_)
                return SubmitError{SubmitErrorKind::TooManyRecipients,
                                   "too many recipients (limit " + std::to_string(max_recipients_) + ")"};
            s.recipients.push_back(std::move(data));
            break;
        case RecordType::Content:
        case RecordType::End:
            if (s.recipients.empty()) return malformed("no recipients");
            pending_type_ = type;
            pending_data_ = std::move(data);
            return s;
        case RecordType::Version:
        case RecordType::Time:
        case RecordType::Sender:
            return malformed("unexpected record type in envelope");
        default:
            if (type == 0) return truncated();
            return malformed("unknown record type");
        }
    }
}

Result<void, SubmitError> SubmitReader::read_content(const std::function<Result<void>(std::string_view)>& fn) {
    char type = pending_type_;
    std::string data = std::move(pending_data_);
    pending_type_ = 0;
    for (;;) {
        if (type == 0) {
            if (auto r = next(type, data, queue::kMaxContentChunk); !r) return r;
            if (type == 0) return truncated();
        }
        if (type == static_cast<char>(RecordType::End)) {
            if (!data.empty()) return malformed("end record with data");
            return {};
        }
        if (type != static_cast<char>(RecordType::Content)) return malformed("unexpected record type in content");
        if (data.size() > queue::kMaxContentChunk) return malformed("content record too long");
        content_bytes_ += data.size();
        if (max_content_ != 0 && content_bytes_ > max_content_)
            return SubmitError{SubmitErrorKind::TooLarge, "message too large (limit " + std::to_string(max_content_) + " bytes)"};
        if (auto r = fn(data); !r) return SubmitError{SubmitErrorKind::Io, r.error().message};
        type = 0;
    }
}

}  // namespace tern::cleanup
