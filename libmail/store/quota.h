// Per-account quota on a Maildir++ root: the "maildirsize" file of the
// Maildir++ quota convention (Courier, Dovecot) keeps the usage so that it
// is not recounted on every delivery. Line 1 is the limit ("<bytes>S,<n>C");
// every other line is a change "<bytes> <messages>", appended (O_APPEND) by
// whoever adds or removes mail; the usage is their sum. The file is
// recounted from the folders when it is missing, damaged, longer than
// 5120 bytes, or written for another limit. Sizes are the sizes clients see
// (RFC822.SIZE, CRLF line ends), so GETQUOTA agrees with STATUS SIZE.
#pragma once

#include <cstdint>
#include <string>

#include "libmail/core/result.h"

namespace tern::store {

struct QuotaLimit {
    std::uint64_t bytes = 0;     // 0: no limit
    std::uint64_t messages = 0;  // 0: no limit
    bool none() const { return bytes == 0 && messages == 0; }
};

struct QuotaUsage {
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;
};

// The account's usage (recounting, and rewriting maildirsize, when needed).
[[nodiscard]] Result<QuotaUsage> quota_usage(const std::string& root, const QuotaLimit& limit);

// Records mail added (positive) or removed (negative). Without a maildirsize
// nothing is written: the next quota_usage counts from the folders anyway.
// Best effort: a failed write is logged, and the next recount repairs it.
void quota_change(const std::string& root, std::int64_t bytes, std::int64_t messages);

// Forgets the recorded usage (a folder was deleted): the next quota_usage recounts.
void quota_forget(const std::string& root);

// Whether `messages` more messages of `bytes` in all fit.
bool quota_allows(const QuotaUsage& used, const QuotaLimit& limit, std::uint64_t bytes, std::uint64_t messages = 1);

}  // namespace tern::store
