#include "smtp/delivery.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>


#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"
#include "libmail/queue/delivery_log.h"
#include "libmail/queue/queue_file.h"
#include "smtp/message_encoding.h"

namespace tern::smtp_client {

namespace {

bool is_ip_literal(const std::string& host) {
    unsigned char buf[16];
    std::string h = host;
    if (istarts_with(h, "ipv6:")) h = h.substr(5);
    return ::inet_pton(AF_INET, h.c_str(), buf) == 1 || ::inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::string soften_dsn(std::string dsn) {
    if (!dsn.empty() && dsn[0] == '5') dsn[0] = '4';
    return dsn;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

// ---------------------------------------------------------------- Service

struct Service::Cached {
    Service* svc = nullptr;
    std::string key;
    std::unique_ptr<Connection> conn;
    event* timer = nullptr;
    ~Cached() {
        if (timer) event_free(timer);
    }
};

Service::Service(event_base* base, Settings settings, std::unique_ptr<dns::Resolver> resolver)
    : base_(base), settings_(std::move(settings)), resolver_(std::move(resolver)), rng_(std::random_device{}()) {
    reaper_ = event_new(base_, -1, 0, reap_cb, this);
}

Service::~Service() {
    cache_.clear();
    if (reaper_) event_free(reaper_);
}

void Service::reap_cb(evutil_socket_t, short, void* ctx) noexcept {
    auto* self = static_cast<Service*>(ctx);
    self->graveyard_.clear();
    self->cached_graveyard_.clear();
}

void Service::expire_cb(evutil_socket_t, short, void* ctx) noexcept {
    auto* c = static_cast<Service::Cached*>(ctx);
    Service* svc = c->svc;
    auto conn = svc->take(c->key);
    if (conn) svc->retire(std::move(conn), true);
}

Credentials Service::credentials(const NextHop& hop) {
    if (!sasl_enable || !password_maps) return {};
    std::vector<std::string> keys;
    const std::string host = hop.mx_lookup ? hop.host : "[" + hop.host + "]";
    if (hop.port) keys.push_back(host + ":" + std::to_string(hop.port));
    keys.push_back(host);
    if (!hop.mx_lookup) keys.push_back(hop.host);
    for (const auto& k : keys) {
        auto v = password_maps->lookup(k);
        if (!v) {
            log::warning("smtp_sasl_password_maps: %s", v.error().message.c_str());
            return {};
        }
        if (*v) {
            auto [user, pass] = split_once(**v, ':');
            return {std::string(user), std::string(pass)};
        }
    }
    return {};
}

std::unique_ptr<Connection> Service::take(const std::string& key) {
    auto it = cache_.find(key);
    if (it == cache_.end()) return nullptr;
    auto c = std::move(it->second);
    cache_.erase(it);
    event_del(c->timer);
    auto conn = std::move(c->conn);
    // The entry may be running its own callback (the timer or conn's idle callback).
    cached_graveyard_.push_back(std::move(c));
    event_active(reaper_, EV_TIMEOUT, 0);
    return conn;
}

void Service::put(const std::string& key, std::unique_ptr<Connection> conn) {
    if (cache_time.count() <= 0 || cache_.count(key)) return retire(std::move(conn), true);
    auto c = std::make_unique<Cached>();
    c->svc = this;
    c->key = key;
    c->conn = std::move(conn);
    c->timer = event_new(base_, -1, 0, expire_cb, c.get());
    const timeval tv{static_cast<time_t>(cache_time.count()), 0};
    event_add(c->timer, &tv);
    c->conn->idle([this, key] {
        if (auto gone = take(key)) retire(std::move(gone));
    });
    cache_.emplace(key, std::move(c));
}

void Service::retire(std::unique_ptr<Connection> c, bool quit) {
    if (!c) return;
    if (quit) {
        // Kept alive by the QUIT callback until the reply (or error, or timeout) comes.
        Connection* raw = c.get();
        auto holder = std::make_shared<std::unique_ptr<Connection>>(std::move(c));
        raw->quit([this, holder] {
            if (!*holder) return;
            graveyard_.push_back(std::move(*holder));
            event_active(reaper_, EV_TIMEOUT, 0);
        });
        return;
    }
    c->abandon();  // its callbacks point at a Delivery that may be gone by the next turn
    graveyard_.push_back(std::move(c));
    event_active(reaper_, EV_TIMEOUT, 0);
}

// ---------------------------------------------------------------- Delivery

Delivery::Delivery(Service& svc, ipc::AttrList request, Done done)
    : svc_(svc), req_(std::move(request)), done_(std::move(done)) {}

Delivery::~Delivery() {
    if (conn_) svc_.retire(std::move(conn_));
}

void Delivery::start() {
    started_ = std::chrono::steady_clock::now();
    queue_id_ = req_.get_or("queue_id", "");
    const std::string path = req_.get_or("path", "");
    sender_ = req_.get_or("sender", "");
    const auto rcpts = req_.get_all("rcpt");
    const auto indexes = req_.get_all("rcpt_index");
    if (req_.get_or("request", "") != "deliver" || rcpts.size() != indexes.size())
        log::panic("malformed delivery request from qmgr");
    if (queue_id_.empty()) queue_id_ = path.substr(path.rfind('/') + 1);
    for (std::size_t i = 0; i < rcpts.size(); ++i) rcpts_.push_back({std::string(indexes[i]), {std::string(rcpts[i]), "", 0}, {}});

    queue_fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!queue_fd_) return finish_all("deferred", "4.3.0", "cannot open queue file: " + sys_error("open", path).message);
    auto qf = queue::read_queue_file(queue_fd_.get(), path);
    if (!qf) return finish_all("deferred", "4.3.0", "cannot read queue file: " + qf.error().message);
    qf_ = std::move(*qf);
    auto eight_bit = content_has_8bit();
    if (!eight_bit) return finish_all("deferred", "4.3.0", "cannot read queue file: " + eight_bit.error().message);
    const auto& env = qf_.env;
    arrival_ = static_cast<double>(env.arrival_sec) + env.arrival_usec / 1e6;
    before_ = std::max(0.0, queue::now_seconds() - arrival_);
    // DSN parameters of each recipient come from the queue file, by index.
    for (auto& r : rcpts_) {
        auto i = parse_number<std::size_t>(r.index);
        if (i && *i < env.recipients.size() && env.recipients[*i].address == r.r.address) {
            r.r.orcpt = env.recipients[*i].orcpt;
            r.r.notify = env.recipients[*i].notify;
        }
    }
    auto attr = [&](std::string_view n) { const std::string* v = env.attr(n); return v ? *v : std::string(); };
    eight_bit_ = iequals(attr("body"), "8BITMIME") || *eight_bit;
    smtputf8_ = iequals(attr("smtputf8"), "yes");
    ret_ = attr("ret");
    envid_ = attr("envid");

    std::string hop_text = req_.get_or("nexthop", "");
    if (hop_text.empty()) hop_text = svc_.relayhost;
    if (hop_text.empty() && !rcpts_.empty()) hop_text = domain_of(rcpts_.front().r.address);
    auto hop = parse_nexthop(hop_text);
    if (!hop) return finish_all("deferred", "4.3.5", "bad next hop \"" + printable(hop_text) + "\"");
    hop_ = *hop;
    // Looked up by the next hop as written (before the default port is filled in).
    auto policy = lookup_tls_policy(svc_.tls_policy_maps.get(), hop_, svc_.settings().tls_level);
    if (!policy) {
        log::warning("%s", policy.error().message.c_str());
        return finish_all("deferred", "4.7.5", "TLS policy lookup error for " + hop_.text());
    }
    tls_policy_ = *policy;
    if (hop_.port == 0) hop_.port = svc_.default_port;

    if (auto cached = svc_.take(hop_.text())) {
        conn_ = std::move(cached);
        conn_->reset([this](bool ok, const std::string&, const std::string&) {
            if (ok) {
                connected_at_ = std::chrono::steady_clock::now();
                return transmit();
            }
            svc_.retire(std::move(conn_));
            lookup_mx();
        });
        return;
    }
    lookup_mx();
}

void Delivery::lookup_mx() {
    if (!hop_.mx_lookup || is_ip_literal(hop_.host)) {
        hosts_ = {hop_.host};
        return resolve_host(0);
    }
    q_mx_ = svc_.resolver().query(hop_.host, dns::RrType::MX, [this](const dns::Answer& a) {
        const std::string name = "Host or domain name not found. Name service error for name=" + hop_.host + " type=MX: ";
        switch (a.status) {
        case dns::Answer::Status::Ok:
            if (is_null_mx(a.mx))  // RFC 7505 3.3
                return finish_all("bounced", "5.1.10", "Domain " + hop_.host + " does not accept mail (nullMX)");
            hosts_ = order_mx(a.mx, svc_.rng());
            if (hosts_.empty())
                return finish_all("bounced", "5.1.10", "Domain " + hop_.host + " does not accept mail (nullMX)");
            return resolve_host(0);
        case dns::Answer::Status::NoData:
            hosts_ = {hop_.host};  // RFC 5321 5.1: the implicit MX
            return resolve_host(0);
        case dns::Answer::Status::NxDomain:
            return finish_all("bounced", "5.1.2", name + "Host not found");
        case dns::Answer::Status::TempFail:
        case dns::Answer::Status::Bogus:
            return fail_hop("4.4.3", name + "Host not found, try again");
        }
    });
}

void Delivery::resolve_host(std::size_t i) {
    host_i_ = i + 1;
    if (i >= hosts_.size()) {
        if (!any_host_found_ && hosts_.size() == 1 && last_dsn_ == "5.1.2")
            return finish_all("bounced", last_dsn_, last_reason_);
        return fail_hop(soften_dsn(last_dsn_), last_reason_);
    }
    const std::string host = hosts_[i];
    if (is_ip_literal(host)) {
        addrs_ = {{host, istarts_with(host, "ipv6:") ? host.substr(5) : host}};
        any_host_found_ = true;
        return try_next_address();
    }
    pending_ = 2;
    auto both = [this, host]() {
        if (--pending_ > 0) return;
        addrs_.clear();
        for (const auto& ad : a_.addresses) addrs_.push_back({host, ad});
        for (const auto& ad : aaaa_.addresses) addrs_.push_back({host, ad});
        if (!addrs_.empty()) {
            any_host_found_ = true;
            return try_next_address();
        }
        const bool temp = a_.status == dns::Answer::Status::TempFail || aaaa_.status == dns::Answer::Status::TempFail;
        const bool nx = a_.status == dns::Answer::Status::NxDomain;
        last_dsn_ = temp ? "4.4.3" : nx ? "5.1.2" : "4.4.4";
        last_reason_ = "Host or domain name not found. Name service error for name=" + host + " type=A: Host not found" +
                       (temp ? ", try again" : "");
        resolve_host(host_i_);
    };
    q_a_ = svc_.resolver().query(host, dns::RrType::A, [this, both](const dns::Answer& a) { a_ = a; both(); });
    q_aaaa_ = svc_.resolver().query(host, dns::RrType::AAAA, [this, both](const dns::Answer& a) { aaaa_ = a; both(); });
}

void Delivery::try_next_address() {
    if (addrs_.empty()) return resolve_host(host_i_);
    Target t = addrs_.front();
    addrs_.erase(addrs_.begin());
    if (conn_) svc_.retire(std::move(conn_));
    Settings s = svc_.settings();
    s.tls_level = tls_policy_.level;
    s.tls_match = match_names(tls_policy_, hop_, t.host);
    conn_ = std::make_unique<Connection>(svc_.base(), s, t.host, t.addr, hop_.port, svc_.credentials(hop_));
    conn_->open([this](bool ok, const std::string& dsn, const std::string& reason) { on_ready(ok, dsn, reason); });
}

void Delivery::on_ready(bool ok, const std::string& dsn, const std::string& reason) {
    if (!ok) {
        last_dsn_ = dsn;
        last_reason_ = reason;
        log::info("%s: %s", queue_id_.c_str(), printable(reason, 500).c_str());
        return try_next_address();
    }
    connected_at_ = std::chrono::steady_clock::now();
    transmit();
}

void Delivery::transmit() {
    relay_ = conn_->relay();
    const Capabilities& caps = conn_->caps();
    remote_dsn_ = caps.dsn;
    // RFC 6531 3.4: an SMTPUTF8 message cannot go to a server that does not offer it.
    if (smtputf8_ && !caps.smtputf8) {
        svc_.put(hop_.text(), std::move(conn_));
        return finish_all("bounced", "5.6.7",
                          "SMTPUTF8 is required, but was not offered by host " + relay_.substr(0, relay_.rfind(':')));
    }
    Transaction tx;
    tx.size = qf_.content_bytes;
    tx.body_8bitmime = eight_bit_;
    if (eight_bit_ && !caps.eightbitmime) {
        // RFC 6152 3: never send 8-bit data to a server that did not offer 8BITMIME.
        auto converted = downgrade();
        if (!converted) {
            svc_.put(hop_.text(), std::move(conn_));
            return finish_all("deferred", "4.6.3",
                              "host " + relay_.substr(0, relay_.rfind(':')) +
                                  " does not announce 8BITMIME and the message cannot be converted: " +
                                  converted.error().message);
        }
        tx.size = converted->size();
        tx.data = std::make_shared<StringSource>(encode_data(*converted));
        tx.body_8bitmime = false;
    } else {
        tx.data = std::make_shared<QueueFileSource>(queue_fd_.get(), qf_);  // sent as it is read
    }
    // RFC 1870 6: a message larger than the server's SIZE would only be refused after DATA.
    if (caps.has_size && caps.size_limit > 0 && tx.size > caps.size_limit) {
        svc_.put(hop_.text(), std::move(conn_));
        return finish_all("bounced", "5.3.4",
                          "message size " + std::to_string(tx.size) + " exceeds size limit " +
                              std::to_string(caps.size_limit) + " of server " + relay_.substr(0, relay_.rfind(':')));
    }
    tx.sender = sender_;
    tx.smtputf8 = smtputf8_;
    tx.ret = ret_;
    tx.envid = envid_;
    for (const auto& r : rcpts_) tx.rcpts.push_back(r.r);
    conn_->send(tx, [this](std::vector<Outcome> outcomes, bool reusable) {
        // Nothing settled here (421, 4xx to MAIL FROM or to every RCPT): another MX host may
        // do better, as Postfix tries it. A message may then arrive twice, never not at all.
        bool all_deferred = !outcomes.empty();
        for (const auto& o : outcomes) all_deferred = all_deferred && o.status == "deferred";
        if (all_deferred && (!addrs_.empty() || host_i_ < hosts_.size())) {
            last_dsn_ = outcomes.front().dsn;
            last_reason_ = outcomes.front().reason;
            log::info("%s: %s", queue_id_.c_str(), printable(last_reason_, 500).c_str());
            svc_.retire(std::move(conn_), reusable);
            return try_next_address();
        }
        for (std::size_t i = 0; i < rcpts_.size() && i < outcomes.size(); ++i) rcpts_[i].result = outcomes[i];
        if (reusable) svc_.put(hop_.text(), std::move(conn_));
        else svc_.retire(std::move(conn_));
        reply();
    });
}

Result<bool> Delivery::content_has_8bit() {
    queue::ContentReader reader(queue_fd_.get(), qf_);
    std::string chunk;
    for (;;) {
        auto more = reader.next(chunk);
        if (!more) return more.error();
        if (!*more) return false;
        if (has_8bit(chunk)) return true;
    }
}

// The conversion to quoted-printable needs the whole message: bounded, as a rare case.
Result<std::string> Delivery::downgrade() {
    if (qf_.content_bytes > kMaxConvertedBytes)
        return Error("message larger than " + std::to_string(kMaxConvertedBytes) + " bytes");
    std::string whole;
    whole.reserve(qf_.content_bytes);
    auto rd = queue::read_content(queue_fd_.get(), qf_, [&](std::string_view chunk) -> Result<void> {
        whole += chunk;
        return {};
    });
    if (!rd) return Error("cannot read queue file: " + rd.error().message);
    return downgrade_8bit(whole);
}

void Delivery::fail_hop(const std::string& dsn, const std::string& reason) {
    hop_failed_ = true;
    last_dsn_ = dsn;
    last_reason_ = reason;
    finish_all("deferred", dsn, reason);
}

void Delivery::finish_all(const std::string& status, const std::string& dsn, const std::string& reason) {
    for (auto& r : rcpts_) r.result = {status, dsn, reason};
    reply();
}

void Delivery::reply() {
    if (replied_) return;
    replied_ = true;
    const double total = seconds_since(started_);
    const bool connected = connected_at_.time_since_epoch().count() != 0;
    queue::Delays delays;
    delays.before_active = before_;
    delays.setup = connected ? std::chrono::duration<double>(connected_at_ - started_).count() : total;
    delays.transmission = connected ? seconds_since(connected_at_) : 0;
    ipc::AttrList out;
    for (const auto& r : rcpts_) {
        Outcome o = r.result;
        if (o.status.empty()) o = {"deferred", "4.3.0", "no result"};
        out.add("rcpt_index", r.index);
        out.add("status", o.status);
        out.add("dsn", o.dsn);
        out.add("reason", o.reason);
        out.add("relay", relay_);
        out.add("diagnostic", o.reply.empty() ? "" : "smtp; " + o.reply);  // RFC 3464 2.3.6
        // RFC 3461 5.2: a server that offers DSN takes the request over; otherwise, success is "relayed".
        out.add("action", remote_dsn_ ? "" : "relayed");
        queue::log_recipient_result(queue_id_, r.r.address, relay_, delays, o.dsn, o.status, o.reason);
    }
    // The destination itself failed (no server reachable, DNS down): qmgr's scheduler slows down or suspends it.
    if (hop_failed_) {
        out.add("hop_status", last_dsn_);
        out.add("hop_reason", last_reason_);
    }
    auto fn = std::move(done_);
    done_ = nullptr;
    if (fn) fn(std::move(out));
}

}  // namespace tern::smtp_client
