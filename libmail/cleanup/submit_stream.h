// The stream sendmail writes to postdrop's standard input (local submission):
// the queue file's record framing (type byte, 4-byte big-endian length, data;
// libmail/queue/queue_file.h) in this order:
//   Sender, Attr* ("full_name=..."), Recipient+ (the bare address), Content*, End
// postdrop is setgid and reads it from any local user, so the reader trusts
// nothing: every record is bounded before it is stored, the order is checked,
// and recipients and content bytes are counted against the limits given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/core/result.h"

namespace tern::cleanup {

inline constexpr std::size_t kMaxSubmitAddress = 1024;   // far above RFC 5321 4.5.3.1.3's 256-octet path
inline constexpr std::size_t kMaxSubmitFullName = 256;

struct Submission {
    std::string sender;                     // may be empty (the null sender)
    std::string full_name;                  // sendmail -F; may be empty
    std::vector<std::string> recipients;
};

enum class SubmitErrorKind {
    Malformed,          // not the format: a record out of order, too long, a bad address
    Truncated,          // the input ended before End (the submitter gave up or died)
    TooManyRecipients,
    TooLarge,
    Io,
};

struct SubmitError {
    SubmitErrorKind kind = SubmitErrorKind::Malformed;
    std::string message;
};

// The envelope records (Sender, Attr, Recipient...), ready to write.
std::string encode_submission_envelope(const Submission& s);
// Content records for bytes (split at the record size), and the End record.
std::string encode_submission_content(std::string_view bytes);
std::string encode_submission_end();

class SubmitReader {
public:
    // Reads from fd (not owned). max_content_bytes 0 = no limit.
    SubmitReader(int fd, std::size_t max_recipients, std::uint64_t max_content_bytes)
        : fd_(fd), max_recipients_(max_recipients), max_content_(max_content_bytes) {}

    // Everything up to the first Content or End record. Addresses must be
    // free of control characters and white space, and at least one recipient given.
    [[nodiscard]] Result<Submission, SubmitError> read_envelope();
    // The content, chunk by chunk, up to and including End. A stream that
    // ends before End is Truncated (the submitter died: nothing is queued).
    [[nodiscard]] Result<void, SubmitError> read_content(const std::function<Result<void>(std::string_view)>& fn);

private:
    // One record; type 0 at a clean end of input.
    [[nodiscard]] Result<void, SubmitError> next(char& type, std::string& data, std::size_t max_len);

    int fd_;
    std::size_t max_recipients_;
    std::uint64_t max_content_;
    std::string buf_;
    std::size_t pos_ = 0;
    bool eof_ = false;
    char pending_type_ = 0;      // the record read_envelope stopped at
    std::string pending_data_;
    std::uint64_t content_bytes_ = 0;
};

}  // namespace tern::cleanup
