#include <catch2/catch.hpp>

#include "imapd/flags.h"
#include "imapd/list_match.h"

using namespace tern::imapd;

TEST_CASE("Maildir letters become IMAP flag lists", "[imapd][flags]") {
    CHECK(format_flags("") == "()");
    CHECK(format_flags("S") == "(\\Seen)");
    CHECK(format_flags("DFPRST") == "(\\Draft \\Flagged \\Answered \\Seen \\Deleted)");
}

TEST_CASE("STORE modes change only system flags", "[imapd][flags]") {
    CHECK(apply_flags("S", StoreMode::Add, {"\\Flagged", "\\seen"}) == "FS");
    CHECK(apply_flags("FS", StoreMode::Remove, {"\\Seen"}) == "F");
    CHECK(apply_flags("PS", StoreMode::Replace, {"\\Deleted", "$Junk", "\\Recent"}) == "PT");
    CHECK(apply_flags("S", StoreMode::Replace, {}) == "");
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
