#include "libmail/dkim/signing_table.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "libmail/config/params_dkim.h"
#include "libmail/core/c_ptr.h"
#include "libmail/core/file_io.h"
#include "libmail/core/text.h"
#include "libmail/dkim/key_text.h"
#include "libmail/maps/table_text.h"

namespace tern::dkim {

namespace {

constexpr std::size_t kMaxKeysPerMessage = 8;
constexpr std::size_t kMaxKeysListed = 10000;
using DirPtr = CPtr<DIR, closedir>;

// A domain or selector that is safe as one path component.
bool is_path_safe(std::string_view s) {
    if (s.empty() || s.size() > 255 || s.front() == '.') return false;
    for (char c : s)
        if (c == '/' || c == '\0' || static_cast<unsigned char>(c) < 0x20) return false;
    return true;
}

// SELECTOR of every SELECTOR.key in dir, sorted.
std::vector<std::string> selectors_in(const std::string& dir) {
    std::vector<std::string> out;
    DirPtr d(opendir(dir.c_str()));
    if (!d) return out;
    while (dirent* e = readdir(d.get())) {
        const std::string_view name = e->d_name;
        if (name.size() > 4 && name.ends_with(".key") && name.front() != '.' && out.size() < kMaxKeysListed)
            out.emplace_back(name.substr(0, name.size() - 4));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> subdirectories(const std::string& dir) {
    std::vector<std::string> out;
    DirPtr d(opendir(dir.c_str()));
    if (!d) return out;
    while (dirent* e = readdir(d.get())) {
        const std::string name = e->d_name;
        struct stat st {};
        if (name.front() != '.' && stat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
            out.size() < kMaxKeysListed)
            out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

struct KeyTableEntry {
    std::string domain, selector, path;
};

// "domain:selector:/path"; "%" as the domain means the From domain.
std::optional<KeyTableEntry> parse_key_entry(std::string_view value, std::string_view from_domain) {
    auto [domain, rest] = split_once(trim(value), ':');
    auto [selector, path] = split_once(rest, ':');
    domain = trim(domain);
    selector = trim(selector);
    path = trim(path);
    if (domain.empty() || selector.empty() || path.empty()) return std::nullopt;
    KeyTableEntry e{domain == "%" ? std::string(from_domain) : to_lower(domain), to_lower(selector), std::string(path)};
    return e;
}

ConfiguredKey describe(std::string name, std::string domain, std::string selector, std::string path) {
    ConfiguredKey k{std::move(name), std::move(domain), std::move(selector), std::move(path), {}, {}};
    auto key = load_signing_key(k.path, k.domain, k.selector);
    if (!key) {
        k.error = key.error().message;
        return k;
    }
    auto rec = key_record_text((*key)->key.get());
    if (rec) k.record = std::move(*rec);
    else k.error = rec.error().message;
    return k;
}

}  // namespace

Result<SigningTable> SigningTable::open(const config::Config& cfg) {
    SigningTable t;
    t.key_directory_ = cfg.get(config::kDkimKeyDirectory);
    const auto signing = cfg.get_list(config::kDkimSigningTable);
    if (!signing.empty()) {
        auto m = maps::MapList::open(signing);
        if (!m) return m.error();
        t.signing_table_ = std::move(*m);
        auto k = maps::MapList::open(cfg.get_list(config::kDkimKeyTable));
        if (!k) return k.error();
        if (k->empty()) return Error("dkim_signing_table is set but dkim_key_table is empty");
        t.key_table_ = std::move(*k);
    }
    return t;
}

Result<SigningKeyPtr> SigningTable::load(const std::string& path, std::string_view domain,
                                         std::string_view selector) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return sys_error("stat", path);
    const std::string cache_key = path + '\0' + std::string(domain) + '\0' + std::string(selector);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && it->second.mtime == st.st_mtime && it->second.size == st.st_size) return it->second.key;
    auto key = load_signing_key(path, domain, selector);
    if (!key) return key.error();
    cache_[cache_key] = Cached{st.st_mtime, st.st_size, *key};
    return *key;
}

Result<std::vector<SigningKeyPtr>> SigningTable::from_directory(const std::string& domain) {
    std::vector<SigningKeyPtr> out;
    if (!is_path_safe(domain)) return out;
    const std::string dir = key_directory_ + "/" + domain;
    for (const std::string& sel : selectors_in(dir)) {
        if (out.size() >= kMaxKeysPerMessage) break;
        auto k = load(dir + "/" + sel + ".key", domain, sel);
        if (!k) return k.error();
        out.push_back(std::move(*k));
    }
    return out;
}

Result<std::vector<SigningKeyPtr>> SigningTable::keys_for(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return std::vector<SigningKeyPtr>{};
    const std::string domain = to_lower(address.substr(at + 1));
    if (!signing_table_) return from_directory(domain);

    // The address, "@domain", the domain, then ".parent" domains.
    std::vector<std::string> keys = {std::string(address.substr(0, at + 1)) + domain, "@" + domain, domain};
    for (auto dot = domain.find('.'); dot != std::string::npos; dot = domain.find('.', dot + 1))
        keys.push_back(domain.substr(dot));
    std::optional<std::string> names;
    for (const std::string& k : keys) {
        auto r = signing_table_->lookup(k);
        if (!r) return r.error();
        if (*r) {
            names = std::move(**r);
            break;
        }
    }
    std::vector<SigningKeyPtr> out;
    if (!names) return out;
    for (std::string_view name : split_any(*names, ", \t")) {
        if (out.size() >= kMaxKeysPerMessage) break;
        auto v = key_table_->lookup(name);
        if (!v) return v.error();
        if (!*v) return Error("dkim_key_table has no key named " + std::string(name));
        auto e = parse_key_entry(**v, domain);
        if (!e) return Error("dkim_key_table: bad entry for " + std::string(name) + ": expected domain:selector:/path");
        auto k = load(e->path, e->domain, e->selector);
        if (!k) return k.error();
        out.push_back(std::move(*k));
    }
    return out;
}

std::vector<ConfiguredKey> configured_keys(const config::Config& cfg, std::string_view want) {
    std::vector<ConfiguredKey> out;
    const std::string wanted = to_lower(want);
    const std::string dir = cfg.get(config::kDkimKeyDirectory);
    for (const std::string& domain : subdirectories(dir)) {
        if (!wanted.empty() && to_lower(domain) != wanted) continue;
        for (const std::string& sel : selectors_in(dir + "/" + domain))
            out.push_back(describe(domain + "/" + sel, to_lower(domain), sel, dir + "/" + domain + "/" + sel + ".key"));
    }
    for (const std::string& spec : cfg.get_list(config::kDkimKeyTable)) {
        auto [type, name] = split_once(spec, ':');
        if (type != "texthash" && type != "hash" && type != "btree") continue;
        auto text = read_file(std::string(name), maps::kMaxTableFileBytes);
        if (!text) continue;
        auto table = maps::parse_table_text(*text, std::string(name));
        if (!table) continue;
        for (const maps::TableEntry& entry : table->entries) {
            auto e = parse_key_entry(entry.value, wanted);
            if (!e || e->domain.empty() || (!wanted.empty() && e->domain != wanted)) continue;
            const bool dup = std::any_of(out.begin(), out.end(), [&](const ConfiguredKey& k) {
                return k.domain == e->domain && k.selector == e->selector && k.path == e->path;
            });
            if (!dup) out.push_back(describe(entry.key, e->domain, e->selector, e->path));
        }
    }
    std::sort(out.begin(), out.end(), [](const ConfiguredKey& a, const ConfiguredKey& b) {
        return std::tie(a.domain, a.selector) < std::tie(b.domain, b.selector);
    });
    return out;
}

}  // namespace tern::dkim
