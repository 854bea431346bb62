// Listing the queue for postqueue -p / -j and mailq: every message in the
// given folders with its parsed envelope. Files that vanish during the scan
// (delivered meanwhile) are skipped; unreadable ones are reported as such.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/queue/queue_file.h"

namespace tern::queue {

struct QueueEntry {
    std::string folder;             // active, deferred, hold, incoming, maildrop
    std::string id;
    Envelope env;
    std::uint64_t size = 0;         // message size (content bytes)
    std::string error;              // non-empty when the file could not be read
    std::vector<std::pair<std::string, std::string>> reasons;  // recipient -> last delay reason (defer/<id>)
};

inline constexpr std::size_t kMaxListedMessages = 1'000'000;

std::vector<QueueEntry> scan_queue(const std::string& queue_dir, const std::vector<std::string_view>& folders);

// Postfix's mailq layout for the entries.
std::string format_mailq(const std::vector<QueueEntry>& entries);
// One JSON object per line, in Postfix's postqueue -j shape.
std::string format_json(const std::vector<QueueEntry>& entries);

}  // namespace tern::queue
