// Queue tests: commits a message (envelope and body) into incoming/ of a
// test queue and returns its queue ID.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "libmail/queue/queue_writer.h"

namespace tern::test {

inline std::string commit_message(const std::string& queue_dir, const queue::Envelope& env, const std::string& body) {
    auto w = queue::QueueWriter::create(queue_dir);
    REQUIRE(w);
    REQUIRE(w->write_envelope(env));
    REQUIRE(w->write_content(body));
    auto id = w->commit();
    REQUIRE(id);
    return *id;
}

}  // namespace tern::test
