#include "libmail/dmarc/report_send.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"
#include "libmail/dmarc/report_xml.h"

namespace tern::dmarc {

namespace {

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) ? (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10) : -1; };
        const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::string utc_date(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

class VerificationImpl final : public Verification {
public:
    VerificationImpl(dns::Resolver& r, const PublicSuffixList& psl, std::string policy_domain,
                     std::vector<Destination> dests, std::function<void(std::vector<Destination>)> done)
        : resolver_(r), psl_(psl), policy_(std::move(policy_domain)), dests_(std::move(dests)), done_(std::move(done)),
          ok_(dests_.size(), false), queries_(dests_.size()) {}

    void start() {
        const std::string policy_org = psl_.organizational_domain(policy_);
        pending_ = 1;  // held until every query is started, so done cannot run early
        for (std::size_t i = 0; i < dests_.size(); ++i) {
            if (psl_.organizational_domain(dests_[i].domain) == policy_org) {
                ok_[i] = true;
                continue;
            }
            ++pending_;
            const std::string name = policy_ + "._report._dmarc." + dests_[i].domain;
            queries_[i] = resolver_.query(name, dns::RrType::TXT, [this, i, name](const dns::Answer& a) {
                for (const auto& txt : a.txt)
                    if (is_dmarc_record(txt)) ok_[i] = true;
                if (a.status == dns::Answer::Status::TempFail)
                    log::warning("DMARC report: cannot verify %s: %s", name.c_str(), a.error.c_str());
                else if (!ok_[i])
                    log::info("DMARC report: %s does not accept reports for %s (no v=DMARC1 at %s)",
                              dests_[i].address.c_str(), policy_.c_str(), name.c_str());
                step();
            });
        }
        // Answer from the loop even when no DNS was needed.
        last_ = resolver_.query("", dns::RrType::TXT, [this](const dns::Answer&) { step(); });
    }

private:
    void step() {
        if (--pending_ > 0) return;
        std::vector<Destination> allowed;
        for (std::size_t i = 0; i < dests_.size(); ++i)
            if (ok_[i]) allowed.push_back(dests_[i]);
        auto done = std::move(done_);
        if (done) done(std::move(allowed));  // may destroy this
    }

    dns::Resolver& resolver_;
    const PublicSuffixList& psl_;
    std::string policy_;
    std::vector<Destination> dests_;
    std::function<void(std::vector<Destination>)> done_;
    std::vector<bool> ok_;
    std::vector<std::unique_ptr<dns::Query>> queries_;
    std::unique_ptr<dns::Query> last_;
    int pending_ = 0;
};

class ReportRunImpl final : public ReportRun {
public:
    ReportRunImpl(dns::Resolver& r, const PublicSuffixList& psl, ReportSettings s, QueueMessage q,
                  std::function<void(const RunSummary&)> done)
        : resolver_(r), psl_(psl), s_(std::move(s)), queue_(std::move(q)), done_(std::move(done)) {}

    void start() {
        rotate();
        read_batches();
        for (auto& [domain, entries] : by_domain_) domains_.push_back(domain);
        // Continue from the loop: done never runs inside run_reports().
        kick_ = resolver_.query("", dns::RrType::TXT, [this](const dns::Answer&) { next(); });
    }

private:
    void rotate() {
        const std::string cur = current_log_path(s_.directory);
        const std::string batch = s_.directory + "/batch." + std::to_string(s_.now) + "." + std::to_string(::getpid());
        if (::rename(cur.c_str(), batch.c_str()) != 0 && errno != ENOENT)
            summary_.errors.push_back(sys_error("rename", cur).message);
    }

    void read_batches() {
        DIR* d = ::opendir(s_.directory.c_str());
        if (!d) {
            if (errno != ENOENT) summary_.errors.push_back(sys_error("opendir", s_.directory).message);
            return;
        }
        std::vector<std::string> names;
        while (const dirent* de = ::readdir(d))
            if (std::string_view(de->d_name).starts_with("batch.")) names.emplace_back(de->d_name);
        ::closedir(d);
        std::sort(names.begin(), names.end());
        for (const auto& n : names) read_batch(s_.directory + "/" + n);
    }

    void read_batch(const std::string& path) {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (fd.get() < 0) {
            summary_.errors.push_back(sys_error("open", path).message);
            return;
        }
        // Writers that opened the file before the rename hold LOCK_SH for one write.
        if (::flock(fd.get(), LOCK_EX) != 0) {
            summary_.errors.push_back(sys_error("flock", path).message);
            return;
        }
        std::string text;
        char buf[65536];
        for (;;) {
            const ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 || text.size() + static_cast<std::size_t>(n) > kMaxBatchFileOctets) {
                const std::string why = n < 0 ? sys_error("read", path).message : path + ": over 256 MiB";
                const std::string bad = s_.directory + "/bad." + path.substr(path.rfind('/') + 1);
                ::rename(path.c_str(), bad.c_str());
                summary_.errors.push_back(why + " (kept as " + bad + ")");
                return;
            }
            if (n == 0) break;
            text.append(buf, static_cast<std::size_t>(n));
        }
        ParsedLog parsed = parse_log(text, path);
        for (auto& e : parsed.errors) summary_.errors.push_back(std::move(e));
        summary_.entries += parsed.entries.size();
        for (auto& e : parsed.entries) {
            begin_ = begin_ ? std::min(*begin_, e.time) : e.time;
            by_domain_[e.policy_domain].push_back(std::move(e));
        }
        consumed_.push_back(path);
    }

    void next() {
        for (; index_ < domains_.size(); ++index_) {
            const std::string& domain = domains_[index_];
            const auto& entries = by_domain_[domain];
            const Entry* newest = &entries.front();
            for (const auto& e : entries)
                if (e.time >= newest->time) newest = &e;
            auto dests = mailto_destinations(newest->rua);
            if (dests.empty()) continue;  // no rua: the domain asked for no reports
            verification_ = verify_destinations(resolver_, psl_, domain, std::move(dests),
                                                [this](std::vector<Destination> allowed) { send(std::move(allowed)); });
            return;
        }
        finish();
    }

    void send(std::vector<Destination> allowed) {
        const std::string domain = domains_[index_++];
        const auto& entries = by_domain_[domain];
        if (!allowed.empty()) {
            ReportMeta meta;
            meta.org_name = s_.org_name;
            meta.email = s_.sender;
            meta.report_id = std::to_string(s_.now) + "." + std::to_string(::getpid()) + "." + std::to_string(index_);
            meta.begin = begin_.value_or(s_.now);
            meta.end = s_.now;
            auto gz = gzip(build_report_xml(meta, domain, entries));
            if (!gz) {
                summary_.errors.push_back(domain + ": " + gz.error().message);
                keep_ = true;
            } else {
                std::vector<std::string> to;
                for (const auto& d : allowed) {
                    // RFC 7489 7.2.1.1: the size limit covers the report as sent;
                    // base64 adds a third and the message a little more.
                    if (d.max_size && gz->size() * 4 / 3 + 2048 > d.max_size) {
                        log::info("DMARC report for %s: %zu octets over the limit of %s", domain.c_str(), gz->size(),
                                  d.address.c_str());
                        continue;
                    }
                    to.push_back(d.address);
                }
                if (!to.empty()) {
                    const std::string msg = build_report_message(meta, domain, s_.sender, to, *gz, utc_date(s_.now));
                    if (auto r = queue_(s_.sender, to, msg); !r) {
                        summary_.errors.push_back(domain + ": " + r.error().message);
                        keep_ = true;
                    } else {
                        ++summary_.messages;
                    }
                }
                ++summary_.reports;
            }
        }
        next();
    }

    void finish() {
        if (!keep_)
            for (const auto& p : consumed_)
                if (::unlink(p.c_str()) != 0) summary_.errors.push_back(sys_error("unlink", p).message);
        auto done = std::move(done_);
        const RunSummary summary = summary_;
        if (done) done(summary);  // may destroy this
    }

    dns::Resolver& resolver_;
    const PublicSuffixList& psl_;
    ReportSettings s_;
    QueueMessage queue_;
    std::function<void(const RunSummary&)> done_;
    RunSummary summary_;
    std::map<std::string, std::vector<Entry>> by_domain_;
    std::vector<std::string> domains_, consumed_;
    std::optional<std::int64_t> begin_;
    std::size_t index_ = 0;
    bool keep_ = false;
    std::unique_ptr<Verification> verification_;
    std::unique_ptr<dns::Query> kick_;
};

}  // namespace

std::vector<Destination> mailto_destinations(std::string_view rua) {
    std::vector<Destination> out;
    for (std::string_view item : split_any(rua, ",")) {
        item = trim(item);
        std::uint64_t max = 0;
        if (auto bang = item.rfind('!'); bang != std::string_view::npos) {
            // Entry::rua holds octets; a k/m/g/t suffix (record syntax) is read too.
            std::string_view size = item.substr(bang + 1);
            unsigned shift = 0;
            if (!size.empty()) {
                switch (size.back() | 0x20) {
                    case 'k': shift = 10; break;
                    case 'm': shift = 20; break;
                    case 'g': shift = 30; break;
                    case 't': shift = 40; break;
                    default: break;
                }
                if (shift) size.remove_suffix(1);
            }
            auto n = parse_number<std::uint64_t>(size);
            if (!n || *n > (UINT64_MAX >> shift)) continue;
            max = *n << shift;
            item = item.substr(0, bang);
        }
        if (!istarts_with(item, "mailto:")) continue;
        item.remove_prefix(7);
        item = item.substr(0, item.find('?'));
        auto addr = percent_decode(item);
        if (!addr) continue;
        const auto at = addr->rfind('@');
        if (at == std::string::npos || at == 0 || addr->find_first_of("<>\", \t\r\n") != std::string::npos) continue;
        const std::string domain = normalize_domain(std::string_view(*addr).substr(at + 1));
        if (domain.empty()) continue;
        out.push_back({*addr, domain, max});
    }
    return out;
}

std::unique_ptr<Verification> verify_destinations(dns::Resolver& resolver, const PublicSuffixList& psl,
                                                  std::string policy_domain, std::vector<Destination> dests,
                                                  std::function<void(std::vector<Destination>)> done) {
    auto v = std::make_unique<VerificationImpl>(resolver, psl, to_lower(policy_domain), std::move(dests), std::move(done));
    v->start();
    return v;
}

std::unique_ptr<ReportRun> run_reports(dns::Resolver& resolver, const PublicSuffixList& psl, ReportSettings settings,
                                       QueueMessage queue, std::function<void(const RunSummary&)> done) {
    auto r = std::make_unique<ReportRunImpl>(resolver, psl, std::move(settings), std::move(queue), std::move(done));
    r->start();
    return r;
}

}  // namespace tern::dmarc
