// Connection: one SMTP client conversation with one server address, on the
// libevent loop (RFC 5321 client side): connect, greeting, EHLO (HELO
// fallback), STARTTLS (RFC 3207) or TLS from the first byte, AUTH PLAIN/LOGIN
// (RFC 4954, only over TLS), then any number of mail transactions (MAIL, RCPT,
// DATA, PIPELINING per RFC 2920 when offered), RSET between them for reuse.
// Every reply line is bounded (kMaxReplyLineOctets), every wait has a timer.
// Callbacks run from the loop; the owner must not free a Connection inside one
// of its callbacks (retire it: STYLE.md example 3).
#pragma once

#include <event2/bufferevent.h>
#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "libmail/tls/client_context.h"
#include "smtp/data_source.h"
#include "smtp/reply_reader.h"

namespace tern::smtp_client {

enum class TlsLevel { None, May, Encrypt, Verify, Secure };  // smtp/tls_policy.h

struct Settings {
    std::string helo_name = "localhost";
    std::chrono::seconds connect_timeout{30};
    std::chrono::seconds helo_timeout{300};
    std::chrono::seconds mail_timeout{300};
    std::chrono::seconds data_done_timeout{600};
    TlsLevel tls_level = TlsLevel::May;
    std::vector<std::string> tls_match;          // names for Verify/Secure (tls_policy.h match_names)
    bool wrappermode = false;                    // smtp_tls_wrappermode
    const tls::ClientContext* tls = nullptr;     // null: no TLS at all
    std::string bind_address, bind_address6;
};

struct Credentials {
    std::string user;
    std::string password;
    bool empty() const { return user.empty(); }
};

struct TxRecipient {
    std::string address;
    std::string orcpt;        // RFC 3461 ORCPT value as received ("rfc822;a@b"), may be empty
    std::uint8_t notify = 0;  // queue::NotifyBits
};

struct Transaction {
    std::string sender;
    std::vector<TxRecipient> rcpts;
    std::shared_ptr<DataSource> data;  // DATA payload, sent as it is produced (data_source.h)
    std::uint64_t size = 0;    // message size for SIZE=
    bool body_8bitmime = false;
    bool smtputf8 = false;
    std::string ret;           // FULL / HDRS / ""
    std::string envid;         // xtext as received
};

struct Outcome {
    std::string status;   // sent | deferred | bounced
    std::string dsn;
    std::string reason;
    std::string reply{};  // the server's own reply ("550 5.1.1 ..."), a DSN's Diagnostic-Code; "" when none
};

class Connection {
public:
    // ok: the session is ready for a transaction. Otherwise dsn and reason say why
    // (Postfix's wording), and the caller tries the next address.
    using ReadyFn = std::function<void(bool ok, const std::string& dsn, const std::string& reason)>;
    // One outcome per recipient of the transaction, in order; reusable: the session is
    // still in a state where RSET and another transaction may follow.
    using SentFn = std::function<void(std::vector<Outcome> outcomes, bool reusable)>;

    Connection(event_base* base, const Settings& s, std::string host, std::string addr, int port,
               Credentials creds = {});
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void open(ReadyFn ready);
    // RSET on a reused session (ok: 250).
    void reset(ReadyFn ready);
    void send(const Transaction& tx, SentFn sent);
    // Idle (in the connection cache): broken runs once if the server closes or talks.
    void idle(std::function<void()> broken);
    // Stops every callback (the owner is going away); the socket closes when the Connection is freed.
    void abandon();
    // QUIT, then closed runs once (reply, error or timeout).
    void quit(std::function<void()> closed);

    const Capabilities& caps() const { return caps_; }
    bool tls_active() const { return tls_active_; }
    // "mx.example[192.0.2.1]:25" as Postfix's relay= shows it.
    std::string relay() const;
    // "mx.example[192.0.2.1]" for reasons.
    std::string peer() const { return host_ + "[" + addr_ + "]"; }

private:
    using ReplyFn = std::function<void(const ServerReply&)>;
    enum class Stage { Connecting, TlsHandshake, Open, Closed };

    static void read_cb(bufferevent*, void* ctx) noexcept;
    static void write_cb(bufferevent*, void* ctx) noexcept;
    static void event_cb(bufferevent*, short what, void* ctx) noexcept;
    void handle_input();
    void handle_event(short what);
    void fail(const std::string& dsn, const std::string& reason);
    void write(std::string_view text);
    void expect(std::chrono::seconds timeout, std::string phase, ReplyFn fn);
    void stream_data(std::shared_ptr<DataSource> source, ReplyFn done);
    void feed_data();
    void start_tls();
    void on_tls_ready();
    void send_ehlo();
    void after_ehlo();
    void authenticate();
    std::string said(const ServerReply& r, std::string_view in_reply_to) const;
    bool tls_required() const { return s_.tls_level >= TlsLevel::Encrypt; }

    event_base* base_;
    Settings s_;
    std::string host_, addr_;
    int port_;
    Credentials creds_;
    bufferevent* bev_ = nullptr;
    Stage stage_ = Stage::Connecting;
    bool tls_active_ = false;
    bool tls_tried_ = false;
    bool failed_ = false;
    Capabilities caps_;
    ReplyReader reader_;
    std::deque<ReplyFn> expect_;
    std::string phase_;                                   // "while ..." for error reasons
    std::function<void(const std::string&, const std::string&)> on_fail_;
    ReadyFn ready_;
    std::shared_ptr<DataSource> data_;   // the message being sent, while DATA streams
    ReplyFn data_done_;                  // then: the reply to the final "."
};

// The command lines of a transaction (without CRLF), for tests and for send():
// MAIL FROM with SIZE/BODY/SMTPUTF8/RET/ENVID as caps allow, then one RCPT TO each.
std::vector<std::string> transaction_commands(const Transaction& tx, const Capabilities& caps);

}  // namespace tern::smtp_client
