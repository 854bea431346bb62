// Dispatcher: smtp's side of private/smtp. It reads the main.cf parameters
// into a Service once, takes qmgr's connections, and runs each connection's
// requests in order, one Delivery at a time, answering each with its reply.
// Finished Deliveries and closed channels are freed on a later loop turn.
#pragma once

#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "libmail/core/unique_fd.h"
#include "libmail/ipc/attr_channel.h"
#include "libmail/server/server.h"
#include "smtp/delivery.h"

namespace tern::smtp_client {

// The tables smtp reads, opened before the privilege drop: a password table
// is often readable by root only (Postfix's sasl_passwd, mode 0600).
struct Tables {
    std::unique_ptr<maps::MapList> tls_policy;      // smtp_tls_policy_maps, or null
    std::unique_ptr<maps::MapList> sasl_passwords;  // smtp_sasl_password_maps, or null
};
Tables open_tables(const config::Config& cfg);

// Settings from main.cf (errors are configuration errors: log::fatal).
std::unique_ptr<Service> make_service(server::Context& ctx, Tables tables);

class Dispatcher {
public:
    explicit Dispatcher(std::unique_ptr<Service> svc) : svc_(std::move(svc)) {}
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;
    void accept(event_base* base, UniqueFd fd);
    // No delivery under way and every answer written: qmgr's kept connections may close.
    bool idle() const;

private:
    struct Client {
        std::unique_ptr<ipc::AttrChannel> chan;
        std::deque<ipc::AttrList> waiting;
        std::unique_ptr<Delivery> current;
    };
    void start_next(Client& c);
    void reap_later();
    static void reap_cb(evutil_socket_t, short, void* ctx) noexcept;

    std::unique_ptr<Service> svc_;
    std::unordered_map<ipc::AttrChannel*, std::unique_ptr<Client>> clients_;
    std::vector<std::unique_ptr<Client>> graveyard_;
    std::vector<std::unique_ptr<Delivery>> done_;
    event* reaper_ = nullptr;   // frees graveyard_ and done_ on the next loop turn
};

}  // namespace tern::smtp_client
