#include "smtp/dispatcher.h"

#include "libmail/config/params_global.h"
#include "libmail/config/params_smtp.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "smtp/tls_policy.h"

namespace tern::smtp_client {

Tables open_tables(const config::Config& cfg) {
    Tables t;
    auto open = [](const char* name, const std::vector<std::string>& specs) {
        auto maps = maps::MapList::open(specs);
        if (!maps) log::fatal("%s: %s", name, maps.error().message.c_str());
        return std::make_unique<maps::MapList>(std::move(*maps));
    };
    if (const auto specs = cfg.get_list(config::kSmtpTlsPolicyMaps); !specs.empty())
        t.tls_policy = open("smtp_tls_policy_maps", specs);
    if (cfg.get_bool(config::kSmtpSaslAuthEnable))
        t.sasl_passwords = open("smtp_sasl_password_maps", cfg.get_list(config::kSmtpSaslPasswordMaps));
    return t;
}

std::unique_ptr<Service> make_service(server::Context& ctx, Tables tables) {
    const config::Config& cfg = *ctx.cfg;
    Settings s;
    s.helo_name = cfg.get(config::kSmtpHeloName);
    s.connect_timeout = cfg.get_time(config::kSmtpConnectTimeout);
    s.helo_timeout = cfg.get_time(config::kSmtpHeloTimeout);
    s.mail_timeout = cfg.get_time(config::kSmtpMailTimeout);
    s.data_done_timeout = cfg.get_time(config::kSmtpDataDoneTimeout);
    s.bind_address = cfg.get(config::kSmtpBindAddress);
    s.bind_address6 = cfg.get(config::kSmtpBindAddress6);
    s.wrappermode = cfg.get_bool(config::kSmtpTlsWrappermode);
    auto level = parse_tls_level(cfg.get(config::kSmtpTlsSecurityLevel));
    if (!level) log::fatal("smtp_tls_security_level: %s", level.error().message.c_str());
    s.tls_level = *level;
    // Always built: smtp_tls_policy_maps may ask for TLS where the default level does not.
    // Lives as long as the process (never freed: OpenSSL's own exit handlers may run first).
    static tls::ClientContext* tls_ctx = nullptr;
    tls::ClientSettings ts;
    ts.protocols = cfg.get(config::kSmtpTlsProtocols);
    ts.ca_file = cfg.get(config::kSmtpTlsCaFile);
    ts.ca_path = cfg.get(config::kSmtpTlsCaPath);
    auto c = tls::ClientContext::create(ts);
    if (!c) log::fatal("smtp TLS: %s", c.error().message.c_str());
    tls_ctx = c->release();
    s.tls = tls_ctx;
    auto resolver = dns::Resolver::create(ctx.base, dns::Options::from_config(cfg));
    if (!resolver) log::fatal("DNS resolver: %s", resolver.error().message.c_str());
    auto svc = std::make_unique<Service>(ctx.base, std::move(s), std::move(*resolver));
    svc->relayhost = cfg.get(config::kRelayhost);
    if (!svc->relayhost.empty() && !parse_nexthop(svc->relayhost))
        log::fatal("relayhost: bad value \"%s\"", printable(svc->relayhost).c_str());
    svc->default_port = static_cast<int>(cfg.get_int(config::kSmtpDestinationPort));
    svc->cache_time = cfg.get_time(config::kSmtpConnectionCacheTimeLimit);
    svc->tls_policy_maps = std::move(tables.tls_policy);
    svc->sasl_enable = cfg.get_bool(config::kSmtpSaslAuthEnable);
    svc->password_maps = std::move(tables.sasl_passwords);
    return svc;
}

Dispatcher::~Dispatcher() {
    if (reaper_) event_free(reaper_);
}

bool Dispatcher::idle() const {
    for (const auto& [chan, c] : clients_)
        if (c->current || !c->waiting.empty() || !chan->flushed()) return false;
    return true;
}

void Dispatcher::reap_cb(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<Dispatcher*>(ctx);
    self->graveyard_.clear();
    self->done_.clear();
}

void Dispatcher::reap_later() {
    if (reaper_) event_active(reaper_, EV_TIMEOUT, 0);
}

void Dispatcher::accept(event_base* base, UniqueFd fd) {
    if (!reaper_) reaper_ = event_new(base, -1, 0, reap_cb, this);
    auto c = std::make_unique<Client>();
    c->chan = std::make_unique<ipc::AttrChannel>(base, std::move(fd));
    auto* raw = c->chan.get();
    Client* cp = c.get();
    raw->on_message([this, cp](ipc::AttrList&& req) {
        cp->waiting.push_back(std::move(req));
        start_next(*cp);
    });
    raw->on_close([this, raw](const std::string&) {
        auto node = clients_.extract(raw);
        if (node.empty()) return;
        if (node.mapped()->current) done_.push_back(std::move(node.mapped()->current));
        graveyard_.push_back(std::move(node.mapped()));
        reap_later();
    });
    clients_.emplace(raw, std::move(c));
}

void Dispatcher::start_next(Client& c) {
    if (c.current || c.waiting.empty()) return;
    ipc::AttrList req = std::move(c.waiting.front());
    c.waiting.pop_front();
    Client* cp = &c;
    c.current = std::make_unique<Delivery>(*svc_, std::move(req), [this, cp](ipc::AttrList reply) {
        if (cp->chan->is_open()) cp->chan->send(reply);
        // Called from inside the Delivery: freed with the next connection or request, not here.
        done_.push_back(std::move(cp->current));
        reap_later();
        start_next(*cp);
    });
    c.current->start();
}

}  // namespace tern::smtp_client
