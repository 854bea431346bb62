// THREAD (RFC 5256 3): ORDEREDSUBJECT and REFERENCES over SortMessages, and
// the thread-list output "(1 2 (3)(4))". Pure functions; cmd_sort.cc reads
// the messages. Hostile mail is bounded: a message whose References would
// put it deeper than kMaxThreadDepth starts a thread of its own, so every
// walk up or down a tree is at most that long.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "imapd/sort_keys.h"

namespace tern::imapd {

inline constexpr std::size_t kMaxThreadDepth = 100;

// A thread tree node: a message (index into the input) or a dummy (-1).
struct ThreadNode {
    long message = -1;
    std::vector<ThreadNode> children;
};

enum class ThreadAlgorithm { OrderedSubject, References };

// The threads, in order, of messages (any order; seq must be unique).
std::vector<ThreadNode> thread_messages(ThreadAlgorithm algorithm, const std::vector<SortMessage>& messages);

// "(a b (c)(d))..." with sequence numbers, or UIDs when uid is true.
std::string format_threads(const std::vector<ThreadNode>& threads, const std::vector<SortMessage>& messages,
                           bool uid);

}  // namespace tern::imapd
