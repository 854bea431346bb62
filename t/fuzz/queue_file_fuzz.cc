// Fuzz target: the queue file reader (disk input, also read by postcat).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include "libmail/core/unique_fd.h"
#include "libmail/queue/queue_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tern::UniqueFd fd(::memfd_create("queue-file", MFD_CLOEXEC));
    if (!fd || ::write(fd.get(), data, size) != static_cast<ssize_t>(size)) return 0;
    auto qf = tern::queue::read_queue_file(fd.get(), "fuzz");
    if (qf) {
        std::uint64_t total = 0;
        (void)tern::queue::read_content(fd.get(), *qf, [&](std::string_view chunk) -> tern::Result<void> {
            total += chunk.size();
            return {};
        });
    }
    return 0;
}
