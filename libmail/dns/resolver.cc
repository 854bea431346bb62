// Resolver on libunbound: the library resolves in its own thread
// (ub_ctx_async(ctx, 1)) and hands answers back through a pipe, ub_fd(), which
// is a read event on the caller's loop; ub_process() there runs our unbound
// callback. That callback only stores the answer and activates the query's own
// event, so the user's callback runs in a later pass of the loop, outside
// libunbound (it may then destroy the Query or even the Resolver safely).
#include "libmail/dns/resolver.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unbound.h>

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "libmail/config/params_dns.h"
#include "libmail/core/c_ptr.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/dns/rdata.h"
#include "libmail/dns/zone_file.h"
#include "libmail/event/event_ptrs.h"

namespace tern::dns {

namespace {

using UbCtxPtr = CPtr<ub_ctx, ub_ctx_delete>;

constexpr int kClassIn = 1;
// RFC 1035 4.1.1 RCODEs.
constexpr int kRcodeNoError = 0;
constexpr int kRcodeServFail = 2;
constexpr int kRcodeNxDomain = 3;
// RFC 1035 2.3.4: labels of 63 octets, names of 255 octets on the wire.
constexpr std::size_t kMaxLabelOctets = 63;
constexpr std::size_t kMaxNameOctets = 255;
// CNAMEs followed in zone-file data before giving up (a loop, most likely).
constexpr int kMaxAliasChain = 8;

// Whether a name (as text, without escapes) can exist at all; names with
// backslash escapes are left to libunbound's parser.
bool name_is_possible(std::string_view name) {
    if (name.empty()) return false;
    if (name == "." || name.find('\\') != std::string_view::npos) return true;
    if (name.back() == '.') name.remove_suffix(1);
    std::size_t wire = 1;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= name.size(); ++i) {
        if (i < name.size() && name[i] != '.') continue;
        const std::size_t len = i - start;
        if (len == 0 || len > kMaxLabelOctets) return false;
        wire += len + 1;
        start = i + 1;
    }
    return wire <= kMaxNameOctets;
}

const char* rcode_name(int rcode) {
    switch (rcode) {
        case 1: return "FORMERR";
        case kRcodeServFail: return "SERVFAIL";
        case 4: return "NOTIMP";
        case 5: return "REFUSED";
        default: return "error";
    }
}

Answer temp_fail(std::string why) {
    Answer a;
    a.status = Answer::Status::TempFail;
    a.error = std::move(why);
    return a;
}

// Fills an Answer from libunbound's result; result->data holds the RDATA of
// each record of the asked type (CNAMEs already followed).
Answer make_answer(int err, const ub_result* res, RrType type) {
    if (err != 0 || !res) return temp_fail(std::string("libunbound: ") + ub_strerror(err));
    Answer a;
    a.secure = res->secure != 0;
    if (res->bogus) {
        a.status = Answer::Status::Bogus;
        a.error = res->why_bogus ? printable(res->why_bogus) : std::string("DNSSEC validation failed");
        return a;
    }
    if (res->rcode == kRcodeNxDomain || res->nxdomain) {
        a.status = Answer::Status::NxDomain;
        return a;
    }
    if (res->rcode != kRcodeNoError) {
        a = temp_fail(std::string(rcode_name(res->rcode)) + " (rcode " + std::to_string(res->rcode) + ")");
        return a;
    }
    if (!res->havedata || !res->data || !res->data[0]) {
        a.status = Answer::Status::NoData;
        return a;
    }
    const std::string malformed = "malformed " + type_name(type) + " record in the answer";
    for (std::size_t i = 0; res->data[i]; ++i) {
        if (res->len[i] < 0) return temp_fail(malformed);
        const Bytes rdata(reinterpret_cast<const unsigned char*>(res->data[i]), static_cast<std::size_t>(res->len[i]));
        switch (type) {
            case RrType::A:
            case RrType::AAAA: {
                auto addr = decode_address(type, rdata);
                if (!addr) return temp_fail(malformed);
                a.addresses.push_back(std::move(*addr));
                break;
            }
            case RrType::MX: {
                auto mx = decode_mx(rdata);
                if (!mx) return temp_fail(malformed);
                a.mx.push_back(std::move(*mx));
                break;
            }
            case RrType::TXT: {
                auto txt = decode_txt(rdata);
                if (!txt) return temp_fail(malformed);
                a.txt.push_back(std::move(*txt));
                break;
            }
            case RrType::PTR:
            case RrType::CNAME:
            case RrType::NS: {
                auto target = decode_target(rdata);
                if (!target) return temp_fail(malformed);
                a.names.push_back(std::move(*target));
                break;
            }
            case RrType::SOA:
            case RrType::SRV:
            case RrType::TLSA:
                a.rdata.emplace_back(reinterpret_cast<const char*>(rdata.data()), rdata.size());
                break;
        }
    }
    a.status = Answer::Status::Ok;
    return a;
}

class ResolverImpl;

class QueryImpl final : public Query {
public:
    QueryImpl(ResolverImpl* owner, RrType type, Resolver::Done done) : owner_(owner), type_(type), done_(std::move(done)) {}
    ~QueryImpl() override;

    static void on_result(void* arg, int err, ub_result* res) noexcept;
    static void on_event(evutil_socket_t, short, void* arg) noexcept;

    // Makes the answer ready and schedules the user's callback on the loop.
    void ready(Answer answer);
    // The resolver is going away: no callback will ever run.
    void detach() noexcept;

    ResolverImpl* owner_;
    RrType type_;
    std::string cache_key_;          // the answer is kept under it (ResolverImpl::remember)
    std::uint32_t ttl_ = UINT32_MAX;  // the smallest TTL along a CNAME chain
    int aliases_followed_ = 0;
    Resolver::Done done_;
    EventPtr ev_;            // timeout while waiting, then "deliver now"
    int async_id_ = 0;
    bool in_unbound_ = false;  // accepted by ub_resolve_async, no answer yet
    enum class State { Waiting, Ready, Done } state_ = State::Waiting;
    Answer answer_;
};

class ResolverImpl final : public Resolver {
public:
    // aliases: the zone file's CNAMEs (owner -> target, lower case, no
    // trailing dot), which libunbound's local data does not follow.
    ResolverImpl(event_base* base, UbCtxPtr ctx, std::chrono::milliseconds timeout,
                 std::unordered_map<std::string, std::string> aliases)
        : base_(base), ctx_(std::move(ctx)), timeout_(timeout), aliases_(std::move(aliases)) {}
    ~ResolverImpl() override {
        for (QueryImpl* q : live_) q->detach();
        live_.clear();
        // ub_event_ goes before ctx_ (member order), then ub_ctx_delete stops
        // and joins libunbound's thread.
    }

    Result<void> start() {
        ub_event_.reset(event_new(base_, ub_fd(ctx_.get()), EV_READ | EV_PERSIST, &ResolverImpl::on_readable, this));
        if (!ub_event_ || event_add(ub_event_.get(), nullptr) != 0) return Error("cannot watch libunbound's pipe");
        return {};
    }

    std::unique_ptr<Query> query(std::string_view name, RrType type, Done done) override {
        auto q = std::make_unique<QueryImpl>(this, type, std::move(done));
        q->ev_.reset(evtimer_new(base_, &QueryImpl::on_event, q.get()));
        if (!q->ev_) log::panic("dns: evtimer_new failed");
        live_.insert(q.get());
        q->cache_key_ = cache_key(name, type);
        if (const Answer* known = cached(q->cache_key_)) {
            q->ready(*known);
        } else if (broken_) {
            q->ready(temp_fail("DNS resolver unavailable (libunbound worker failed)"));
        } else if (!name_is_possible(name)) {
            Answer a;
            a.status = Answer::Status::NxDomain;
            a.error = "invalid domain name";
            q->ready(std::move(a));
        } else if (submit(q.get(), std::string(name))) {
            const timeval tv{static_cast<time_t>(timeout_.count() / 1000),
                             static_cast<suseconds_t>(timeout_.count() % 1000 * 1000)};
            evtimer_add(q->ev_.get(), &tv);
        }
        return q;
    }

    // Hands the name to libunbound; on failure the query is made ready with
    // the error (returns false).
    bool submit(QueryImpl* q, const std::string& name) {
        const int r = ub_resolve_async(ctx_.get(), name.c_str(), static_cast<int>(q->type_), kClassIn, q,
                                       &QueryImpl::on_result, &q->async_id_);
        if (r == UB_NOERROR) {
            q->in_unbound_ = true;
            return true;
        }
        if (r == UB_SYNTAX) {
            Answer a;
            a.status = Answer::Status::NxDomain;
            a.error = "invalid domain name";
            q->ready(std::move(a));
        } else {
            q->ready(temp_fail(std::string("libunbound: ") + ub_strerror(r)));
        }
        return false;
    }

    // The zone file's CNAME target of name, or null.
    const std::string* alias_of(std::string_view name) const {
        if (aliases_.empty() || name.empty()) return nullptr;
        std::string key = to_lower(name);
        if (key.back() == '.') key.pop_back();
        const auto it = aliases_.find(key);
        return it == aliases_.end() ? nullptr : &it->second;
    }

    void forget(QueryImpl* q) noexcept { live_.erase(q); }

    // Answers are kept for their TTL (at most kMaxCacheSeconds), so that the
    // names smtpd looks up for every connection (the client's PTR and its
    // forward check) cost no round trip through libunbound's thread. Neither
    // a temporary failure nor a bogus answer is kept. Bounded: cleared when full.
    static std::string cache_key(std::string_view name, RrType type) {
        std::string key = to_lower(name);
        if (!key.empty() && key.back() == '.') key.pop_back();
        key += '/';
        key += std::to_string(static_cast<int>(type));
        return key;
    }
    const Answer* cached(const std::string& key) {
        const auto it = cache_.find(key);
        if (it == cache_.end()) return nullptr;
        if (std::chrono::steady_clock::now() >= it->second.expires) {
            cache_.erase(it);
            return nullptr;
        }
        return &it->second.answer;
    }
    void remember(const std::string& key, const Answer& a, std::uint32_t ttl) {
        if (ttl == 0 || ttl == UINT32_MAX || a.status == Answer::Status::TempFail || a.status == Answer::Status::Bogus)
            return;
        if (cache_.size() >= kCacheEntries) cache_.clear();
        cache_[key] = Cached{a, std::chrono::steady_clock::now() + std::chrono::seconds(std::min(ttl, kMaxCacheSeconds))};
    }
    ub_ctx* ctx() const noexcept { return ctx_.get(); }
    std::chrono::milliseconds timeout() const noexcept { return timeout_; }

private:
    static void on_readable(evutil_socket_t, short, void* arg) noexcept {
        auto* self = static_cast<ResolverImpl*>(arg);
        const int r = ub_process(self->ctx_.get());
        if (r != UB_NOERROR) self->fail_all(r);
    }

    // libunbound's worker is gone (its pipe closed): stop watching the pipe,
    // which would otherwise stay readable forever, and fail every lookup.
    void fail_all(int err) {
        log::error("dns: libunbound worker failed: %s", ub_strerror(err));
        broken_ = true;
        event_del(ub_event_.get());
        for (QueryImpl* q : live_) {
            if (q->in_unbound_) {
                q->in_unbound_ = false;
                q->ready(temp_fail(std::string("libunbound: ") + ub_strerror(err)));
            }
        }
    }

    event_base* base_;
    UbCtxPtr ctx_;
    EventPtr ub_event_;
    std::chrono::milliseconds timeout_;
    std::unordered_set<QueryImpl*> live_;
    std::unordered_map<std::string, std::string> aliases_;
    bool broken_ = false;
    struct Cached {
        Answer answer;
        std::chrono::steady_clock::time_point expires;
    };
    static constexpr std::size_t kCacheEntries = 1024;
    static constexpr std::uint32_t kMaxCacheSeconds = 300;
    std::unordered_map<std::string, Cached> cache_;
};

QueryImpl::~QueryImpl() {
    if (!owner_) return;
    // After ub_cancel libunbound drops the answer and never calls on_result.
    if (in_unbound_) ub_cancel(owner_->ctx(), async_id_);
    owner_->forget(this);
}

void QueryImpl::detach() noexcept {
    owner_ = nullptr;
    in_unbound_ = false;
    state_ = State::Done;
    if (ev_) event_del(ev_.get());
}

void QueryImpl::ready(Answer answer) {
    answer_ = std::move(answer);
    state_ = State::Ready;
    event_del(ev_.get());
    event_active(ev_.get(), EV_TIMEOUT, 0);
}

void QueryImpl::on_result(void* arg, int err, ub_result* res) noexcept {
    auto* self = static_cast<QueryImpl*>(arg);
    self->in_unbound_ = false;
    Answer a = make_answer(err, res, self->type_);
    // Zone-file data: follow a CNAME as a recursive resolver would (RFC 1034
    // 3.6.2), with a bound on the chain as unbound has for its own.
    const std::string* target = nullptr;
    if (a.status == Answer::Status::NoData && self->type_ != RrType::CNAME && res && res->qname && self->owner_)
        target = self->owner_->alias_of(res->qname);
    self->ttl_ = std::min(self->ttl_, res ? static_cast<std::uint32_t>(std::max(res->ttl, 0)) : 0u);
    ub_resolve_free(res);
    if (target) {
        if (++self->aliases_followed_ > kMaxAliasChain) {
            self->ready(temp_fail("CNAME chain longer than " + std::to_string(kMaxAliasChain)));
        } else {
            self->owner_->submit(self, *target);
        }
        return;
    }
    if (self->owner_) self->owner_->remember(self->cache_key_, a, self->ttl_);
    self->ready(std::move(a));
}

void QueryImpl::on_event(evutil_socket_t, short, void* arg) noexcept {
    auto* self = static_cast<QueryImpl*>(arg);
    if (self->state_ == State::Done) return;
    if (self->state_ == State::Waiting) {  // the dns_timeout timer
        if (self->in_unbound_ && self->owner_) ub_cancel(self->owner_->ctx(), self->async_id_);
        self->in_unbound_ = false;
        const auto ms = self->owner_ ? self->owner_->timeout().count() : 0;
        self->answer_ = temp_fail("DNS lookup timed out after " + std::to_string(ms) + " ms");
    }
    self->state_ = State::Done;
    // The callback may destroy this Query (or the Resolver): touch nothing after it.
    Resolver::Done done = std::move(self->done_);
    const Answer answer = std::move(self->answer_);
    if (done) done(answer);
}

// libunbound logs (errors only, at its default verbosity) to a FILE*; this
// one turns each line into a Tern warning, so that a trust anchor file it
// cannot read is explained in the mail log rather than on a lost stderr.
// libunbound may write from its own thread: log::warning is one write(2).
ssize_t write_unbound_log(void*, const char* buf, std::size_t size) noexcept {
    std::string_view rest(buf, size);
    while (!rest.empty()) {
        const auto nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        // Its file format: "[TIME] libunbound[PID:TID] error: MESSAGE".
        if (const auto a = line.find("] "); a != std::string_view::npos) {
            if (const auto b = line.find("] ", a + 2); b != std::string_view::npos) line.remove_prefix(b + 2);
        }
        if (!line.empty()) log::warning("dns: libunbound: %s", printable(line, 1000).c_str());
    }
    return static_cast<ssize_t>(size);
}

FILE* unbound_log_stream() {
    static FILE* const stream = [] {
        cookie_io_functions_t io{};
        io.write = write_unbound_log;
        FILE* f = fopencookie(nullptr, "w", io);
        if (f) setvbuf(f, nullptr, _IOLBF, 0);
        return f;
    }();  // never closed: libunbound keeps the pointer process-wide
    return stream;
}

Result<void> check_ub(int r, const std::string& what) {
    if (r == UB_NOERROR) return {};
    return Error(what + ": " + ub_strerror(r));
}

// Loads the zone file into libunbound's local data under a static root zone,
// so that a name absent from the file is NXDOMAIN and nothing is ever sent to
// the network.
Result<void> load_zone(ub_ctx* ctx, const std::string& path, std::unordered_map<std::string, std::string>& aliases) {
    auto records = load_zone_file(path);
    if (!records) return records.error();
    // libunbound fills its built-in localhost zones (RFC 6761) unless a zone
    // of that name exists already: declared empty here, they hold only what
    // the file gives them. Its other built-in zones are empty anyway.
    for (const char* zone : {"localhost. static", "127.in-addr.arpa. static",
                             "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. static"}) {
        if (auto r = check_ub(ub_ctx_set_option(ctx, "local-zone:", zone), "libunbound local-zone"); !r) return r;
    }
    if (auto r = check_ub(ub_ctx_set_option(ctx, "local-zone:", ". static"), "libunbound local-zone"); !r) return r;
    for (const ZoneRecord& rec : *records) {
        const std::string text = rec.to_text();
        if (ub_ctx_data_add(ctx, text.c_str()) != UB_NOERROR)
            return Error(path + ":" + std::to_string(rec.line) + ": record refused by libunbound: " + printable(text));
        if (rec.type == RrType::CNAME) {
            std::string owner = rec.owner;
            std::string target = rec.rdata;
            if (owner.size() > 1) owner.pop_back();
            if (target.size() > 1) target.pop_back();
            aliases.emplace(std::move(owner), std::move(target));
        }
    }
    return {};
}

}  // namespace

Options Options::from_config(const config::Config& cfg) {
    Options o;
    o.zone_file = cfg.get(config::kDnsZoneFile);
    std::string fwd;
    for (const std::string& a : cfg.get_list(config::kDnsForwarder)) {
        if (!fwd.empty()) fwd += ' ';
        fwd += a;
    }
    o.forwarder = std::move(fwd);
    o.trust_anchor_file = cfg.get(config::kDnssecTrustAnchorFile);
    o.timeout = cfg.get_time(config::kDnsTimeout);
    return o;
}

Result<std::unique_ptr<Resolver>> Resolver::create(event_base* base, const Options& opts) {
    UbCtxPtr ctx(ub_ctx_create());
    if (!ctx) return sys_error("ub_ctx_create");
    if (FILE* f = unbound_log_stream()) ub_ctx_debugout(ctx.get(), f);
    // A thread, not a forked process: a fork would inherit every descriptor
    // of the daemon (listening sockets, queue files).
    if (auto r = check_ub(ub_ctx_async(ctx.get(), 1), "libunbound async"); !r) return r.error();

    std::unordered_map<std::string, std::string> aliases;
    if (!opts.zone_file.empty()) {
        if (auto r = load_zone(ctx.get(), opts.zone_file, aliases); !r) return r.error();
    } else {
        const auto forwarders = split_any(opts.forwarder, ", \t\r\n");
        for (std::string_view f : forwarders) {
            const std::string addr(f);
            if (ub_ctx_set_fwd(ctx.get(), addr.c_str()) != UB_NOERROR)
                return Error("bad dns_forwarder address \"" + printable(addr) + "\"");
        }
        if (forwarders.empty() && !opts.resolv_conf.empty()) {
            const int r = ub_ctx_resolvconf(ctx.get(), opts.resolv_conf.c_str());
            if (r == UB_READFILE)
                log::warning("dns: cannot read %s: resolving from the root servers", opts.resolv_conf.c_str());
            else if (r != UB_NOERROR)
                return Error(opts.resolv_conf + ": " + ub_strerror(r));
        }
        if (!opts.trust_anchor_file.empty()) {
            if (auto r = check_ub(ub_ctx_add_ta_file(ctx.get(), opts.trust_anchor_file.c_str()),
                                  "dnssec_trust_anchor_file " + opts.trust_anchor_file);
                !r)
                return r.error();
        }
    }
    // Finalize now, so that a trust anchor file libunbound cannot load stops
    // the daemon at startup rather than failing every lookup later. Removing a
    // zone that does not exist is the public call that finalizes and does
    // nothing else.
    if (ub_ctx_zone_remove(ctx.get(), "finalize.tern.invalid.") != UB_NOERROR)
        return Error(opts.trust_anchor_file.empty()
                         ? std::string("cannot set up libunbound")
                         : "cannot set up libunbound (dnssec_trust_anchor_file " + opts.trust_anchor_file + ")");

    auto resolver = std::make_unique<ResolverImpl>(base, std::move(ctx), opts.timeout, std::move(aliases));
    if (auto r = resolver->start(); !r) return r.error();
    return std::unique_ptr<Resolver>(std::move(resolver));
}

std::string reverse_name(std::string_view ip, std::string_view suffix) {
    if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return {};
    const std::string text(ip);
    std::string out;
    unsigned char buf[16];
    if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
        for (int i = 3; i >= 0; --i) {
            out += std::to_string(buf[i]);
            out += '.';
        }
    } else if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
        static constexpr char kHex[] = "0123456789abcdef";
        for (int i = 15; i >= 0; --i) {
            out += kHex[buf[i] & 0x0f];
            out += '.';
            out += kHex[buf[i] >> 4];
            out += '.';
        }
    } else {
        return {};
    }
    if (!suffix.empty() && suffix.front() == '.') suffix.remove_prefix(1);
    if (suffix.empty()) {
        out.pop_back();
        return out;
    }
    return out + std::string(suffix);
}

}  // namespace tern::dns
