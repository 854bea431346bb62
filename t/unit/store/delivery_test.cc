#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>

#include "libmail/core/file_io.h"
#include "libmail/store/mailbox.h"
#include "t/unit/store/temp_maildir.h"

using namespace tern;
using namespace tern::store;
namespace fs = std::filesystem;

namespace {
std::size_t count_files(const std::string& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(dir)) ++n;
    return n;
}
}  // namespace

TEST_CASE("a delivery puts the exact bytes in new/ with S= and W= sizes", "[store][delivery]") {
    tern::test::TempDir dir;
    const std::string folder = dir.path() + "/alice";
    auto d = MaildirDelivery::begin(folder);
    REQUIRE(d);
    REQUIRE(d->write("Subject: hi\n\nline one\n"));
    REQUIRE(d->write("line two\r"));
    REQUIRE(d->write("\nend\n"));  // a CRLF split across writes counts once
    auto name = d->commit();
    REQUIRE(name);
    const std::string body = "Subject: hi\n\nline one\nline two\r\nend\n";
    CHECK(name->find(",S=" + std::to_string(body.size()) + ",W=" + std::to_string(body.size() + 4)) !=
          std::string::npos);
    auto bytes = read_file(folder + "/new/" + *name, 1 << 20);
    REQUIRE(bytes);
    CHECK(*bytes == body);
    CHECK(count_files(folder + "/tmp") == 0);
    CHECK(count_files(folder + "/new") == 1);
    struct stat st{};
    REQUIRE(::stat((folder + "/new/" + *name).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("unique names differ between deliveries of one process", "[store][delivery]") {
    tern::test::TempDir dir;
    auto a = MaildirDelivery::begin(dir.path());
    auto b = MaildirDelivery::begin(dir.path());
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(a->write("a\n"));
    REQUIRE(b->write("b\n"));
    auto na = a->commit();
    auto nb = b->commit();
    REQUIRE(na);
    REQUIRE(nb);
    CHECK(*na != *nb);
    CHECK(count_files(dir.path() + "/new") == 2);
}

TEST_CASE("an abandoned delivery leaves nothing behind", "[store][delivery]") {
    tern::test::TempDir dir;
    {
        auto d = MaildirDelivery::begin(dir.path());
        REQUIRE(d);
        REQUIRE(d->write("half a message\n"));
        CHECK(count_files(dir.path() + "/tmp") == 1);
    }
    CHECK(count_files(dir.path() + "/tmp") == 0);
    CHECK(count_files(dir.path() + "/new") == 0);
}

TEST_CASE("a failed write is an error, and no file reaches new/", "[store][delivery]") {
    // RLIMIT_FSIZE makes write() fail (EFBIG) the way a full disk does (ENOSPC).
    tern::test::TempDir dir;
    auto d = MaildirDelivery::begin(dir.path());
    REQUIRE(d);
    struct rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old;
    small.rlim_cur = 1000;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    // Small writes are gathered (one write(2) per 64 KiB): the error comes at the latest with commit().
    auto w = d->write(std::string(5000, 'x'));
    auto committed = d->commit();
    ::setrlimit(RLIMIT_FSIZE, &old);
    ::signal(SIGXFSZ, old_handler);
    if (w) {
        REQUIRE_FALSE(committed);
        CHECK(committed.error().code == EFBIG);
    } else {
        CHECK(w.error().code == EFBIG);
        CHECK_FALSE(committed);
    }
    CHECK(count_files(dir.path() + "/new") == 0);
    d = MaildirDelivery::begin(dir.path());  // the old tmp file is unlinked on replacement
    CHECK(count_files(dir.path() + "/tmp") == 1);

    SECTION("a write larger than the buffer fails at once") {
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        ::signal(SIGXFSZ, SIG_IGN);
        auto big = d->write(std::string(100000, 'x'));
        ::setrlimit(RLIMIT_FSIZE, &old);
        ::signal(SIGXFSZ, old_handler);
        REQUIRE_FALSE(big);
        CHECK(big.error().code == EFBIG);
        CHECK_FALSE(d->commit());
        CHECK(count_files(dir.path() + "/new") == 0);
    }
}
