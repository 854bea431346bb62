#include <catch2/catch.hpp>

#include <string>

#include "smtpd/data_reader.h"

using tern::smtpd::DataReader;

namespace {

struct Fed {
    std::string content;
    bool done = false;
    std::string rest;  // bytes after the end of data
};

// Feeds the input in pieces of `step` bytes, as the network might deliver it.
Fed feed_all(const std::string& in, std::size_t step) {
    DataReader r;
    Fed f;
    std::size_t pos = 0;
    while (pos < in.size() && !r.done()) {
        const auto piece = std::string_view(in).substr(pos, step);
        pos += r.feed(piece, f.content);
    }
    f.done = r.done();
    f.rest = in.substr(pos);
    return f;
}

struct Case {
    const char* label;
    std::string in;
    bool done;
    std::string content;
    std::string rest;
};

}  // namespace

TEST_CASE("DATA content: line ends, dot-unstuffing and the end of data", "[smtpd][data]") {
    const std::string long_line(5000, 'x');
    auto c = GENERATE_COPY(values<Case>({
        {"simple message", "Subject: hi\r\n\r\nbody\r\n.\r\n", true, "Subject: hi\n\nbody\n", ""},
        {"empty message", ".\r\n", true, "", ""},
        {"dot-stuffed lines", "..leading\r\n...\r\n.\r\n", true, ".leading\n..\n", ""},
        {"dot inside a line is content", "a.b\r\n .\r\n.\r\n", true, "a.b\n .\n", ""},
        {"pipelined command after the end", "x\r\n.\r\nQUIT\r\n", true, "x\n", "QUIT\r\n"},
        {"no end yet", "x\r\ny\r\n", false, "x\ny\n", ""},
        {"bare LF lines are normalised", "a\nb\r\n.\r\n", true, "a\nb\n", ""},
        {"<LF>.<LF> does not end data", "a\n.\nb\r\n.\r\n", true, "a\n\nb\n", ""},
        {"<LF>.<CR><LF> does not end data", "a\n.\r\nb\r\n.\r\n", true, "a\n\nb\n", ""},
        {"<CR><LF>.<LF> does not end data", "a\r\n.\nb\r\n.\r\n", true, "a\n\nb\n", ""},
        {"bare CR is content", "a\rb\r\n.\r\n", true, "a\rb\n", ""},
        {"CR CR LF keeps one CR", "a\r\r\n.\r\n", true, "a\r\n", ""},
        {".<CR>x is an unstuffed line", ".\rx\r\n.\r\n", true, "\rx\n", ""},
        {"8-bit bytes intact", "caf\xc3\xa9\r\n\xff\r\n.\r\n", true, "caf\xc3\xa9\n\xff\n", ""},
        {"lines longer than 998 kept", long_line + "\r\n.\r\n", true, long_line + "\n", ""},
    }));
    for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{100000}}) {
        INFO(c.label << " (fed " << step << " bytes at a time)");
        auto f = feed_all(c.in, step);
        CHECK(f.done == c.done);
        CHECK(f.content == c.content);
        CHECK(f.rest == c.rest);
    }
}
