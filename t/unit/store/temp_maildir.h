// A throwaway directory for store tests, removed (recursively) at the end.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace tern::store::test {

class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/tern-store-XXXXXX";
        if (::mkdtemp(tmpl)) path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace tern::store::test
