#include <catch2/catch.hpp>

#include "libmail/queue/queue_file.h"
#include "smtp/connection.h"

using namespace tern::smtp_client;

TEST_CASE("MAIL and RCPT carry only the extensions the server offers", "[smtp_client][commands]") {
    Transaction tx;
    tx.sender = "carol@example.test";
    tx.size = 1234;
    tx.body_8bitmime = true;
    tx.smtputf8 = true;
    tx.ret = "HDRS";
    tx.envid = "abc+2B";
    tx.rcpts = {{"bob@remote.test", "rfc822;bob@remote.test",
                 static_cast<std::uint8_t>(tern::queue::kNotifySuccess | tern::queue::kNotifyFailure)}};
    Capabilities none;
    CHECK(transaction_commands(tx, none) ==
          std::vector<std::string>{"MAIL FROM:<carol@example.test>", "RCPT TO:<bob@remote.test>"});
    Capabilities all;
    all.has_size = all.eightbitmime = all.smtputf8 = all.dsn = true;
    CHECK(transaction_commands(tx, all) ==
          std::vector<std::string>{
              "MAIL FROM:<carol@example.test> SIZE=1234 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=abc+2B",
              "RCPT TO:<bob@remote.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@remote.test"});
}
