// tern dkim keygen|verify|sign: DKIM keys for the administrator, and the
// verifier and signer of libmail/dkim on a message file, for checking a
// setup by hand and for the interoperability tests. Messages are streamed
// (CRLF or LF line ends); only `sign` of standard input spools the message
// to a temporary file, since the signature goes in front of it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <functional>
#include <stdexcept>

#include "libmail/config/config.h"
#include "libmail/config/params_dkim.h"
#include "libmail/config/params_global.h"
#include "libmail/core/file_io.h"
#include "libmail/core/privs.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"
#include "libmail/dkim/canon.h"
#include "libmail/dkim/key_text.h"
#include "libmail/dkim/signer.h"
#include "libmail/dkim/signing_table.h"
#include "libmail/dkim/verifier.h"
#include "libmail/dns/resolver.h"
#include "libmail/event/event_ptrs.h"
#include "tools/tern/message_input.h"
#include "tools/tern/tern.h"

namespace tern::cli {

namespace {

constexpr std::size_t kMaxSpoolOctets = 1024 * 1024 * 1024;  // a message on stdin for `sign`

int usage() {
    std::fprintf(stderr,
                 "usage: tern [-c config_dir] dkim keygen DOMAIN [--selector S] [--type rsa|ed25519] [--bits N]\n"
                 "       tern [-c config_dir] dkim verify [--zone FILE] [MESSAGE|-]\n"
                 "       tern [-c config_dir] dkim sign [--domain D --selector S --key FILE]... [MESSAGE|-]\n");
    return 2;
}

config::Config load_config(const Options& o) {
    auto cfg = config::Config::load(o.config_dir);
    if (!cfg) throw std::runtime_error(cfg.error().message);
    return std::move(*cfg);
}

int cmd_keygen(const Options& o) {
    if (o.args.size() < 2) return usage();
    const std::string domain = to_lower(o.args[1]);
    char month[16];
    const std::time_t now = std::time(nullptr);
    std::strftime(month, sizeof month, "s%Y%m", std::gmtime(&now));
    std::string selector = month;
    dkim::KeyType type = dkim::KeyType::Rsa;
    int bits = 2048;
    for (std::size_t i = 2; i < o.args.size(); ++i) {
        const std::string& a = o.args[i];
        if (i + 1 >= o.args.size()) return usage();
        const std::string& v = o.args[++i];
        if (a == "--selector") selector = to_lower(v);
        else if (a == "--type" && v == "rsa") type = dkim::KeyType::Rsa;
        else if (a == "--type" && v == "ed25519") type = dkim::KeyType::Ed25519;
        else if (a == "--bits") bits = parse_number<int>(v).value_or(0);
        else return usage();
    }
    auto safe = [](const std::string& s) {
        if (s.empty() || s.front() == '.' || s.front() == '-' || s.size() > 253) return false;
        for (char c : s)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') return false;
        return true;
    };
    if (!safe(domain)) throw std::runtime_error("bad domain: " + domain);
    if (!safe(selector) || selector.find('.') != std::string::npos) throw std::runtime_error("bad selector: " + selector);
    if (type == dkim::KeyType::Rsa && (bits < 1024 || bits > 8192))
        throw std::runtime_error("--bits must be between 1024 and 8192 (RFC 8301; 2048 recommended)");

    const config::Config cfg = load_config(o);
    const std::string dir = cfg.get(config::kDkimKeyDirectory) + "/" + domain;
    const std::string key_path = dir + "/" + selector + ".key";
    if (auto r = make_dirs(dir, 0750); !r) throw std::runtime_error(r.error().message);
    auto key = dkim::generate_key(type, bits);
    if (!key) throw std::runtime_error(key.error().message);
    auto pem = dkim::private_key_pem(key->get());
    if (!pem) throw std::runtime_error(pem.error().message);
    // O_EXCL: an existing key stays; replacing a published key breaks mail in flight.
    UniqueFd fd(::open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) {
        if (errno == EEXIST) throw std::runtime_error(key_path + " exists; choose another --selector");
        throw std::runtime_error(sys_error("create", key_path).message);
    }
    if (auto r = write_all(fd.get(), *pem); !r) throw std::runtime_error(r.error().message);
    if (::fsync(fd.get()) != 0) throw std::runtime_error(sys_error("fsync", key_path).message);
    if (running_as_root()) {
        // smtpd and pickup sign as mail_owner.
        auto owner = lookup_user(cfg.get(config::kMailOwner));
        if (!owner) throw std::runtime_error(owner.error().message);
        for (const std::string& p : {cfg.get(config::kDkimKeyDirectory), dir, key_path})
            if (::chown(p.c_str(), owner->uid, owner->gid) != 0) throw std::runtime_error(sys_error("chown", p).message);
    }
    auto record = dkim::key_record_text(key->get());
    if (!record) throw std::runtime_error(record.error().message);
    const std::string zone = dkim::zone_txt_line(selector, domain, *record);
    if (auto r = write_file_atomic(dir + "/" + selector + ".txt", zone, 0644); !r)
        throw std::runtime_error(r.error().message);
    std::fprintf(stderr, "tern: wrote %s; publish this record in DNS:\n", key_path.c_str());
    std::fputs(zone.c_str(), stdout);
    return 0;
}

int cmd_verify(const Options& o) {
    std::string zone, path = "-";
    bool have_zone = false;
    for (std::size_t i = 1; i < o.args.size(); ++i) {
        if (o.args[i] == "--zone" && i + 1 < o.args.size()) {
            zone = o.args[++i];
            have_zone = true;
        } else if (o.args[i].starts_with("--")) {
            return usage();
        } else {
            path = o.args[i];
        }
    }
    const config::Config cfg = load_config(o);
    dns::Options dopts = dns::Options::from_config(cfg);
    if (have_zone) dopts.zone_file = zone;
    EventBasePtr base(event_base_new());
    auto resolver = dns::Resolver::create(base.get(), dopts);
    if (!resolver) throw std::runtime_error(resolver.error().message);

    dkim::VerifyOptions vo;
    vo.max_signatures = static_cast<std::size_t>(cfg.get_int(config::kDkimMaxSignatures));
    vo.allow_body_length = cfg.get_bool(config::kDkimAllowBodyLength);
    vo.min_rsa_bits = static_cast<int>(cfg.get_int(config::kDkimMinRsaKeyBits));
    dkim::Verifier v(vo);
    bool done = false;
    MessageSplitter split({[&](std::string_view f) { v.header(f); },
                           [&] {
                               v.end_of_headers();
                               // Lookups start now and overlap reading the body.
                               v.verify(base.get(), **resolver, [&] { done = true; });
                           },
                           [&](std::string_view b) { v.body(b); }},
                          dkim::kMaxHeaderBlockOctets);
    const UniqueFd fd = open_message(path);
    read_chunks(fd.get(), [&](std::string_view c) { split.feed(c); });
    split.finish();
    v.end_of_body();
    while (!done) event_base_loop(base.get(), EVLOOP_ONCE);
    if (v.results().empty()) {
        std::puts("none");
        return 1;
    }
    bool all_pass = true;
    for (const dkim::SignatureResult& r : v.results()) {
        std::string line = "d=" + r.domain + " s=" + r.selector + " " + std::string(dkim::status_name(r.status));
        if (!r.reason.empty()) line += " (" + r.reason + ")";
        if (r.testing) line += " (testing)";
        std::puts(printable(line, 1000).c_str());
        all_pass = all_pass && r.status == dkim::Status::Pass;
    }
    if (v.ignored_signatures() > 0)
        std::printf("(%zu more signatures ignored: dkim_max_signatures)\n", v.ignored_signatures());
    return all_pass ? 0 : 1;
}

// Copies stdin to an unlinked temporary file so the message can be read twice.
UniqueFd spool_stdin() {
    char tmpl[] = "/tmp/tern-dkim-XXXXXX";
    UniqueFd fd(::mkstemp(tmpl));
    if (!fd) throw std::runtime_error(sys_error("mkstemp").message);
    ::unlink(tmpl);
    std::size_t total = 0;
    read_chunks(0, [&](std::string_view c) {
        total += c.size();
        if (total > kMaxSpoolOctets) throw std::runtime_error("message too large");
        if (auto r = write_all(fd.get(), c); !r) throw std::runtime_error(r.error().message);
    });
    if (::lseek(fd.get(), 0, SEEK_SET) != 0) throw std::runtime_error(sys_error("lseek").message);
    return fd;
}

int cmd_sign(const Options& o) {
    std::string path = "-", domain, selector;
    std::vector<dkim::SigningKeyPtr> keys;
    for (std::size_t i = 1; i < o.args.size(); ++i) {
        const std::string& a = o.args[i];
        if ((a == "--domain" || a == "--selector" || a == "--key") && i + 1 < o.args.size()) {
            const std::string& v = o.args[++i];
            if (a == "--domain") domain = v;
            else if (a == "--selector") selector = v;
            else {
                if (domain.empty() || selector.empty()) throw std::runtime_error("--key needs --domain and --selector before it");
                auto k = dkim::load_signing_key(v, domain, selector);
                if (!k) throw std::runtime_error(k.error().message);
                keys.push_back(*k);
            }
        } else if (a.starts_with("--")) {
            return usage();
        } else {
            path = a;
        }
    }
    const bool from_table = keys.empty();
    std::optional<dkim::SigningTable> table;
    if (from_table) {
        auto t = dkim::SigningTable::open(load_config(o));
        if (!t) throw std::runtime_error(t.error().message);
        table = std::move(*t);
    }
    UniqueFd fd = path == "-" ? spool_stdin() : open_message(path);

    dkim::Signer signer(keys);
    MessageSplitter split({[&](std::string_view f) { signer.header(f); },
                           [&] {
                               signer.end_of_headers();
                               if (!from_table) return;
                               // As in the message path: the keys follow the From address.
                               if (signer.from().empty()) throw std::runtime_error("no From address to choose keys by");
                               auto k = table->keys_for(signer.from());
                               if (!k) throw std::runtime_error(k.error().message);
                               if (k->empty()) throw std::runtime_error("no DKIM key configured for " + signer.from());
                               signer.set_keys(std::move(*k));
                           },
                           [&](std::string_view b) { signer.body(b); }},
                          dkim::kMaxHeaderBlockOctets);
    read_chunks(fd.get(), [&](std::string_view c) { split.feed(c); });
    split.finish();
    signer.end_of_body();
    auto fields = signer.finish(std::time(nullptr));
    if (!fields) throw std::runtime_error(fields.error().message);
    std::string out = *fields;
    if (split.saw_crlf()) {
        std::string crlf;
        for (char c : out) {
            if (c == '\n') crlf += '\r';
            crlf += c;
        }
        out = std::move(crlf);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (::lseek(fd.get(), 0, SEEK_SET) != 0) throw std::runtime_error(sys_error("lseek", path).message);
    read_chunks(fd.get(), [](std::string_view c) { std::fwrite(c.data(), 1, c.size(), stdout); });
    if (std::fflush(stdout) != 0) throw std::runtime_error("write error on standard output");
    return 0;
}

}  // namespace

int cmd_dkim(const Options& o) {
    if (o.args.empty()) return usage();
    const std::string& sub = o.args[0];
    if (sub == "keygen") return cmd_keygen(o);
    if (sub == "verify") return cmd_verify(o);
    if (sub == "sign") return cmd_sign(o);
    return usage();
}

}  // namespace tern::cli
