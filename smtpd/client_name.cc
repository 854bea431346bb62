#include "smtpd/client_name.h"

#include <arpa/inet.h>

#include <cstring>

namespace tern::smtpd {

namespace {

// Compares two addresses as binary, so "2001:DB8::1" and "2001:db8:0::1" match.
bool same_address(const std::string& a, const std::string& b, bool v6) {
    unsigned char x[16], y[16];
    const int af = v6 ? AF_INET6 : AF_INET;
    if (::inet_pton(af, a.c_str(), x) != 1 || ::inet_pton(af, b.c_str(), y) != 1) return false;
    return std::memcmp(x, y, v6 ? 16 : 4) == 0;
}

}  // namespace

bool valid_ptr_name(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    bool all_numeric = true;
    std::size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-') return false;
        if (!(c >= '0' && c <= '9')) all_numeric = false;
        if (++label > 63) return false;
    }
    return label > 0 && !all_numeric;
}

ClientNameLookup::ClientNameLookup(dns::Resolver& resolver, std::string address, Done done)
    : resolver_(resolver), address_(std::move(address)), v6_(address_.find(':') != std::string::npos),
      done_(std::move(done)) {
    const std::string ptr = dns::reverse_name(address_, v6_ ? "ip6.arpa" : "in-addr.arpa");
    // Not an IP address: the empty name answers NxDomain, from the loop like any answer.
    query_ = resolver_.query(ptr, dns::RrType::PTR, [this](const dns::Answer& a) { on_ptr(a); });
}

void ClientNameLookup::on_ptr(const dns::Answer& a) {
    spent_.push_back(std::move(query_));
    if (a.status == dns::Answer::Status::TempFail) {
        names_.reverse_status = names_.name_status = ClientNames::Status::TempFail;
        return finish();
    }
    for (const std::string& n : a.names)
        if (valid_ptr_name(n) && candidates_.size() < kMaxPtrNamesTried) candidates_.push_back(n);
    if (candidates_.empty()) return finish();  // no PTR, or only unusable names: NotFound
    names_.reverse_name = candidates_.front();
    names_.reverse_status = ClientNames::Status::Ok;
    forward_next();
}

void ClientNameLookup::forward_next() {
    if (next_ >= candidates_.size()) {
        names_.name_status = forward_tempfail_ ? ClientNames::Status::TempFail : ClientNames::Status::NotFound;
        return finish();
    }
    query_ = resolver_.query(candidates_[next_], v6_ ? dns::RrType::AAAA : dns::RrType::A,
                             [this](const dns::Answer& a) { on_forward(a); });
}

void ClientNameLookup::on_forward(const dns::Answer& a) {
    spent_.push_back(std::move(query_));
    if (a.status == dns::Answer::Status::TempFail) forward_tempfail_ = true;
    for (const std::string& addr : a.addresses) {
        if (same_address(addr, address_, v6_)) {
            names_.name = candidates_[next_];
            names_.name_status = ClientNames::Status::Ok;
            return finish();
        }
    }
    ++next_;
    forward_next();
}

void ClientNameLookup::finish() {
    if (done_) {
        auto done = std::move(done_);
        done_ = nullptr;
        done(names_);  // may destroy this object: nothing after
    }
}

}  // namespace tern::smtpd
