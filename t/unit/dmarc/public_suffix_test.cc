// The Public Suffix List: rules, wildcards, exceptions, the publicsuffix.org
// test vectors (checkPublicSuffix cases, written here) against Debian's list
// file, and errors that name FILE:LINE.
#include <catch2/catch.hpp>
#include <filesystem>

#include "libmail/dmarc/public_suffix.h"
#include "libmail/dmarc/punycode.h"
#include "t/unit/temp_dir.h"

using namespace tern::dmarc;

namespace {

constexpr const char* kDebianList = "/usr/share/publicsuffix/public_suffix_list.dat";

constexpr const char* kSmallList = R"(// a test list
// ===BEGIN ICANN DOMAINS===
com
uk
co.uk
*.ck
!www.ck
jp
kyoto.jp
ide.kyoto.jp
*.kobe.jp
!city.kobe.jp
// a comment line
blogspot.com extra words ignored
)";

}  // namespace

TEST_CASE("rules, wildcards and exceptions of a small list", "[dmarc][psl]") {
    auto psl = PublicSuffixList::parse(kSmallList, "small");
    REQUIRE(psl);
    struct Case { const char* domain; const char* suffix; const char* org; };
    auto c = GENERATE(values<Case>({
        {"example.com", "com", "example.com"},
        {"a.b.Example.COM.", "com", "example.com"},
        {"mail.example.co.uk", "co.uk", "example.co.uk"},
        {"co.uk", "co.uk", "co.uk"},
        {"b.test.ck", "test.ck", "b.test.ck"},
        {"www.ck", "ck", "www.ck"},
        {"a.www.ck", "ck", "www.ck"},
        {"x.y.blogspot.com", "blogspot.com", "y.blogspot.com"},
        {"example.unlisted", "unlisted", "example.unlisted"},
        {"a.b.c.kobe.jp", "c.kobe.jp", "b.c.kobe.jp"},
        {"www.city.kobe.jp", "kobe.jp", "city.kobe.jp"},
    }));
    CAPTURE(c.domain);
    CHECK(psl->public_suffix(c.domain) == c.suffix);
    CHECK(psl->organizational_domain(c.domain) == c.org);
}

TEST_CASE("Punycode A-labels of UTF-8 labels (RFC 3492)", "[dmarc][psl]") {
    CHECK(to_alabel("公司") == "xn--55qx5d");
    CHECK(to_alabel("中国") == "xn--fiqs8s");
    CHECK(to_alabel("食狮") == "xn--85x722f");
    CHECK(to_alabel("bücher") == "xn--bcher-kva");
    CHECK(to_alabel("example") == "example");
    CHECK_FALSE(to_alabel("\xff\xfe"));
    CHECK_FALSE(to_alabel("\xed\xa0\x80"));  // a surrogate
    auto psl = PublicSuffixList::parse("cn\n公司.cn\n*.中国\n", "idn");
    REQUIRE(psl);
    CHECK(psl->organizational_domain("a.b.xn--55qx5d.cn") == "b.xn--55qx5d.cn");
    CHECK(psl->organizational_domain("a.b.c.xn--fiqs8s") == "b.c.xn--fiqs8s");
}

TEST_CASE("invalid names have no suffix", "[dmarc][psl]") {
    auto psl = PublicSuffixList::parse(kSmallList, "small");
    REQUIRE(psl);
    for (const char* d : {"", ".", ".example.com", "a..com", "example.com.."}) {
        CAPTURE(d);
        CHECK(psl->public_suffix(d).empty());
        CHECK_FALSE(psl->registrable_domain(d));
        CHECK(psl->organizational_domain(d).empty());
    }
}

TEST_CASE("bad lines are reported as FILE:LINE", "[dmarc][psl]") {
    struct Case { const char* text; const char* error; };
    auto c = GENERATE(values<Case>({
        {"com\nfoo.*.bar\n", "list:2: \"*\" only as a whole leftmost label"},
        {"// x\n\ncom\n!ck\n", "list:4: exception rule with one label"},
        {"a..b\n", "list:1: malformed rule \"a..b\""},
        {"a.b!\n", "list:1: \"!\" only at the start of a rule"},
        {"ok\nexample.\n", "list:2: malformed rule \"example.\""},
    }));
    auto psl = PublicSuffixList::parse(c.text, "list");
    REQUIRE_FALSE(psl);
    CHECK(psl.error().message == c.error);
    // The check a daemon makes at start says the same about the file.
    tern::test::TempDir dir;
    const std::string path = dir.write("list", c.text);
    auto checked = PublicSuffixList::check_file(path);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().message == path + std::string(c.error).substr(4));
    CHECK(PublicSuffixList::check_file(dir.write("good", "com\n*.ck\n!www.ck\n")));
}

TEST_CASE("a list file over the size limit is refused", "[dmarc][psl]") {
    tern::test::TempDir dir;
    const std::string path = dir.write("big.dat", std::string(kMaxPublicSuffixFileOctets + 1, '\n'));
    auto psl = PublicSuffixList::load(path);
    REQUIRE_FALSE(psl);
    CHECK(psl.error().message == path + ": file is larger than 8388608 bytes");
}

TEST_CASE("a missing list file is an error naming it", "[dmarc][psl]") {
    auto psl = PublicSuffixList::load("/nonexistent/psl.dat");
    REQUIRE_FALSE(psl);
    CHECK(psl.error().message.find("/nonexistent/psl.dat") != std::string::npos);
}

// publicsuffix.org's test vectors (tests/test_psl.txt), as checkPublicSuffix(domain, registrable):
// "" for null. Run against the real list that Debian ships.
TEST_CASE("publicsuffix.org test vectors on Debian's list", "[dmarc][psl]") {
    // scripts/install-deps installs it; without it the test fails, so that CI cannot pass untested.
    REQUIRE(std::filesystem::exists(kDebianList));
    auto psl = PublicSuffixList::load(kDebianList);
    REQUIRE(psl);
    CHECK(psl->size() > 5000);
    struct Case { const char* domain; const char* registrable; };
    auto c = GENERATE(values<Case>({
        // Mixed case.
        {"COM", ""}, {"example.COM", "example.com"}, {"WwW.example.COM", "example.com"},
        // Leading dot.
        {".com", ""}, {".example", ""}, {".example.com", ""}, {".example.example", ""},
        // Unlisted TLD.
        {"example", ""}, {"example.example", "example.example"}, {"b.example.example", "example.example"},
        {"a.b.example.example", "example.example"},
        // TLD with only one rule.
        {"biz", ""}, {"domain.biz", "domain.biz"}, {"b.domain.biz", "domain.biz"}, {"a.b.domain.biz", "domain.biz"},
        // TLD with some two-level rules.
        {"com", ""}, {"example.com", "example.com"}, {"b.example.com", "example.com"},
        {"a.b.example.com", "example.com"}, {"uk.com", ""}, {"example.uk.com", "example.uk.com"},
        {"b.example.uk.com", "example.uk.com"}, {"a.b.example.uk.com", "example.uk.com"}, {"test.ac", "test.ac"},
        // TLD with only one wildcard rule.
        {"mm", ""}, {"c.mm", ""}, {"b.c.mm", "b.c.mm"}, {"a.b.c.mm", "b.c.mm"},
        // More complex TLD.
        {"jp", ""}, {"test.jp", "test.jp"}, {"www.test.jp", "test.jp"}, {"ac.jp", ""}, {"test.ac.jp", "test.ac.jp"},
        {"www.test.ac.jp", "test.ac.jp"}, {"kyoto.jp", ""}, {"test.kyoto.jp", "test.kyoto.jp"},
        {"ide.kyoto.jp", ""}, {"b.ide.kyoto.jp", "b.ide.kyoto.jp"}, {"a.b.ide.kyoto.jp", "b.ide.kyoto.jp"},
        {"c.kobe.jp", ""}, {"b.c.kobe.jp", "b.c.kobe.jp"}, {"a.b.c.kobe.jp", "b.c.kobe.jp"},
        {"city.kobe.jp", "city.kobe.jp"}, {"www.city.kobe.jp", "city.kobe.jp"},
        // TLD with a wildcard rule and exceptions.
        {"ck", ""}, {"test.ck", ""}, {"b.test.ck", "b.test.ck"}, {"a.b.test.ck", "b.test.ck"},
        {"www.ck", "www.ck"}, {"www.www.ck", "www.ck"},
        // US K12.
        {"us", ""}, {"test.us", "test.us"}, {"www.test.us", "test.us"}, {"ak.us", ""},
        {"test.ak.us", "test.ak.us"}, {"www.test.ak.us", "test.ak.us"}, {"k12.ak.us", ""},
        {"test.k12.ak.us", "test.k12.ak.us"}, {"www.test.k12.ak.us", "test.k12.ak.us"},
        // IDN labels in UTF-8 (the list is in UTF-8; Tern does not convert punycode).
        {"食狮.com.cn", "食狮.com.cn"}, {"食狮.公司.cn", "食狮.公司.cn"}, {"www.食狮.公司.cn", "食狮.公司.cn"},
        {"shishi.公司.cn", "shishi.公司.cn"}, {"公司.cn", ""}, {"食狮.中国", "食狮.中国"},
        {"www.食狮.中国", "食狮.中国"}, {"shishi.中国", "shishi.中国"}, {"中国", ""},
        // The same as A-labels (Punycode).
        {"xn--85x722f.com.cn", "xn--85x722f.com.cn"}, {"xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
        {"www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"}, {"shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"},
        {"xn--55qx5d.cn", ""}, {"xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
        {"www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"}, {"shishi.xn--fiqs8s", "shishi.xn--fiqs8s"},
        {"xn--fiqs8s", ""},
    }));
    CAPTURE(c.domain);
    auto r = psl->registrable_domain(c.domain);
    CHECK(r.value_or("") == c.registrable);
}

TEST_CASE("a loader checks the list at once and builds it at the first use", "[dmarc][psl]") {
    tern::test::TempDir dir;
    auto bad = PublicSuffixLoader::create(dir.write("bad", "com\nfoo.*.bar\n"));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == dir.path() + "/bad:2: \"*\" only as a whole leftmost label");

    const std::string path = dir.write("good", "com\n*.ck\n!www.ck\n");
    auto loader = PublicSuffixLoader::create(path);
    REQUIRE(loader);
    const PublicSuffixList* list = (*loader)->get();
    REQUIRE(list);
    CHECK(list->organizational_domain("mail.example.com") == "example.com");
    CHECK((*loader)->get() == list);  // built once

    auto gone = PublicSuffixLoader::create(dir.write("gone", "com\n"));
    REQUIRE(gone);
    ::unlink((dir.path() + "/gone").c_str());
    CHECK((*gone)->get() == nullptr);  // said in the log; DMARC stops, the daemon does not
}
