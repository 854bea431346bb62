#include <catch2/catch.hpp>

#include <algorithm>

#include "imapd/threading.h"

using namespace tern::imapd;

namespace {
struct Msg {
    const char* id;
    const char* refs;  // References value ("" for none)
    const char* subject;
    int day;           // sent date, day of January 2026
};
std::vector<SortMessage> build(const std::vector<Msg>& in) {
    std::vector<SortMessage> out;
    std::uint32_t seq = 0;
    for (const auto& m : in) {
        std::string h = "Subject: " + std::string(m.subject) + "\r\nDate: " + std::to_string(m.day) +
                        " Jan 2026 12:00 +0000\r\n";
        if (*m.id) h += "Message-ID: " + std::string(m.id) + "\r\n";
        if (*m.refs) h += "References: " + std::string(m.refs) + "\r\n";
        SortMessage s;
        s.seq = ++seq;
        s.uid = seq + 100;
        make_sort_message(h + "\r\n", s);
        out.push_back(std::move(s));
    }
    return out;
}
std::string threads(ThreadAlgorithm a, const std::vector<Msg>& in, bool uid = false) {
    const auto v = build(in);
    return format_threads(thread_messages(a, v), v, uid);
}
constexpr auto kRefs = ThreadAlgorithm::References;
constexpr auto kSubj = ThreadAlgorithm::OrderedSubject;
}  // namespace

TEST_CASE("ORDEREDSUBJECT groups by base subject, threads by first date", "[imapd][thread]") {
    const std::vector<Msg> v = {
        {"", "", "Alpha", 1}, {"", "", "Re: Alpha", 5}, {"", "", "Beta", 2},
        {"", "", "re: alpha", 4}, {"", "", "Re: Beta", 3}, {"", "", "Gamma", 9},
    };
    CHECK(threads(kSubj, v) == "(1 (4)(2))(3 5)(6)");
    CHECK(threads(kSubj, v, true) == "(101 (104)(102))(103 105)(106)");
    CHECK(threads(kSubj, {}) == "");
}

TEST_CASE("REFERENCES links parents and children from References", "[imapd][thread]") {
    const std::vector<Msg> v = {
        {"<1@x>", "", "Plan", 1},
        {"<2@x>", "<1@x>", "Re: Plan", 2},
        {"<3@x>", "<1@x> <2@x>", "Re: Plan", 4},
        {"<4@x>", "<1@x>", "Re: Plan", 3},
        {"<5@x>", "", "Other", 2},
    };
    CHECK(threads(kRefs, v) == "(1 (2 3)(4))(5)");
}

TEST_CASE("REFERENCES edge cases of RFC 5256 3", "[imapd][thread]") {
    struct Case {
        const char* what;
        std::vector<Msg> msgs;
        const char* expected;
    };
    auto c = GENERATE(values<Case>({
        {"child before its parent", {{"<2@x>", "<1@x>", "Re: a", 2}, {"<1@x>", "", "a", 1}}, "(2 1)"},
        {"two children of a missing parent: a dummy at the root",
         {{"<2@x>", "<1@x>", "Re: a", 2}, {"<3@x>", "<1@x>", "Re: a", 3}}, "((1)(2))"},
        {"one child of a missing parent is promoted", {{"<2@x>", "<1@x>", "Re: a", 2}}, "(1)"},
        {"a missing message inside a chain",
         {{"<1@x>", "", "a", 1}, {"<3@x>", "<1@x> <2@x>", "Re: a", 3}}, "(1 2)"},
        {"a reply without References joins by subject",
         {{"<1@x>", "", "Hello", 1}, {"<2@x>", "", "Re: Hello", 2}}, "(1 2)"},
        {"the reply is the child even when it is older",
         {{"<2@x>", "", "Re: Hello", 1}, {"<1@x>", "", "Hello", 2}}, "(2 1)"},
        {"two originals with one subject get a dummy parent",
         {{"<1@x>", "", "Hello", 1}, {"<2@x>", "", "Hello", 2}}, "((1)(2))"},
        {"a dummy in the subject table takes the others",
         {{"<1@x>", "", "Hello", 1}, {"<2@x>", "<0@x>", "Re: Hello", 2}, {"<3@x>", "<0@x>", "Re: Hello", 3}},
         "((1)(2)(3))"},
        {"empty subjects are not grouped", {{"<1@x>", "", "", 1}, {"<2@x>", "", "Re:", 2}}, "(1)(2)"},
        {"a reference loop is not followed", {{"<1@x>", "<2@x>", "a", 1}, {"<2@x>", "<1@x>", "Re: a", 2}}, "(2 1)"},
        {"a message that references itself", {{"<1@x>", "<1@x>", "a", 1}}, "(1)"},
        {"duplicate Message-IDs are different messages",
         {{"<1@x>", "", "a", 1}, {"<1@x>", "", "b", 2}, {"<3@x>", "<1@x>", "c", 3}}, "(1 3)(2)"},
        {"no Message-ID at all", {{"", "", "a", 2}, {"", "", "b", 1}}, "(2)(1)"},
        {"siblings by sent date, grandchildren too",
         {{"<1@x>", "", "a", 1}, {"<2@x>", "<1@x>", "b", 5}, {"<3@x>", "<1@x>", "c", 3},
          {"<4@x>", "<1@x> <2@x>", "d", 9}, {"<5@x>", "<1@x> <2@x>", "e", 7}},
         "(1 (3)(2 (5)(4)))"},
    }));
    CAPTURE(c.what);
    CHECK(threads(kRefs, c.msgs) == c.expected);
}

namespace {
// Every sequence number in a thread list, in order of appearance.
std::vector<std::uint32_t> numbers(const std::string& s) {
    std::vector<std::uint32_t> out;
    std::uint32_t n = 0;
    bool in = false;
    for (char ch : s) {
        if (ch >= '0' && ch <= '9') {
            n = n * 10 + static_cast<std::uint32_t>(ch - '0');
            in = true;
        } else if (in) {
            out.push_back(n);
            n = 0;
            in = false;
        }
    }
    return out;
}
std::size_t max_nesting(const std::string& s) {
    std::size_t depth = 0, most = 0;
    for (char ch : s) {
        if (ch == '(') most = std::max(most, ++depth);
        if (ch == ')') --depth;
    }
    return most;
}
}  // namespace

TEST_CASE("hostile threads are bounded: deep chains, huge References", "[imapd][thread]") {
    std::vector<std::string> ids, refs;
    std::vector<Msg> chain;
    const int n = 3000;
    for (int i = 0; i < n; ++i) {
        ids.push_back("<" + std::to_string(i) + "@x>");
        // Each message references all earlier ones (kept: the last 64).
        refs.push_back(i == 0 ? "" : refs.back() + " " + ids[static_cast<std::size_t>(i - 1)]);
        if (refs.back().size() > 4000) refs.back().erase(0, refs.back().find(' ', 1000));
    }
    for (int i = 0; i < n; ++i)
        chain.push_back({ids[static_cast<std::size_t>(i)].c_str(), refs[static_cast<std::size_t>(i)].c_str(),
                         i ? "Re: deep" : "deep", 1 + i % 28});
    for (auto alg : {kRefs, kSubj}) {
        const auto out = threads(alg, chain);
        auto got = numbers(out);
        std::sort(got.begin(), got.end());
        REQUIRE(got.size() == static_cast<std::size_t>(n));
        for (std::uint32_t i = 0; i < got.size(); ++i) CHECK(got[i] == i + 1);
        CHECK(max_nesting(out) <= kMaxThreadDepth + 3);
    }
}
