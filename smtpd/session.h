// Session: one SMTP connection (RFC 5321) on the libevent loop: peer, HELO,
// error count, one bufferevent, the command state machine, and the current
// Transaction. Commands are taken one at a time from the input buffer, so
// pipelined commands (RFC 2920) are answered in order. A Session is owned by
// the Server and retired, never deleted inside one of its own callbacks.
#pragma once

#include <event2/bufferevent.h>
#include <event2/event.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "libmail/config/config.h"
#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"
#include "libmail/event/blocking_pool.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/event/owned_set.h"
#include "libmail/ipc/channel_pool.h"
#include "libmail/ipc/paced_trigger.h"
#include "libmail/server/server.h"
#include "libmail/auth/account_cache.h"
#include "libmail/auth/auth_client.h"
#include "libmail/sasl/sasl.h"
#include "libmail/smtp/reply.h"
#include "libmail/tls/server_context.h"
#include "smtpd/client_limits.h"
#include "smtpd/commands.h"
#include "smtpd/policy.h"
#include "smtpd/client_name.h"
#include "smtpd/restrictions.h"
#include "smtpd/transaction.h"

namespace tern::smtpd {

// Values read once from main.cf (and master.cf -o overrides).
struct Settings {
    std::string myhostname;
    std::string mail_name;
    std::string smtpd_banner;
    std::string queue_directory;
    std::int64_t message_size_limit = 10240000;   // 0: no limit
    int smtpd_recipient_limit = 1000;
    int smtpd_hard_error_limit = 20;
    std::chrono::seconds smtpd_timeout{300};
    bool disable_vrfy_command = false;
    bool smtpd_helo_required = false;
    bool trigger_qmgr = true;                      // tests turn this off
    bool account_checks = true;                    // ask authd at RCPT (unit tests have no authd)
    std::string users_file;                        // auth_users_file: account verdicts are kept while it is unchanged
    // TLS (RFC 3207, RFC 8314) and AUTH (RFC 4954).
    enum class TlsLevel { None, May, Encrypt } tls_level = TlsLevel::May;
    bool tls_wrappermode = false;                  // TLS from the first byte (port 465)
    bool tls_auth_only = true;                     // AUTH only inside TLS
    bool tls_received_header = false;
    int tls_loglevel = 1;
    std::chrono::seconds starttls_timeout{300};
    bool sasl_auth_enable = false;
    bool sasl_auth_required = false;               // submission: no MAIL before AUTH
    bool hide_client_address = false;              // Received header without the client
    bool always_add_missing_headers = false;       // Message-ID/Date for every client, not only logged-in ones
    std::uint64_t queue_minfree = 0;               // 0: 1.5 x message_size_limit
    std::size_t header_size_limit = 102400;
    std::size_t header_section_size_limit = 1024 * 1024;
    int connection_count_limit = 50;               // per client address; 0: none
    int connection_rate_limit = 0;                 // per client address and rate_unit; 0: none
    std::chrono::seconds rate_unit{60};
    std::chrono::seconds pregreet_wait{0};         // 0: greet at once
    bool peername_lookup = false;                  // smtpd_peername_lookup (needs the resolver)
    std::size_t commit_threads = 0;                // 0: commit on the loop (unit tests, fuzzing); smtpd: kCommitThreads

    static Settings from_config(const config::Config& cfg, const std::string& queue_dir);
};

// RFC 5321 4.5.3.1.4 allows 512 octets; Postfix accepts longer lines and so
// do we, up to 1000 octets including CRLF (then 500 5.5.2).
inline constexpr std::size_t kMaxCommandLineOctets = 1000;
// AUTH with an initial response, and each response line: RFC 4954 4 allows
// 12288 octets of base64 (plus "AUTH PLAIN " and CRLF).
inline constexpr std::size_t kMaxAuthLineOctets = 12288 + 32;
// DATA input is copied out of the socket buffer in pieces of this size.
inline constexpr std::size_t kDataChunkBytes = 64 * 1024;
// Replies queued for a client that does not read them, before smtpd stops reading.
inline constexpr std::size_t kMaxPendingOutputBytes = 256 * 1024;
// Input read off the socket but not yet taken (while a lookup is under way).
inline constexpr std::size_t kMaxBufferedInputBytes = 1024 * 1024;

class Server;

class Session {
public:
    // counted: the connection holds a place in the server's ClientLimits.
    Session(Server& server, event_base* base, UniqueFd fd, server::Peer peer, bool counted = false);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Sends the greeting and starts reading; with refuse, sends that (421) and closes.
    void start(const std::optional<smtp::Reply>& refuse = std::nullopt);
    const ClientNames& client_names() const { return names_; }

    // Command handlers (the table in commands.cc points here).
    Step cmd_helo(std::string_view args);
    Step cmd_ehlo(std::string_view args);
    Step cmd_mail(std::string_view args);
    Step cmd_rcpt(std::string_view args);
    Step cmd_data(std::string_view args);
    Step cmd_rset(std::string_view args);
    Step cmd_noop(std::string_view args);
    Step cmd_vrfy(std::string_view args);
    Step cmd_quit(std::string_view args);
    Step cmd_starttls(std::string_view args);
    Step cmd_auth(std::string_view args);
    Step cmd_bdat(std::string_view args);

private:
    static void on_read(bufferevent*, void* ctx) noexcept;
    static void on_write(bufferevent*, void* ctx) noexcept;
    static void on_event(bufferevent*, short what, void* ctx) noexcept;

    void handle_input();
    void process_input();
    void send_output();
    // smtpd_pregreet_wait: the first banner line is out, the last not yet.
    static void on_pregreet_done(evutil_socket_t, short, void* ctx) noexcept;
    void refuse_pregreet();
    void greet();  // after the client's name is known
    // Picks up the input again after an asynchronous step (authd, DNS) finished.
    void resume();
    // AUTH (cmd_auth.cc): one SASL step, a client response line, authd's verdict.
    void auth_step(const sasl::Step& step);
    void auth_response(std::string_view line);
    void auth_done(const auth::Verdict& v, const std::string& shown_user);
    // TLS (session_tls.cc): the handshake starts on a TLS bufferevent over the
    // same socket; nothing read before it survives (RFC 3207 6, STARTTLS injection).
    void start_tls();
    void on_tls_connected();
    void log_tls_failure();
    bool tls_offered() const;
    bool auth_offered() const;
    void set_callbacks(std::chrono::seconds timeout);
    void dispatch(std::string_view line);
    bool read_data();              // DATA phase: returns false when more input is needed
    bool begin_message();          // envelope + Received into the queue file; false: 451 sent
    void store_content(std::string_view content);
    void finish_message(std::string_view verb);
    // True when the message was answered at once (no commit pool).
    bool commit_message(std::string_view verb, std::unique_ptr<Transaction> tx);
    void answer_message(std::string_view verb, const cleanup::Verdict& v);
    // BDAT (cmd_bdat.cc): chunk bytes are read raw, whatever the state, so
    // that the next command is found even after an error (RFC 3030 2).
    bool read_chunk();             // returns false when more input is needed
    void end_chunk();
    // Restriction lists (cmd_rcpt.cc). An Evaluation that waits for DNS ends
    // in on_decided, on a later loop turn, which calls then_ and resumes input.
    Facts facts() const;
    Step check(Facts f, std::vector<Stage> stages, void (Session::*then)(const Decision&));
    static void on_decided(evutil_socket_t, short, void* ctx) noexcept;
    void finish_rcpt(const Decision& d);
    void accept_rcpt();
    // True when MAIL was answered; false when SPF is still being asked.
    bool finish_mail(const auth::RateVerdict& v);
    void accept_mail(const std::optional<smtp::Reply>& refused);
    bool checks_apply() const;   // SPF, DKIM, DMARC for this client
    bool signing_applies() const;  // DKIM signing for this client
    std::uint64_t free_space_needed() const;
    std::optional<smtp::Reply> data_restrictions();

    // The one place a reply is sent: writes it, counts errors (closing with 421
    // after smtpd_hard_error_limit), and logs a rejected MAIL/RCPT/DATA in
    // Postfix's "NOQUEUE: reject: ..." shape when stage is given.
    void reply(const smtp::Reply& r, const char* stage = nullptr, std::string_view rcpt = {});
    void reply_multiline(int code, const std::vector<std::string>& lines);
    // Stops reading, flushes what is queued, then retires the session.
    void close(const char* why);
    void reset_transaction();
    State idle_state() const { return helo_.empty() ? State::Init : State::Ready; }
    std::string client() const;   // "unknown[192.0.2.1]"
    // RFC 3848: ESMTPS with TLS, ESMTPA / ESMTPSA after AUTH (UTF8SMTP... for SMTPUTF8).
    std::string protocol() const;
    void log_disconnect();

    Server& server_;
    const Settings& settings_;
    Policy& policy_;
    bufferevent* bev_ = nullptr;
    server::Peer peer_;
    State state_ = State::Init;
    std::string helo_;
    ClientNames names_;
    std::unique_ptr<ClientNameLookup> name_lookup_;
    bool esmtp_ = false;
    bool closing_ = false;
    bool started_ = false;
    bool paused_ = false;          // reading stopped until the client reads our replies
    bool in_input_ = false;        // commands are being handled: replies go out together at the end
    bool tls_active_ = false;
    bool tls_switch_pending_ = false;  // "220 Ready to start TLS" is being flushed
    bool tls_handshaking_ = false;
    std::string tls_info_;         // "TLSv1.3 with cipher ..." once established
    std::string sasl_username_;    // the account AUTH logged in as; "" before
    std::string sasl_method_;      // "PLAIN" or "LOGIN"
    bool skipping_line_ = false;   // discarding the rest of an over-long command line
    int error_count_ = 0;
    int last_code_ = 0;
    const char* last_verb_ = "CONNECT";
    std::array<CommandCount, kCommandCount> counts_{};
    CommandCount unknown_count_{};
    // BDAT: octets of the current chunk still to read, and what to do at its end.
    bool in_chunk_ = false;
    std::uint64_t chunk_left_ = 0;
    std::uint64_t chunk_size_ = 0;
    bool chunk_last_ = false;
    std::optional<smtp::Reply> chunk_error_;  // reply instead of storing the chunk
    bool waiting_ = false;         // an asynchronous step is under way: read nothing more
    bool eof_pending_ = false;     // the client closed while we were waiting
    bool counted_ = false;         // holds a place in ClientLimits
    bool pregreet_ = false;        // between the two parts of the greeting
    EventPtr pregreet_ev_;
    std::chrono::steady_clock::time_point connected_at_;
    std::unique_ptr<Evaluation> eval_;
    std::optional<Decision> decided_;
    void (Session::*then_)(const Decision&) = nullptr;
    EventPtr decided_ev_;
    smtp::Path pending_path_;                 // the RCPT being checked
    queue::Recipient pending_rcpt_;
    std::unique_ptr<sasl::Exchange> sasl_;              // an AUTH exchange in progress
    std::unique_ptr<auth::PasswordCheck> pending_auth_; // destroyed with the session: no callback
    std::unique_ptr<auth::MessageCount> pending_count_;
    std::unique_ptr<auth::AccountCheck> pending_account_;
    std::unique_ptr<Transaction> tx_;
    std::unique_ptr<Transaction> pending_tx_;  // ended, waiting for its SPF/DKIM/DMARC verdict
    // Expires with the session: a commit finishing on the pool after the
    // client went away answers nobody.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

using SessionPtr = std::unique_ptr<Session>;

// Queue file commits that may be under way at once: concurrent messages then
// share the file system's journal commits.
inline constexpr std::size_t kCommitThreads = 8;
// While mail keeps coming, qmgr hears of it at most this often (libmail/ipc/paced_trigger.h).
inline constexpr std::chrono::milliseconds kNewMailTriggerWindow{5};
// Idle connections to authd kept by one smtpd (one per session waiting on it at once, up to this).
inline constexpr std::size_t kIdleAuthdConnections = 8;

// Owns every Session of the process and frees retired ones on the next loop turn.
class Server {
public:
    // resolver may be null (no restriction needs DNS).
    Server(event_base* base, Settings settings, std::unique_ptr<Policy> policy,
           std::unique_ptr<Restrictions> restrictions, std::unique_ptr<dns::Resolver> resolver = {});
    ~Server();
    void accept(UniqueFd fd, const server::Peer& peer);
    // Frees s on the next loop turn, off every call stack (STYLE.md example 3).
    void retire(Session* s);
    std::size_t session_count() const { return sessions_.size(); }
    const Settings& settings() const { return settings_; }
    Policy& policy() { return *policy_; }
    const Restrictions& restrictions() const { return *restrictions_; }
    dns::Resolver* resolver() { return resolver_.get(); }
    BlockingPool* commit_pool() { return commit_pool_.get(); }
    // Connections to authd kept between questions (RCPT account checks, message counts).
    ipc::ChannelPool& authd() { return authd_; }
    // "new mail in incoming/" to qmgr, on a connection kept for it, at most
    // once per kNewMailTriggerWindow while mail keeps coming.
    ipc::PacedTrigger& new_mail_trigger() { return new_mail_trigger_; }
    auth::AccountCache& account_cache() { return account_cache_; }
    // The TLS context (null: no certificate, so no STARTTLS and no port 465).
    void set_tls(std::unique_ptr<tls::ServerContext> ctx) { tls_ = std::move(ctx); }
    void release(const std::string& address) { limits_.release(address); }
    PassList& pregreet_passed() { return pregreet_passed_; }
    const tls::ServerContext* tls() const { return tls_.get(); }
    // header_checks (null: none), opened before privileges are dropped.
    void set_header_checks(std::unique_ptr<maps::MapList> m) { header_checks_ = std::move(m); }
    maps::MapList* header_checks() { return header_checks_.get(); }
    // SPF, DKIM and DMARC for clients that are neither authenticated nor in
    // mynetworks (null: none); the DMARC evaluation log is flushed every
    // flush_interval. Needs the resolver.
    void set_sender_auth(std::unique_ptr<authres::SenderAuthConfig> c, std::chrono::seconds flush_interval);
    const authres::SenderAuthConfig* sender_auth() const { return sender_auth_.get(); }
    // DKIM signing for authenticated and mynetworks clients (null: none).
    void set_signing(std::unique_ptr<dkim::SigningTable> t) { signing_ = std::move(t); }
    dkim::SigningTable* signing() { return signing_.get(); }

private:
    event_base* base_;
    Settings settings_;
    std::unique_ptr<Policy> policy_;
    std::unique_ptr<Restrictions> restrictions_;
    std::unique_ptr<dns::Resolver> resolver_;
    std::unique_ptr<tls::ServerContext> tls_;
    std::unique_ptr<maps::MapList> header_checks_;
    std::unique_ptr<authres::SenderAuthConfig> sender_auth_;
    std::unique_ptr<dkim::SigningTable> signing_;
    EventPtr report_flush_ev_;
    std::chrono::seconds report_flush_interval_{10};
    static void on_report_flush(evutil_socket_t, short, void* self) noexcept;
    ClientLimits limits_;
    std::unique_ptr<BlockingPool> commit_pool_;  // queue file commits (fsync), off the loop; null: on it
    ipc::ChannelPool authd_;
    ipc::PacedTrigger new_mail_trigger_;
    auth::AccountCache account_cache_;
    PassList pregreet_passed_{std::chrono::hours(24)};
    OwnedSet<Session> sessions_;  // declared last: sessions go before what they use
};

}  // namespace tern::smtpd
