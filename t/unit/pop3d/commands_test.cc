#include <catch2/catch.hpp>

#include "pop3d/commands.h"

using namespace tern::pop3d;

namespace {
std::string encode(std::string_view text, std::optional<std::uint64_t> top = std::nullopt,
                   std::size_t chunk = 1000) {
    MessageEncoder enc = top ? MessageEncoder(*top) : MessageEncoder();
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += chunk)
        if (!enc.feed(text.substr(i, chunk), out)) break;
    enc.finish(out);
    return out;
}
}  // namespace

TEST_CASE("commands are found case-insensitively and checked against the state", "[pop3d][commands]") {
    const Command* user = find_command("user");
    REQUIRE(user);
    CHECK(user->verb == Verb::User);
    CHECK(allowed_in(*user, State::Authorization));
    CHECK_FALSE(allowed_in(*user, State::Transaction));
    const Command* retr = find_command("ReTr");
    REQUIRE(retr);
    CHECK_FALSE(allowed_in(*retr, State::Authorization));
    CHECK(allowed_in(*retr, State::Transaction));
    for (const char* both : {"QUIT", "CAPA"}) {
        const Command* c = find_command(both);
        REQUIRE(c);
        CHECK(allowed_in(*c, State::Authorization));
        CHECK(allowed_in(*c, State::Transaction));
    }
    CHECK_FALSE(find_command("APOP"));
    CHECK_FALSE(find_command("XTND"));
    CHECK_FALSE(find_command(""));
    CHECK_FALSE(find_command("RETRX"));
}

TEST_CASE("command lines split at the first space; numbers are plain digits", "[pop3d][commands]") {
    auto l = split_command("PASS secret with spaces");
    CHECK(l.keyword == "PASS");
    CHECK(l.args == "secret with spaces");
    auto bare = split_command("STAT");
    CHECK(bare.keyword == "STAT");
    CHECK(bare.args.empty());
    CHECK(parse_number_arg("1") == 1u);
    CHECK(parse_number_arg("000042") == 42u);
    CHECK_FALSE(parse_number_arg(""));
    CHECK_FALSE(parse_number_arg("-1"));
    CHECK_FALSE(parse_number_arg("+1"));
    CHECK_FALSE(parse_number_arg("1 "));
    CHECK_FALSE(parse_number_arg("1234567890"));
}

TEST_CASE("CAPA lists the extensions a client looks for", "[pop3d][commands]") {
    const std::string capa(capabilities());
    for (const char* c : {"TOP\r\n", "UIDL\r\n", "USER\r\n", "RESP-CODES\r\n", "PIPELINING\r\n",
                          "IMPLEMENTATION Tern\r\n"})
        CHECK(capa.find(c) != std::string::npos);
}

TEST_CASE("RETR output has CRLF line ends, stuffed dots and a final dot line", "[pop3d][encoder]") {
    const std::size_t chunk = GENERATE(1, 2, 3, 1000);
    CHECK(encode("Subject: x\n\n.hidden\n..two\nend.\n", std::nullopt, chunk) ==
          "Subject: x\r\n\r\n..hidden\r\n...two\r\nend.\r\n.\r\n");
    CHECK(encode("a\r\n.\r\nb", std::nullopt, chunk) == "a\r\n..\r\nb\r\n.\r\n");
    CHECK(encode("", std::nullopt, chunk) == ".\r\n");
    CHECK(encode("bare\rcr\n", std::nullopt, chunk) == "bare\rcr\r\n.\r\n");
    CHECK(encode("ends in cr\r", std::nullopt, chunk) == "ends in cr\r\r\n.\r\n");
}

TEST_CASE("TOP sends the header, the blank line and n body lines", "[pop3d][encoder]") {
    const std::string msg = "From: a\nSubject: b\n\nline 1\n.line 2\nline 3\n";
    const std::size_t chunk = GENERATE(1, 5, 1000);
    CHECK(encode(msg, 0, chunk) == "From: a\r\nSubject: b\r\n\r\n.\r\n");
    CHECK(encode(msg, 1, chunk) == "From: a\r\nSubject: b\r\n\r\nline 1\r\n.\r\n");
    CHECK(encode(msg, 2, chunk) == "From: a\r\nSubject: b\r\n\r\nline 1\r\n..line 2\r\n.\r\n");
    CHECK(encode(msg, 100, chunk) == "From: a\r\nSubject: b\r\n\r\nline 1\r\n..line 2\r\nline 3\r\n.\r\n");
    // A message without a body: the whole header.
    CHECK(encode("Subject: only\n", 5, chunk) == "Subject: only\r\n.\r\n");
    // CRLF in the stored file ends the header the same way.
    CHECK(encode("A: 1\r\n\r\nx\r\ny\r\n", 1, chunk) == "A: 1\r\n\r\nx\r\n.\r\n");
}

TEST_CASE("TOP stops asking for input once it has its lines", "[pop3d][encoder]") {
    MessageEncoder enc(1);
    std::string out;
    CHECK_FALSE(enc.feed("H: v\n\nbody\n", out));
    CHECK(enc.done() == true);
    CHECK_FALSE(enc.feed("more body\n", out));
    enc.finish(out);
    CHECK(out == "H: v\r\n\r\nbody\r\n.\r\n");
}
