#include "libmail/auth/users_table.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "libmail/core/file_io.h"
#include "libmail/core/text.h"

namespace tern::auth {

namespace {

constexpr std::size_t kMaxAddressBytes = 254;  // RFC 5321 4.5.3.1.3 path minus brackets

std::string format_users(const std::vector<Account>& accounts, std::string_view header) {
    std::string out(header);
    for (const auto& a : accounts)
        out += a.address + ":" + a.hash + ":" + std::to_string(a.quota) + ":" + (a.disabled ? "disabled" : "active") + "\n";
    return out;
}

// The comment lines at the top of the file survive rewrites.
std::string header_of(std::string_view text) {
    std::string out;
    while (!text.empty() && text.front() == '#') {
        const auto nl = text.find('\n');
        out += text.substr(0, nl == std::string_view::npos ? text.size() : nl + 1);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out;
}

Result<void> rewrite(const std::string& path, std::string_view address, std::string_view password, bool must_be_new) {
    auto canon = canonical_address(address);
    if (!canon) return canon.error();
    if (password.empty()) return Error("empty password");
    if (password.size() > kMaxPasswordBytes) return Error("password too long");
    if (password.find_first_of("\r\n") != std::string_view::npos) return Error("password contains a line break");
    std::string text;
    if (auto r = read_file(path, kMaxUsersFileBytes)) text = std::move(*r);
    else if (r.error().code != ENOENT) return r.error();
    auto accounts = parse_users(text, path);
    if (!accounts) return accounts.error();
    auto hash = hash_password(password);
    if (!hash) return hash.error();
    bool found = false;
    for (auto& a : *accounts)
        if (a.address == *canon) {
            if (must_be_new) return Error("user " + *canon + " already exists");
            a.hash = *hash;
            found = true;
        }
    if (!found) {
        if (!must_be_new) return Error("no such user: " + *canon);
        accounts->push_back(Account{*canon, *hash, 0, false});
    }
    // A new table is 0640 (group-readable for authd's group, never world-readable);
    // an existing one keeps the owner and mode the admin gave it.
    struct stat st{};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    if (auto r = write_file_atomic(path, format_users(*accounts, header_of(text)), exists ? (st.st_mode & 0777) : kUsersFileMode); !r)
        return r;
    if (exists && ::geteuid() == 0 && ::chown(path.c_str(), st.st_uid, st.st_gid) != 0) return sys_error("chown", path);
    return {};
}

}  // namespace

Result<std::string> canonical_address(std::string_view address) {
    if (address.empty() || address.size() > kMaxAddressBytes) return Error("address length must be 1.." + std::to_string(kMaxAddressBytes));
    const auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size())
        return Error("not an address of the form user@domain: " + printable(address));
    for (char c : address) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == ':' || c == '<' || c == '>' || c == '"' || c == '\\' || c == '/')
            return Error("address contains a character not allowed in an account name: " + printable(address));
    }
    const std::string_view domain = address.substr(at + 1);
    if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos)
        return Error("malformed domain: " + printable(domain));
    return to_lower(address);
}

Result<std::vector<Account>> parse_users(std::string_view text, const std::string& filename) {
    std::vector<Account> out;
    std::unordered_set<std::string> seen;
    int lineno = 0;
    while (!text.empty()) {
        ++lineno;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        auto where = [&] { return filename + ":" + std::to_string(lineno) + ": "; };
        if (line.size() > kMaxUsersLineBytes) return Error(where() + "line too long");
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        const auto f = split_any(line, ":");
        // Hashes contain no ':' in crypt(3) output, so the split is exact.
        if (f.size() != 4 || std::count(line.begin(), line.end(), ':') != 3)
            return Error(where() + "expected user@domain:hash:quota:state");
        auto addr = canonical_address(f[0]);
        if (!addr) return Error(where() + addr.error().message);
        auto quota = parse_number<std::uint64_t>(f[2]);
        if (!quota) return Error(where() + "bad quota: " + printable(f[2]));
        if (f[3] != "active" && f[3] != "disabled") return Error(where() + "state must be active or disabled");
        if (f[1].empty() || f[1].front() != '$') return Error(where() + "password field is not a crypt(3) hash");
        if (!seen.insert(*addr).second) return Error(where() + "duplicate account " + *addr);
        out.push_back(Account{*addr, std::string(f[1]), *quota, f[3] == "disabled"});
    }
    return out;
}

const Account* find_account(const std::vector<Account>& accounts, std::string_view address) {
    for (const auto& a : accounts)
        if (a.address == address) return &a;
    return nullptr;
}

Result<std::vector<Account>> load_users(const std::string& path) {
    auto text = read_file(path, kMaxUsersFileBytes);
    if (!text) return text.error();
    return parse_users(*text, path);
}

Result<std::string> hash_password(std::string_view password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!::crypt_gensalt_rn("$y$", 0, nullptr, 0, salt, sizeof salt)) return sys_error("crypt_gensalt");
    crypt_data data{};
    const std::string pw(password);
    const char* h = ::crypt_rn(pw.c_str(), salt, &data, sizeof data);
    if (!h || h[0] == '*') return Error("crypt failed");
    return std::string(h);
}

bool verify_password(std::string_view password, const std::string& hash) {
    if (password.size() > kMaxPasswordBytes || hash.empty()) return false;
    crypt_data data{};
    const std::string pw(password);
    const char* h = ::crypt_rn(pw.c_str(), hash.c_str(), &data, sizeof data);
    if (!h || h[0] == '*') return false;
    const std::size_t n = std::strlen(h);
    return n == hash.size() && CRYPTO_memcmp(h, hash.data(), n) == 0;
}

Result<void> add_user(const std::string& path, std::string_view address, std::string_view password) {
    return rewrite(path, address, password, true);
}

Result<void> set_password(const std::string& path, std::string_view address, std::string_view password) {
    return rewrite(path, address, password, false);
}

}  // namespace tern::auth
