// The sendmail -> postdrop stream: what postdrop accepts and what it refuses.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include "libmail/cleanup/submit_stream.h"
#include "libmail/core/file_io.h"
#include "libmail/core/unique_fd.h"
#include "libmail/queue/queue_file.h"
#include "t/unit/temp_dir.h"

using namespace tern;
using namespace tern::cleanup;

namespace {

struct ReadResult {
    bool envelope_ok = false, content_ok = false;
    SubmitErrorKind kind = SubmitErrorKind::Malformed;
    std::string error;
    Submission sub;
    std::string content;
};

ReadResult read_stream(const std::string& bytes, std::size_t max_rcpt = 100, std::uint64_t max_size = 0) {
    test::TempDir tmp;
    const std::string path = tmp.write("stream", bytes);
    UniqueFd fd(::open(path.c_str(), O_RDONLY));
    REQUIRE(fd);
    SubmitReader r(fd.get(), max_rcpt, max_size);
    ReadResult out;
    auto env = r.read_envelope();
    if (!env) {
        out.kind = env.error().kind;
        out.error = env.error().message;
        return out;
    }
    out.envelope_ok = true;
    out.sub = *env;
    auto c = r.read_content([&](std::string_view b) -> Result<void> {
        out.content.append(b);
        return {};
    });
    if (!c) {
        out.kind = c.error().kind;
        out.error = c.error().message;
        return out;
    }
    out.content_ok = true;
    return out;
}

std::string sample(const std::string& content) {
    Submission s{"root", "Charlie Root", {"alice@example.test", "bob"}};
    return encode_submission_envelope(s) + encode_submission_content(content) + encode_submission_end();
}

}  // namespace

TEST_CASE("a submission stream round-trips, large content included", "[cleanup][postdrop]") {
    const std::string big(200 * 1024 + 17, 'x');
    auto r = read_stream(sample("Subject: x\n\n" + big));
    REQUIRE(r.content_ok);
    CHECK(r.sub.sender == "root");
    CHECK(r.sub.full_name == "Charlie Root");
    CHECK(r.sub.recipients == std::vector<std::string>{"alice@example.test", "bob"});
    CHECK(r.content == "Subject: x\n\n" + big);

    auto empty = read_stream(sample(""));
    CHECK(empty.content_ok);
    CHECK(empty.content.empty());
}

TEST_CASE("postdrop refuses broken or oversized streams", "[cleanup][postdrop]") {
    const std::string good = sample("hello\n");
    SECTION("cut short anywhere: nothing is accepted") {
        for (std::size_t n = 0; n < good.size(); ++n) {
            auto r = read_stream(good.substr(0, n));
            CAPTURE(n);
            CHECK_FALSE(r.content_ok);
            CHECK(r.kind == SubmitErrorKind::Truncated);
            CHECK(r.error == "input ended before the message was complete");
        }
    }
    SECTION("no recipients") {
        auto r = read_stream(encode_submission_envelope({"root", "", {}}) + encode_submission_end());
        CHECK_FALSE(r.envelope_ok);
        CHECK(r.error == "no recipients");
    }
    SECTION("too many recipients") {
        Submission s{"root", "", {}};
        for (int i = 0; i < 11; ++i) s.recipients.push_back("u" + std::to_string(i) + "@x");
        auto r = read_stream(encode_submission_envelope(s) + encode_submission_end(), 10);
        CHECK(r.kind == SubmitErrorKind::TooManyRecipients);
    }
    SECTION("message over the size limit") {
        auto r = read_stream(sample(std::string(5000, 'y')), 100, 4096);
        CHECK(r.envelope_ok);
        CHECK(r.kind == SubmitErrorKind::TooLarge);
    }
    SECTION("addresses with white space or control characters") {
        for (const char* bad : {"a b@x", "a\n@x", "a\r", "\x7f"}) {
            auto r = read_stream(encode_submission_envelope({"root", "", {bad}}) + encode_submission_end());
            CHECK(r.error == "bad recipient address");
        }
        auto r = read_stream(encode_submission_envelope({"ro ot", "", {"a@x"}}) + encode_submission_end());
        CHECK(r.error == "bad sender address");
    }
    SECTION("a record longer than allowed is refused before it is read") {
        std::string huge = queue::encode_record(queue::RecordType::Sender, "root");
        huge += "R\x7f\xff\xff\xff";  // claims 2 GiB
        auto r = read_stream(huge);
        CHECK(r.error.find("too long") != std::string::npos);
    }
    SECTION("records out of order") {
        auto r = read_stream(queue::encode_record(queue::RecordType::Recipient, "a@x") + good);
        CHECK(r.error == "the stream does not start with a sender");
        auto r2 = read_stream(good.substr(0, good.size() - 5) + queue::encode_record(queue::RecordType::Sender, "x") +
                              encode_submission_end());
        CHECK(r2.error == "unexpected record type in content");
    }
}
