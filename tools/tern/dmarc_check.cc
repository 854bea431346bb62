// tern dmarc check [--zone FILE] --ip IP --sender ADDRESS --helo NAME MESSAGE
//   SPF, DKIM and DMARC for MESSAGE as smtpd would judge it arriving from IP
//   with that HELO and MAIL FROM: the Authentication-Results and Received-SPF
//   fields smtpd would add, then "disposition: ..." (what the policy does).
// tern dmarc send-reports
//   Tells qmgr to send the DMARC aggregate reports now.
#include <cstdio>
#include <stdexcept>

#include "libmail/authres/sender_auth.h"
#include "libmail/config/config.h"
#include "libmail/config/params_global.h"
#include "libmail/dkim/verifier.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/ipc/attr_channel.h"
#include "tools/tern/message_input.h"
#include "tools/tern/tern.h"

namespace tern::cli {

namespace {

int check_usage() {
    std::fprintf(stderr, "usage: tern [-c config_dir] dmarc check [--zone FILE] --ip IP --sender ADDRESS "
                         "--helo NAME MESSAGE|-\n");
    return 2;
}

std::string disposition(const authres::AuthVerdict& v) {
    if (v.refuse) return "reject (" + v.refuse->line() + ")";
    if (v.hold) return "hold (the hold queue)";
    if (v.prepend.find("X-Tern-Quarantine:") != std::string::npos) return "quarantine (the Junk folder)";
    return "accept";
}

}  // namespace

int cmd_dmarc_check(const Options& o) {
    std::string zone, ip, sender, helo, file;
    bool have_sender = false;
    for (std::size_t i = 1; i < o.args.size(); ++i) {
        const std::string& a = o.args[i];
        const bool has_value = i + 1 < o.args.size();
        if (a == "--zone" && has_value) zone = o.args[++i];
        else if (a == "--ip" && has_value) ip = o.args[++i];
        else if (a == "--sender" && has_value) sender = o.args[++i], have_sender = true;
        else if (a == "--helo" && has_value) helo = o.args[++i];
        else if (file.empty() && (a == "-" || a.rfind("--", 0) != 0)) file = a;
        else return check_usage();
    }
    if (ip.empty() || !have_sender || helo.empty() || file.empty()) return check_usage();
    if (sender == "<>") sender.clear();

    auto cfg = config::Config::load(o.config_dir);
    if (!cfg) throw std::runtime_error(cfg.error().message);
    auto sa = authres::SenderAuthConfig::from_config(*cfg);
    if (!sa) throw std::runtime_error(sa.error().message);
    sa->reports.reset();  // a trial: nothing is recorded for the aggregate reports
    sa->spf_policy = {};  // every SPF result is shown, none refuses
    EventBasePtr base(event_base_new());
    dns::Options dopts = dns::Options::from_config(*cfg);
    if (!zone.empty()) dopts.zone_file = zone;
    auto resolver = dns::Resolver::create(base.get(), dopts);
    if (!resolver) throw std::runtime_error(resolver.error().message);

    authres::SenderAuth auth(*sa, base.get(), **resolver, ip, helo, sender);
    auth.start(nullptr);
    MessageSplitter split({[&](std::string_view f) { auth.header(f); }, [&] { auth.end_of_headers(); },
                           [&](std::string_view c) { auth.body(c); }},
                          dkim::kMaxHeaderBlockOctets);
    UniqueFd fd = open_message(file);
    read_chunks(fd.get(), [&](std::string_view c) { split.feed(c); });
    split.finish();
    auth.end_of_body();

    std::optional<authres::AuthVerdict> verdict;
    auth.finish([&](const authres::AuthVerdict& v) { verdict = v; });
    while (!verdict && event_base_loop(base.get(), EVLOOP_ONCE) == 0) {
    }
    if (!verdict) throw std::runtime_error("the checks did not finish");
    std::fputs(verdict->prepend.c_str(), stdout);
    std::printf("disposition: %s\n", disposition(*verdict).c_str());
    return 0;
}

int cmd_dmarc_send_reports(const Options& o) {
    auto cfg = config::Config::load(o.config_dir);
    if (!cfg) throw std::runtime_error(cfg.error().message);
    // As postqueue -f: a trigger qmgr may not hear is logged, not fatal.
    ipc::send_trigger(cfg->get(config::kQueueDirectory), "qmgr", ipc::kTriggerDmarcReports);
    return 0;
}

}  // namespace tern::cli
