// Typed values: time units, booleans, bounds, and expansion corner cases.
#include <catch2/catch.hpp>

#include "libmail/config/config.h"

using namespace tern::config;

namespace {
// Specs local to the test, so the cases do not depend on any area's parameters.
constexpr ParamSpec kT{"test_time", ParamType::Time, "10", 0, 7 * 86400, "t", 'm'};
constexpr ParamSpec kB{"test_bool", ParamType::Bool, "yes", 0, 0, "b"};
constexpr ParamSpec kI{"test_int", ParamType::Int, "5", 1, 100, "i"};

Config load(std::string_view text) {
    auto c = Config::from_text(text, "main.cf", "/etc/tern");
    REQUIRE(c);
    return std::move(*c);
}
}  // namespace

TEST_CASE("time values take s/m/h/d/w; a bare number uses the parameter's unit", "[config]") {
    auto c = load("test_time = 90s\nt2 = 2h\nt3 = 1w\nt4 = 15\nt5 = 3d\n");
    CHECK(c.get_time(kT) == std::chrono::seconds(90));
    CHECK(c.get_time(ParamSpec{"t2", ParamType::Time, "", 0, 0, "", 's'}) == std::chrono::hours(2));
    CHECK(c.get_time(ParamSpec{"t3", ParamType::Time, "", 0, 0, "", 's'}) == std::chrono::hours(24 * 7));
    CHECK(c.get_time(ParamSpec{"t4", ParamType::Time, "", 0, 0, "", 'm'}) == std::chrono::minutes(15));
    CHECK(c.get_time(ParamSpec{"t5", ParamType::Time, "", 0, 0, "", 's'}) == std::chrono::hours(72));
    CHECK(check_param_value(kT, "2x") ==
          "bad time value for test_time: \"2x\" (use a number with s, m, h, d or w)");
    CHECK(check_param_value(kT, "-1s").rfind("bad time value", 0) == 0);
    CHECK(check_param_value(kT, "2w").find("out of range") != std::string::npos);
    CHECK(check_param_value(kT, "1w").empty());
}

TEST_CASE("booleans: yes/no/true/false/1/0 in any case", "[config]") {
    auto c = load("test_bool = No\nb2 = TRUE\nb3 = 1\nb4 = false\n");
    CHECK_FALSE(c.get_bool(kB));
    CHECK(c.get_bool(ParamSpec{"b2", ParamType::Bool, "", 0, 0, ""}));
    CHECK(c.get_bool(ParamSpec{"b3", ParamType::Bool, "", 0, 0, ""}));
    CHECK_FALSE(c.get_bool(ParamSpec{"b4", ParamType::Bool, "", 0, 0, ""}));
    CHECK(check_param_value(kB, "maybe") == "bad boolean value for test_bool: \"maybe\" (use yes or no)");
}

TEST_CASE("integers: bounds are inclusive", "[config]") {
    CHECK(check_param_value(kI, "1").empty());
    CHECK(check_param_value(kI, "100").empty());
    CHECK(check_param_value(kI, "101") == "value for test_int out of range (1..100): 101");
    CHECK(check_param_value(kI, "0").find("out of range") != std::string::npos);
    CHECK(check_param_value(kI, "12abc") == "bad numerical value for test_int: \"12abc\"");
    CHECK(check_param_value(kI, "").rfind("bad numerical value", 0) == 0);
}

TEST_CASE("expansion: nesting, conditionals, undefined names", "[config]") {
    auto c = load("a = A\nb = $a-B\nempty =\nx = ${a?${b}:no}\ny = ${empty:fallback ${a}}\n");
    CHECK(c.get_by_name("b") == "A-B");
    CHECK(c.get_by_name("x") == "A-B:no");           // Postfix: after '?' the rest is the text
    CHECK(c.get_by_name("y") == "fallback A");
    CHECK(c.expand("${empty?shown}|${undefined_name}|$undefined_name|end") == "|||end");
    CHECK(c.expand("cost $$5 and ${a}") == "cost $5 and A");
    CHECK(c.expand("$(a)") == "A");
    CHECK(c.expand("dangling $") == "dangling $");
    CHECK(c.expand("${a") == "${a");
}

TEST_CASE("expansion: a self-referencing loop stops at a bounded size", "[config]") {
    auto c = load("a = $b $b\nb = $a $a\nself = x$self\n");
    CHECK(c.get_by_name("a").size() <= 2 * 1024 * 1024);
    CHECK(c.get_by_name("self").size() < 100);
}

TEST_CASE("main.cf: CRLF lines, bad names and an empty value", "[config]") {
    auto c = load("myhostname = h.example.test\r\nrelay_domains =\r\n");
    CHECK(c.get_by_name("myhostname") == "h.example.test");
    REQUIRE(c.is_set("relay_domains"));
    CHECK(c.get_by_name("relay_domains").empty());
    auto bad = Config::from_text("my host = x\n", "main.cf", "/d");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "main.cf:1: bad parameter name: \"my host\"");
}

TEST_CASE("load: a missing main.cf means defaults; config_directory follows the directory", "[config]") {
    auto c = Config::load("/nonexistent/tern-config-test");
    REQUIRE(c);
    CHECK(c->entries().empty());
    CHECK(c->get_by_name("config_directory") == "/nonexistent/tern-config-test");
    auto set = Config::from_text("config_directory = /elsewhere\n", "main.cf", "/etc/tern");
    REQUIRE(set);
    CHECK(set->get_by_name("config_directory") == "/elsewhere");
}
