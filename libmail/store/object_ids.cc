#include "libmail/store/object_ids.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include "libmail/core/file_io.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"

namespace tern::store {

namespace {

constexpr std::string_view kMailboxIdFile = "tern-mailboxid";

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += kDigits[p[i] >> 4];
        out += kDigits[p[i] & 15];
    }
    return out;
}

bool is_id(std::string_view s) {
    if (s.size() < 2 || s.size() > 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    return true;
}

}  // namespace

Result<std::string> mailbox_id(const std::string& folder_path) {
    const std::string path = folder_path + "/" + std::string(kMailboxIdFile);
    auto text = read_file(path, 128);
    if (text && is_id(trim(*text))) return std::string(trim(*text));
    if (!text && text.error().code != ENOENT) return text.error();
    unsigned char raw[12];
    if (RAND_bytes(raw, sizeof raw) != 1) return Error(EIO, "RAND_bytes failed");
    const std::string id = "M" + hex(raw, sizeof raw);
    // O_EXCL: when two sessions race, the first file wins and both read it.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) {
        if (errno != EEXIST) return sys_error("open", path);
        auto again = read_file(path, 128);
        if (again && is_id(trim(*again))) return std::string(trim(*again));
        return write_file_atomic(path, id + "\n", 0600) ? Result<std::string>(id) : sys_error("write", path);
    }
    if (auto r = write_all(fd.get(), id + "\n"); !r) return r.error();
    return id;
}

std::string email_id(std::string_view base) {
    if (const auto at = base.find(",E="); at != std::string_view::npos) {
        auto v = base.substr(at + 3);
        v = v.substr(0, v.find(','));
        if (is_id(v)) return std::string(v);
    }
    // The unique part of the name (before the first ','), hashed.
    const auto unique = base.substr(0, base.find(','));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(unique.data(), unique.size(), md, &len, EVP_sha256(), nullptr);
    return "E" + hex(md, 12);
}

std::string base_with_email_id(std::string_view base, std::string_view id) {
    if (base.find(",E=") != std::string_view::npos) return std::string(base);
    return std::string(base) + ",E=" + std::string(id);
}

}  // namespace tern::store
