// APPEND (RFC 9051 6.3.12) with APPENDUID (RFC 4315) and literal8 data
// (RFC 3516 4.4). The message arrives whole in the command (the session
// allows APPENDLIMIT octets for its literal) and is durable before the OK.
#include "imapd/date_time.h"
#include "imapd/flags.h"
#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/store/mailbox_index.h"

namespace tern::imapd {

void Session::cmd_append(const std::string& tag, Parser& p) {
    constexpr const char* kSyntax = "Syntax: APPEND mailbox [(flags)] [\"date-time\"] {size}";
    auto name = folder_arg(tag, p, kSyntax);
    if (!name) return;
    if (!p.space()) return bad(tag, kSyntax);
    std::string letters;
    std::vector<std::string> keywords;
    if (p.peek('(')) {
        auto flags = p.flag_list(false);
        if (!flags || !p.space()) return bad(tag, kSyntax);
        for (const auto& f : *flags) {
            if (auto l = flag_letter(f)) letters += *l;
            else if (iequals(f, "\\Recent")) continue;
            else if (f.front() == '\\') return bad(tag, "Unknown system flag " + printable(f));
            else if (!store::valid_keyword(f)) return bad(tag, "Invalid keyword " + printable(f));
            else keywords.push_back(f);
        }
    }
    std::int64_t internal_date = 0;
    if (p.peek('"')) {
        auto text = p.string();
        auto when = text ? parse_date_time(*text) : std::nullopt;
        if (!when) return bad(tag, "Invalid date-time; expected \"dd-Mon-yyyy hh:mm:ss +zzzz\"");
        if (*when <= 0) return bad(tag, "date-time before 1970");
        internal_date = *when;
        if (!p.space()) return bad(tag, kSyntax);
    }
    // RFC 6855 4: "UTF8 (~{n}...)" carries a message with UTF-8 headers.
    bool utf8 = false;
    if (utf8_accept_ && (p.peek('U') || p.peek('u'))) {
        auto word = p.atom();
        if (!word || !iequals(*word, "UTF8") || !p.space() || !p.consume('(') || !p.peek('~'))
            return bad(tag, kSyntax);
        utf8 = true;
    }
    const bool binary = p.consume('~');  // literal8: NUL octets allowed
    auto message = p.peek('{') ? p.string() : std::nullopt;
    if (!message || (utf8 && !p.consume(')')) || !p.at_end()) return bad(tag, kSyntax);
    if (message->empty()) return tagged(tag, "NO [CANNOT] Empty message");
    if (!binary && message->find('\0') != std::string::npos)
        return tagged(tag, "NO [CANNOT] NUL octet in message; send it as literal8 (BINARY)");

    std::string folder;
    if (!mailbox_exists(*name, folder)) return tagged(tag, "NO [TRYCREATE] Mailbox does not exist");
    if (!quota_allows(message->size(), 1)) return tagged(tag, "NO [OVERQUOTA] Quota exceeded");
    auto mb = store::Mailbox::open(maildir_root_, folder);
    auto uid = mb ? mb->append(*message, letters, internal_date, keywords) : Result<std::uint32_t>(mb.error());
    if (!uid) {
        const int code = uid.error().code;
        if (code == ENOSPC || code == EDQUOT) return tagged(tag, "NO [OVERQUOTA] Not enough space");
        log::warning("append to %s of %s: %s", printable(folder).c_str(), printable(user_).c_str(),
                     uid.error().message.c_str());
        return tagged(tag, "NO [UNAVAILABLE] Cannot store the message");
    }
    log::info("user=<%s>: appended UID %u to %s (%zu octets)", printable(user_).c_str(), *uid,
              printable(folder).c_str(), message->size());
    // RFC 9051 6.3.12: the selected mailbox announces the new message.
    if (state_ == State::Selected && mbox_ && mbox_->folder() == folder) report_changes(true);
    tagged(tag, "OK [APPENDUID " + std::to_string(mb->uidvalidity()) + " " + std::to_string(*uid) +
                    "] APPEND completed");
}

}  // namespace tern::imapd
