// The client's host name, as Postfix's smtpd finds it at connect time
// (smtpd_peername_lookup): the PTR name of its address (reverse_client_name),
// and that name again only when it resolves back to the address
// (client_name, "forward-confirmed reverse DNS"). Either is "unknown" when
// it cannot be had; the status says whether trying later might help, which
// reject_unknown_client_hostname and reject_unknown_reverse_client_hostname
// turn into 450 (temporary) or unknown_client_reject_code.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "libmail/dns/resolver.h"

namespace tern::smtpd {

struct ClientNames {
    enum class Status { Ok, NotFound, TempFail };
    std::string name = "unknown";          // verified
    std::string reverse_name = "unknown";  // from PTR only
    Status name_status = Status::NotFound;
    Status reverse_status = Status::NotFound;
};

// At most this many PTR names are tried for a forward match.
inline constexpr std::size_t kMaxPtrNamesTried = 4;

class ClientNameLookup {
public:
    using Done = std::function<void(const ClientNames&)>;
    // done runs once, from the loop; destroying the lookup cancels it.
    ClientNameLookup(dns::Resolver& resolver, std::string address, Done done);
    ClientNameLookup(const ClientNameLookup&) = delete;
    ClientNameLookup& operator=(const ClientNameLookup&) = delete;

private:
    void on_ptr(const dns::Answer& a);
    void forward_next();
    void on_forward(const dns::Answer& a);
    void finish();

    dns::Resolver& resolver_;
    std::string address_;
    bool v6_ = false;
    Done done_;
    ClientNames names_;
    std::vector<std::string> candidates_;
    std::size_t next_ = 0;
    bool forward_tempfail_ = false;
    std::unique_ptr<dns::Query> query_;
    std::vector<std::unique_ptr<dns::Query>> spent_;  // finished queries, freed with the lookup
};

// A PTR answer is a usable host name: letters, digits, '-', '.', labels of
// 1..63 octets, not all-numeric (Postfix refuses names that look like addresses).
bool valid_ptr_name(std::string_view name);

}  // namespace tern::smtpd
