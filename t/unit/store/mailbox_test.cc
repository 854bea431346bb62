#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "libmail/core/file_io.h"
#include "libmail/store/mailbox.h"
#include "t/unit/store/temp_maildir.h"

using namespace tern;
using namespace tern::store;
namespace fs = std::filesystem;

namespace {

std::string deliver(const std::string& folder, std::string_view text) {
    auto d = MaildirDelivery::begin(folder);
    REQUIRE(d);
    REQUIRE(d->write(text));
    auto name = d->commit();
    REQUIRE(name);
    return *name;
}

Mailbox open_synced(const std::string& root, const std::string& folder = "INBOX") {
    auto mb = Mailbox::open(root, folder);
    REQUIRE(mb);
    REQUIRE(mb->sync());
    return std::move(*mb);
}

std::vector<std::uint32_t> uids(const Mailbox& mb) {
    std::vector<std::uint32_t> out;
    for (const auto& m : mb.messages()) out.push_back(m.uid);
    return out;
}

// A file put into a Maildir the way another MDA or an rsync restore would.
void drop_file(const std::string& path, const std::string& text) {
    REQUIRE(write_file_atomic(path, text, 0600));
}

}  // namespace

TEST_CASE("sync gives delivered messages UIDs 1..n, stable across reopen", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    deliver(root, "Subject: one\n\nbody\n");
    deliver(root, "Subject: two\n\nbody\n");
    deliver(root, "Subject: three\n\nbody\n");
    auto mb = open_synced(root);
    CHECK(uids(mb) == std::vector<std::uint32_t>{1, 2, 3});
    CHECK(mb.uidnext() == 4);
    CHECK(mb.uidvalidity() != 0);
    // new/ was emptied into cur/ with the ":2," info.
    CHECK(fs::is_empty(root + "/new"));
    CHECK(mb.messages()[0].filename.rfind("cur/", 0) == 0);
    CHECK(mb.messages()[0].filename.substr(mb.messages()[0].filename.size() - 3) == ":2,");
    // Sizes count CRLF: "Subject: one\n\nbody\n" is 19 bytes with 3 LFs.
    CHECK(mb.messages()[0].size == 22);
    auto text = mb.read_message(1, 1000);
    REQUIRE(text);
    CHECK(*text == "Subject: one\r\n\r\nbody\r\n");
    CHECK(text->size() == mb.messages()[0].size);
    CHECK(mb.messages()[0].internal_date > 1'600'000'000);

    auto again = open_synced(root);
    CHECK(again.uidvalidity() == mb.uidvalidity());
    CHECK(uids(again) == uids(mb));
    for (std::size_t i = 0; i < 3; ++i) CHECK(again.messages()[i].filename == mb.messages()[i].filename);
    SECTION("open alone reads the index") {
        auto plain = Mailbox::open(root, "INBOX");
        REQUIRE(plain);
        CHECK(plain->uidvalidity() == mb.uidvalidity());
        CHECK(plain->messages().size() == 3);
    }
}

TEST_CASE("files added behind the index get higher UIDs; removed ones drop out", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    deliver(root, "a\n");
    deliver(root, "b\n");
    auto mb = open_synced(root);
    const auto uv = mb.uidvalidity();
    // Another program's files: no S=/W= in the name, one in new/, one straight in cur/.
    drop_file(root + "/new/1800000000.other.host", "x\ny\n");
    drop_file(root + "/cur/1800000001.other.host:2,S", "z\n");
    const std::string first = mb.messages()[0].filename;
    REQUIRE(::unlink((root + "/" + first).c_str()) == 0);
    REQUIRE(mb.sync());
    CHECK(mb.uidvalidity() == uv);
    CHECK(uids(mb) == std::vector<std::uint32_t>{2, 3, 4});
    CHECK(mb.find(1) == -1);
    const auto& added = mb.messages()[1];
    CHECK(added.filename == "cur/1800000000.other.host,U=3:2,");
    CHECK(added.size == 6);  // "x\ny\n" served as "x\r\ny\r\n"
    CHECK(added.internal_date == 1800000000);
    CHECK(mb.messages()[2].flags == "S");
    CHECK(mb.uidnext() == 5);
    // A removed UID is never given again.
    deliver(root, "c\n");
    REQUIRE(mb.sync());
    CHECK(uids(mb).back() == 5);
}

static FlagChange set_to(std::string letters, std::vector<std::string> keywords = {},
                  FlagChange::Op op = FlagChange::Op::Replace) {
    FlagChange c;
    c.op = op;
    c.letters = std::move(letters);
    c.keywords = std::move(keywords);
    return c;
}

TEST_CASE("change_flags renames the file and the change persists", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    deliver(root, "a\n");
    deliver(root, "b\n");
    auto mb = open_synced(root);
    REQUIRE(mb.change_flags({2}, set_to("SR")));
    const auto& m = mb.messages()[1];
    CHECK(m.flags == "RS");
    CHECK(m.filename.substr(m.filename.size() - 5) == ":2,RS");
    CHECK(fs::exists(root + "/" + m.filename));
    auto other = open_synced(root);
    CHECK(other.messages()[1].flags == "RS");
    CHECK(other.messages()[0].flags.empty());
    SECTION("a rename behind our back is picked up, and changes apply to it") {
        const std::string renamed = root + "/cur/" +
            std::string(m.filename.substr(4, m.filename.size() - 4 - 2)) + "FRST";
        REQUIRE(::rename((root + "/" + m.filename).c_str(), renamed.c_str()) == 0);
        // The stale name still reads.
        auto text = mb.read_message(2, 100);
        REQUIRE(text);
        CHECK(*text == "b\r\n");
        REQUIRE(other.sync());
        CHECK(other.messages()[1].flags == "FRST");
        // -FLAGS \Deleted keeps the F set behind our back.
        REQUIRE(mb.change_flags({2}, set_to("T", {}, FlagChange::Op::Remove)));
        REQUIRE(other.sync());
        CHECK(other.messages()[1].flags == "FRS");
    }
    SECTION("unknown UIDs are skipped") {
        auto r = mb.change_flags({9}, set_to("S"));
        REQUIRE(r);
        CHECK(r->changed.empty());
    }
}

TEST_CASE("MODSEQ rises with every change; UNCHANGEDSINCE protects newer ones", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    for (const char* b : {"a\n", "b\n", "c\n"}) deliver(root, b);
    auto mb = open_synced(root);
    const auto start = mb.highestmodseq();
    for (const auto& m : mb.messages()) CHECK(m.modseq <= start);
    auto r = mb.change_flags({1, 2}, set_to("S", {}, FlagChange::Op::Add));
    REQUIRE(r);
    CHECK(r->changed == std::vector<std::uint32_t>{1, 2});
    CHECK(mb.highestmodseq() == start + 1);
    CHECK(mb.messages()[0].modseq == start + 1);
    CHECK(mb.messages()[2].modseq <= start);
    // Setting what is already set changes nothing.
    r = mb.change_flags({1}, set_to("S", {}, FlagChange::Op::Add));
    REQUIRE(r);
    CHECK(r->changed.empty());
    CHECK(mb.highestmodseq() == start + 1);
    // Only message 3 is unchanged since `start`.
    r = mb.change_flags({1, 2, 3}, set_to("F", {}, FlagChange::Op::Add), start);
    REQUIRE(r);
    CHECK(r->modified == std::vector<std::uint32_t>{1, 2});
    CHECK(r->changed == std::vector<std::uint32_t>{3});
    // A flag set by another program (mutt) raises MODSEQ at the next sync.
    auto other = open_synced(root);
    const auto& m3 = other.messages()[2];
    REQUIRE(::rename((root + "/" + m3.filename).c_str(),
                     (root + "/" + m3.filename.substr(0, m3.filename.find(":2,")) + ":2,FT").c_str()) == 0);
    const auto before = mb.highestmodseq();
    REQUIRE(mb.sync());
    CHECK(mb.highestmodseq() == before + 1);
    CHECK(mb.messages()[2].modseq == before + 1);
    // An expunge raises HIGHESTMODSEQ, and it all survives a reopen.
    REQUIRE(mb.expunge({1}));
    CHECK(mb.highestmodseq() == before + 2);
    auto reopened = open_synced(root);
    CHECK(reopened.highestmodseq() == before + 2);
    CHECK(reopened.messages()[1].modseq == before + 1);
}

TEST_CASE("keywords are kept in the index and survive a reopen", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    deliver(root, "a\n");
    deliver(root, "b\n");
    auto mb = open_synced(root);
    REQUIRE(mb.change_flags({1}, set_to("", {"$Forwarded", "Junk"}, FlagChange::Op::Add)));
    REQUIRE(mb.change_flags({2}, set_to("S", {"NonJunk"})));
    REQUIRE(mb.change_flags({1}, set_to("", {"Junk"}, FlagChange::Op::Remove)));
    auto other = open_synced(root);
    CHECK(other.messages()[0].keywords == std::vector<std::string>{"$Forwarded"});
    CHECK(other.messages()[1].keywords == std::vector<std::string>{"NonJunk"});
    CHECK(other.messages()[1].flags == "S");
    CHECK(other.keywords_in_use() == std::vector<std::string>{"$Forwarded", "NonJunk"});
    CHECK_FALSE(mb.change_flags({1}, set_to("", {"bad keyword"}, FlagChange::Op::Add)));
    // A folder holds at most kMaxFolderKeywords different keywords.
    std::vector<std::string> many;
    for (std::size_t i = 0; i < kMaxFolderKeywords; ++i) many.push_back("k" + std::to_string(i));
    auto too_many = mb.change_flags({2}, set_to("", many, FlagChange::Op::Add));
    REQUIRE_FALSE(too_many);
    CHECK(too_many.error().code == E2BIG);
}

TEST_CASE("expunge removes files and entries", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    for (int i = 0; i < 4; ++i) deliver(root, "m\n");
    auto mb = open_synced(root);
    const std::string gone = mb.messages()[1].filename;
    REQUIRE(mb.expunge({2, 4, 99}));
    CHECK(uids(mb) == std::vector<std::uint32_t>{1, 3});
    CHECK_FALSE(fs::exists(root + "/" + gone));
    auto other = open_synced(root);
    CHECK(uids(other) == std::vector<std::uint32_t>{1, 3});
    CHECK(other.uidnext() == 5);
}

TEST_CASE("a corrupt or missing index is rebuilt with the same UIDVALIDITY and UIDs", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    for (const char* body : {"a\n", "b\n", "c\n", "d\n"}) deliver(root, body);
    auto mb = open_synced(root);
    const auto uv = mb.uidvalidity();
    // Expunge the highest UID and one in the middle: the rebuilt index must
    // neither renumber the others nor give UID 4 out again.
    REQUIRE(mb.expunge({2, 4}));
    REQUIRE(mb.sync());
    const bool missing = GENERATE(false, true);
    if (missing)
        REQUIRE(::unlink((root + "/tern-index").c_str()) == 0);
    else
        drop_file(root + "/tern-index", "tern-index 1 garbage\n\x01\x02");
    auto rebuilt = Mailbox::open(root, "INBOX");
    REQUIRE(rebuilt);
    REQUIRE(rebuilt->sync());
    CHECK(rebuilt->uidvalidity() == uv);
    CHECK(uids(*rebuilt) == std::vector<std::uint32_t>{1, 3});
    CHECK(rebuilt->uidnext() == 5);
    deliver(root, "e\n");
    REQUIRE(rebuilt->sync());
    CHECK(uids(*rebuilt) == std::vector<std::uint32_t>{1, 3, 5});
    REQUIRE(mb.sync());
    CHECK(uids(mb) == uids(*rebuilt));
}

TEST_CASE("an index lost with its lock file keeps the UIDs the file names record", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    for (const char* body : {"a\n", "b\n", "c\n"}) deliver(root, body);
    auto mb = open_synced(root);
    REQUIRE(mb.expunge({1}));
    REQUIRE(::unlink((root + "/tern-index").c_str()) == 0);
    REQUIRE(::unlink((root + "/tern-index.lock").c_str()) == 0);
    auto rebuilt = open_synced(root);
    CHECK(rebuilt.uidvalidity() != 0);
    CHECK(uids(rebuilt) == std::vector<std::uint32_t>{2, 3});
    CHECK(rebuilt.uidnext() == 4);
}

TEST_CASE("names from before UIDs were recorded in them get their UID, not a new one", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    REQUIRE(make_dirs(root + "/cur"));
    drop_file(root + "/cur/1800000001.M1P1.host:2,S", "Subject: old\n\n");
    drop_file(root + "/tern-index", "tern-index 1 1700000000 8 1\n7 1800000001 18 S 1800000001.M1P1.host\nend\n");
    drop_file(root + "/tern-index.lock", "uidvalidity 1700000000\n");
    auto mb = open_synced(root);
    CHECK(mb.uidvalidity() == 1700000000);
    CHECK(uids(mb) == std::vector<std::uint32_t>{7});
    CHECK(fs::exists(root + "/cur/1800000001.M1P1.host,U=7:2,S"));
    REQUIRE(::unlink((root + "/tern-index").c_str()) == 0);
    auto rebuilt = open_synced(root);
    CHECK(rebuilt.uidvalidity() == 1700000000);
    CHECK(uids(rebuilt) == std::vector<std::uint32_t>{7});
    CHECK(rebuilt.uidnext() == 8);
}

TEST_CASE("two Mailbox objects on one folder stay consistent", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    auto a = open_synced(root);
    auto b = open_synced(root);
    CHECK(a.uidvalidity() == b.uidvalidity());
    deliver(root, "1\n");
    REQUIRE(b.sync());  // b assigns UID 1
    deliver(root, "2\n");
    REQUIRE(a.sync());  // a sees UID 1 from b's index and assigns 2
    REQUIRE(b.sync());
    CHECK(uids(a) == std::vector<std::uint32_t>{1, 2});
    CHECK(uids(b) == uids(a));
    for (std::size_t i = 0; i < 2; ++i) CHECK(a.messages()[i].filename == b.messages()[i].filename);
    REQUIRE(a.change_flags({1}, set_to("T")));
    REQUIRE(b.expunge({2}));
    REQUIRE(a.sync());
    REQUIRE(b.sync());
    CHECK(uids(a) == std::vector<std::uint32_t>{1});
    CHECK(a.messages()[0].flags == "T");
    CHECK(b.messages()[0].flags == "T");
}

TEST_CASE("folders: INBOX plus .Name directories that hold cur/", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    auto none = Mailbox::list_folders(root + "/not-yet");
    REQUIRE(none);
    CHECK(*none == std::vector<std::string>{"INBOX"});
    REQUIRE(Mailbox::open(root, "INBOX"));
    REQUIRE(Mailbox::open(root, "Sent"));
    REQUIRE(Mailbox::open(root, "Archive.2024"));
    REQUIRE(make_dirs(root + "/.NotAFolder"));
    auto folders = Mailbox::list_folders(root);
    REQUIRE(folders);
    CHECK(*folders == std::vector<std::string>{"INBOX", "Archive.2024", "Sent"});
    // Dots are escaped on disk, so no name leads out of the root.
    auto odd = Mailbox::open(root, "../escape");
    REQUIRE(odd);
    CHECK(odd->path() == root + "/.&AC4-&AC4-.escape");
    CHECK_FALSE(Mailbox::open(root, "a//b"));
    CHECK_FALSE(Mailbox::open(root, "/abs"));
    auto sent = Mailbox::open(root, "Sent");
    REQUIRE(sent);
    CHECK(sent->path() == root + "/.Sent");
}

TEST_CASE("read_message is bounded and converts only bare LFs", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    deliver(root, "a\r\nb\nc");
    auto mb = open_synced(root);
    auto text = mb.read_message(1, 100);
    REQUIRE(text);
    CHECK(*text == "a\r\nb\r\nc");
    CHECK(mb.messages()[0].size == text->size());
    auto big = mb.read_message(1, 3);
    REQUIRE_FALSE(big);
    CHECK(big.error().code == EFBIG);
}

TEST_CASE("new files get UIDs in delivery-time order, not directory order", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    REQUIRE(Mailbox::open(root, "INBOX"));
    drop_file(root + "/new/1800000005.M2P1.host", "late\n");
    drop_file(root + "/new/1800000001.M9P1.host", "early\n");
    drop_file(root + "/new/1800000005.M1P1.host", "middle\n");
    auto mb = open_synced(root);
    REQUIRE(mb.messages().size() == 3);
    CHECK(mb.messages()[0].filename == "cur/1800000001.M9P1.host,U=1:2,");
    CHECK(mb.messages()[1].filename == "cur/1800000005.M1P1.host,U=2:2,");
    CHECK(mb.messages()[2].filename == "cur/1800000005.M2P1.host,U=3:2,");
}

TEST_CASE("a sync that skipped the scan still sees later changes", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    deliver(root, "a\n");
    auto mb = open_synced(root);
    // Make the directories look old, so the next sync trusts their mtimes.
    auto age = [&] {
        const timespec old[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
        for (const char* sub : {"/new", "/cur"}) REQUIRE(::utimensat(AT_FDCWD, (root + sub).c_str(), old, 0) == 0);
    };
    age();
    REQUIRE(mb.sync());
    REQUIRE(mb.sync());  // nothing changed: may skip the scan
    const std::string name = mb.messages()[0].filename;
    REQUIRE(::rename((root + "/" + name).c_str(), (root + "/" + name + "S").c_str()) == 0);
    REQUIRE(mb.sync());
    CHECK(mb.messages()[0].flags == "S");
    age();
    REQUIRE(mb.sync());
    deliver(root, "b\n");
    REQUIRE(mb.sync());
    CHECK(uids(mb) == std::vector<std::uint32_t>{1, 2});
}

namespace {

// Sets a directory's mtime (and atime) to `when` seconds since the epoch.
void set_mtime(const std::string& dir, std::int64_t when) {
    const timespec times[2] = {{when, 0}, {when, 0}};
    REQUIRE(::utimensat(AT_FDCWD, dir.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("an index whose directories have not changed since it was written is used without a scan",
          "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    deliver(root, "a\n");
    deliver(root, "b\n");
    {
        auto first = open_synced(root);  // moves new/ to cur/: the mtimes are too young to trust
        REQUIRE(first.messages().size() == 2);
    }
    CHECK(read_file(root + "/tern-index", 4096).value().find(" 0 0\n") != std::string::npos);
    // Old directories: the next sync scans once and records their mtimes.
    const std::int64_t old = ::time(nullptr) - 3600;
    set_mtime(root + "/new", old);
    set_mtime(root + "/cur", old);
    {
        auto second = open_synced(root);
        REQUIRE(second.messages().size() == 2);
    }
    const std::string recorded = std::to_string(old) + "000000000 " + std::to_string(old) + "000000000\n";
    CHECK(read_file(root + "/tern-index", 4096).value().find(recorded) != std::string::npos);
    // A file slipped in with the directory's mtime put back is not seen: the
    // index was trusted and the directory not read.
    drop_file(root + "/cur/1800000009.M1P1.host:2,", "hidden\n");
    set_mtime(root + "/cur", old);
    CHECK(open_synced(root).messages().size() == 2);
    // Any real change to the directory makes the next reader scan.
    set_mtime(root + "/cur", old + 1);
    auto third = open_synced(root);
    CHECK(third.messages().size() == 3);
    // A STORE under the lock keeps the index trusted for the next reader.
    set_mtime(root + "/new", old);
    set_mtime(root + "/cur", old);
    REQUIRE(third.sync());
    auto fourth = open_synced(root);
    REQUIRE(fourth.change_flags({1}, set_to("S")));
    const auto after_store = read_file(root + "/tern-index", 4096).value();
    CHECK(after_store.find(" 0 0\n") == std::string::npos);
    CHECK(open_synced(root).messages()[0].flags == "S");
}
