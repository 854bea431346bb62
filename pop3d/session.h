// One POP3 client connection (RFC 1939, RFC 2449 CAPA), in clear text, after
// STLS (RFC 2595 4) or in TLS from the first byte (995): reads command lines
// from one bufferevent (limit kMaxLineOctets), checks each command's state in
// the table of commands.h before its handler runs, and writes replies.
// AUTHORIZATION (USER/PASS and AUTH PLAIN through authd, then the maildrop
// lock and LOGIN-DELAY of maildrop_lock.h) lives in login.cc; TRANSACTION and
// UPDATE in session.cc. The lock is held from login until finish().
// RETR/TOP stream one message file through
// MessageEncoder, never reading the mailbox into memory; input waits
// (pipelining, RFC 2449 6.6) until the response is queued.
// The Session is owned by the Server in main.cc and never frees itself: when
// it ends it calls on_done, which retires it on the next loop turn.
#pragma once

#include <event2/bufferevent.h>
#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/auth/auth_client.h"
#include "libmail/server/mail_access.h"
#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/sasl/sasl.h"
#include "libmail/store/mailbox.h"
#include "libmail/tls/server_context.h"
#include "pop3d/commands.h"
#include "pop3d/maildrop_lock.h"

namespace tern::pop3d {

// RETR/TOP refill the output when it drains below this: one message in flight, bounded.
inline constexpr std::size_t kStreamLowOctets = 16 * 1024;
// Pipelined input waits in at most this much buffer (libevent stops reading above it).
inline constexpr std::size_t kMaxInputOctets = 64 * 1024;

struct Settings {
    std::chrono::milliseconds idle_timeout{600 * 1000};  // pop3d_timeout (RFC 1939 3: at least 10 min)
    std::chrono::milliseconds login_failure_delay{2000};  // pop3d_login_failure_delay
    // TLS: nullptr without a certificate (no STLS). Not owned: the Server's.
    const tls::ServerContext* tls = nullptr;
    bool tls_wrappermode = false;  // pop3d_tls_wrappermode: TLS from the first byte (995)
    // pop3d_tls_auth_only (main.cf default yes): USER, PASS and AUTH refused
    // until TLS is active. Off here for sessions built without a
    // configuration (the unit tests).
    bool tls_auth_only = false;
    // pop3d_login_delay (RFC 2449 6.5): least time between two logins of a
    // user; 0 (the default) enforces nothing and CAPA does not list it.
    std::chrono::seconds login_delay{0};
};

// What a session needs from outside, so tests can replace authd and the map.
using Services = server::MailAccess;

class Session {
public:
    Session(event_base* base, UniqueFd fd, std::string peer, const Settings& settings, const Services& services,
            std::function<void(Session*)> on_done);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start();  // sends the greeting
    State state() const { return state_; }

private:
    struct Message {
        std::uint32_t uid = 0;
        std::uint64_t size = 0;  // octets with CRLF (RFC 1939 5 STAT/LIST)
        std::string uidl;        // pop3d/uidl.h: from the Maildir name, never the index
        bool deleted = false;
    };

    static void on_read(bufferevent*, void* ctx) noexcept;
    static void on_write(bufferevent*, void* ctx) noexcept;
    static void on_event(bufferevent*, short what, void* ctx) noexcept;
    static void on_login_delay(evutil_socket_t, short, void* ctx) noexcept;
    static void on_resume(evutil_socket_t, short, void* ctx) noexcept;

    void handle_input();   // process_input(), then flush_output()
    void process_input();
    bool writes_direct() const;
    void flush_output();
    void dispatch(std::string_view line);
    void send(std::string_view text);
    void ok(std::string_view text);
    void err(std::string_view text);      // a -ERR that is not the peer's fault
    void bad(std::string_view text);      // a -ERR counted against kMaxErrors
    void finish(const char* why);         // flush, then on_done
    void suspend();                       // stop reading input (authd, streaming)
    void resume_later();                  // read input again on the next loop turn

    // login.cc: AUTHORIZATION state.
    void cmd_user(std::string_view args);
    void cmd_pass(std::string_view args);
    void cmd_auth(std::string_view args);
    void cmd_stls(std::string_view args);
    void auth_step(const sasl::Step& step);
    bool plaintext_auth_allowed() const { return tls_active_ || !settings_.tls_auth_only; }
    void check_login(std::string user, std::string password, const char* method);
    void login_done(const std::string& user, const char* method, const auth::Verdict& v);
    // After authentication: lock the maildrop, check LOGIN-DELAY, read the INBOX.
    enum class Maildrop { Open, InUse, TooEarly, Unavailable };
    Maildrop open_maildrop(const std::string& account);
    // session_tls.cc
    void start_tls();
    void on_tls_connected();

    // session.cc: TRANSACTION state.
    void cmd_stat(std::string_view args);
    void cmd_list(std::string_view args, bool uidl);
    void cmd_retr(std::string_view args);
    void cmd_top(std::string_view args);
    void cmd_dele(std::string_view args);
    void cmd_rset(std::string_view args);
    void cmd_noop(std::string_view args);
    void cmd_quit(std::string_view args);
    void cmd_capa(std::string_view args);
    Message* message_arg(std::string_view arg);  // replies -ERR itself when nullptr
    void start_stream(Message& m, std::optional<std::uint64_t> top_lines);
    void pump_stream();

    event_base* base_;
    BufferEventPtr bev_;
    std::string peer_;
    const Settings& settings_;
    const Services& services_;
    std::function<void(Session*)> on_done_;

    State state_ = State::Authorization;
    int errors_ = 0;
    bool closing_ = false;
    bool in_input_ = false;   // inside handle_input(): output is flushed at its end
    bool streaming_ = false;  // a RETR/TOP larger than one output's worth: reading waits for it
    bool done_ = false;
    bool suspended_ = false;
    bool skipping_long_line_ = false;

    // TLS
    bool tls_active_ = false;
    bool tls_switch_pending_ = false;  // "+OK Begin TLS negotiation" is being flushed
    bool tls_handshaking_ = false;

    // AUTHORIZATION
    std::unique_ptr<sasl::Exchange> sasl_;  // AUTH in progress: lines go to auth_step
    std::string user_;          // from USER
    std::string account_;       // after a successful PASS
    std::unique_ptr<auth::PasswordCheck> check_;
    EventPtr login_delay_;
    EventPtr resume_;

    // TRANSACTION
    std::optional<MaildropLock> lock_;  // held from login to the end of the session (RFC 1939 8)
    std::optional<store::Mailbox> mbox_;
    std::vector<Message> messages_;  // message number n is messages_[n-1] (RFC 1939 5: fixed for the session)

    // RETR/TOP in progress.
    UniqueFd stream_fd_;
    std::optional<MessageEncoder> encoder_;
};

}  // namespace tern::pop3d
