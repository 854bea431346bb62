// sendmail -bs: SMTP on standard input and output (RFC 5321 subset: HELO,
// EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), each message submitted through
// postdrop like a message on standard input. Used by MUAs that speak SMTP
// to a local command (mutt's smtp_url does not, some others do).
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

#include "libmail/config/params_global.h"
#include "libmail/core/file_io.h"
#include "libmail/core/text.h"
#include "tools/sendmail/postdrop_pipe.h"
#include "tools/sendmail/sendmail.h"

namespace tern::sendmail {

namespace {

constexpr std::size_t kMaxCommandLine = 2048;   // RFC 5321 4.5.3.1.4 (512) plus ESMTP parameters
constexpr std::size_t kMaxDataPiece = 64 * 1024;
constexpr std::size_t kMaxRecipients = 10000;

enum class LineStatus { Line, Piece, Eof };

class StdinLines {
public:
    // A line without its CRLF/LF (Line), a piece of a longer line (Piece), or Eof.
    LineStatus next(std::string& out, std::size_t max) {
        out.clear();
        for (;;) {
            while (pos_ < buf_.size()) {
                const char c = buf_[pos_++];
                if (c == '\n') {
                    if (!out.empty() && out.back() == '\r') out.pop_back();
                    return LineStatus::Line;
                }
                out += c;
                if (out.size() >= max) return LineStatus::Piece;
            }
            char tmp[8192];
            ssize_t n;
            do n = ::read(STDIN_FILENO, tmp, sizeof tmp);
            while (n < 0 && errno == EINTR);
            if (n <= 0) return LineStatus::Eof;
            buf_.assign(tmp, static_cast<std::size_t>(n));
            pos_ = 0;
        }
    }

private:
    std::string buf_;
    std::size_t pos_ = 0;
};

void reply(const std::string& line) { (void)write_all(STDOUT_FILENO, line + "\r\n"); }

// "FROM:<addr> params" -> addr; nullopt when malformed.
std::optional<std::string> path_arg(std::string_view args, std::string_view keyword) {
    args = trim(args);
    if (!istarts_with(args, keyword)) return std::nullopt;
    args = trim(args.substr(keyword.size()));
    if (args.empty() || args.front() != '<') return std::nullopt;
    const auto close = args.find('>');
    if (close == std::string_view::npos) return std::nullopt;
    return std::string(args.substr(1, close - 1));
}

}  // namespace

int smtp_mode(const Options& o, const config::Config& cfg) {
    const std::string host = cfg.get(config::kMyHostname);
    const auto size_limit = static_cast<std::uint64_t>(cfg.get_int(config::kMessageSizeLimit));
    StdinLines in;
    reply("220 " + host + " ESMTP " + cfg.get(config::kMailName) + " (sendmail -bs)");
    std::optional<std::string> sender;
    std::vector<std::string> rcpts;
    std::string line;
    for (;;) {
        const LineStatus st = in.next(line, kMaxCommandLine);
        if (st == LineStatus::Eof) return EX_OK;
        if (st == LineStatus::Piece) {
            while (in.next(line, kMaxCommandLine) == LineStatus::Piece) {
            }
            reply("500 5.5.2 Error: line too long");
            continue;
        }
        const auto sp = line.find(' ');
        const std::string verb = to_upper(line.substr(0, sp));
        const std::string_view args = sp == std::string::npos ? std::string_view() : std::string_view(line).substr(sp + 1);
        if (verb == "HELO") {
            reply("250 " + host);
        } else if (verb == "EHLO") {
            reply("250-" + host);
            reply("250-SIZE " + std::to_string(size_limit));
            reply("250-8BITMIME");
            reply("250 ENHANCEDSTATUSCODES");
        } else if (verb == "MAIL") {
            if (sender) {
                reply("503 5.5.1 Error: nested MAIL command");
                continue;
            }
            auto a = path_arg(args, "FROM:");
            if (!a) {
                reply("501 5.5.4 Syntax: MAIL FROM:<address>");
                continue;
            }
            sender = *a;
            reply("250 2.1.0 Ok");
        } else if (verb == "RCPT") {
            if (!sender) {
                reply("503 5.5.1 Error: need MAIL command");
                continue;
            }
            auto a = path_arg(args, "TO:");
            if (!a || a->empty()) {
                reply("501 5.5.4 Syntax: RCPT TO:<address>");
                continue;
            }
            if (rcpts.size() >= kMaxRecipients) {
                reply("452 4.5.3 Error: too many recipients");
                continue;
            }
            rcpts.push_back(*a);
            reply("250 2.1.5 Ok");
        } else if (verb == "DATA") {
            if (rcpts.empty()) {
                reply("554 5.5.1 Error: no valid recipients");
                continue;
            }
            cleanup::Submission env{*sender, o.full_name, rcpts};
            std::optional<PostdropPipe> pipe;
            try {
                pipe.emplace(postdrop_argv(o, cfg), env);
            } catch (const std::exception& e) {
                reply(std::string("451 4.3.0 Error: ") + e.what());
                continue;
            }
            reply("354 End data with <CR><LF>.<CR><LF>");
            std::uint64_t bytes = 0;
            bool ok = true, too_big = false, at_line_start = true;
            for (;;) {
                const LineStatus ds = in.next(line, kMaxDataPiece);
                if (ds == LineStatus::Eof) {
                    (void)pipe->finish(false);  // a cut message is never queued
                    return EX_TEMPFAIL;
                }
                if (at_line_start && ds == LineStatus::Line && line == ".") break;
                // RFC 5321 4.5.2: a leading dot was doubled by the client.
                std::string_view data = line;
                if (at_line_start && !data.empty() && data.front() == '.') data.remove_prefix(1);
                bytes += data.size() + (ds == LineStatus::Line ? 1 : 0);
                if (size_limit != 0 && bytes > size_limit) too_big = true;
                if (ok && !too_big) {
                    ok = pipe->write(data);
                    if (ds == LineStatus::Line) ok = ok && pipe->write("\n");
                }
                at_line_start = ds == LineStatus::Line;
            }
            const int rc = pipe->finish(ok && !too_big);
            if (too_big) reply("552 5.3.4 Error: message file too big");
            else if (rc == EX_OK) reply("250 2.0.0 Ok: queued");
            else reply("451 4.3.0 Error: queue file write error");
            sender.reset();
            rcpts.clear();
        } else if (verb == "RSET") {
            sender.reset();
            rcpts.clear();
            reply("250 2.0.0 Ok");
        } else if (verb == "NOOP") {
            reply("250 2.0.0 Ok");
        } else if (verb == "QUIT") {
            reply("221 2.0.0 Bye");
            return EX_OK;
        } else {
            reply("502 5.5.2 Error: command not recognized");
        }
    }
}

}  // namespace tern::sendmail
