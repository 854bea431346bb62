#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <set>

#include "libmail/core/file_io.h"
#include "libmail/core/unique_fd.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/queue_id.h"
#include "libmail/queue/queue_writer.h"
#include "t/unit/file_size_limit.h"

using namespace tern;
using namespace tern::queue;

namespace {

struct TempQueue {
    std::string dir;
    TempQueue() {
        char tmpl[] = "/tmp/tern-queue-XXXXXX";
        REQUIRE(::mkdtemp(tmpl));
        dir = tmpl;
        REQUIRE(create_queue_dirs(dir, ::getuid(), ::getgid()));
    }
    ~TempQueue() {
        for (std::string_view f : kQueueFolders) {
            const std::string d = dir + "/" + std::string(f);
            if (DIR* h = ::opendir(d.c_str())) {
                while (dirent* e = ::readdir(h))
                    if (e->d_name[0] != '.' || std::string_view(e->d_name).size() > 2) ::unlink((d + "/" + e->d_name).c_str());
                ::closedir(h);
            }
            ::rmdir(d.c_str());
        }
        ::rmdir(dir.c_str());
    }
    std::vector<std::string> files(const std::string& folder) const {
        std::vector<std::string> out;
        if (DIR* h = ::opendir((dir + "/" + folder).c_str())) {
            while (dirent* e = ::readdir(h))
                if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") out.emplace_back(e->d_name);
            ::closedir(h);
        }
        return out;
    }
};

Envelope sample_envelope() {
    Envelope env;
    env.arrival_sec = 1795000000;
    env.arrival_usec = 123456;
    env.sender = "carol@remote.test";
    env.attrs = {{"client_address", "127.0.0.1"}, {"helo_name", "client.test"}};
    env.recipients.push_back({"alice@example.test", "rfc822;alice@example.test", kNotifyFailure});
    env.recipients.push_back({"bob@example.test", "", 0});
    return env;
}

std::string big_content() {
    std::string s;
    for (int i = 0; s.size() < 3 * kMaxContentChunk + 17; ++i) s += "line " + std::to_string(i) + " \xc3\xa9\xff\n";
    return s;
}

std::string write_message(const TempQueue& q, const std::string& content) {
    auto w = QueueWriter::create(q.dir);
    REQUIRE(w);
    REQUIRE(w->write_envelope(sample_envelope()));
    // Uneven pieces, as smtpd writes them while the message streams in.
    for (std::size_t pos = 0; pos < content.size(); pos += 1000) REQUIRE(w->write_content(content.substr(pos, 1000)));
    auto id = w->commit();
    REQUIRE(id);
    return *id;
}

std::string read_all_content(int fd, const QueueFile& qf) {
    std::string out;
    REQUIRE(read_content(fd, qf, [&](std::string_view c) -> Result<void> {
        out += c;
        return {};
    }));
    return out;
}

}  // namespace

TEST_CASE("a committed queue file reads back byte for byte", "[queue]") {
    TempQueue q;
    const std::string content = big_content();
    const std::string id = write_message(q, content);
    CHECK(q.files("incoming") == std::vector<std::string>{id});
    const std::string path = queue_path(q.dir, "incoming", id);
    UniqueFd fd(::open(path.c_str(), O_RDONLY));
    auto qf = read_queue_file(fd.get(), path);
    REQUIRE(qf);
    CHECK(qf->env.sender == "carol@remote.test");
    CHECK(qf->env.arrival_sec == 1795000000);
    CHECK(qf->env.arrival_usec == 123456);
    REQUIRE(qf->env.recipients.size() == 2);
    CHECK(qf->env.recipients[0].orcpt == "rfc822;alice@example.test");
    CHECK(qf->env.recipients[0].notify == kNotifyFailure);
    CHECK(qf->env.recipients[1].state == RecipientState::Pending);
    REQUIRE(qf->env.attr("helo_name"));
    CHECK(*qf->env.attr("helo_name") == "client.test");
    CHECK(qf->content_bytes == content.size());
    CHECK(read_all_content(fd.get(), *qf) == content);
    struct stat st{};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
}

TEST_CASE("prepended header fields come out above the content", "[queue]") {
    TempQueue q;
    const std::string content = big_content();
    const std::string fields = "Authentication-Results: mx.test; spf=pass\nDKIM-Signature: v=1; a=ed25519-sha256;\n b=x\n";
    auto w = QueueWriter::create(q.dir);
    REQUIRE(w);
    REQUIRE(w->write_envelope(sample_envelope()));
    REQUIRE(w->write_content(content));
    REQUIRE(w->write_prepend(fields.substr(0, 44)));
    REQUIRE(w->write_prepend(fields.substr(44)));
    CHECK_FALSE(w->write_content("more"));  // content after the prepends would be out of order
    auto id = w->commit();
    REQUIRE(id);
    const std::string path = queue_path(q.dir, "incoming", *id);
    UniqueFd fd(::open(path.c_str(), O_RDONLY));
    auto qf = read_queue_file(fd.get(), path);
    REQUIRE(qf);
    CHECK(qf->prepend == fields);
    CHECK(qf->content_bytes == fields.size() + content.size());
    CHECK(read_all_content(fd.get(), *qf) == fields + content);

    SECTION("a prepend larger than the limit is refused") {
        auto w2 = QueueWriter::create(q.dir);
        REQUIRE(w2);
        REQUIRE(w2->write_envelope(sample_envelope()));
        CHECK_FALSE(w2->write_prepend(std::string(kMaxPrependBytes + 1, 'x')));
    }
    SECTION("an empty message with a prepend reads back as the prepend") {
        auto w3 = QueueWriter::create(q.dir);
        REQUIRE(w3);
        REQUIRE(w3->write_envelope(sample_envelope()));
        REQUIRE(w3->write_prepend("X-A: 1\n"));
        auto id3 = w3->commit();
        REQUIRE(id3);
        const std::string p3 = queue_path(q.dir, "incoming", *id3);
        UniqueFd fd3(::open(p3.c_str(), O_RDONLY));
        auto qf3 = read_queue_file(fd3.get(), p3);
        REQUIRE(qf3);
        CHECK(read_all_content(fd3.get(), *qf3) == "X-A: 1\n");
    }
}

TEST_CASE("a truncated queue file is refused at every length", "[queue]") {
    TempQueue q;
    const std::string id = write_message(q, "Subject: x\n\nhello\n");
    auto whole = read_file(queue_path(q.dir, "incoming", id), 1 << 20);
    REQUIRE(whole);
    for (std::size_t len = 0; len < whole->size(); ++len) {
        const std::string cut = q.dir + "/corrupt/cut";
        REQUIRE(write_file_atomic(cut, whole->substr(0, len)));
        auto r = read_queue_file(cut);
        INFO("length " << len);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find(cut + ": offset ") == 0);
    }
}

TEST_CASE("a read window gives the file's bytes at any offset, across and past its window", "[queue]") {
    TempQueue q;
    std::string data;
    for (int i = 0; data.size() < 3 * ReadWindow::kReadWindow; ++i) data += std::to_string(i) + ",";
    const std::string path = q.dir + "/corrupt/window";
    REQUIRE(write_file_atomic(path, data));
    UniqueFd fd(::open(path.c_str(), O_RDONLY));
    ReadWindow w;
    const std::size_t k = ReadWindow::kReadWindow;
    // In order, backwards, straddling a window's end, larger than a window, the last byte.
    for (auto [off, n] : std::vector<std::pair<std::size_t, std::size_t>>{
             {0, 5}, {7, 100}, {k - 3, 10}, {3, 2}, {k + 5, k + 9}, {data.size() - 1, 1}, {2 * k - 1, 2}}) {
        std::string got(n, '\0');
        INFO("offset " << off << ", " << n << " bytes");
        REQUIRE(w.read(fd.get(), got.data(), n, static_cast<off_t>(off), path));
        CHECK(got == data.substr(off, n));
    }
    char byte[2];
    auto past = w.read(fd.get(), byte, 2, static_cast<off_t>(data.size() - 1), path);
    REQUIRE_FALSE(past);
    CHECK(past.error().message == path + ": offset " + std::to_string(data.size() - 1) + ": file is truncated");
}

TEST_CASE("garbage and foreign records are refused with their offset", "[queue]") {
    TempQueue q;
    const std::string path = q.dir + "/corrupt/bad";
    REQUIRE(write_file_atomic(path, encode_record(RecordType::Version, "TERN1") + std::string("Z\0\0\0\0", 5)));
    auto r = read_queue_file(path);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == path + ": offset 10: unknown record type 90");
    REQUIRE(write_file_atomic(path, encode_record(RecordType::Version, "TERN9")));
    CHECK_FALSE(read_queue_file(path));
}

TEST_CASE("recipient state is settled in place and persists", "[queue]") {
    TempQueue q;
    const std::string id = write_message(q, "body\n");
    const std::string path = queue_path(q.dir, "incoming", id);
    UniqueFd fd(::open(path.c_str(), O_RDWR));
    auto qf = read_queue_file(fd.get(), path);
    REQUIRE(qf);
    REQUIRE(set_recipient_state(fd.get(), qf->env.recipients[1], RecipientState::Delivered));
    auto again = read_queue_file(path);
    REQUIRE(again);
    CHECK(again->env.recipients[0].state == RecipientState::Pending);
    CHECK(again->env.recipients[1].state == RecipientState::Delivered);
    CHECK(again->file_size == qf->file_size);
}

TEST_CASE("a writer dropped before commit leaves nothing in incoming", "[queue]") {
    TempQueue q;
    {
        auto w = QueueWriter::create(q.dir);
        REQUIRE(w);
        REQUIRE(w->write_envelope(sample_envelope()));
        REQUIRE(w->write_content("partial"));
        CHECK(q.files("incoming").empty());  // a small message is only buffered until the commit
        REQUIRE(w->write_content(big_content()));
        CHECK(q.files("incoming").size() == 1);  // the dot-named temporary file, written as it grows
    }
    CHECK(q.files("incoming").empty());
}

TEST_CASE("a failed write is reported and leaves nothing in incoming", "[queue]") {
    TempQueue q;
    std::optional<tern::test::FileSizeLimit> limit(std::in_place, 100 * 1024);
    REQUIRE(limit->ok());
    bool failed = false;
    std::string message;
    {
        auto w = QueueWriter::create(q.dir);
        if (w && w->write_envelope(sample_envelope())) {
            const std::string block(32 * 1024, 'y');
            for (int i = 0; i < 32 && !failed; ++i)
                if (auto r = w->write_content(block); !r) failed = true, message = r.error().message;
            if (!failed)
                if (auto r = w->commit(); !r) failed = true, message = r.error().message;
        }
    }
    limit.reset();
    CHECK(failed);
    CHECK(message.find("write") != std::string::npos);
    CHECK(q.files("incoming").empty());
}

TEST_CASE("queue IDs are unique and file-name safe; temp names are not IDs", "[queue]") {
    std::set<std::string> ids;
    for (int i = 0; i < 100000; ++i) {
        auto id = new_queue_id();
        REQUIRE(is_queue_id(id));
        ids.insert(std::move(id));
    }
    CHECK(ids.size() == 100000);
    CHECK_FALSE(is_queue_id(".tmp.ABC"));
    CHECK_FALSE(is_queue_id(""));
    CHECK_FALSE(is_queue_id("../x"));
}

TEST_CASE("move_queue_file renames between folders", "[queue]") {
    TempQueue q;
    const std::string id = write_message(q, "x\n");
    REQUIRE(move_queue_file(q.dir, "incoming", "active", id));
    CHECK(q.files("incoming").empty());
    CHECK(q.files("active") == std::vector<std::string>{id});
    CHECK_FALSE(move_queue_file(q.dir, "incoming", "active", id));
}

TEST_CASE("the End record seals the file for its queue ID and its bytes", "[queue]") {
    TempQueue q;
    const std::string id = write_message(q, big_content());
    const std::string path = queue_path(q.dir, "incoming", id);
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    REQUIRE(fd);
    auto qf = read_queue_file(fd.get(), path);
    REQUIRE(qf);
    CHECK(qf->seal_id == id);
    auto check = [&](std::string_view as) {
        auto again = read_queue_file(fd.get(), path);
        REQUIRE(again);
        auto seal = check_seal(fd.get(), *again, as, path);
        REQUIRE(seal);
        return *seal;
    };
    CHECK(check(id) == SealCheck::Good);

    SECTION("settling recipients in place keeps it good") {
        REQUIRE(set_recipient_state(fd.get(), qf->env.recipients[1], RecipientState::Delivered));
        REQUIRE(set_recipient_state(fd.get(), qf->env.recipients[0], RecipientState::Bounced));
        CHECK(check(id) == SealCheck::Good);
    }
    SECTION("under another queue ID it is another message's file") {
        CHECK(check("OtherId123") == SealCheck::OtherMessage);
    }
    SECTION("one byte changed anywhere before the End record is damage") {
        auto raw = read_file(path, 1 << 20);
        REQUIRE(raw);
        const auto sender_at = static_cast<off_t>(raw->find("carol@"));
        for (off_t at : {sender_at, qf->content_offset + 100, qf->end_offset - 1}) {
            char b = 0;
            REQUIRE(::pread(fd.get(), &b, 1, at) == 1);
            const char changed = static_cast<char>(b ^ 0x20);
            REQUIRE(::pwrite(fd.get(), &changed, 1, at) == 1);
            CHECK(check(id) == SealCheck::Damaged);
            REQUIRE(::pwrite(fd.get(), &b, 1, at) == 1);
            CHECK(check(id) == SealCheck::Good);
        }
    }
}

TEST_CASE("an empty End record (older files) is read as before; a malformed seal is refused", "[queue]") {
    TempQueue q;
    std::string file = encode_record(RecordType::Version, "TERN1") + encode_record(RecordType::Time, "1795000000.000001") +
                       encode_record(RecordType::Sender, "s@example.test") +
                       encode_record(RecordType::Recipient, std::string("P\0r@example.test\0", 17)) +
                       encode_record(RecordType::Content, "body\n");
    const std::string path = q.dir + "/incoming/Old1";
    REQUIRE(write_file_atomic(path, file + encode_record(RecordType::End, "")));
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    auto qf = read_queue_file(fd.get(), path);
    REQUIRE(qf);
    auto seal = check_seal(fd.get(), *qf, "Old1", path);
    REQUIRE(seal);
    CHECK(*seal == SealCheck::Unsealed);

    for (std::string bad : {"Old1", "Old1 1234567", "Old1 123456789", "Old1 1234567g", "Old-1 12345678", " 12345678"}) {
        REQUIRE(write_file_atomic(path, file + encode_record(RecordType::End, bad)));
        auto r = read_queue_file(path);
        REQUIRE_FALSE(r);
        CHECK(r.error().message.find("malformed end record") != std::string::npos);
    }
}
