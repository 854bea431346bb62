// FETCH data items (RFC 3501 6.4.5): parsing the attribute list, the macros
// ALL/FAST/FULL, extracting BODY[section]<partial> from a message, and the
// INTERNALDATE format. Pure functions on text, used by cmd_fetch.cc and the
// unit tests; nothing here touches the mail store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "libmail/core/result.h"
#include "libmail/mime/structure.h"
#include <string_view>
#include <vector>

#include "imapd/parser.h"

namespace tern::imapd {

enum class FetchKind {
    Uid, Flags, InternalDate, Rfc822Size, Envelope,
    Body,           // BODY (non-extensible body structure)
    BodyStructure,  // BODYSTRUCTURE
    Section,        // BODY[...] and BODY.PEEK[...]
    Rfc822, Rfc822Header, Rfc822Text,
    Binary,         // BINARY[part] and BINARY.PEEK[part] (RFC 3516): content decoded
    BinarySize,     // BINARY.SIZE[part]: the decoded size
    Modseq,         // MODSEQ (RFC 7162 3.1.4)
    EmailId,        // EMAILID (RFC 8474 5.1)
    ThreadId,       // THREADID (RFC 8474 5.2): NIL, threads have no ids here
};

enum class SectionKind { Full, Header, Text, HeaderFields, HeaderFieldsNot, Mime };

struct FetchAtt {
    FetchKind kind = FetchKind::Uid;
    // Section only:
    std::vector<std::uint32_t> part;     // "1.2" -> {1, 2}; empty: the whole message
    SectionKind section = SectionKind::Full;
    std::vector<std::string> fields;      // HEADER.FIELDS (...)
    bool peek = false;                    // BODY.PEEK: do not set \Seen
    std::optional<std::uint32_t> origin;  // <origin.count>
    std::uint32_t count = 0;
    std::string spec;                     // the section as echoed: "HEADER.FIELDS (SUBJECT)"
};

// A FETCH in progress: it runs message by message and pauses while the
// client has kFetchOutputHighWater octets unread (Session::continue_fetch).
struct FetchJob {
    std::string tag;
    std::vector<FetchAtt> atts;
    std::vector<std::uint32_t> seqs;  // sequence numbers still to send start at next
    std::size_t next = 0;
    bool uid = false;
    bool need_message = false;
    bool mark_seen = false;
    bool has_uid = false;
    bool has_flags = false;
    bool failed = false;
    bool expunged = false;     // a message vanished under the FETCH (another session's EXPUNGE)
    bool unknown_cte = false;  // a BINARY part had an encoding we cannot undo (RFC 3516 [UNKNOWN-CTE])
    bool paused = false;
    bool has_modseq = false;               // MODSEQ asked for, or implied by CONDSTORE
    bool cacheable_only = true;            // every item that needs the text is in the parse cache
    std::uint64_t changed_since = 0;       // CHANGEDSINCE (RFC 7162 3.1.4.1): only messages changed after it
    std::vector<std::uint32_t> newly_seen; // UIDs this FETCH set \Seen on (sorted): FLAGS go with them
};

// Limits how many items one FETCH may name (a command line is bounded too).
inline constexpr std::size_t kMaxFetchAtts = 100;

// Parses the fetch-att argument: a macro, one item, or a parenthesised list.
// nullopt on any syntax error.
std::optional<std::vector<FetchAtt>> parse_fetch_atts(Parser& p);

// Whether fetching the item sets \Seen (BODY[...] and RFC822 / RFC822.TEXT).
bool sets_seen(const FetchAtt& a);

// Whether the item needs the message text (anything but UID, FLAGS, sizes, dates).
bool needs_message(const FetchAtt& a);

// The item's name in the response: "BODY[HEADER]<0>", "RFC822.HEADER".
std::string response_name(const FetchAtt& a);

// The bytes of a Section/RFC822* item from a whole message (CRLF line ends),
// before <partial>: parts found through the message's MIME structure (RFC 9051
// 6.4.5; HEADER and TEXT only of the message and of message/rfc822 parts).
// "" when the message has no such section.
std::string section_bytes(std::string_view message, const mime::Structure& s, const FetchAtt& a);
std::string section_bytes(std::string_view message, const FetchAtt& a);  // parses the structure itself

// BINARY[part] (RFC 3516 4.2): the part's content with its transfer encoding
// undone; the whole message for "[]"; a multipart or message part as it is
// (neither may have an encoding). An error: an encoding we do not know.
Result<std::string> binary_bytes(std::string_view message, const mime::Structure& s, const FetchAtt& a);

// Applies <origin.count> (RFC 3501 6.4.5: an origin past the end gives "").
std::string_view apply_partial(std::string_view data, const FetchAtt& a);

// "25-Nov-2026 05:21:32 +0000" (RFC 3501 9 date-time; day padded with a space).
std::string format_internaldate(std::int64_t epoch_seconds);

}  // namespace tern::imapd
