// Canonicalization (RFC 6376 3.4): the example of 3.4.5, and the streaming
// body hash giving the same digest however the body is cut into chunks.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libmail/dkim/canon.h"
#include "libmail/dkim/crypto.h"

using namespace tern::dkim;

namespace {

std::string hash_chunks(Canon c, const std::vector<std::string>& chunks, std::optional<std::uint64_t> l = {}) {
    BodyHasher h(c, l);
    for (const auto& piece : chunks) h.update(piece);
    return h.finish();
}

std::string hash_whole(Canon c, const std::string& body, std::optional<std::uint64_t> l = {}) {
    return hash_chunks(c, {body}, l);
}

// Every split of body into chunks of size n.
std::vector<std::string> cut(const std::string& body, std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < body.size(); i += n) out.push_back(body.substr(i, n));
    return out;
}

}  // namespace

TEST_CASE("canon: the RFC 6376 3.4.5 example, relaxed and simple", "[dkim][canon]") {
    const std::string a = "A: X\n";
    const std::string b = "B : Y\t\n\tZ  \n";
    CHECK(canon_header(Canon::Relaxed, a) == "a:X\r\n");
    CHECK(canon_header(Canon::Relaxed, b) == "b:Y Z\r\n");
    CHECK(canon_header(Canon::Simple, a) == "A: X\r\n");
    CHECK(canon_header(Canon::Simple, b) == "B : Y\t\r\n\tZ  \r\n");
    const std::string body = " C \nD \t E\n\n\n";
    CHECK(hash_whole(Canon::Relaxed, body) == sha256(" C\r\nD E\r\n"));
    CHECK(hash_whole(Canon::Simple, body) == sha256(" C \r\nD \t E\r\n"));
}

TEST_CASE("canon: empty bodies (RFC 6376 3.4.3, 3.4.4)", "[dkim][canon]") {
    CHECK(hash_whole(Canon::Simple, "") == sha256("\r\n"));
    CHECK(hash_whole(Canon::Simple, "\n\n\n") == sha256("\r\n"));
    CHECK(hash_whole(Canon::Relaxed, "") == sha256(""));
    CHECK(hash_whole(Canon::Relaxed, "\n \n\t\n") == sha256(""));
    // The well-known digests of the empty canonical bodies.
    CHECK(base64_encode(hash_whole(Canon::Simple, "")) == "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
    CHECK(base64_encode(hash_whole(Canon::Relaxed, "")) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST_CASE("canon: last line without a line end, bare CR, inner blank lines", "[dkim][canon]") {
    CHECK(hash_whole(Canon::Simple, "abc") == sha256("abc\r\n"));
    CHECK(hash_whole(Canon::Relaxed, "abc \t") == sha256("abc\r\n"));
    CHECK(hash_whole(Canon::Simple, "a\rb\n") == sha256("a\rb\r\n"));
    CHECK(hash_whole(Canon::Simple, "a\r\n") == sha256("a\r\r\n"));
    CHECK(hash_whole(Canon::Simple, "a\n\n\nb\n\n") == sha256("a\r\n\r\n\r\nb\r\n"));
    CHECK(hash_whole(Canon::Relaxed, "a\n  \n\nb  c\n") == sha256("a\r\n\r\n\r\nb c\r\n"));
    CHECK(hash_whole(Canon::Simple, "  \n") == sha256("  \r\n"));  // white space is content in simple
}

TEST_CASE("canon: any chunking gives the same body hash", "[dkim][canon]") {
    const std::string body = GENERATE(as<std::string>{}, "", "\n", "x", "Hi.\n\nWe lost.  \t Are you\thungry?\n\n\n",
                                      "a\r\nb\r\r\n\r\n \t \n\n", "line\n \n\t\n", "no end  \t ",
                                      std::string(40000, 'z') + "\n\n" + std::string(100, ' ') + "\n");
    const Canon c = GENERATE(Canon::Simple, Canon::Relaxed);
    const std::string whole = hash_whole(c, body);
    for (std::size_t n : {1, 2, 3, 5, 7, 64, 4096}) {
        INFO("chunk size " << n);
        CHECK(hash_chunks(c, cut(body, n)) == whole);
    }
    // Empty chunks in between change nothing.
    std::vector<std::string> with_empty;
    for (const auto& p : cut(body, 3)) {
        with_empty.push_back("");
        with_empty.push_back(p);
    }
    CHECK(hash_chunks(c, with_empty) == whole);
}

TEST_CASE("canon: l= hashes only the first octets and counts the rest", "[dkim][canon]") {
    BodyHasher h(Canon::Simple, 5);
    h.update("hello world\n");
    CHECK(h.finish() == sha256("hello"));
    CHECK(h.canonical_length() == 13);
    // l= across chunks and trailing blank lines: the blank lines never count.
    BodyHasher r(Canon::Relaxed, 4);
    for (char ch : std::string("ab  \n\n\ncd\n\n\n")) r.update(std::string(1, ch));
    CHECK(r.finish() == sha256("ab\r\n"));
    CHECK(r.canonical_length() == 12);  // "ab\r\n\r\n\r\ncd\r\n"
    CHECK(hash_whole(Canon::Simple, "abc\n", 0) == sha256(""));
}
