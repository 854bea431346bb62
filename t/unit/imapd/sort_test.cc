#include <catch2/catch.hpp>

#include "imapd/base_subject.h"
#include "imapd/sort_keys.h"

using namespace tern::imapd;

TEST_CASE("base subject per RFC 5256 2.1", "[imapd][sort][subject]") {
    struct Case {
        const char* raw;
        const char* base;
        bool reply;
    };
    auto c = GENERATE(values<Case>({
        {"Hello", "hello", false},
        {"Re: Hello", "hello", true},
        {"RE: re: Fwd: [list] Re: Hello (fwd)", "hello", true},
        {"Re [list]: Hello", "hello", true},
        {"[list] Re: Hello", "hello", true},
        {"[list] Hello", "hello", false},
        {"[list]", "[list]", false},  // a blob that is all there is stays
        {"[fwd: Re: Hello]", "hello", true},
        {"[Fwd: [fwd: Hello]]", "hello", true},
        {"Fw: Hello", "hello", true},
        {"Fwd:Hello", "hello", true},
        {"Reply: Hello", "reply: hello", false},  // "re" must be followed by ":"
        {"  Re:   Hello \t  world  ", "hello world", true},
        {"Hello (fwd) (FWD)", "hello", true},
        {"Re: (fwd)", "", true},
        {"", "", false},
        {"=?UTF-8?B?UmU6IEdyw7zDn2U=?=", "grüße", true},  // "Re: Grüße", decoded first
        {"=?ISO-8859-1?Q?=C4rger?= [x]", "ärger [x]", false},
    }));
    const auto b = base_subject(c.raw);
    CAPTURE(c.raw);
    CHECK(b.text == c.base);
    CHECK(b.is_reply_or_forward == c.reply);
}

TEST_CASE("base subject of hostile input is bounded", "[imapd][sort][subject]") {
    std::string s;
    for (int i = 0; i < 20000; ++i) s += "Re: [";
    const auto b = base_subject(s);
    CHECK(b.text.size() <= kMaxSubjectOctets);
}

namespace {
SortMessage msg(std::uint32_t seq, const std::string& header, std::int64_t internal = 1000, std::uint64_t size = 0) {
    SortMessage m;
    m.seq = seq;
    m.uid = seq * 10;
    m.internal_date = internal;
    m.size = size;
    make_sort_message(header, m);
    return m;
}
std::vector<std::uint32_t> order(const char* criteria, std::vector<SortMessage> v) {
    tern::imapd::Parser p(criteria);
    std::string error;
    auto c = parse_sort_criteria(p, error);
    REQUIRE(c);
    REQUIRE(p.at_end());
    sort_messages(*c, v);
    std::vector<std::uint32_t> out;
    for (const auto& m : v) out.push_back(m.seq);
    return out;
}
using V = std::vector<std::uint32_t>;
}  // namespace

TEST_CASE("header fields SORT reads", "[imapd][sort]") {
    auto m = msg(1,
                 "From: \"Zed\" <Alice@x.test>\r\nTo: undisclosed:;, bob@y.test\r\nCc: (c) Carol <CAROL@z.test>\r\n"
                 "Subject: Re: [l] Plans\r\nDate: Thu, 01 Jan 2026 01:00:00 +0100\r\n"
                 "Message-ID: <a@x.test>\r\nIn-Reply-To: <p@x.test> (note)\r\n\r\n",
                 5);
    CHECK(m.from == "alice");
    CHECK(m.to == "bob");  // the group is skipped: the first mailbox counts
    CHECK(m.cc == "carol");
    CHECK(m.subject == "plans");
    CHECK(m.subject_is_reply);
    CHECK(m.sent_date == 1767225600);
    CHECK(m.message_id == "<a@x.test>");
    CHECK(m.references == std::vector<std::string>{"<p@x.test>"});
    auto none = msg(2, "Date: not a date\r\nReferences: <a@b> junk <c@d>\r\nIn-Reply-To: <e@f>\r\n\r\n", 77);
    CHECK(none.sent_date == 77);  // RFC 5256 2.2: the internal date when Date: is unusable
    CHECK(none.references == std::vector<std::string>{"<a@b>", "<c@d>"});
    CHECK(none.from.empty());
    // A second ':' in a group is not an address (and must not hang the parser).
    auto colons = msg(3, "From: team: bob@x, carol: d@y;\r\nTo: a: b: c <d@x>\r\n\r\n");
    CHECK(colons.from == "bob");
    CHECK(colons.to == "b");  // the malformed "b:" is read as the address b, then "c <d@x>"
}

TEST_CASE("References keep only the last ids of a long list", "[imapd][sort]") {
    std::string refs;
    for (int i = 0; i < 1000; ++i) refs += "<" + std::to_string(i) + "@x> ";
    const auto ids = parse_msg_ids(refs, kMaxReferences);
    REQUIRE(ids.size() == kMaxReferences);
    CHECK(ids.back() == "<999@x>");
}

TEST_CASE("SORT by each criterion, REVERSE, and ties by sequence number", "[imapd][sort]") {
    const std::vector<SortMessage> v = {
        msg(1, "From: carol@x\r\nTo: bob@x\r\nSubject: b\r\nDate: 3 Jan 2026 00:00 +0000\r\n\r\n", 300, 30),
        msg(2, "From: Alice@x\r\nCc: zed@x\r\nSubject: Re: a\r\nDate: 1 Jan 2026 00:00 +0000\r\n\r\n", 100, 10),
        msg(3, "From: bob@x\r\nTo: Alice@x\r\nSubject: c\r\n\r\n", 200, 20),  // no Date: internal 200
        msg(4, "From: alice@y\r\nTo: carol@x\r\nCc: amy@x\r\nSubject: A\r\nDate: 1 Jan 2026 00:00 +0000\r\n\r\n",
            100, 30),
    };
    CHECK(order("(ARRIVAL)", v) == V{2, 4, 3, 1});
    CHECK(order("(REVERSE ARRIVAL)", v) == V{1, 3, 2, 4});
    CHECK(order("(DATE)", v) == V{3, 2, 4, 1});  // 200 s since 1970 is the oldest
    CHECK(order("(SIZE)", v) == V{2, 3, 1, 4});
    CHECK(order("(REVERSE SIZE)", v) == V{1, 4, 3, 2});
    CHECK(order("(FROM)", v) == V{2, 4, 3, 1});
    CHECK(order("(TO)", v) == V{2, 3, 1, 4});  // no To: sorts first
    CHECK(order("(CC)", v) == V{1, 3, 4, 2});
    CHECK(order("(SUBJECT)", v) == V{2, 4, 1, 3});
    CHECK(order("(SUBJECT REVERSE SIZE)", v) == V{4, 2, 1, 3});
    CHECK(order("(size reverse date)", v) == V{2, 3, 1, 4});
}

TEST_CASE("bad SORT criteria are refused", "[imapd][sort]") {
    const char* bad = GENERATE("", "()", "(REVERSE)", "(DATE", "(FOO)", "(REVERSE REVERSE DATE)", "DATE", "(DATE  SIZE)");
    tern::imapd::Parser p(bad);
    std::string error;
    CHECK_FALSE(parse_sort_criteria(p, error));
    CHECK_FALSE(error.empty());
}
