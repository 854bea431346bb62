#include <catch2/catch.hpp>

#include "imapd/date_time.h"
#include "imapd/uid_set.h"

using namespace tern::imapd;

TEST_CASE("APPEND date-time parses with its zone, and refuses impossible dates", "[imapd][date]") {
    CHECK(parse_date_time("05-Mar-2021 10:20:30 +0100") == 1614936030);
    CHECK(parse_date_time(" 5-Mar-2021 09:20:30 +0000") == 1614936030);
    CHECK(parse_date_time("05-mar-2021 04:20:30 -0500") == 1614936030);
    CHECK(parse_date_time("29-Feb-2024 00:00:00 +0000") == 1709164800);
    CHECK(parse_date_time("01-Jan-1970 00:00:00 +0000") == 0);
    CHECK_FALSE(parse_date_time("29-Feb-2023 00:00:00 +0000"));
    CHECK_FALSE(parse_date_time("31-Apr-2021 00:00:00 +0000"));
    CHECK_FALSE(parse_date_time("05-Mar-2021 24:00:00 +0000"));
    CHECK_FALSE(parse_date_time("05-Mar-2021 10:20:30 +2400"));
    CHECK_FALSE(parse_date_time("05-Mar-2021 10:20:30"));
    CHECK_FALSE(parse_date_time("5-Mar-2021 10:20:30 +0000"));
    CHECK_FALSE(parse_date_time("05-Foo-2021 10:20:30 +0000"));
    CHECK(days_from_civil(2000, 3, 1) == 11017);
}

TEST_CASE("UID sets join consecutive runs in the order given", "[imapd][date]") {
    CHECK(format_uid_set({}).empty());
    CHECK(format_uid_set({7}) == "7");
    CHECK(format_uid_set({1, 2, 3, 5, 7, 8}) == "1:3,5,7:8");
    CHECK(format_uid_set({4, 3}) == "4,3");
}
