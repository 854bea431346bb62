#include "libmail/store/mailbox_index.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "libmail/core/text.h"

namespace tern::store {

namespace {

constexpr std::string_view kMagic = "tern-index";
constexpr std::string_view kVersion = "3";

bool is_flag_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Next space-separated field of s (advancing s), or nullopt at the end.
std::optional<std::string_view> next_field(std::string_view& s) {
    if (s.empty()) return std::nullopt;
    const auto sp = s.find(' ');
    std::string_view f = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
    if (f.empty()) return std::nullopt;
    return f;
}

// Whether letters are already normal (normalize_flags would return them
// unchanged): flag letters in strictly ascending order. No allocation.
bool normal_flags(std::string_view letters) {
    char prev = '\0';
    for (char c : letters) {
        if (!is_flag_letter(c) || c <= prev) return false;
        prev = c;
    }
    return true;
}

// A set of the index's base names, to refuse a file listed twice: open
// addressing over one array, as a node per name costs more than the parse.
class NameSet {
public:
    explicit NameSet(std::size_t count) {
        std::size_t cap = 16;
        while (cap < count * 2) cap *= 2;
        slots_.assign(cap, std::string_view{});
    }
    // False when name was there already.
    bool insert(std::string_view name) {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = std::hash<std::string_view>{}(name) & mask;; i = (i + 1) & mask) {
            if (slots_[i].data() == nullptr) {
                slots_[i] = name;
                return true;
            }
            if (slots_[i] == name) return false;
        }
    }

private:
    std::vector<std::string_view> slots_;  // data() == nullptr: free (names are never empty)
};

}  // namespace

std::string format_index(const IndexState& st) {
    // The folder's keywords, numbered by their place in the sorted set.
    std::vector<std::string_view> names;
    for (const auto& m : st.messages)
        for (const auto& k : m.keywords) names.push_back(k);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());

    std::string out;
    out.reserve(96 + st.messages.size() * 90);
    out += kMagic;
    out += ' ';
    out += kVersion;
    out += ' ' + std::to_string(st.uidvalidity) + ' ' + std::to_string(st.uidnext) + ' ' +
           std::to_string(st.highestmodseq) + ' ' + std::to_string(st.messages.size()) + ' ' +
           std::to_string(names.size()) + ' ' + std::to_string(st.new_mtime_ns) + ' ' +
           std::to_string(st.cur_mtime_ns) + '\n';
    if (!names.empty()) {
        out += 'K';
        for (auto k : names) {
            out += ' ';
            out += k;
        }
        out += '\n';
    }
    std::string bits;
    for (const auto& m : st.messages) {
        const auto name = split_maildir_name(std::string_view(m.filename).substr(4));  // "cur/"
        out += std::to_string(m.uid) + ' ' + std::to_string(m.internal_date) + ' ' + std::to_string(m.size) + ' ' +
               std::to_string(m.modseq) + ' ';
        out += m.flags.empty() ? std::string("-") : m.flags;
        out += ' ';
        // Keyword bits as hex digits, lowest keyword number in the last digit.
        bits.assign((names.size() + 3) / 4, '0');
        for (const auto& k : m.keywords) {
            const auto i = static_cast<std::size_t>(std::lower_bound(names.begin(), names.end(), k) - names.begin());
            char& d = bits[bits.size() - 1 - i / 4];
            const int v = (d <= '9' ? d - '0' : d - 'a' + 10) | (1 << (i % 4));
            d = static_cast<char>(v < 10 ? '0' + v : 'a' + v - 10);
        }
        const auto first = bits.find_first_not_of('0');
        out += first == std::string::npos ? std::string("0") : bits.substr(first);
        out += ' ';
        out += name.base;
        out += '\n';
    }
    out += "end\n";
    return out;
}

namespace {

// The keywords set in a hex bit string (see format_index); nullopt when it
// is not hex or names a keyword beyond the table.
std::optional<std::vector<std::string>> keywords_of(std::string_view hex, const std::vector<std::string>& names) {
    if (hex.size() == 1 && hex[0] == '0') return std::vector<std::string>{};
    std::vector<std::string> out;
    if (hex.empty() || hex.size() > (names.size() + 3) / 4) return std::nullopt;
    for (std::size_t pos = 0; pos < hex.size(); ++pos) {
        const char c = hex[hex.size() - 1 - pos];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) return std::nullopt;
        for (int b = 0; b < 4; ++b) {
            if (!(v & (1 << b))) continue;
            const std::size_t i = pos * 4 + static_cast<std::size_t>(b);
            if (i >= names.size()) return std::nullopt;
            out.push_back(names[i]);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

Result<IndexState> parse_index(std::string_view text) {
    if (text.size() > kMaxIndexBytes) return Error("index too large");
    auto take_line = [&](std::string_view& line) {
        const auto nl = text.find('\n');
        if (nl == std::string_view::npos) return false;
        line = text.substr(0, nl);
        text.remove_prefix(nl + 1);
        return true;
    };
    std::string_view line;
    if (!take_line(line)) return Error("no header line");
    auto f_magic = next_field(line), f_ver = next_field(line);
    if (!f_magic || *f_magic != kMagic || !f_ver || (*f_ver != "1" && *f_ver != "2" && *f_ver != kVersion))
        return Error("bad header line");
    const bool v1 = *f_ver == "1";
    const bool has_mtimes = *f_ver == kVersion;
    auto f_uv = next_field(line), f_next = next_field(line);
    auto f_modseq = v1 ? std::optional<std::string_view>("1") : next_field(line);
    auto f_count = next_field(line);
    auto f_keywords = v1 ? std::optional<std::string_view>("0") : next_field(line);
    auto f_new = has_mtimes ? next_field(line) : std::optional<std::string_view>("0");
    auto f_cur = has_mtimes ? next_field(line) : std::optional<std::string_view>("0");
    if (!f_uv || !f_next || !f_modseq || !f_count || !f_keywords || !f_new || !f_cur || !line.empty())
        return Error("bad header line");
    IndexState st;
    auto uv = parse_number<std::uint32_t>(*f_uv);
    auto next = parse_number<std::uint32_t>(*f_next);
    auto highest = parse_number<std::uint64_t>(*f_modseq);
    auto count = parse_number<std::size_t>(*f_count);
    auto nkeywords = parse_number<std::size_t>(*f_keywords);
    if (!uv || *uv == 0 || !next || *next == 0 || !highest || *highest == 0 || !count ||
        *count > kMaxFolderMessages || !nkeywords || *nkeywords > kMaxFolderKeywords)
        return Error("bad header values");
    st.uidvalidity = *uv;
    st.uidnext = *next;
    st.highestmodseq = *highest;
    auto new_ns = parse_number<std::int64_t>(*f_new), cur_ns = parse_number<std::int64_t>(*f_cur);
    if (!new_ns || !cur_ns) return Error("bad header values");
    st.new_mtime_ns = *new_ns;
    st.cur_mtime_ns = *cur_ns;
    std::vector<std::string> names;
    if (*nkeywords > 0) {
        std::optional<std::string_view> tag;
        if (!take_line(line) || !(tag = next_field(line)) || *tag != "K") return Error("missing keyword line");
        while (auto k = next_field(line)) {
            if (!valid_keyword(*k) || (!names.empty() && names.back() >= *k)) return Error("bad keyword line");
            names.emplace_back(*k);
        }
        if (names.size() != *nkeywords) return Error("bad keyword count");
    }
    st.messages.reserve(*count);
    // One file, two UIDs? A base recording its own UID (",U=<uid>", as every
    // name gets at its first sync) cannot equal another such base, the UIDs
    // being distinct: only the others need a set, and a look at the message
    // whose UID they record.
    std::vector<std::pair<std::string_view, std::uint32_t>> others;  // base, its line's UID
    std::uint32_t last_uid = 0;
    for (std::size_t i = 0; i < *count; ++i) {
        if (!take_line(line)) return Error("truncated at message " + std::to_string(i + 1));
        auto f_uid = next_field(line), f_date = next_field(line), f_size = next_field(line);
        auto f_mod = v1 ? std::optional<std::string_view>("1") : next_field(line);
        auto f_flags = next_field(line);
        auto f_bits = v1 ? std::optional<std::string_view>("0") : next_field(line);
        const std::string_view base = line;  // the rest, spaces allowed
        if (!f_mod || !f_flags || !f_bits || base.empty())
            return Error("short line for message " + std::to_string(i + 1));
        auto uid = parse_number<std::uint32_t>(*f_uid);
        auto date = parse_number<std::int64_t>(*f_date);
        auto size = parse_number<std::uint64_t>(*f_size);
        auto modseq = parse_number<std::uint64_t>(*f_mod);
        if (!uid || !date || !size || !modseq || *modseq == 0 || *modseq > st.highestmodseq)
            return Error("bad numbers for message " + std::to_string(i + 1));
        // UIDs strictly ascending and below UIDNEXT (RFC 9051 2.3.1.1).
        if (*uid <= last_uid || *uid >= st.uidnext) return Error("UID out of order: " + std::to_string(*uid));
        last_uid = *uid;
        const std::string_view flags = *f_flags == "-" ? std::string_view() : *f_flags;
        if (!normal_flags(flags)) return Error("bad flags for UID " + std::to_string(*uid));
        auto keywords = keywords_of(*f_bits, names);
        if (!keywords) return Error("bad keywords for UID " + std::to_string(*uid));
        if (!acceptable_message_name(base) || base.find(':') != std::string_view::npos)
            return Error("bad file name for UID " + std::to_string(*uid));
        if (const auto named = name_size_field(base, 'U'); !named || *named != *uid) others.emplace_back(base, *uid);
        MessageInfo& m = st.messages.emplace_back();
        m.uid = *uid;
        m.internal_date = *date;
        m.size = *size;
        m.modseq = *modseq;
        m.flags = flags;
        m.keywords = std::move(*keywords);
        m.filename = cur_filename(base, flags);
    }
    if (!take_line(line) || line != "end" || !text.empty()) return Error("missing end line");
    NameSet bases(others.size());
    for (const auto& [base, uid] : others) {
        if (!bases.insert(base)) return Error("file listed twice for UID " + std::to_string(uid));
        const auto named = name_size_field(base, 'U');
        if (!named || *named > UINT32_MAX) continue;
        const auto v = static_cast<std::uint32_t>(*named);
        auto it = std::lower_bound(st.messages.begin(), st.messages.end(), v,
                                   [](const MessageInfo& m, std::uint32_t u) { return m.uid < u; });
        if (it != st.messages.end() && it->uid == v &&
            split_maildir_name(std::string_view(it->filename).substr(4)).base == base)
            return Error("file listed twice for UID " + std::to_string(uid));
    }
    return st;
}

bool valid_keyword(std::string_view k) {
    if (k.empty() || k.size() > 100 || k.front() == '\\') return false;
    for (char c : k) {
        const auto u = static_cast<unsigned char>(c);
        // ATOM-CHAR: not a CTL, SP, 8-bit or one of ( ) { % * " \ ]
        if (u <= 0x20 || u >= 0x7f || std::string_view("(){%*\"\\]").find(c) != std::string_view::npos) return false;
    }
    return true;
}

std::uint32_t salvage_uidvalidity(std::string_view text) {
    std::string_view line = text.substr(0, std::min<std::size_t>(text.find('\n'), 200));
    auto f_magic = next_field(line);
    next_field(line);  // version: any, the header layout is the same
    auto f_uv = next_field(line);
    if (!f_magic || *f_magic != kMagic || !f_uv) return 0;
    return parse_number<std::uint32_t>(*f_uv).value_or(0);
}

MaildirName split_maildir_name(std::string_view name) {
    MaildirName out;
    const auto colon = name.rfind(":2,");
    if (colon == std::string_view::npos) {
        out.base = name;
        return out;
    }
    out.base = name.substr(0, colon);
    out.flags = name.substr(colon + 3);
    out.has_info = true;
    return out;
}

std::string cur_filename(std::string_view base, std::string_view flags) {
    std::string f;
    f.reserve(7 + base.size() + flags.size());
    f += "cur/";
    f += base;
    f += ":2,";
    f += flags;
    return f;
}

std::string base_with_uid(std::string_view base, std::uint32_t uid) {
    std::string out(base);
    if (const auto at = out.find(",U="); at != std::string::npos) {
        const auto end = out.find_first_not_of("0123456789", at + 3);
        out.erase(at, end == std::string::npos ? std::string::npos : end - at);
    }
    return out + ",U=" + std::to_string(uid);
}

std::optional<std::uint64_t> name_size_field(std::string_view base, char key) {
    const char pat[] = {',', key, '=', '\0'};
    const auto at = base.find(pat);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = base.substr(at + 3);
    const auto end = rest.find_first_not_of("0123456789");
    return parse_number<std::uint64_t>(rest.substr(0, end));
}

std::optional<DeliveryTime> name_delivery_time(std::string_view base) {
    const auto dot = base.find('.');
    if (dot == std::string_view::npos || dot == 0) return std::nullopt;
    auto sec = parse_number<std::int64_t>(base.substr(0, dot));
    if (!sec) return std::nullopt;
    DeliveryTime t{*sec, 0};
    std::string_view rest = base.substr(dot + 1);
    if (!rest.empty() && rest.front() == 'M') {
        rest.remove_prefix(1);
        const auto end = rest.find_first_not_of("0123456789");
        if (auto us = parse_number<std::int64_t>(rest.substr(0, end))) t.usec = *us;
    }
    return t;
}

std::string normalize_flags(std::string_view letters) {
    std::string out;
    for (char c : letters)
        if (is_flag_letter(c)) out += c;
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool acceptable_message_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameOctets || name.front() == '.') return false;
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f || c == '/') return false;
    return true;
}

Result<IndexLock> IndexLock::acquire(const std::string& folder_path) {
    const std::string path = folder_path + "/" + std::string(kIndexLockName);
    IndexLock lock;
    lock.fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!lock.fd_) return sys_error("open", path);
    while (::flock(lock.fd_.get(), LOCK_EX) != 0) {
        if (errno != EINTR) return sys_error("flock", path);
    }
    return lock;
}

IndexLock::State IndexLock::state() const {
    char buf[160] = {};
    const ssize_t n = ::pread(fd_.get(), buf, sizeof buf - 1, 0);
    State st;
    if (n <= 0) return st;
    std::string_view text(buf, static_cast<std::size_t>(n));
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        const auto sp = line.find(' ');
        if (sp == std::string_view::npos) continue;
        const auto value = parse_number<std::uint64_t>(line.substr(sp + 1));
        if (value && *value > UINT32_MAX && line.substr(0, sp) != "highestmodseq") continue;
        if (!value) continue;
        if (line.substr(0, sp) == "uidvalidity") st.uidvalidity = static_cast<std::uint32_t>(*value);
        else if (line.substr(0, sp) == "uidnext") st.uidnext = static_cast<std::uint32_t>(*value);
        else if (line.substr(0, sp) == "highestmodseq") st.highestmodseq = *value;
    }
    return st;
}

Result<void> IndexLock::record(const State& st) {
    const State before = state();
    if (before.uidvalidity == st.uidvalidity && before.uidnext == st.uidnext &&
        before.highestmodseq == st.highestmodseq)
        return {};
    // One short pwrite of the whole record, padded so a shorter record never
    // leaves the tail of a longer one behind.
    std::string text = "uidvalidity " + std::to_string(st.uidvalidity) + "\nuidnext " + std::to_string(st.uidnext) +
                       "\nhighestmodseq " + std::to_string(st.highestmodseq) + "\n";
    text.resize(96, ' ');
    if (::pwrite(fd_.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
        return sys_error("write", std::string(kIndexLockName));
    if (::fdatasync(fd_.get()) != 0) return sys_error("fdatasync", std::string(kIndexLockName));
    return {};
}

Result<std::uint64_t> crlf_size_of_file(int fd) {
    std::uint64_t size = 0;
    char prev = '\0';
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("read");
        }
        if (n == 0) break;
        for (ssize_t i = 0; i < n; ++i) {
            if (buf[i] == '\n' && prev != '\r') ++size;  // served as CRLF
            prev = buf[i];
        }
        size += static_cast<std::uint64_t>(n);
    }
    return size;
}

}  // namespace tern::store
