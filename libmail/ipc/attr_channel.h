// AttrChannel: AttrList messages over one UNIX stream socket, on the libevent
// loop. Requests are answered in order; the owner gets each decoded message in
// on_message and a close notification once (peer EOF, error, a malformed or
// oversized message, or close_when_flushed). It never deletes itself, and the
// owner must not free it inside its own callback: retire it (STYLE.md example 3).
#pragma once

#include <event2/bufferevent.h>
#include <event2/event.h>

#include <functional>
#include <string>

#include "libmail/core/result.h"
#include "libmail/core/unique_fd.h"
#include "libmail/ipc/attr_codec.h"

namespace tern::ipc {

class AttrChannel {
public:
    using MessageFn = std::function<void(AttrList&&)>;
    using CloseFn = std::function<void(const std::string& why)>;

    // Takes ownership of a connected socket.
    AttrChannel(event_base* base, UniqueFd fd, std::size_t max_message_bytes = kDefaultMaxMessageBytes);
    ~AttrChannel();
    AttrChannel(const AttrChannel&) = delete;
    AttrChannel& operator=(const AttrChannel&) = delete;

    void on_message(MessageFn fn) {
        on_message_ = std::move(fn);
        replaced_ = true;
    }
    void on_close(CloseFn fn) { on_close_ = std::move(fn); }
    void send(const AttrList& msg);
    // Closes after everything queued has been written.
    void close_when_flushed();
    bool is_open() const { return bev_ != nullptr; }
    // Everything sent has gone to the socket (or the channel is closed).
    bool flushed() const;
    // "pid N uid N" of the other end (SO_PEERCRED), for log lines.
    const std::string& peer() const { return peer_; }

private:
    static void read_cb(bufferevent*, void* ctx) noexcept;
    static void write_cb(bufferevent*, void* ctx) noexcept;
    static void event_cb(bufferevent*, short what, void* ctx) noexcept;
    void handle_input();
    void shut(const std::string& why);

    bufferevent* bev_ = nullptr;
    std::size_t max_bytes_;
    std::string peer_;
    bool closing_ = false;
    bool replaced_ = false;  // on_message() was called while the callback ran
    MessageFn on_message_;
    CloseFn on_close_;
};

// Connects (non-blocking) to the UNIX socket at path.
[[nodiscard]] Result<UniqueFd> connect_unix(const std::string& path);

// Path of a service socket: queue_dir/private/name or queue_dir/public/name.
std::string service_path(const std::string& queue_dir, bool is_private, const std::string& name);

// A trigger (DESIGN.md): one byte to qmgr's public socket. Failure is only
// logged: a lost trigger delays mail until the next periodic scan.
inline constexpr char kTriggerIncoming = 'A';  // new file in incoming/
inline constexpr char kTriggerFlush = 'F';     // postqueue -f: retry deferred mail now
inline constexpr char kTriggerScan = 'W';      // rescan (wakeup)
inline constexpr char kTriggerDmarcReports = 'D';  // tern dmarc send-reports: DMARC aggregate reports now
void send_trigger(const std::string& queue_dir, const std::string& service, char code);

// A connection to a service's public socket kept for the triggers of a busy
// process (smtpd: one per accepted message), instead of one connection each.
class TriggerLink {
public:
    TriggerLink(const std::string& queue_dir, const std::string& service);
    void send(char code);

private:
    std::string path_;
    UniqueFd fd_;
};

}  // namespace tern::ipc
