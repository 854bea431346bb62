// header_checks results (Postfix's header_checks(5) actions): the value a
// pcre: table returns for a header is "ACTION optional text". Parsing is
// pure so that every action is tested without a table or a queue.
#pragma once

#include <string>
#include <string_view>

namespace tern::cleanup {

enum class HeaderAction {
    Dunno,    // DUNNO, OK: keep the header, keep looking at the others
    Reject,   // REJECT [text]: 550 5.7.1 text (default "message content rejected")
    Discard,  // DISCARD [text]: claim success, queue nothing
    Hold,     // HOLD [text]: queue into hold/ (an admin releases it with postsuper -H)
    Warn,     // WARN [text]: log only
    Ignore,   // IGNORE: drop this header
    Prepend,  // PREPEND text: insert the header line "text" before this one
    Replace,  // REPLACE text: this header becomes "text"
    Unknown,  // anything else: logged, then treated as DUNNO (Postfix does the same)
};

struct ParsedAction {
    HeaderAction action = HeaderAction::Dunno;
    std::string text;   // trimmed; for Unknown the whole result
};

// Case-insensitive action word, then text after white space. PREPEND and
// REPLACE without text are Unknown (they need a header to insert).
ParsedAction parse_header_action(std::string_view result);

}  // namespace tern::cleanup
