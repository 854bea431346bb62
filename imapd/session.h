// One IMAP4rev1 client connection (RFC 3501 subset; the commands are listed
// in commands.cc, the capabilities in capabilities()), in clear text, after
// STARTTLS (RFC 3501 6.2.1, RFC 2595) or in TLS from the first byte (993):
// reads commands with their literals from a bufferevent (line limit
// kMaxLineOctets, literal limits before/after login), dispatches them through
// the command table in commands.cc with the state checked first, and writes
// replies. The Session is owned by the Server in main.cc; it never frees
// itself: when it ends it calls on_done, which retires it on the next turn.
// Invariant: seq_uids_ is the client's view of the selected mailbox (sequence
// number n is seq_uids_[n-1]); it changes only where EXISTS/EXPUNGE is sent.
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

#include "imapd/fetch_atts.h"
#include "imapd/parser.h"
#include "imapd/search_keys.h"
#include "imapd/sort_keys.h"
#include "libmail/auth/auth_client.h"
#include "libmail/server/mail_access.h"
#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"
#include "libmail/event/event_ptrs.h"
#include "libmail/sasl/sasl.h"
#include "libmail/store/mailbox.h"
#include "libmail/store/parse_cache.h"
#include "libmail/store/quota.h"
#include "libmail/tls/server_context.h"

namespace tern::imapd {

// RFC 3501 has no line limit; RFC 7162 3.2.1 recommends accepting 8192 octets.
inline constexpr std::size_t kMaxLineOctets = 8192;
// Literals before login carry only a user name and password.
inline constexpr std::size_t kMaxPreauthLiteralOctets = 64 * 1024;
// FETCH stops producing while this much output is unread, so that
// "FETCH 1:* BODY[]" on a large mailbox does not sit in memory.
inline constexpr std::size_t kFetchOutputHighWater = 4 * 1024 * 1024;
// Literals after login other than APPEND's message carry names and search strings.
inline constexpr std::size_t kMaxLiteralOctets = 1024 * 1024;
// After this many failed LOGINs the connection is closed.
inline constexpr int kMaxLoginFailures = 3;

// The capabilities in every state; capabilities() adds STARTTLS, AUTH=PLAIN,
// SASL-IR and LOGINDISABLED as the connection allows.
inline constexpr std::string_view kCapabilities =
    "IMAP4rev1 IMAP4rev2 LITERAL+ ID UNSELECT IDLE BINARY NAMESPACE UIDPLUS MOVE CHILDREN LIST-EXTENDED LIST-STATUS "
    "SPECIAL-USE STATUS=SIZE ENABLE CONDSTORE QRESYNC UTF8=ACCEPT QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE "
    "COMPRESS=DEFLATE OBJECTID ESEARCH SEARCHRES SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES";

struct Settings {
    std::chrono::milliseconds idle_timeout{1800 * 1000};  // imapd_timeout (RFC 3501 5.4: at least 30 min)
    std::chrono::milliseconds login_failure_delay{2000};
    // How often an IDLE session looks for new mail (Mailbox::sync is cheap
    // when nothing changed: it compares directory mtimes).
    std::chrono::milliseconds idle_poll{5000};
    std::size_t max_message_bytes = 64 * 1024 * 1024;  // largest message FETCH reads
    std::size_t append_limit = 10240000;               // APPENDLIMIT (RFC 7889): message_size_limit
    // TLS: nullptr without a certificate (no STARTTLS). Not owned: the Server's.
    const tls::ServerContext* tls = nullptr;
    bool tls_wrappermode = false;  // imapd_tls_wrappermode: TLS from the first byte (993)
    // imapd_tls_auth_only (main.cf default yes): LOGINDISABLED, and LOGIN and
    // AUTHENTICATE refused, until TLS is active. Off here for sessions built
    // without a configuration (the unit tests).
    bool tls_auth_only = false;
    // Wakes IDLE sessions when their mailbox changes; nullptr: poll only.
    // Not owned: the Server's.
    class MailboxWatch* watch = nullptr;
};

// What a session needs from outside, so tests can replace authd and the map.
using Services = server::MailAccess;

class Session {
public:
    enum class State { NotAuthenticated, Authenticated, Selected, Logout };

    // Takes ownership of fd; call start() to send the greeting.
    Session(event_base* base, UniqueFd fd, std::string peer, const Settings& settings, const Services& services,
            std::function<void(Session*)> on_done);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start();
    State state() const { return state_; }

    // Command handlers (one file per bigger command). `p` is positioned just
    // after the command name; `uid` is true for UID FETCH/STORE/SEARCH.
    void cmd_capability(const std::string& tag, Parser& p);
    void cmd_noop(const std::string& tag, Parser& p);
    void cmd_logout(const std::string& tag, Parser& p);
    void cmd_id(const std::string& tag, Parser& p);
    void cmd_namespace(const std::string& tag, Parser& p);
    void cmd_login(const std::string& tag, Parser& p);
    void cmd_authenticate(const std::string& tag, Parser& p);
    void cmd_starttls(const std::string& tag, Parser& p);
    void cmd_select(const std::string& tag, Parser& p);
    void cmd_examine(const std::string& tag, Parser& p);
    void cmd_list(const std::string& tag, Parser& p);
    void cmd_lsub(const std::string& tag, Parser& p);
    void cmd_status(const std::string& tag, Parser& p);
    void cmd_subscribe(const std::string& tag, Parser& p);
    void cmd_unsubscribe(const std::string& tag, Parser& p);
    void cmd_check(const std::string& tag, Parser& p);
    void cmd_close(const std::string& tag, Parser& p);
    void cmd_unselect(const std::string& tag, Parser& p);
    void cmd_expunge(const std::string& tag, Parser& p);
    void cmd_fetch(const std::string& tag, Parser& p) { fetch(tag, p, false); }
    void cmd_store(const std::string& tag, Parser& p) { store(tag, p, false); }
    void cmd_search(const std::string& tag, Parser& p) { search(tag, p, false); }
    void cmd_sort(const std::string& tag, Parser& p) { sort(tag, p, false); }
    void cmd_thread(const std::string& tag, Parser& p) { thread(tag, p, false); }
    void cmd_uid(const std::string& tag, Parser& p);
    void cmd_idle(const std::string& tag, Parser& p);
    void cmd_create(const std::string& tag, Parser& p);
    void cmd_delete(const std::string& tag, Parser& p);
    void cmd_rename(const std::string& tag, Parser& p);
    void cmd_append(const std::string& tag, Parser& p);
    void cmd_enable(const std::string& tag, Parser& p);
    void cmd_compress(const std::string& tag, Parser& p);
    void cmd_getquotaroot(const std::string& tag, Parser& p);
    void cmd_getquota(const std::string& tag, Parser& p);
    void cmd_setquota(const std::string& tag, Parser& p);
    void cmd_copy(const std::string& tag, Parser& p) { copy(tag, p, false, false); }
    void cmd_move(const std::string& tag, Parser& p) { copy(tag, p, false, true); }

private:
    enum class Input { Line, Literal };

    static void on_read(bufferevent*, void* ctx) noexcept;
    static void on_write(bufferevent*, void* ctx) noexcept;
    static void on_event(bufferevent*, short what, void* ctx) noexcept;
    static void on_login_delay(evutil_socket_t, short, void* ctx) noexcept;

    // Makes bev_ (new, or replaced by TLS or COMPRESS) call this session,
    // with the idle timeout and the FETCH write watermark; reads and writes on.
    void adopt_bufferevent();
    void handle_input();
    void process_input();
    bool writes_direct() const;
    void flush_output();
    void dispatch(std::string_view command);
    void finish(const char* why);  // stop reading, flush, then on_done
    // Output still waiting in a bufferevent below ours (COMPRESS over the socket or TLS).
    bool pending_below() const;
    static void on_drain_check(evutil_socket_t, short, void* ctx) noexcept;

    // Output.
    void send(std::string_view data);
    void untagged(std::string_view text);
    void tagged(const std::string& tag, std::string_view text);
    void bad(const std::string& tag, std::string_view text) { tagged(tag, std::string("BAD ") + std::string(text)); }

    // Pauses input while a command waits (authd, the failure delay).
    void suspend();
    void resume();
    // resume() on the next loop turn: used from the authd callback, so that a
    // pipelined LOGIN cannot replace check_ while its callback runs.
    void resume_later();
    static void on_resume(evutil_socket_t, short, void* ctx) noexcept;
    // cmd_idle.cc: the line that ends IDLE (RFC 2177: "DONE").
    void idle_line(std::string_view line);
    static void on_idle_poll(evutil_socket_t, short, void* ctx) noexcept;

    // login.cc
    // What CAPABILITY lists now (RFC 3501 7.2.1, RFC 2595 3.2, RFC 4959).
    std::string capabilities() const;
    bool starttls_offered() const { return settings_.tls && !tls_active_; }
    bool plaintext_auth_allowed() const { return tls_active_ || !settings_.tls_auth_only; }
    // Sends user and password to authd; login_done answers tag.
    void check_login(const std::string& tag, std::string user, std::string password, const char* method);
    void login_done(std::string tag, std::string user, const char* method, const auth::Verdict& v);
    void auth_step(const sasl::Step& step);  // AUTHENTICATE: the next SASL step
    // TLS: after "OK Begin TLS negotiation now" has left (STARTTLS), or at
    // once on the TLS port. Closes the session when it cannot.
    void start_tls();
    void on_tls_connected();
    // cmd_select.cc
    void select(const std::string& tag, Parser& p, bool read_only);
    void deselect();
    void report_changes(bool allow_expunge);  // sync(), then EXPUNGE/EXISTS for what changed
    // Drops these UIDs (sorted) from the client's view and says so: EXPUNGE
    // for each, or one VANISHED once QRESYNC is enabled (RFC 7162 3.2.10).
    void forget_messages(const std::vector<std::uint32_t>& uids);
    // "n FETCH ([UID u ]FLAGS (...)[ MODSEQ (m)])": what changed flags look
    // like to this client (MODSEQ once CONDSTORE is enabled).
    std::string flags_response(std::uint32_t seq, const store::MessageInfo& m, bool with_uid) const;
    // RFC 7162 3.1: the first CONDSTORE-enabling command of the session; on
    // a selected mailbox the client learns its HIGHESTMODSEQ.
    void enable_condstore();
    // SELECT (QRESYNC ...): VANISHED (EARLIER) and FETCH for what changed.
    void qresync_report(const SequenceSet* known_uids, std::uint64_t since);
    bool mailbox_exists(const std::string& name, std::string& canonical) const;
    // cmd_mailbox.cc: a mailbox name as the client sent it (modified UTF-7,
    // RFC 3501 5.1.3) to the store's UTF-8 name, nullopt when it is not
    // well formed; and back for responses (quoted or literal).
    std::optional<std::string> folder_from_client(std::string_view raw) const;
    std::string folder_to_client(std::string_view name) const;
    // The mailbox argument after a SP: "TAG BAD/NO" already sent on nullopt.
    std::optional<std::string> folder_arg(const std::string& tag, Parser& p, const char* syntax);
    void subscribe(const std::string& tag, Parser& p, bool on);
    // cmd_list.cc: LIST (with RFC 5258 / 5819 / 6154 options) and LSUB
    void list(const std::string& tag, Parser& p, const char* verb);
    // "\HasChildren \Sent" and the like, as LIST shows them for folder.
    std::string mailbox_attributes(const std::string& folder);
    // The untagged STATUS for a folder with these items (upper case).
    bool status_line(const std::string& folder, const std::vector<std::string>& items);
    // cmd_quota.cc: the untagged QUOTA for the account's root; whether
    // `messages` more messages of `bytes` in all fit in the quota.
    bool quota_response();
    bool quota_allows(std::uint64_t bytes, std::uint64_t messages);
    // cmd_copy.cc: COPY, MOVE and their UID forms; UID EXPUNGE
    void copy(const std::string& tag, Parser& p, bool uid, bool move);
    void uid_expunge(const std::string& tag, Parser& p);
    // cmd_fetch.cc / cmd_store.cc / cmd_search.cc
    void fetch(const std::string& tag, Parser& p, bool uid);
    void continue_fetch();
    void fetch_one(FetchJob& job, std::uint32_t seq);
    void mark_seen(FetchJob& job);
    char cache_field(FetchKind kind) const;
    void store(const std::string& tag, Parser& p, bool uid);
    void search(const std::string& tag, Parser& p, bool uid);
    // The sequence numbers (ascending) of the messages that match key, which
    // may hold "$"; reads messages only when a key needs their text.
    std::vector<std::uint32_t> matching(const SearchKey& key);
    // "$" now: the saved UIDs still in view, as sequence numbers (ascending).
    std::vector<std::uint32_t> saved_result_seqs() const;
    // cmd_sort.cc: SORT and THREAD (RFC 5256).
    void sort(const std::string& tag, Parser& p, bool uid);
    // The matching messages with what SORT and THREAD compare; the header
    // (Date:, Subject:, addresses, ids) is read only when need_header.
    std::vector<SortMessage> sort_inputs(const SearchKey& key, bool need_header);
    void thread(const std::string& tag, Parser& p, bool uid);
    // Sequence numbers (1-based, ascending) in set, by sequence number or
    // UID; nullopt when a sequence number is beyond the mailbox (RFC 3501 9).
    std::optional<std::vector<std::uint32_t>> resolve(const SequenceSet& set, bool uid) const;
    const store::MessageInfo* info(std::uint32_t seq) const;
    // cmd_expunge
    // Removes the \Deleted messages (only those in `only`, sorted UIDs, when
    // given: UID EXPUNGE); their UIDs, ascending. The caller reports them.
    Result<std::vector<std::uint32_t>> expunge_deleted(const std::vector<std::uint32_t>* only);

    event_base* base_;
    BufferEventPtr bev_;
    std::string peer_;
    Settings settings_;
    const Services& services_;
    std::function<void(Session*)> on_done_;

    State state_ = State::NotAuthenticated;
    Input input_ = Input::Line;
    std::string command_;            // the command being assembled (literals embedded)
    std::uint64_t literal_left_ = 0;
    std::size_t literal_total_ = 0;  // literal octets in the command being assembled
    bool suspended_ = false;
    bool in_input_ = false;    // commands are being handled: responses go out together at the end
    bool closing_ = false;
    bool done_called_ = false;
    bool peer_gone_ = false;   // EOF or error: nothing more can be written
    bool discarding_ = false;  // skipping the rest of an over-long line

    // TLS.
    bool tls_active_ = false;
    bool tls_switch_pending_ = false;  // the STARTTLS OK is being flushed
    bool tls_handshaking_ = false;

    // COMPRESS=DEFLATE (cmd_compress.cc): the switch after the OK has left.
    bool compress_active_ = false;
    bool compress_switch_pending_ = false;
    void start_compress();

    // AUTHENTICATE in progress: continuation lines go to auth_step.
    std::unique_ptr<sasl::Exchange> sasl_;
    std::string auth_tag_;

    // Login.
    std::string user_;
    std::string maildir_root_;
    store::QuotaLimit quota_;  // from authd at login
    int login_failures_ = 0;
    std::unique_ptr<auth::PasswordCheck> check_;
    EventPtr login_delay_;
    EventPtr resume_ev_;
    EventPtr drain_ev_;  // closing: waits for pending_below() to empty
    std::string pending_reply_;      // the tagged NO sent when login_delay_ fires
    bool close_after_reply_ = false;

    // IDLE (RFC 2177).
    bool idling_ = false;
    std::string idle_tag_;
    EventPtr idle_poll_;
    std::uint64_t idle_watch_ = 0;  // MailboxWatch token while idling on a mailbox
    void stop_idle_watch();

    std::unique_ptr<FetchJob> fetch_job_;  // a FETCH paused on output

    // Selected mailbox.
    std::optional<store::Mailbox> mbox_;
    std::optional<store::ParseCache> cache_;  // the selected folder's parsed ENVELOPE/BODYSTRUCTURE
    bool read_only_ = false;

    // ENABLEd extensions (RFC 5161).
    bool condstore_ = false;    // RFC 7162 CONDSTORE: MODSEQ in every FETCH with FLAGS
    bool qresync_ = false;      // RFC 7162 QRESYNC: VANISHED instead of EXPUNGE
    bool utf8_accept_ = false;  // RFC 6855: UTF-8 mailbox names instead of modified UTF-7
    bool rev2_ = false;         // RFC 9051: IMAP4rev2 responses (see ENABLE in commands.cc)
    std::vector<std::uint32_t> seq_uids_;
    // SEARCHRES (RFC 5182): the UIDs SEARCH RETURN (SAVE) kept, ascending;
    // expunged ones drop out when resolved, deselect() empties it.
    std::vector<std::uint32_t> search_result_;
};

// One row of the command table (commands.cc): dispatch checks the state
// before the handler runs; anything else is "TAG BAD".
struct Command {
    std::string_view name;
    void (Session::*run)(const std::string& tag, Parser& p);
    unsigned states;  // bit per Session::State
};
inline constexpr unsigned state_bit(Session::State s) { return 1u << static_cast<unsigned>(s); }
const Command* find_command(std::string_view name);

}  // namespace tern::imapd
