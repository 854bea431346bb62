// Runs a libFuzzer target over files and directories given as arguments, so
// every fuzz target is built and its corpus replayed by "make check" with any
// compiler (and under ASan/UBSan with --enable-sanitizers). With
// --enable-fuzzing and clang, the targets link with libFuzzer instead.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "libmail/core/file_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr std::size_t kMaxInputBytes = 16 * 1024 * 1024;

int run_file(const std::string& path) {
    auto data = tern::read_file(path, kMaxInputBytes);
    if (!data) {
        std::fprintf(stderr, "%s\n", data.error().message.c_str());
        return 1;
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data->data()), data->size());
    return 0;
}

int run_path(const std::string& path, int& count) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
        std::fprintf(stderr, "%s: not found\n", path.c_str());
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        ++count;
        return run_file(path);
    }
    DIR* d = ::opendir(path.c_str());
    if (!d) return 1;
    int rc = 0;
    while (dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') rc |= run_path(path + "/" + e->d_name, count);
    ::closedir(d);
    return rc;
}

}  // namespace

int main(int argc, char** argv) {
    int count = 0, rc = 0;
    for (int i = 1; i < argc; ++i) rc |= run_path(argv[i], count);
    // The empty input is always worth one run.
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(""), 0);
    std::printf("%s: %d inputs replayed\n", argv[0], count);
    return rc;
}
