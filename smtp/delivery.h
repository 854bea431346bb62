// One delivery request from qmgr on private/smtp (the same request as local's,
// plus "nexthop"): read the queue file, find the next hop's servers (MX, then
// A/AAAA; RFC 5321 5.1), try them in order until one takes the transaction,
// and answer per recipient (rcpt_index, status sent|deferred|bounced, dsn,
// reason), logging one Postfix-shaped line per recipient. A Delivery calls
// done exactly once, from the loop; the owner frees it afterwards, off its stack.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "libmail/dns/resolver.h"
#include "libmail/ipc/attr_codec.h"
#include "libmail/core/unique_fd.h"
#include "libmail/maps/map.h"
#include "libmail/queue/queue_file.h"
#include "smtp/connection.h"
#include "smtp/destination.h"
#include "smtp/tls_policy.h"

namespace tern::smtp_client {

// What every Delivery shares: settings, DNS, TLS, passwords and the connection cache.
class Service {
public:
    Service(event_base* base, Settings settings, std::unique_ptr<dns::Resolver> resolver);
    ~Service();

    event_base* base() const { return base_; }
    const Settings& settings() const { return settings_; }
    dns::Resolver& resolver() { return *resolver_; }
    std::mt19937& rng() { return rng_; }

    std::string relayhost;                            // relayhost, "" = by MX
    int default_port = 25;                            // smtp_destination_port
    std::chrono::seconds cache_time{2};               // smtp_connection_cache_time_limit
    bool sasl_enable = false;
    std::unique_ptr<maps::MapList> password_maps;
    std::unique_ptr<maps::MapList> tls_policy_maps;   // smtp_tls_policy_maps; null: none

    // "user:password" for nexthop (tried as "[host]:port", "[host]", then host); empty when none.
    Credentials credentials(const NextHop& hop);

    // Connection cache keyed by next hop: take() removes and returns one (or null).
    std::unique_ptr<Connection> take(const std::string& key);
    void put(const std::string& key, std::unique_ptr<Connection> c);
    // Frees c on the next loop turn, after QUIT when quit is set.
    void retire(std::unique_ptr<Connection> c, bool quit = false);
    bool cache_empty() const { return cache_.empty(); }

private:
    struct Cached;
    static void reap_cb(evutil_socket_t, short, void* ctx) noexcept;
    static void expire_cb(evutil_socket_t, short, void* ctx) noexcept;

    event_base* base_;
    Settings settings_;
    std::unique_ptr<dns::Resolver> resolver_;
    std::mt19937 rng_;
    std::unordered_map<std::string, std::unique_ptr<Cached>> cache_;
    std::vector<std::unique_ptr<Connection>> graveyard_;
    std::vector<std::unique_ptr<Cached>> cached_graveyard_;
    event* reaper_ = nullptr;
};

class Delivery {
public:
    using Done = std::function<void(ipc::AttrList reply)>;
    Delivery(Service& svc, ipc::AttrList request, Done done);
    ~Delivery();
    void start();

private:
    struct Rcpt {
        std::string index;
        TxRecipient r;
        Outcome result;
    };
    struct Target {
        std::string host;
        std::string addr;
    };

    void finish_all(const std::string& status, const std::string& dsn, const std::string& reason);
    void fail_hop(const std::string& dsn, const std::string& reason);  // every recipient deferred: the site failed
    Result<bool> content_has_8bit();
    Result<std::string> downgrade();
    static constexpr std::uint64_t kMaxConvertedBytes = 64 * 1024 * 1024;
    void lookup_mx();
    void resolve_host(std::size_t i);
    void try_next_address();
    void on_ready(bool ok, const std::string& dsn, const std::string& reason);
    void transmit();
    void reply();

    Service& svc_;
    ipc::AttrList req_;
    Done done_;
    std::string queue_id_;
    std::vector<Rcpt> rcpts_;
    UniqueFd queue_fd_;          // the message is read from here as it is sent
    queue::QueueFile qf_;
    std::string sender_;
    bool eight_bit_ = false, smtputf8_ = false;
    std::string ret_, envid_;
    double arrival_ = 0;
    std::chrono::steady_clock::time_point started_, connected_at_;
    double before_ = 0;  // seconds between arrival and this request

    NextHop hop_;
    TlsPolicy tls_policy_;
    std::vector<std::string> hosts_;
    std::size_t host_i_ = 0;
    std::vector<Target> addrs_;   // addresses of hosts_[host_i_ - 1] still to try
    bool any_host_found_ = false;
    std::unique_ptr<dns::Query> q_mx_, q_a_, q_aaaa_;
    int pending_ = 0;
    dns::Answer a_, aaaa_;
    std::unique_ptr<Connection> conn_;
    std::string last_dsn_ = "4.4.1", last_reason_ = "no server for the destination";
    std::string relay_ = "none";
    bool replied_ = false;
    bool hop_failed_ = false;
    bool remote_dsn_ = false;  // the server offered DSN: NOTIFY went on with the message
};

}  // namespace tern::smtp_client
