#include <catch2/catch.hpp>

#include <algorithm>

#include "libmail/config/config.h"
#include "libmail/config/params_global.h"
#include "libmail/config/params_master.h"

using namespace tern::config;

namespace {
Config load(std::string_view text) {
    auto c = Config::from_text(text, "/etc/tern/main.cf", "/etc/tern");
    REQUIRE(c);
    return std::move(*c);
}
std::string load_error(std::string_view text) {
    auto c = Config::from_text(text, "/etc/tern/main.cf", "/etc/tern");
    REQUIRE_FALSE(c);
    return c.error().message;
}
}  // namespace

TEST_CASE("main.cf: continuation lines and comments", "[config]") {
    auto c = load("# comment\nmydestination = a.test,\n  b.test\n\n   # indented comment\nmyhostname = mail.a.test\n");
    CHECK(c.get_list(kMyDestination) == std::vector<std::string>{"a.test", "b.test"});
    CHECK(c.get(kMyHostname) == "mail.a.test");
    CHECK(c.entries().size() == 2);
}

TEST_CASE("main.cf: malformed lines name file and line", "[config]") {
    CHECK(load_error("myhostname = a\nthis is wrong\n") ==
          "/etc/tern/main.cf:2: missing '=' after parameter name: \"this is wrong\"");
    CHECK(load_error("  starts with space = x\n").rfind("/etc/tern/main.cf:1: continuation line", 0) == 0);
    CHECK(load_error("a\n= b\n").rfind("/etc/tern/main.cf:1:", 0) == 0);
}

TEST_CASE("main.cf: values are checked against their type and bounds", "[config]") {
    CHECK(load_error("\nmessage_size_limit = 10k\n") ==
          "/etc/tern/main.cf:2: bad numerical value for message_size_limit: \"10k\"");
    CHECK(load_error("default_process_limit = 0\n").find("out of range") != std::string::npos);
    CHECK(load_error("service_throttle_time = soon\n").find("bad time value") != std::string::npos);
    auto c = load("service_throttle_time = 2m\n");
    CHECK(c.get_time(kServiceThrottleTime) == std::chrono::seconds(120));
}

TEST_CASE("main.cf: $name expansion", "[config]") {
    auto c = load("myhostname = mail.example.test\nmyorigin = $mydomain\nfoo = ${myhostname?set} ${nothing:unset} $$x\n");
    CHECK(c.get(kMyDomain) == "example.test");
    CHECK(c.get(kMyOrigin) == "example.test");
    CHECK(c.get_by_name("foo") == "set unset $x");
    CHECK(c.expand("${myhostname}/x") == "mail.example.test/x");
}

TEST_CASE("main.cf: an expansion loop terminates", "[config]") {
    auto c = load("a = $b\nb = $a x\n");
    const std::string v = c.get_by_name("a");
    CHECK(v.size() < 200);
}

TEST_CASE("main.cf: unknown names warn, used ones do not", "[config]") {
    auto c = load("mystery = 1\nmy_var = x\nmyorigin = $my_var\n");
    REQUIRE(c.warnings().size() == 1);
    CHECK(c.warnings()[0] == "/etc/tern/main.cf:1: unknown parameter: mystery");
}

TEST_CASE("overrides apply after main.cf and are validated", "[config]") {
    auto c = Config::from_text("message_size_limit = 100\n", "m", "/d", {{"message_size_limit", "200"}});
    REQUIRE(c);
    CHECK(c->get_int(kMessageSizeLimit) == 200);
    auto bad = Config::from_text("", "m", "/d", {{"message_size_limit", "x"}});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("-o message_size_limit") != std::string::npos);
}

TEST_CASE("lists keep braced text together", "[config]") {
    auto c = load("virtual_mailbox_maps = inline:{ a=1, b=2 }, texthash:/x\n");
    CHECK(c.get_list(kVirtualMailboxMaps) == std::vector<std::string>{"inline:{ a=1, b=2 }", "texthash:/x"});
}

TEST_CASE("defaults: computed and config_directory", "[config]") {
    auto c = load("");
    CHECK(c.get(kConfigDirectory) == "/etc/tern");
    const std::string host = c.get(kMyHostname);
    REQUIRE(host.find('.') != std::string::npos);  // a bare host name gets ".localdomain"
    CHECK(c.get(kMyDomain) == host.substr(host.find('.') + 1));
    CHECK(default_value(kMyHostname) == host);
    // mydomain follows a configured myhostname; myorigin's default expands through it.
    auto set = load("myhostname = mx1.mail.example.test\n");
    CHECK(set.get(kMyDomain) == "mail.example.test");
    CHECK(set.get(kMyOrigin) == "mx1.mail.example.test");
    CHECK(set.raw_setting("myorigin") == nullptr);
}

TEST_CASE("every registered parameter is well-formed and its default valid", "[config]") {
    // Lower case, as Postfix's names are, but for its few upper-case ones (smtp_tls_CAfile).
    const auto name_ok = [](std::string_view n) {
        return !n.empty() && n.front() >= 'a' && n.front() <= 'z' && std::all_of(n.begin(), n.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        });
    };
    for (const ParamSpec* p : all_params()) {
        INFO(p->name);
        CHECK(name_ok(p->name));
        CHECK_FALSE(p->doc.empty());
        CHECK(find_param(p->name) == p);
    }
    auto c = load("");  // every default passes its own validation, so postconf -d is exact
    for (const ParamSpec* p : all_params()) {
        INFO(p->name);
        CHECK(check_param_value(*p, c.get(*p)) == "");
        if (p->type == ParamType::Int || p->type == ParamType::Size || p->type == ParamType::Time)
            CHECK(p->min <= p->max);
        auto again = Config::from_text(std::string(p->name) + " = " + c.get(*p) + "\n", "m", "/d");
        CHECK(again);
    }
}
