#include "libmail/auth/users_table.h"

#include <crypt.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "libmail/core/file_io.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"

namespace tern::auth {

namespace {

constexpr std::size_t kMaxAddressBytes = 254;  // RFC 5321 4.5.3.1.3 path minus brackets

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

Result<void> check_password_text(std::string_view password) {
    if (password.empty()) return Error("empty password");
    if (password.size() > kMaxPasswordBytes) return Error("password too long");
    if (password.find_first_of("\r\n") != std::string_view::npos) return Error("password contains a line break");
    return {};
}

bool is_crypt_hash(std::string_view h) {
    if (h.empty() || h.front() != '$') return false;
    return h.find_first_of(":,= \t") == std::string_view::npos;
}

// Reads and parses the table, lets change() edit the account named address,
// and rewrites the file atomically. change() returns an error to abort.
Result<void> modify(const std::string& path, std::string_view address, bool create,
                    const std::function<Result<void>(std::vector<Account>&, Account*, const std::string&)>& change) {
    auto canon = canonical_address(address);
    if (!canon) return canon.error();
    std::string text;
    if (auto r = read_file(path, kMaxUsersFileBytes)) text = std::move(*r);
    else if (r.error().code != ENOENT || !create) return r.error();
    auto accounts = parse_users(text, path);
    if (!accounts) return accounts.error();
    Account* acct = nullptr;
    for (auto& a : *accounts)
        if (a.address == *canon) acct = &a;
    if (!acct && !create) return Error("no such user: " + *canon);
    if (auto r = change(*accounts, acct, *canon); !r) return r;
    // A new table is 0640 (group-readable for authd's group, never world-readable);
    // an existing one keeps the owner and mode the admin gave it.
    struct stat st{};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    if (auto r = write_file_atomic(path, format_users(*accounts, header_of(text)), exists ? (st.st_mode & 0777) : kUsersFileMode); !r)
        return r;
    if (exists && ::geteuid() == 0 && ::chown(path.c_str(), st.st_uid, st.st_gid) != 0) return sys_error("chown", path);
    return {};
}

Result<void> parse_app_passwords(std::string_view field, std::vector<AppPassword>& out) {
    for (std::string_view item : split_any(field, ",")) {
        auto [label, hash] = split_once(item, '=');
        if (!valid_app_label(label)) return Error("bad app password label: " + printable(label, 40));
        if (!is_crypt_hash(hash)) return Error("app password " + std::string(label) + " is not a crypt(3) hash");
        for (const auto& p : out)
            if (p.label == label) return Error("duplicate app password " + std::string(label));
        out.push_back(AppPassword{std::string(label), std::string(hash)});
    }
    if (out.empty()) return Error("empty app password field");
    if (out.size() > kMaxAppPasswords) return Error("more than " + std::to_string(kMaxAppPasswords) + " app passwords");
    return {};
}

}  // namespace

std::string format_users(const std::vector<Account>& accounts, std::string_view header) {
    std::string out(header);
    for (const auto& a : accounts) {
        out += a.address + ":" + a.hash + ":" + std::to_string(a.quota) +
               (a.quota_messages ? "/" + std::to_string(a.quota_messages) : std::string()) + ":" +
               (a.disabled ? "disabled" : "active");
        for (std::size_t i = 0; i < a.app_passwords.size(); ++i)
            out += (i == 0 ? ":" : ",") + a.app_passwords[i].label + "=" + a.app_passwords[i].hash;
        out += "\n";
    }
    return out;
}

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
        const auto colons = std::count(line.begin(), line.end(), ':');
        // Hashes contain no ':' in crypt(3) output, so the split is exact.
        std::vector<std::string_view> f;
        for (std::string_view rest = line;;) {
            const auto c = rest.find(':');
            f.push_back(rest.substr(0, c));
            if (c == std::string_view::npos) break;
            rest.remove_prefix(c + 1);
        }
        if ((colons != 3 && colons != 4) || f[0].empty() || f[2].empty() || f[3].empty())
            return Error(where() + "expected user@domain:hash:quota:state[:app-passwords]");
        auto addr = canonical_address(f[0]);
        if (!addr) return Error(where() + addr.error().message);
        auto quota = parse_quota(f[2]);
        if (!quota) return Error(where() + "bad quota: " + printable(f[2]) + ": " + quota.error().message);
        if (f[3] != "active" && f[3] != "disabled") return Error(where() + "state must be active or disabled");
        if (!is_crypt_hash(f[1])) return Error(where() + "password field is not a crypt(3) hash");
        Account acct{*addr, std::string(f[1]), quota->first, quota->second, f[3] == "disabled", {}};
        if (f.size() == 5)
            if (auto r = parse_app_passwords(f[4], acct.app_passwords); !r) return Error(where() + r.error().message);
        if (!seen.insert(*addr).second) return Error(where() + "duplicate account " + *addr);
        out.push_back(std::move(acct));
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
    if (password.size() > kMaxPasswordBytes) return false;
    crypt_data data{};
    const std::string pw(password);
    const char* h = ::crypt_rn(pw.c_str(), hash.c_str(), &data, sizeof data);
    if (!h || h[0] == '*' || hash.empty()) return false;
    const std::size_t n = std::strlen(h);
    return n == hash.size() && CRYPTO_memcmp(h, hash.data(), n) == 0;
}

std::string normalize_app_password(std::string_view password) {
    std::string out;
    out.reserve(password.size());
    for (char c : password)
        if (c != '-' && c != ' ') out += c;
    return out;
}

Result<std::string> generate_app_password() {
    UniqueFd fd(::open("/dev/urandom", O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error("open", "/dev/urandom");
    std::string out;
    unsigned char buf[64];
    while (out.size() < 19) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return sys_error("read", "/dev/urandom");
        for (ssize_t i = 0; i < n && out.size() < 19; ++i) {
            if (buf[i] >= 26 * 9) continue;  // rejection keeps the 26 letters equally likely
            if (out.size() % 5 == 4) out += '-';
            out += static_cast<char>('a' + buf[i] % 26);
        }
    }
    return out;
}

bool valid_app_label(std::string_view label) {
    if (label.empty() || label.size() > kMaxAppLabelBytes) return false;
    return std::all_of(label.begin(), label.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
}

Result<void> add_user(const std::string& path, std::string_view address, std::string_view password) {
    if (auto r = check_password_text(password); !r) return r;
    return modify(path, address, true, [&](std::vector<Account>& all, Account* acct, const std::string& canon) -> Result<void> {
        if (acct) return Error("user " + canon + " already exists");
        auto hash = hash_password(password);
        if (!hash) return hash.error();
        all.push_back(Account{canon, *hash, 0, 0, false, {}});
        return {};
    });
}

Result<void> set_password(const std::string& path, std::string_view address, std::string_view password) {
    if (auto r = check_password_text(password); !r) return r;
    return modify(path, address, false, [&](std::vector<Account>&, Account* acct, const std::string&) -> Result<void> {
        auto hash = hash_password(password);
        if (!hash) return hash.error();
        acct->hash = *hash;
        return {};
    });
}

Result<void> set_disabled(const std::string& path, std::string_view address, bool disabled) {
    return modify(path, address, false, [&](std::vector<Account>&, Account* acct, const std::string&) -> Result<void> {
        acct->disabled = disabled;
        return {};
    });
}

Result<std::pair<std::uint64_t, std::uint64_t>> parse_quota(std::string_view text) {
    auto size = [](std::string_view s) -> std::optional<std::uint64_t> {
        std::uint64_t unit = 1;
        if (!s.empty()) {
            switch (s.back()) {
            case 'K': case 'k': unit = 1ULL << 10; break;
            case 'M': case 'm': unit = 1ULL << 20; break;
            case 'G': case 'g': unit = 1ULL << 30; break;
            case 'T': case 't': unit = 1ULL << 40; break;
            default: break;
            }
            if (unit != 1) s.remove_suffix(1);
        }
        auto n = parse_number<std::uint64_t>(s);
        if (!n || *n > UINT64_MAX / unit) return std::nullopt;
        return *n * unit;
    };
    const auto slash = text.find('/');
    auto bytes = size(text.substr(0, slash));
    if (!bytes) return Error("expected BYTES[/MESSAGES], e.g. 1G/50000");
    std::uint64_t messages = 0;
    if (slash != std::string_view::npos) {
        auto m = parse_number<std::uint64_t>(text.substr(slash + 1));
        if (!m) return Error("expected BYTES[/MESSAGES], e.g. 1G/50000");
        messages = *m;
    }
    return std::make_pair(*bytes, messages);
}

Result<void> set_quota(const std::string& path, std::string_view address, std::string_view quota) {
    auto q = parse_quota(quota);
    if (!q) return Error("bad quota \"" + printable(quota, 40) + "\": " + q.error().message);
    return modify(path, address, false, [&](std::vector<Account>&, Account* acct, const std::string&) -> Result<void> {
        acct->quota = q->first;
        acct->quota_messages = q->second;
        return {};
    });
}

Result<void> add_app_password(const std::string& path, std::string_view address, std::string_view label,
                              std::string_view password) {
    if (!valid_app_label(label))
        return Error("an app password label is 1.." + std::to_string(kMaxAppLabelBytes) +
                     " letters, digits, '.', '_' or '-': " + printable(label, 40));
    const std::string normal = normalize_app_password(password);
    if (auto r = check_password_text(normal); !r) return r;
    return modify(path, address, false, [&](std::vector<Account>&, Account* acct, const std::string& canon) -> Result<void> {
        for (const auto& p : acct->app_passwords)
            if (p.label == label) return Error(canon + " already has an app password named " + std::string(label));
        if (acct->app_passwords.size() >= kMaxAppPasswords)
            return Error(canon + " already has " + std::to_string(kMaxAppPasswords) + " app passwords");
        auto hash = hash_password(normal);
        if (!hash) return hash.error();
        acct->app_passwords.push_back(AppPassword{std::string(label), *hash});
        return {};
    });
}

Result<void> remove_app_password(const std::string& path, std::string_view address, std::string_view label) {
    return modify(path, address, false, [&](std::vector<Account>&, Account* acct, const std::string& canon) -> Result<void> {
        auto& list = acct->app_passwords;
        const auto it = std::find_if(list.begin(), list.end(), [&](const AppPassword& p) { return p.label == label; });
        if (it == list.end()) return Error(canon + " has no app password named " + printable(label, 40));
        list.erase(it);
        return {};
    });
}

}  // namespace tern::auth
