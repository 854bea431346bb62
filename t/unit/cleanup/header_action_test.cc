// header_checks results parsed into actions (Postfix's header_checks(5)).
#include <catch2/catch.hpp>

#include "libmail/cleanup/header_action.h"

using namespace tern::cleanup;

TEST_CASE("header_checks actions are parsed case-insensitively with their text", "[cleanup]") {
    struct Case {
        const char* result;
        HeaderAction action;
        const char* text;
    };
    const Case c = GENERATE(values<Case>({
        {"REJECT", HeaderAction::Reject, ""},
        {"reject 5.7.1 go away", HeaderAction::Reject, "5.7.1 go away"},
        {"  DISCARD   spam ", HeaderAction::Discard, "spam"},
        {"HOLD", HeaderAction::Hold, ""},
        {"WARN look\there", HeaderAction::Warn, "look\there"},
        {"IGNORE", HeaderAction::Ignore, ""},
        {"PREPEND X-A: b", HeaderAction::Prepend, "X-A: b"},
        {"REPLACE X-B: c", HeaderAction::Replace, "X-B: c"},
        {"DUNNO", HeaderAction::Dunno, ""},
        {"ok", HeaderAction::Dunno, ""},
        {"PREPEND", HeaderAction::Unknown, "PREPEND"},
        {"REPLACE   ", HeaderAction::Unknown, "REPLACE"},
        {"FILTER smtp:x", HeaderAction::Unknown, "FILTER smtp:x"},
        {"", HeaderAction::Unknown, ""},
    }));
    const ParsedAction p = parse_header_action(c.result);
    CAPTURE(c.result);
    CHECK(p.action == c.action);
    CHECK(p.text == c.text);
}
