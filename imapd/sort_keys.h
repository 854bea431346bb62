// SORT (RFC 5256 3): the sort criteria, what a message contributes to them
// (SortMessage, built from its header by make_sort_message), and the sort
// itself. Pure functions; cmd_sort.cc reads the messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imapd/parser.h"

namespace tern::imapd {

// Only this much of a message's header is read for SORT and THREAD.
inline constexpr std::size_t kMaxSortHeaderOctets = 256 * 1024;
// References beyond the last this many ids are ignored (the last is the parent).
inline constexpr std::size_t kMaxReferences = 64;

// What SORT and THREAD need of one message.
struct SortMessage {
    std::uint32_t seq = 0;
    std::uint32_t uid = 0;
    std::uint64_t size = 0;
    std::int64_t internal_date = 0;
    std::int64_t sent_date = 0;  // Date: in UTC, or internal_date when absent or invalid (RFC 5256 2.2)
    std::string subject;         // base subject, folded (RFC 5256 2.1)
    bool subject_is_reply = false;
    std::string from, to, cc;    // local part of the first address, folded (RFC 5256 3)
    std::string message_id;      // "<...>" as written, or empty
    std::vector<std::string> references;  // References ids, else the first In-Reply-To id
};

// Fills the header-derived fields of m from a header block (CRLF or LF).
void make_sort_message(std::string_view header, SortMessage& m);

// The message ids ("<...>") in a References or In-Reply-To value, in order,
// at most max of them (the last ones when there are more).
std::vector<std::string> parse_msg_ids(std::string_view value, std::size_t max);

enum class SortKey { Arrival, Cc, Date, From, Size, Subject, To };
struct SortCriterion {
    SortKey key = SortKey::Arrival;
    bool reverse = false;
};

// "(" sort-criterion *(SP sort-criterion) ")" (RFC 5256 4); error says what is wrong.
std::optional<std::vector<SortCriterion>> parse_sort_criteria(Parser& p, std::string& error);

// Sorts messages by criteria; ties by sequence number, ascending.
void sort_messages(const std::vector<SortCriterion>& criteria, std::vector<SortMessage>& messages);

// Sent-date order with ties by sequence number (RFC 5256 2.2), used by THREAD.
bool sent_before(const SortMessage& a, const SortMessage& b);

}  // namespace tern::imapd
