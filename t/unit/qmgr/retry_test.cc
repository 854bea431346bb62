#include <catch2/catch.hpp>

#include "qmgr/retry.h"

using namespace tern::qmgr;
using namespace std::chrono_literals;

TEST_CASE("backoff follows the message's age within the bounds", "[qmgr]") {
    CHECK(next_backoff(10s, 300s, 4000s) == 300s);
    CHECK(next_backoff(1000s, 300s, 4000s) == 1000s);
    CHECK(next_backoff(100000s, 300s, 4000s) == 4000s);
    CHECK(next_backoff(5s, 300s, 100s) == 300s);  // a maximal below the minimal: the minimal wins
}

TEST_CASE("recipients are routed by domain class", "[qmgr]") {
    const std::vector<std::string> local{"example.test", "mail.example.test", "localhost"};
    CHECK(is_local_domain("alice@Example.TEST", local));
    CHECK(is_local_domain("postmaster", local));
    CHECK_FALSE(is_local_domain("bob@remote.test", local));
    CHECK_FALSE(is_local_domain("bob@sub.example.test", local));
    CHECK(domain_of("a@B.c") == "b.c");
}

TEST_CASE("a message leaves the queue only when no recipient is pending", "[qmgr]") {
    using tern::queue::RecipientState;
    std::vector<tern::queue::Recipient> rcpts(3);
    rcpts[0].state = RecipientState::Delivered;
    rcpts[1].state = RecipientState::Bounced;
    rcpts[2].state = RecipientState::Pending;
    CHECK(disposition(rcpts) == Disposition::Defer);
    rcpts[2].state = RecipientState::Expired;
    CHECK(disposition(rcpts) == Disposition::Remove);
}
