// Postfix's check-postconf-undocumented, for Tern: every parameter in the
// registry has an entry in man/man5/tern.5 with its default.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "libmail/config/param_spec.h"
#include "libmail/core/file_io.h"

TEST_CASE("every registered parameter is documented in tern.5", "[config][man]") {
    const char* src = std::getenv("TERN_SRCDIR");
    const std::string path = std::string(src ? src : ".") + "/man/man5/tern.5";
    auto page = tern::read_file(path, 4 * 1024 * 1024);
    REQUIRE(page);
    for (const auto* p : tern::config::all_params()) {
        INFO("parameter " << p->name << " (regenerate with t/unit/man/gen_tern5.sh)");
        CHECK(page->find(".IP \\fB" + std::string(p->name) + "\\fR") != std::string::npos);
    }
}
