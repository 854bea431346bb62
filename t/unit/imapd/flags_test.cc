#include <catch2/catch.hpp>

#include "imapd/flags.h"
#include "imapd/list_match.h"

using namespace tern::imapd;

TEST_CASE("Maildir letters become IMAP flag lists", "[imapd][flags]") {
    CHECK(format_flags("") == "()");
    CHECK(format_flags("S") == "(\\Seen)");
    CHECK(format_flags("DFPRST") == "(\\Draft \\Flagged \\Answered \\Seen \\Deleted)");
    CHECK(format_flags("S", {"$Forwarded", "Junk"}) == "(\\Seen $Forwarded Junk)");
    CHECK(format_flags("", {"NonJunk"}) == "(NonJunk)");
}

TEST_CASE("system flag names map to Maildir letters", "[imapd][flags]") {
    CHECK(flag_letter("\\ANSWERED") == 'R');
    CHECK_FALSE(flag_letter("\\Recent").has_value());
}

TEST_CASE("LIST patterns: * crosses the separator, % does not", "[imapd][list]") {
    CHECK(list_match("*", "INBOX"));
    CHECK(list_match("*", "Work/2026"));
    CHECK(list_match("%", "Work"));
    CHECK_FALSE(list_match("%", "Work/2026"));
    CHECK(list_match("Work/%", "Work/2026"));
    CHECK(list_match("inbox", "INBOX"));
    CHECK(list_match("InBo%", "INBOX"));
    CHECK_FALSE(list_match("work", "Work"));
    CHECK_FALSE(list_match("Sent", "Sent Items"));
    CHECK(list_match("S*s", "Sent Items"));
}
