// Fuzz target: Cleanup's header-section parser (every byte of a message from
// SMTP or sendmail passes through it) with a pcre: header_checks table, and
// the submission stream reader postdrop runs for any local user. The first
// input byte picks the chunk size, so that line and header boundaries fall
// everywhere. Committed queue files are removed after each run.
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "libmail/cleanup/cleanup.h"
#include "libmail/cleanup/submit_stream.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/unique_fd.h"
#include "libmail/queue/queue_dirs.h"

namespace {

struct World {
    std::string root, queue;
    std::optional<tern::maps::MapList> checks;
    World() {
        char tmpl[] = "/tmp/tern-cleanup-fuzz-XXXXXX";
        if (!::mkdtemp(tmpl)) std::abort();
        root = tmpl;
        queue = root + "/queue";
        if (!tern::queue::create_queue_dirs(queue, ::getuid(), ::getgid())) std::abort();
        const std::string table = std::string(tmpl) + "/header_checks";
        if (!tern::write_file_atomic(table,
                                     "/^Subject:.*reject/ REJECT 5.7.1 no\n/^Subject:.*hold/ HOLD\n"
                                     "/^X-Drop:/ DISCARD\n/^X-Ign:/ IGNORE\n/^X-P: (.*)/ PREPEND X-Q: $1\n"
                                     "/^X-R:/ REPLACE X-R: replaced\n/^X-W:/ WARN w\n"))
            std::abort();
        auto m = tern::maps::MapList::open({"pcre:" + table});
        if (!m) std::abort();
        checks.emplace(std::move(*m));
        tern::log::setup("tern/fuzz", tern::log::Sink::File, "/dev/null");
    }
    ~World() {
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }
};

void run_cleanup(World& w, const std::uint8_t* data, std::size_t size) {
    const std::size_t chunk = size == 0 ? 1 : 1 + data[0] % 64;
    auto writer = tern::queue::QueueWriter::create(w.queue);
    if (!writer) return;
    tern::cleanup::CleanupOptions o;
    o.header_checks = &*w.checks;
    o.add_missing_headers = size > 0 && (data[0] & 1);
    o.add_missing_from = size > 0 && (data[0] & 2);
    o.myhostname = "fuzz.test";
    o.myorigin = "fuzz.test";
    o.header_size_limit = 1024;
    o.header_section_size_limit = 8192;
    o.message_size_limit = 1 << 20;
    o.now = 1795000000;
    tern::cleanup::Cleanup c(o, *writer);
    tern::queue::Envelope env;
    env.sender = "s";
    env.recipients.push_back({"r", "", 0});
    if (!c.write_envelope(env)) return;
    const std::string_view msg(reinterpret_cast<const char*>(data), size);
    for (std::size_t i = size > 0 ? 1 : 0; i < size; i += chunk) c.feed(msg.substr(i, chunk));
    const auto v = c.finish();
    for (const char* folder : {"incoming", "hold"})
        ::unlink(tern::queue::queue_path(w.queue, folder, v.queue_id).c_str());
}

void run_submit_stream(const std::uint8_t* data, std::size_t size) {
    tern::UniqueFd fd(::memfd_create("submit", MFD_CLOEXEC));
    if (!fd || ::write(fd.get(), data, size) != static_cast<ssize_t>(size)) return;
    ::lseek(fd.get(), 0, SEEK_SET);
    tern::cleanup::SubmitReader r(fd.get(), 100, 1 << 20);
    auto env = r.read_envelope();
    if (!env) return;
    std::uint64_t total = 0;
    (void)r.read_content([&](std::string_view b) -> tern::Result<void> {
        total += b.size();
        return {};
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    run_cleanup(world, data, size);
    run_submit_stream(data, size);
    return 0;
}
