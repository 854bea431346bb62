// A throwaway directory for map tests, removed with its files at scope end.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "libmail/core/file_io.h"
#include "libmail/maps/map.h"

namespace tern::maps::test {

class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "tern-maps-XXXXXX").string();
        path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    // Writes name (replacing it atomically, so its inode changes) and returns its path.
    std::string write(const std::string& name, const std::string& text) const {
        const std::string p = path_ + "/" + name;
        if (!write_file_atomic(p, text)) return {};
        return p;
    }

private:
    std::string path_;
};

// The value a table gives for key, or "<none>"; a read error fails the test.
inline std::string get(Map& m, std::string_view key) {
    auto r = m.lookup(key);
    REQUIRE(r);
    return r->value_or("<none>");
}

}  // namespace tern::maps::test
