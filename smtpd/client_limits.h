// ClientLimits: how many connections one client address may hold at once
// (smtpd_client_connection_count_limit) and open per time unit
// (smtpd_client_connection_rate_limit per anvil_rate_time_unit), Postfix's
// anvil(8) limits kept inside the smtpd process (one process per service, so
// ports 25, 587 and 465 count separately). Memory is bounded: at most
// kMaxTrackedClients rate histories; the oldest are forgotten first.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace tern::smtpd {

class ClientLimits {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kMaxTrackedClients = 100000;

    // 0 means no limit, for either.
    ClientLimits(int count_limit, int rate_limit, std::chrono::seconds rate_unit)
        : count_limit_(count_limit), rate_limit_(rate_limit), rate_unit_(rate_unit) {}

    enum class Verdict { Ok, TooManyConnections, TooFast };
    // Counts a new connection from address unless it is over a limit.
    Verdict admit(const std::string& address, Clock::time_point now);
    // The connection admitted for address has closed.
    void release(const std::string& address);
    int open_connections(const std::string& address) const;

private:
    int count_limit_;
    int rate_limit_;
    std::chrono::seconds rate_unit_;
    std::unordered_map<std::string, int> open_;
    std::unordered_map<std::string, std::deque<Clock::time_point>> recent_;
};

// Clients that passed the pregreet test, remembered for a while so that the
// greeting delay is paid once per client, as postscreen's cache does.
// Bounded like ClientLimits: the oldest entries go first.
class PassList {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kMaxEntries = 100000;

    explicit PassList(std::chrono::seconds ttl) : ttl_(ttl) {}
    bool passed(const std::string& address, Clock::time_point now) const;
    void add(const std::string& address, Clock::time_point now);

private:
    std::chrono::seconds ttl_;
    std::unordered_map<std::string, Clock::time_point> passed_;
};

}  // namespace tern::smtpd
