// tern spf check --ip IP --sender ADDR --helo NAME [--zone FILE] [--receiver NAME]:
// evaluates SPF (RFC 7208) as smtpd would at MAIL FROM and prints the
// result on line 1 and, for a fail whose record has exp=, the expanded
// explanation on line 2. DNS comes from the dns_* parameters of the
// configuration, or only from FILE with --zone (an RFC 1035 master file).
// Exit 0 for every SPF result, 2 for a usage error, 1 when the
// configuration or the zone file is bad.
#include <cstdio>
#include <stdexcept>

#include "libmail/config/config.h"
#include "libmail/config/params_global.h"
#include "libmail/dns/resolver.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/spf/address.h"
#include "libmail/spf/check.h"
#include "tools/tern/tern.h"

namespace tern::cli {

namespace {

int spf_usage() {
    std::fprintf(stderr, "usage: tern [-c config_dir] spf check --ip IP --sender ADDRESS --helo NAME "
                         "[--zone FILE] [--receiver NAME]\n");
    return 2;
}

}  // namespace

int cmd_spf(const Options& o) {
    if (o.args.empty() || o.args[0] != "check") return spf_usage();
    spf::Request req;
    std::string zone;
    bool have_ip = false, have_sender = false, have_helo = false, have_receiver = false;
    for (std::size_t i = 1; i < o.args.size(); i += 2) {
        if (i + 1 >= o.args.size()) return spf_usage();
        const std::string& opt = o.args[i];
        const std::string& val = o.args[i + 1];
        if (opt == "--ip") req.ip = val, have_ip = true;
        else if (opt == "--sender") req.sender = val, have_sender = true;
        else if (opt == "--helo") req.helo = val, have_helo = true;
        else if (opt == "--zone") zone = val;
        else if (opt == "--receiver") req.receiver = val, have_receiver = true;
        else return spf_usage();
    }
    if (!have_ip || !have_sender || !have_helo) return spf_usage();
    if (!spf::Address::parse(req.ip)) {
        std::fprintf(stderr, "tern: spf: bad --ip address \"%s\"\n", req.ip.c_str());
        return 2;
    }
    auto cfg = config::Config::load(o.config_dir);
    if (!cfg) throw std::runtime_error(cfg.error().message);
    dns::Options dopts = dns::Options::from_config(*cfg);
    if (!zone.empty()) dopts.zone_file = zone;
    if (!have_receiver) req.receiver = cfg->get(config::kMyHostname);

    EventBasePtr base(event_base_new());
    if (!base) throw std::runtime_error("event_base_new failed");
    auto resolver = dns::Resolver::create(base.get(), dopts);
    if (!resolver) throw std::runtime_error(resolver.error().message);
    spf::Outcome out;
    bool done = false;
    auto c = spf::check(**resolver, req, [&](const spf::Outcome& r) {
        out = r;
        done = true;
        event_base_loopbreak(base.get());
    });
    while (!done) event_base_loop(base.get(), EVLOOP_ONCE);
    std::printf("%s\n", std::string(spf::result_name(out.result)).c_str());
    if (out.result == spf::Result::Fail && out.explanation_from_exp) std::printf("%s\n", out.explanation.c_str());
    if (!out.problem.empty()) std::fprintf(stderr, "tern: spf: %s\n", out.problem.c_str());
    return 0;
}

}  // namespace tern::cli
