#include "libmail/dmarc/report_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"

namespace tern::dmarc {

namespace {

constexpr std::size_t kFixedFields = 21;  // through NDKIM
constexpr std::size_t kMaxFieldOctets = 255;

void append_escaped(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : s.substr(0, kMaxFieldOctets)) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\') out += "\\\\";
        else if (c == '\t') out += "\\t";
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (u < 0x20 || u == 0x7f) { out += "\\x"; out += kHex[u >> 4]; out += kHex[u & 15]; }
        else out += c;
    }
}

std::optional<std::string> unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out += s[i];
            continue;
        }
        if (++i == s.size()) return std::nullopt;
        switch (s[i]) {
            case '\\': out += '\\'; break;
            case 't': out += '\t'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 'x': {
                if (i + 2 >= s.size()) return std::nullopt;
                auto v = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
                const int hi = v(s[i + 1]), lo = v(s[i + 2]);
                if (hi < 0 || lo < 0) return std::nullopt;
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                break;
            }
            default: return std::nullopt;
        }
    }
    return out;
}

std::optional<Alignment> alignment_of(std::string_view s) {
    if (s == "r") return Alignment::Relaxed;
    if (s == "s") return Alignment::Strict;
    return std::nullopt;
}

std::optional<Disposition> disposition_of(std::string_view s) {
    if (s == "none") return Disposition::None;
    if (s == "quarantine") return Disposition::Quarantine;
    if (s == "reject") return Disposition::Reject;
    return std::nullopt;
}

std::optional<bool> flag_of(std::string_view s) {
    if (s == "0") return false;
    if (s == "1") return true;
    return std::nullopt;
}

}  // namespace

std::string format_rua(const Record& r) {
    std::string out;
    for (const auto& u : r.rua) {
        if (!out.empty()) out += ',';
        out += u.uri;
        if (u.max_size) out += "!" + std::to_string(u.max_size);
    }
    return out;
}

std::optional<Entry> make_entry(const Input& in, const Outcome& out, std::int64_t now) {
    if (!out.record || (out.result != DmarcResult::Pass && out.result != DmarcResult::Fail)) return std::nullopt;
    const Record& r = *out.record;
    Entry e;
    e.time = now;
    e.policy_domain = out.policy_domain;
    e.header_from = out.from_domain;
    e.envelope_from = to_lower(in.envelope_from);
    e.source_ip = in.source_ip;
    e.p = r.p;
    e.sp = r.subdomain_policy();
    e.adkim = r.adkim;
    e.aspf = r.aspf;
    e.pct = r.pct;
    e.fo = r.fo;
    e.rua = format_rua(r);
    e.disposition = out.disposition;
    e.dkim_aligned = out.dkim_aligned;
    e.spf_aligned = out.spf_aligned;
    e.sampled_out = out.sampled_out;
    e.spf_domain = to_lower(in.spf.domain);
    e.spf_scope = in.spf.helo ? "helo" : "mfrom";
    e.spf_result = in.spf.result.empty() ? "none" : to_lower(in.spf.result);
    for (const auto& d : in.dkim) {
        if (e.dkim.size() == kMaxDkim) break;
        e.dkim.push_back({to_lower(d.domain), d.selector, to_lower(d.result)});
    }
    return e;
}

std::string format_entry(const Entry& e) {
    std::string out = "D1";
    auto field = [&](std::string_view s) {
        out += '\t';
        append_escaped(out, s);
    };
    auto al = [](Alignment a) { return a == Alignment::Strict ? "s" : "r"; };
    field(std::to_string(e.time));
    field(e.policy_domain);
    field(e.header_from);
    field(e.envelope_from);
    field(e.source_ip);
    field(to_string(e.p));
    field(to_string(e.sp));
    field(al(e.adkim));
    field(al(e.aspf));
    field(std::to_string(e.pct));
    field(e.fo);
    field(e.rua);
    field(to_string(e.disposition));
    field(e.dkim_aligned ? "1" : "0");
    field(e.spf_aligned ? "1" : "0");
    field(e.sampled_out ? "1" : "0");
    field(e.spf_domain);
    field(e.spf_scope);
    field(e.spf_result);
    const std::size_t n = std::min(e.dkim.size(), kMaxDkim);
    field(std::to_string(n));
    for (std::size_t i = 0; i < n; ++i) {
        field(e.dkim[i].domain);
        field(e.dkim[i].selector);
        field(e.dkim[i].result);
    }
    out += '\n';
    return out;
}

Result<Entry> parse_entry(std::string_view line) {
    if (line.size() > kMaxLogLineOctets * 4) return Error("line too long");
    std::vector<std::string> f;
    std::size_t start = 0;
    for (;;) {
        const auto tab = line.find('\t', start);
        auto v = unescape(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
        if (!v) return Error("field " + std::to_string(f.size() + 1) + ": bad escape");
        f.push_back(std::move(*v));
        if (tab == std::string_view::npos) break;
        start = tab + 1;
    }
    if (f[0] != "D1") return Error("not a D1 line");
    if (f.size() < kFixedFields) return Error(std::to_string(f.size()) + " fields, expected at least 21");
    Entry e;
    auto bad = [](const char* what, const std::string& v) { return Error(std::string("bad ") + what + " \"" + printable(v, 40) + "\""); };
    auto t = parse_number<std::int64_t>(f[1]);
    if (!t || *t < 0) return bad("time", f[1]);
    e.time = *t;
    e.policy_domain = f[2];
    e.header_from = f[3];
    e.envelope_from = f[4];
    e.source_ip = f[5];
    if (e.policy_domain.empty()) return Error("empty policy domain");
    auto p = parse_policy(f[6]), sp = parse_policy(f[7]);
    if (!p) return bad("p", f[6]);
    if (!sp) return bad("sp", f[7]);
    e.p = *p;
    e.sp = *sp;
    auto ad = alignment_of(f[8]), as = alignment_of(f[9]);
    if (!ad) return bad("adkim", f[8]);
    if (!as) return bad("aspf", f[9]);
    e.adkim = *ad;
    e.aspf = *as;
    auto pct = parse_number<int>(f[10]);
    if (!pct || *pct > 100 || *pct < 0) return bad("pct", f[10]);
    e.pct = *pct;
    e.fo = f[11];
    e.rua = f[12];
    auto disp = disposition_of(f[13]);
    if (!disp) return bad("disposition", f[13]);
    e.disposition = *disp;
    auto da = flag_of(f[14]), sa = flag_of(f[15]), so = flag_of(f[16]);
    if (!da) return bad("dkim_aligned", f[14]);
    if (!sa) return bad("spf_aligned", f[15]);
    if (!so) return bad("sampled_out", f[16]);
    e.dkim_aligned = *da;
    e.spf_aligned = *sa;
    e.sampled_out = *so;
    e.spf_domain = f[17];
    e.spf_scope = f[18];
    if (e.spf_scope != "mfrom" && e.spf_scope != "helo") return bad("spf scope", f[18]);
    e.spf_result = f[19];
    auto n = parse_number<std::size_t>(f[20]);
    if (!n || *n > kMaxDkim) return bad("dkim count", f[20]);
    if (f.size() != kFixedFields + 3 * *n)
        return Error(std::to_string(f.size()) + " fields, expected " + std::to_string(kFixedFields + 3 * *n));
    for (std::size_t i = 0; i < *n; ++i)
        e.dkim.push_back({f[kFixedFields + 3 * i], f[kFixedFields + 3 * i + 1], f[kFixedFields + 3 * i + 2]});
    return e;
}

ParsedLog parse_log(std::string_view text, std::string_view name) {
    ParsedLog out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto nl = text.find('\n');
        const std::string where = std::string(name) + ":" + std::to_string(line_no) + ": ";
        if (nl == std::string_view::npos) {
            out.errors.push_back(where + "last line has no line end (torn write)");
            break;
        }
        auto e = parse_entry(text.substr(0, nl));
        text.remove_prefix(nl + 1);
        if (e) out.entries.push_back(std::move(*e));
        else out.errors.push_back(where + e.error().message);
    }
    return out;
}

std::string current_log_path(const std::string& directory) { return directory + "/current"; }

ReportLog::ReportLog(std::string directory) : dir_(std::move(directory)) {}

ReportLog::~ReportLog() {
    if (lines_.empty()) return;
    if (auto r = flush(); !r) log::warning("DMARC report log %s: %s", dir_.c_str(), r.error().message.c_str());
}

void ReportLog::add(const Entry& e) {
    std::string line = format_entry(e);
    if (line.size() > kMaxLogLineOctets) {
        // Only many long DKIM fields get here: keep the first signatures.
        Entry cut = e;
        while (line.size() > kMaxLogLineOctets && !cut.dkim.empty()) {
            cut.dkim.pop_back();
            line = format_entry(cut);
        }
        if (line.size() > kMaxLogLineOctets) return;  // fields are capped at 255 octets: cannot happen
    }
    if (buffered_ + line.size() > kMaxBatchOctets) {
        if (auto r = flush(); !r) log::warning("DMARC report log %s: %s", dir_.c_str(), r.error().message.c_str());
    }
    while (buffered_ + line.size() > kMaxBufferedOctets && !lines_.empty()) {
        buffered_ -= lines_.front().size();
        lines_.erase(lines_.begin());
        ++dropped_;
    }
    buffered_ += line.size();
    lines_.push_back(std::move(line));
}

Result<void> ReportLog::flush() {
    std::size_t done = 0;
    std::string batch;
    auto put = [&](std::size_t upto) -> Result<void> {
        if (batch.empty()) return {};
        if (auto r = write_batch(batch); !r) return r;
        for (std::size_t i = done; i < upto; ++i) buffered_ -= lines_[i].size();
        done = upto;
        batch.clear();
        return {};
    };
    Result<void> status;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
        if (batch.size() + lines_[i].size() > kMaxBatchOctets) {
            status = put(i);
            if (!status) break;
        }
        batch += lines_[i];
    }
    if (status) status = put(lines_.size());
    lines_.erase(lines_.begin(), lines_.begin() + static_cast<std::ptrdiff_t>(done));
    return status;
}

Result<void> ReportLog::write_batch(std::string_view batch) {
    const std::string path = current_log_path(dir_);
    for (int attempt = 0; attempt < 3; ++attempt) {
        UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (fd.get() < 0) {
            if (errno == ENOENT && attempt == 0) {
                if (auto r = make_dirs(dir_, 0700); !r) return r;
                continue;
            }
            return sys_error("open", path);
        }
        // LOCK_EX held by a report run, or an inode that is no longer
        // "current": the file was renamed for a report run; open it again.
        if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK) return sys_error("flock", path);
            ::usleep(1000);
            continue;
        }
        struct stat by_fd{}, by_path{};
        if (::fstat(fd.get(), &by_fd) != 0) return sys_error("fstat", path);
        if (::stat(path.c_str(), &by_path) != 0 || by_fd.st_ino != by_path.st_ino || by_fd.st_dev != by_path.st_dev)
            continue;
        return write_all(fd.get(), batch);  // one write(2) of whole lines, O_APPEND
    }
    return Error("cannot get a current DMARC report log " + path + " (report run in progress)");
}

}  // namespace tern::dmarc
