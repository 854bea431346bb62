// SEARCH keys (RFC 3501 6.4.4, RFC 9051 6.4.4): ALL, flag keys (SEEN, UNSEEN,
// DELETED, ...), KEYWORD/UNKEYWORD, sequence sets (with "$", RFC 5182), UID,
// LARGER, SMALLER, BEFORE/ON/SINCE (internal date), SENTBEFORE/SENTON/
// SENTSINCE (Date: header), FROM/TO/CC/BCC/SUBJECT/HEADER/BODY/TEXT
// (substring of the decoded text, i;unicode-casemap: casefold.h), NOT, OR and
// parenthesised groups, MODSEQ (RFC 7162 3.1.5), EMAILID and THREADID
// (RFC 8474 6). Used by SEARCH, SORT and THREAD.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "imapd/parser.h"

namespace tern::imapd {

struct SearchKey {
    enum class Kind {
        All, None, HasFlag, LacksFlag, Seq, Uid, Larger, Smaller, Not, Or, And,
        Before, On, Since,  // internal date, by day (UTC)
        SentBefore, SentOn, SentSince,  // Date: header, by its own day
        Keyword, Unkeyword,  // text: the keyword
        Header,             // field contains text (empty text: field present)
        Body, Text,         // body / whole message contains text
        Modseq,             // MODSEQ >= modseq (RFC 7162 3.1.5)
        EmailId, ThreadId,  // RFC 8474 6: EMAILID / THREADID equals text
    };
    Kind kind = Kind::All;
    std::string field;        // Header
    std::string text;         // Header / Body / Text / Keyword / Unkeyword
    std::int64_t day = 0;     // Before ... SentSince: days since the epoch
    char letter = 0;          // HasFlag / LacksFlag
    SequenceSet set;          // Seq / Uid
    std::uint64_t size = 0;   // Larger / Smaller
    std::uint64_t modseq = 0; // Modseq
    std::vector<SearchKey> sub;
};

// What one message looks like to the matcher.
struct SearchItem {
    std::uint32_t seq = 0;
    std::uint32_t uid = 0;
    std::string_view flags;  // Maildir letters
    // The message's keywords (RFC 9051 2.3.2); not owned.
    std::span<const std::string> keywords;
    std::uint64_t size = 0;
    std::uint32_t max_seq = 0;  // "*" in sequence sets
    std::uint32_t max_uid = 0;  // "*" in UID sets
    std::int64_t internal_date = 0;
    std::uint64_t modseq = 0;
    std::string_view email_id;  // RFC 8474 EMAILID; not owned
    // The whole message (CRLF), loaded on first use; nullptr when it cannot be read.
    std::function<const std::string*()> message;
    // Its text/* bodies decoded to UTF-8 (transfer encoding and charset), made
    // on first use by a BODY or TEXT key and kept for the item's other keys.
    mutable std::optional<std::vector<std::string>> decoded_bodies;
};

// At most this much body text is decoded per message for SEARCH.
inline constexpr std::size_t kMaxDecodedSearchOctets = 16 * 1024 * 1024;

// Whether any key needs the message text.
bool needs_text(const SearchKey& key);

// Parses the search program after "SEARCH " (optional CHARSET first: only
// US-ASCII and UTF-8). error says what was wrong, for the BAD reply.
std::optional<SearchKey> parse_search(Parser& p, std::string& error);

bool search_matches(const SearchKey& key, const SearchItem& item);

// ESEARCH result options (RFC 4731 3.1, RFC 5182 SAVE), as bits.
enum ReturnOption : unsigned {
    kReturnMin = 1, kReturnMax = 2, kReturnAll = 4, kReturnCount = 8, kReturnSave = 16
};
// "RETURN (" [option *(SP option)] ")" SP before the search program. present
// tells whether RETURN was there; the options are 0 without it, kReturnAll for
// "()", nullopt on a syntax error or an unknown option.
std::optional<unsigned> parse_search_return(Parser& p, bool& present);

}  // namespace tern::imapd
