// TempDir: a throwaway directory for a test, removed with its files at scope
// end. Every unit test that needs files uses this one.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "libmail/core/file_io.h"

namespace tern::test {

class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "tern-test-XXXXXX").string();
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

}  // namespace tern::test
