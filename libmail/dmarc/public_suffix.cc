#include "libmail/dmarc/public_suffix.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"
#include "libmail/dmarc/punycode.h"

namespace tern::dmarc {

std::string normalize_domain(std::string_view d) {
    if (!d.empty() && d.back() == '.') d.remove_suffix(1);
    if (d.empty() || d.size() > 253) return {};
    std::size_t label = 0;
    for (char c : d) {
        if (c == '.') {
            if (label == 0) return {};
            label = 0;
        } else if (++label > 63 || static_cast<unsigned char>(c) <= ' ') {
            return {};
        }
    }
    if (label == 0) return {};
    return to_lower(d);
}

namespace {

// The name with every non-ASCII label as its A-label; nullopt when it is all
// ASCII already or a label cannot be converted.
std::optional<std::string> alabel_name(std::string_view name) {
    bool ascii = true;
    for (char c : name) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) return std::nullopt;
    std::string out;
    for (std::string_view label : split_any(name, ".")) {
        auto a = to_alabel(label);
        if (!a) return std::nullopt;
        if (!out.empty()) out += '.';
        out += *a;
    }
    return out;
}

}  // namespace

Result<PublicSuffixList> PublicSuffixList::load(const std::string& path) {
    auto text = read_file(path, kMaxPublicSuffixFileOctets);
    if (!text) return text.error();
    return parse(*text, path);
}

Result<void> PublicSuffixList::check_file(const std::string& path) {
    // Mapped, not read into the heap: a daemon checks the list at start, and
    // a heap grown for a moment stays in its memory.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error("open", path);
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) return sys_error("stat", path);
    if (static_cast<std::uint64_t>(st.st_size) > kMaxPublicSuffixFileOctets)
        return Error(EFBIG, path + ": file is larger than " + std::to_string(kMaxPublicSuffixFileOctets) + " bytes");
    if (st.st_size == 0) return {};
    void* map = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (map == MAP_FAILED) return sys_error("mmap", path);
    auto r = parse_rules(std::string_view(static_cast<const char*>(map), static_cast<std::size_t>(st.st_size)), path,
                         nullptr);
    ::munmap(map, static_cast<std::size_t>(st.st_size));
    return r;
}

Result<PublicSuffixList> PublicSuffixList::parse(std::string_view text, std::string_view name) {
    PublicSuffixList psl;
    if (auto r = parse_rules(text, name, &psl); !r) return r.error();
    return psl;
}

Result<void> PublicSuffixList::parse_rules(std::string_view text, std::string_view name, PublicSuffixList* into) {
    std::size_t line_no = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        // The rule is the first white-space-delimited word; "//" starts a comment line.
        line = trim(line);
        if (line.empty() || line.starts_with("//")) continue;
        line = line.substr(0, line.find_first_of(kSpaceChars));
        auto bad = [&](std::string_view why) {
            return Error(std::string(name) + ":" + std::to_string(line_no) + ": " + std::string(why));
        };
        if (line.size() > kMaxPublicSuffixRuleOctets) return bad("rule longer than 255 octets");
        bool exception = false, wildcard = false;
        if (line.front() == '!') {
            exception = true;
            line.remove_prefix(1);
        } else if (line.starts_with("*.")) {
            wildcard = true;
            line.remove_prefix(2);
        }
        if (line.find('*') != std::string_view::npos) return bad("\"*\" only as a whole leftmost label");
        if (line.find('!') != std::string_view::npos) return bad("\"!\" only at the start of a rule");
        std::string rule = normalize_domain(line);
        if (rule.empty() || line.back() == '.') return bad("malformed rule \"" + printable(line) + "\"");
        if (exception && rule.find('.') == std::string::npos) return bad("exception rule with one label");
        if (!into) continue;
        auto& set = exception ? into->exceptions_ : wildcard ? into->wildcards_ : into->rules_;
        // UTF-8 rules also match the A-label form that DNS names in mail use.
        if (auto a = alabel_name(rule)) set.insert(std::move(*a));
        set.insert(std::move(rule));
    }
    return {};
}

std::string PublicSuffixList::public_suffix(std::string_view domain) const {
    const std::string d = normalize_domain(domain);
    if (d.empty() || (!domain.empty() && domain.front() == '.')) return {};
    // Walk the suffixes of d from the longest; the first that matches is the
    // one with the most labels (publicsuffix.org's algorithm). An exception
    // wins over every other rule and makes its parent the suffix.
    std::size_t pos = 0;
    for (;;) {
        const std::string_view suffix = std::string_view(d).substr(pos);
        if (exceptions_.count(std::string(suffix))) return std::string(suffix.substr(suffix.find('.') + 1));
        const auto dot = suffix.find('.');
        // "*.ck" matches "x.ck": the parent of this suffix is a wildcard rule.
        if (dot != std::string_view::npos && wildcards_.count(std::string(suffix.substr(dot + 1))))
            return std::string(suffix);
        if (rules_.count(std::string(suffix))) return std::string(suffix);
        if (dot == std::string_view::npos) return std::string(suffix);  // default rule "*"
        pos += dot + 1;
    }
}

std::optional<std::string> PublicSuffixList::registrable_domain(std::string_view domain) const {
    const std::string suffix = public_suffix(domain);
    if (suffix.empty()) return std::nullopt;
    const std::string d = normalize_domain(domain);
    if (d.size() == suffix.size()) return std::nullopt;
    const std::string_view head = std::string_view(d).substr(0, d.size() - suffix.size() - 1);
    const auto dot = head.rfind('.');
    return d.substr(dot == std::string_view::npos ? 0 : dot + 1);
}

std::string PublicSuffixList::organizational_domain(std::string_view domain) const {
    if (auto r = registrable_domain(domain)) return *r;
    if (!domain.empty() && domain.front() == '.') return {};
    return normalize_domain(domain);
}

Result<std::shared_ptr<PublicSuffixLoader>> PublicSuffixLoader::create(std::string path) {
    if (auto r = PublicSuffixList::check_file(path); !r) return r.error();
    return std::shared_ptr<PublicSuffixLoader>(new PublicSuffixLoader(std::move(path)));
}

const PublicSuffixList* PublicSuffixLoader::get() {
    if (!tried_) {
        tried_ = true;
        auto list = PublicSuffixList::load(path_);
        if (list) list_.emplace(std::move(*list));
        else log::error("dmarc_public_suffix_list: %s (no DMARC evaluation and no report until a restart)",
                        list.error().message.c_str());
    }
    return list_ ? &*list_ : nullptr;
}

}  // namespace tern::dmarc
