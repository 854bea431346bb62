// master.cf: service type private unpriv chroot wakeup maxproc command [args].
#include "libmail/config/master_cf.h"

#include "libmail/core/text.h"

namespace tern::config {

namespace {

constexpr int kMaxWakeupSeconds = 86400 * 7;
constexpr int kMaxProcesses = 100000;

Error err(const std::string& file, int line, const std::string& what) {
    return Error(file + ":" + std::to_string(line) + ": " + what);
}

Result<bool> yes_no(std::string_view v, bool dflt, const std::string& file, int line, const char* column) {
    if (v == "-") return dflt;
    if (v == "y" || v == "yes") return true;
    if (v == "n" || v == "no") return false;
    return err(file, line, std::string("bad ") + column + " field \"" + printable(v, 20) + "\": expected y, n or -");
}

Result<MasterEntry> parse_entry(const std::string& text, const std::string& file, int line) {
    const auto f = split_any(text, " \t");
    if (f.size() < 8)
        return err(file, line, "expected at least 8 fields (service type private unpriv chroot wakeup maxproc "
                               "command), found " + std::to_string(f.size()));
    MasterEntry e;
    e.line = line;
    e.service = std::string(f[0]);
    if (f[1] == "inet") e.type = ServiceType::Inet;
    else if (f[1] == "unix") e.type = ServiceType::Unix;
    else if (f[1] == "pass") e.type = ServiceType::Pass;
    else if (f[1] == "fifo") e.type = ServiceType::Fifo;
    else if (f[1] == "unix-dgram") e.type = ServiceType::UnixDgram;
    else return err(file, line, "bad transport type \"" + printable(f[1], 20) + "\"");
    auto priv = yes_no(f[2], true, file, line, "private");
    if (!priv) return priv.error();
    auto unpriv = yes_no(f[3], true, file, line, "unprivileged");
    if (!unpriv) return unpriv.error();
    auto chroot = yes_no(f[4], false, file, line, "chroot");
    if (!chroot) return chroot.error();
    e.is_private = *priv;
    e.unpriv = *unpriv;
    e.chroot = *chroot;
    if (f[5] != "-") {
        std::string_view w = f[5];
        if (!w.empty() && w.back() == '?') w.remove_suffix(1);  // Postfix: wake only when in use
        auto n = parse_number<int>(w);
        if (!n || *n < 0 || *n > kMaxWakeupSeconds) return err(file, line, "bad wakeup time \"" + std::string(f[5]) + "\"");
        e.wakeup = *n;
    }
    if (f[6] != "-") {
        auto n = parse_number<int>(f[6]);
        if (!n || *n < 0 || *n > kMaxProcesses) return err(file, line, "bad process limit \"" + std::string(f[6]) + "\"");
        e.maxproc = *n;
    }
    e.command = std::string(f[7]);
    if (e.command.find('/') != std::string::npos) return err(file, line, "command must be a program name, not a path");
    for (std::size_t i = 8; i < f.size(); ++i) {
        e.args.emplace_back(f[i]);
        if (f[i] == "-o") {
            if (i + 1 >= f.size()) return err(file, line, "-o needs name=value");
            const std::string_view kv = f[i + 1];
            const auto eq = kv.find('=');
            if (eq == std::string_view::npos || eq == 0)
                return err(file, line, "bad -o argument \"" + printable(kv, 60) + "\": expected name=value");
            e.overrides.emplace_back(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
            e.args.emplace_back(kv);
            ++i;
        }
    }
    return e;
}

}  // namespace

Result<std::vector<MasterEntry>> parse_master_cf(std::string_view text, const std::string& filename) {
    std::vector<MasterEntry> out;
    std::string pending;
    int pending_line = 0, lineno = 0;
    auto flush = [&]() -> Result<void> {
        if (pending.empty()) return {};
        auto e = parse_entry(pending, filename, pending_line);
        if (!e) return e.error();
        for (const auto& o : out)
            if (o.service == e->service && o.type == e->type)
                return err(filename, pending_line, "duplicate service " + e->service);
        out.push_back(std::move(*e));
        pending.clear();
        return {};
    };
    while (!text.empty()) {
        ++lineno;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // a file edited on Windows
        const std::string_view body = trim(line);
        if (body.empty() || body.front() == '#') continue;
        if (line.front() == ' ' || line.front() == '\t') {
            if (pending.empty()) return err(filename, lineno, "continuation line before any service");
            pending += ' ';
            pending += body;
            continue;
        }
        if (auto r = flush(); !r) return r.error();
        pending = std::string(body);
        pending_line = lineno;
    }
    if (auto r = flush(); !r) return r.error();
    return out;
}

}  // namespace tern::config
