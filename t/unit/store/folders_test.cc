#include <catch2/catch.hpp>

#include <filesystem>

#include "libmail/core/file_io.h"
#include "libmail/store/folder_names.h"
#include "libmail/store/folders.h"
#include "libmail/store/mailbox.h"
#include "t/unit/store/temp_maildir.h"

using namespace tern;
using namespace tern::store;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names(const std::string& root) {
    auto tree = folder_tree(root);
    REQUIRE(tree);
    std::vector<std::string> out;
    for (const auto& f : *tree) out.push_back(f.name + (f.exists ? "" : "?") + (f.has_children ? "+" : ""));
    return out;
}

}  // namespace

TEST_CASE("modified UTF-7 round trips and matches RFC 3501's example", "[store][folders]") {
    // RFC 3501 5.1.3: "~peter/mail/台北/日本語".
    CHECK(utf8_to_mutf7("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e") ==
          "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    CHECK(mutf7_to_utf8("~peter/mail/&U,BTFw-/&ZeVnLIqe-") ==
          "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    CHECK(utf8_to_mutf7("A&B") == "A&-B");
    CHECK(mutf7_to_utf8("A&-B") == "A&B");
    // U+1F600 needs a surrogate pair.
    auto smile = utf8_to_mutf7("\xf0\x9f\x98\x80");
    REQUIRE(smile);
    CHECK(mutf7_to_utf8(*smile) == "\xf0\x9f\x98\x80");
    CHECK_FALSE(mutf7_to_utf8("&U,BTFw"));  // unterminated
    CHECK_FALSE(mutf7_to_utf8("&AGE-"));    // "a" must not be shifted
    CHECK_FALSE(mutf7_to_utf8("&2D3-"));    // lone surrogate
    CHECK_FALSE(utf8_to_mutf7("\xc3"));     // truncated UTF-8
}

TEST_CASE("folder names map onto Maildir++ directories and back", "[store][folders]") {
    CHECK(to_maildir_dir("Work/2024").value() == ".Work.2024");
    CHECK(to_maildir_dir("v1.2").value() == ".v1&AC4-2");
    CHECK(from_maildir_dir(".v1&AC4-2") == "v1.2");
    CHECK(to_maildir_dir("Entw\xc3\xbc" "rfe").value() == ".Entw&APw-rfe");
    CHECK(from_maildir_dir(".Entw&APw-rfe") == "Entw\xc3\xbc" "rfe");
    CHECK_FALSE(to_maildir_dir(""));
    CHECK_FALSE(to_maildir_dir("a//b"));
    CHECK_FALSE(to_maildir_dir("trailing/"));
    CHECK_FALSE(to_maildir_dir("tab\there"));
    CHECK_FALSE(to_maildir_dir(std::string(300, 'x')));
    CHECK_FALSE(from_maildir_dir(".."));
    CHECK_FALSE(from_maildir_dir("..deleted-x"));
    CHECK_FALSE(from_maildir_dir(".INBOX"));
    CHECK_FALSE(from_maildir_dir("cur"));
}

TEST_CASE("CREATE makes parents; the tree shows children and subscriptions", "[store][folders]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    REQUIRE(create_folder(root, "Work/2024/Q1"));
    CHECK(names(root) == std::vector<std::string>{"INBOX", "Work+", "Work/2024+", "Work/2024/Q1"});
    auto again = create_folder(root, "Work/2024/Q1");
    REQUIRE_FALSE(again);
    CHECK(again.error().code == EEXIST);
    CHECK(create_folder(root, "inbox").error().code == EEXIST);
    REQUIRE(create_folder(root, "INBOX/Sub"));
    CHECK(names(root).front() == "INBOX+");

    // A child created behind our back by another tool: its parent is listed
    // but is not a folder.
    REQUIRE(make_dirs(root + "/.Lists.tern/cur"));
    CHECK(names(root) == std::vector<std::string>{"INBOX+", "INBOX/Sub", "Lists?+", "Lists/tern", "Work+",
                                                  "Work/2024+", "Work/2024/Q1"});
    std::string canonical;
    CHECK_FALSE(folder_exists(root, "Lists", canonical));
    CHECK(folder_exists(root, "inBox", canonical));
    CHECK(canonical == "INBOX");

    REQUIRE(set_subscribed(root, "Work", true));
    REQUIRE(set_subscribed(root, "Gone", true));  // need not exist
    REQUIRE(set_subscribed(root, "Work", true));
    CHECK(subscriptions(root).value() == std::vector<std::string>{"Work", "Gone"});
    REQUIRE(set_subscribed(root, "Gone", false));
    CHECK(subscriptions(root).value() == std::vector<std::string>{"Work"});
}

TEST_CASE("DELETE removes a folder and its mail but not its children", "[store][folders]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    REQUIRE(create_folder(root, "A/B"));
    auto a = Mailbox::open(root, "A");
    REQUIRE(a);
    REQUIRE(a->append("Subject: x\r\n\r\nhi\r\n", "", 0));
    REQUIRE(delete_folder(root, "A"));
    CHECK(names(root) == std::vector<std::string>{"INBOX", "A?+", "A/B"});
    CHECK(delete_folder(root, "A").error().code == ENOENT);
    CHECK(delete_folder(root, "INBOX").error().code == EINVAL);
    // Nothing of the deleted folder is left in the root.
    for (const auto& e : fs::directory_iterator(root)) CHECK(e.path().filename().string().rfind("..", 0) != 0);
}

TEST_CASE("RENAME moves a folder with its children and subscriptions", "[store][folders]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    REQUIRE(create_folder(root, "Old/Child"));
    REQUIRE(set_subscribed(root, "Old/Child", true));
    auto old = Mailbox::open(root, "Old");
    REQUIRE(old);
    auto uid = old->append("Subject: keep\r\n\r\n", "S", 0);
    REQUIRE(uid);
    REQUIRE(rename_folder(root, "Old", "New/Name"));
    CHECK(names(root) == std::vector<std::string>{"INBOX", "New+", "New/Name+", "New/Name/Child"});
    CHECK(subscriptions(root).value() == std::vector<std::string>{"New/Name/Child"});
    auto moved = Mailbox::open(root, "New/Name");
    REQUIRE(moved);
    REQUIRE(moved->sync());
    REQUIRE(moved->messages().size() == 1);
    CHECK(moved->messages()[0].uid == *uid);  // the folder's index moved with it
    CHECK(moved->messages()[0].flags == "S");

    REQUIRE(create_folder(root, "Other"));
    CHECK(rename_folder(root, "Other", "New/Name").error().code == EEXIST);
    CHECK(rename_folder(root, "Missing", "X").error().code == ENOENT);
    CHECK(rename_folder(root, "New", "New/Inner").error().code == EINVAL);
}

TEST_CASE("RENAME INBOX moves its messages and leaves INBOX empty", "[store][folders]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    auto inbox = Mailbox::open(root, "INBOX");
    REQUIRE(inbox);
    REQUIRE(inbox->append("Subject: 1\r\n\r\n", "", 0));
    REQUIRE(inbox->append("Subject: 2\r\n\r\n", "F", 0));
    REQUIRE(rename_folder(root, "INBOX", "Old mail"));
    REQUIRE(inbox->sync());
    CHECK(inbox->messages().empty());
    auto moved = Mailbox::open(root, "Old mail");
    REQUIRE(moved);
    REQUIRE(moved->sync());
    REQUIRE(moved->messages().size() == 2);
    CHECK(moved->messages()[1].flags == "F");
}

TEST_CASE("a new account gets the special-use folders once", "[store][folders]") {
    tern::test::TempDir dir;
    const std::string root = dir.path() + "/user";
    REQUIRE(ensure_default_folders(root));
    auto tree = folder_tree(root);
    REQUIRE(tree);
    std::vector<std::string> listed;
    for (const auto& f : *tree) {
        listed.push_back(f.name + " " + std::string(f.special_use));
        CHECK(f.subscribed);
    }
    CHECK(listed == std::vector<std::string>{"INBOX ", "Archive \\Archive", "Drafts \\Drafts", "Junk \\Junk",
                                             "Sent \\Sent", "Trash \\Trash"});
    REQUIRE(delete_folder(root, "Junk"));
    REQUIRE(ensure_default_folders(root));
    std::string canonical;
    CHECK_FALSE(folder_exists(root, "Junk", canonical));
}

TEST_CASE("APPEND and COPY give UIDs at once and keep flags and dates", "[store][mailbox]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    auto inbox = Mailbox::open(root, "INBOX");
    REQUIRE(inbox);
    auto u1 = inbox->append("Subject: a\r\n\r\nline\r\n", "SF", 1600000000);
    auto u2 = inbox->append("Subject: b\n\nbare LF\n", "", 0);
    REQUIRE(u1);
    REQUIRE(u2);
    CHECK(*u1 == 1);
    CHECK(*u2 == 2);
    REQUIRE(inbox->sync());
    REQUIRE(inbox->messages().size() == 2);
    const auto& m = inbox->messages()[0];
    CHECK(m.flags == "FS");
    CHECK(m.internal_date == 1600000000);
    CHECK(m.size == 20);  // "Subject: a\r\n\r\nline\r\n"
    // Stored with LF line ends.
    auto text = read_file(root + "/" + m.filename, 1000);
    REQUIRE(text);
    CHECK(*text == "Subject: a\n\nline\n");
    CHECK(inbox->read_message(1, 1000).value() == "Subject: a\r\n\r\nline\r\n");

    REQUIRE(create_folder(root, "Archive"));
    auto archive = Mailbox::open(root, "Archive");
    REQUIRE(archive);
    REQUIRE(archive->append("Subject: first\r\n\r\n", "", 0));
    auto copied = archive->copy_from(*inbox, {2, 1, 99});
    REQUIRE(copied);
    CHECK(*copied == std::vector<std::uint32_t>{2, 3, 0});
    auto reread = Mailbox::open(root, "Archive");
    REQUIRE(reread);
    REQUIRE(reread->sync());
    REQUIRE(reread->messages().size() == 3);
    CHECK(reread->messages()[2].flags == "FS");
    CHECK(reread->messages()[2].internal_date == 1600000000);
    CHECK(reread->read_message(3, 1000).value() == "Subject: a\r\n\r\nline\r\n");
    // The source is unchanged.
    REQUIRE(inbox->sync());
    CHECK(inbox->messages().size() == 2);
}
