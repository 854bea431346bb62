#include <catch2/catch.hpp>

#include "libmail/store/mailbox_index.h"

using namespace tern::store;

TEST_CASE("an index survives format and parse unchanged", "[store][index]") {
    IndexState st;
    st.uidvalidity = 1700000000;
    st.uidnext = 8;
    MessageInfo a;
    a.uid = 3;
    a.flags = "RS";
    a.filename = cur_filename("1700000001.M5P9Q1.host,S=10,W=12", "RS");
    a.size = 12;
    a.internal_date = 1700000001;
    MessageInfo b = a;
    b.uid = 7;
    b.flags = "";
    b.filename = cur_filename("odd name with spaces", "");
    st.messages = {a, b};
    auto back = parse_index(format_index(st));
    REQUIRE(back);
    CHECK(back->uidvalidity == 1700000000);
    CHECK(back->uidnext == 8);
    REQUIRE(back->messages.size() == 2);
    CHECK(back->messages[0].filename == a.filename);
    CHECK(back->messages[0].flags == "RS");
    CHECK(back->messages[0].size == 12);
    CHECK(back->messages[1].filename == "cur/odd name with spaces:2,");
    CHECK(back->messages[1].flags.empty());
}

TEST_CASE("MODSEQ and keywords survive format and parse; version 1 still reads", "[store][index]") {
    IndexState st;
    st.uidvalidity = 1700000000;
    st.uidnext = 9;
    st.highestmodseq = 40;
    MessageInfo a;
    a.uid = 3;
    a.modseq = 40;
    a.filename = cur_filename("x", "");
    for (int i = 0; i < 6; ++i) a.keywords.push_back("k" + std::to_string(i));  // more than one hex digit
    MessageInfo b;
    b.uid = 8;
    b.modseq = 7;
    b.keywords = {"$Forwarded"};
    b.filename = cur_filename("y", "S");
    b.flags = "S";
    st.messages = {a, b};
    auto back = parse_index(format_index(st));
    REQUIRE(back);
    CHECK(back->highestmodseq == 40);
    CHECK(back->messages[0].keywords == a.keywords);
    CHECK(back->messages[0].modseq == 40);
    CHECK(back->messages[1].keywords == b.keywords);
    CHECK(back->messages[1].modseq == 7);
    auto v1 = parse_index("tern-index 1 5 9 1\n3 0 12 S name\nend\n");
    REQUIRE(v1);
    CHECK(v1->highestmodseq == 1);
    CHECK(v1->messages[0].modseq == 1);
    CHECK(v1->messages[0].flags == "S");
}

TEST_CASE("malformed indexes are refused", "[store][index]") {
    const char* bad = GENERATE(
        "",                                                   // empty
        "tern-index 1 5 2 0\n",                                // no end line
        "tern-index 3 5 2 1 0 0\nend\n",                       // unknown version
        "tern-index 2 5 9 3 1 1\nK a\n1 0 0 4 - 1 x\nend\n",  // MODSEQ above HIGHESTMODSEQ
        "tern-index 2 5 9 3 1 1\nK a\n1 0 0 1 - 2 x\nend\n",  // keyword bit beyond the table
        "tern-index 2 5 9 3 1 2\nK b a\n1 0 0 1 - 1 x\nend\n",  // keyword table not sorted
        "tern-index 1 0 2 0\nend\n",                           // UIDVALIDITY 0
        "tern-index 1 5 2 1\n1 0 0 - a\nend\nx\n",             // trailing junk
        "tern-index 1 5 2 1\n2 0 0 - a\nend\n",                // UID not below UIDNEXT
        "tern-index 1 5 9 2\n3 0 0 - a\n2 0 0 - b\nend\n",     // UIDs out of order
        "tern-index 1 5 9 2\n1 0 0 - a\n2 0 0 - a\nend\n",     // one file, two UIDs
        "tern-index 1 5 9 2\n1 0 0 - a,U=1\n2 0 0 - a,U=1\nend\n",  // the same, its UID in the name
        "tern-index 1 5 9 2\n1 0 0 - a,U=2\n2 0 0 - a,U=2\nend\n",
        "tern-index 1 5 9 3\n1 0 0 - b\n2 0 0 - a,U=3\n3 0 0 - a,U=3\nend\n",
        "tern-index 1 5 9 1\n1 0 0 SR a\nend\n",               // unsorted flags
        "tern-index 1 5 9 1\n1 x 0 - a\nend\n",                // bad number
        "tern-index 1 5 9 2\n1 0 0 - a\nend\n");               // truncated
    CHECK_FALSE(parse_index(bad));
}

TEST_CASE("names recording their own UID are told apart from the others", "[store][index]") {
    auto ok = parse_index("tern-index 1 5 9 4\n1 0 0 - a,U=1\n2 0 0 - a,U=1,x\n3 0 0 - a,U=3\n4 0 0 - a,U=2\nend\n");
    REQUIRE(ok);
    CHECK(ok->messages.size() == 4);
    CHECK(ok->messages[3].filename == "cur/a,U=2:2,");
}

TEST_CASE("Maildir names give base, flags, sizes and delivery time", "[store][index]") {
    auto n = split_maildir_name("1700000000.M123P4Q5.host,S=100,W=104:2,FS");
    CHECK(n.base == "1700000000.M123P4Q5.host,S=100,W=104");
    CHECK(n.flags == "FS");
    CHECK(n.has_info);
    CHECK(name_size_field(n.base, 'W') == 104u);
    CHECK(name_size_field(n.base, 'S') == 100u);
    CHECK_FALSE(name_size_field("1.2.host", 'W'));
    auto t = name_delivery_time(n.base);
    REQUIRE(t);
    CHECK(t->sec == 1700000000);
    CHECK(t->usec == 123);
    CHECK_FALSE(name_delivery_time("host.1234"));
    CHECK(normalize_flags("TSaS,1") == "STa");
    CHECK_FALSE(split_maildir_name("plain").has_info);
    CHECK_FALSE(acceptable_message_name(".hidden"));
    CHECK_FALSE(acceptable_message_name("new\nline"));
    CHECK(acceptable_message_name("1.2.host"));
}
