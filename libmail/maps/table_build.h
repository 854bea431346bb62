// Building hash: and btree: tables: what postmap does, here so that postmap and
// the unit tests share one code path. The source text is parsed by
// table_text.h; keys and values are stored with a trailing NUL as Postfix does
// on Linux; the .db file is written under a temporary name, fsync'ed and
// renamed over path.db, so a daemon never opens a half-built table.
#pragma once

#include <string>
#include <vector>

#include "libmail/core/result.h"
#include "libmail/maps/table_text.h"

namespace tern::maps {

// Builds source_path + ".db" of type "hash" or "btree" from source_path. The
// new file gets the source's permission bits (and, run as root, its owner),
// so a private source gives a private table. Duplicate-key warnings
// ("FILE:LINE: duplicate entry: ...") are appended to warnings.
[[nodiscard]] Result<void> build_db_table(const std::string& type, const std::string& source_path,
                                          std::vector<std::string>* warnings = nullptr,
                                          Duplicates dups = Duplicates::Warn);

// Every key and value of the hash: or btree: table source_path.db, in the
// database's order, trailing NULs removed (postmap -s). Values over
// kMaxValueBytes are an error.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> dump_db_table(
    const std::string& type, const std::string& source_path);

}  // namespace tern::maps
