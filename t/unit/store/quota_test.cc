#include <catch2/catch.hpp>

#include "libmail/core/file_io.h"
#include "libmail/store/folders.h"
#include "libmail/store/mailbox.h"
#include "libmail/store/quota.h"
#include "t/unit/store/temp_maildir.h"

using namespace tern;
using namespace tern::store;

TEST_CASE("quota usage is counted once, then kept up by changes", "[store][quota]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    const QuotaLimit limit{1000, 3};
    auto inbox = Mailbox::open(root, "INBOX");
    REQUIRE(inbox);
    REQUIRE(inbox->append("Subject: a\r\n\r\n0123456789\r\n", "", 0));  // 26 octets
    auto used = quota_usage(root, limit);
    REQUIRE(used);
    CHECK(used->bytes == 26);
    CHECK(used->messages == 1);
    // APPEND, COPY and EXPUNGE keep maildirsize current without a recount.
    REQUIRE(create_folder(root, "Archive"));
    auto archive = Mailbox::open(root, "Archive");
    REQUIRE(archive);
    REQUIRE(inbox->sync());
    REQUIRE(archive->copy_from(*inbox, {1}));
    REQUIRE(inbox->append("Subject: b\r\n\r\n", "", 0));  // 14 octets
    used = quota_usage(root, limit);
    REQUIRE(used);
    CHECK(used->bytes == 66);
    CHECK(used->messages == 3);
    CHECK_FALSE(quota_allows(*used, limit, 1));      // a fourth message is one too many
    REQUIRE(inbox->expunge({1}));
    used = quota_usage(root, limit);
    REQUIRE(used);
    CHECK(used->messages == 2);
    CHECK(quota_allows(*used, limit, 900));
    CHECK_FALSE(quota_allows(*used, limit, 1000));
    auto text = read_file(root + "/maildirsize", 1000);
    REQUIRE(text);
    CHECK(*text == "1000S,3C\n26 1\n26 1\n14 1\n-26 -1\n");
}

TEST_CASE("maildirsize is recounted when missing, damaged or for another limit", "[store][quota]") {
    tern::test::TempDir dir;
    const auto& root = dir.path();
    auto inbox = Mailbox::open(root, "INBOX");
    REQUIRE(inbox);
    REQUIRE(inbox->append("Subject: a\r\n\r\n", "", 0));
    REQUIRE(create_folder(root, "Old"));
    auto old = Mailbox::open(root, "Old");
    REQUIRE(old);
    REQUIRE(old->append("Subject: b\r\n\r\n", "", 0));
    const QuotaLimit limit{0, 10};
    REQUIRE(write_file_atomic(root + "/maildirsize", "0S,10C\n999 99\nnot a line\n"));
    auto used = quota_usage(root, limit);
    REQUIRE(used);
    CHECK(used->messages == 2);
    CHECK(used->bytes == 28);
    // Another limit: recounted and rewritten with it.
    used = quota_usage(root, QuotaLimit{5000, 0});
    REQUIRE(used);
    CHECK(read_file(root + "/maildirsize", 1000).value() == "5000S,0C\n28 2\n");
    // Deleting a folder forgets the usage; the recount no longer sees it.
    REQUIRE(delete_folder(root, "Old"));
    used = quota_usage(root, QuotaLimit{5000, 0});
    REQUIRE(used);
    CHECK(used->messages == 1);
    CHECK(used->bytes == 14);
}
