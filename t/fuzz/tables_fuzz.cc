// Fuzz target: files Tern reads from disk — lookup table text (postmap,
// texthash:), the users table, and a Maildir folder's index.
#include <cstdint>
#include <string_view>

#include "libmail/auth/users_table.h"
#include "libmail/maps/table_text.h"
#include "libmail/store/mailbox_index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)tern::maps::parse_table_text(text, "table");
    (void)tern::auth::parse_users(text, "users");
    auto idx = tern::store::parse_index(text);
    if (idx) {
        // A parsed index formats and parses back to the same state.
        auto again = tern::store::parse_index(tern::store::format_index(*idx));
        if (!again) __builtin_trap();
    }
    (void)tern::store::salvage_uidvalidity(text);
    return 0;
}
