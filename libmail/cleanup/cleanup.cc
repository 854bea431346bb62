#include "libmail/cleanup/cleanup.h"

#include <cctype>
#include <ctime>

#include "libmail/cleanup/mail_date.h"
#include "libmail/config/params_cleanup.h"
#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"

namespace tern::cleanup {

namespace {

constexpr std::size_t kMaxLoggedHeader = 500;

// RFC 5322 2.2: a field name is printable US-ASCII except ':', then ':'.
bool is_header_start(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && line[i] > 32 && line[i] < 127 && line[i] != ':') ++i;
    return i > 0 && i < line.size() && line[i] == ':';
}

bool is_blank_line(std::string_view line) { return line == "\n" || line == "\r\n"; }

// The field name of a header ("Subject" of "Subject: x").
std::string_view header_name(std::string_view header) {
    const auto colon = header.find(':');
    return trim(header.substr(0, colon == std::string_view::npos ? 0 : colon));
}

// "Name: value" on one line: RFC 5322 2.2.3 unfolding removes the CRLFs and
// keeps the white space that follows them.
std::string unfold(std::string_view header) {
    std::string out;
    out.reserve(header.size());
    for (char c : header)
        if (c != '\n' && c != '\r') out += c;
    return out;
}

// A leading RFC 3463 status ("5.7.1 text"): its class digit must match want.
bool split_status(std::string_view text, char want, std::string& status, std::string& rest) {
    std::size_t i = 0;
    auto digits = [&](std::size_t max) {
        std::size_t n = 0;
        while (i < text.size() && n < max && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++n;
        return n > 0;
    };
    if (text.empty() || text[0] != want) return false;
    ++i;
    if (i >= text.size() || text[i++] != '.' || !digits(3) || i >= text.size() || text[i++] != '.' || !digits(3))
        return false;
    if (i < text.size() && text[i] != ' ' && text[i] != '\t') return false;
    status = std::string(text.substr(0, i));
    rest = std::string(trim(text.substr(i)));
    return true;
}

std::string qualify(std::string addr, const std::string& origin) {
    if (!addr.empty() && !origin.empty() && addr.find('@') == std::string::npos) addr += "@" + origin;
    return addr;
}

}  // namespace

Cleanup::Cleanup(CleanupOptions opts, queue::QueueWriter& writer) : o_(std::move(opts)), w_(writer) {
    if (o_.now == 0) o_.now = std::time(nullptr);
}

Result<void> Cleanup::write_envelope(queue::Envelope env) {
    env.sender = qualify(std::move(env.sender), o_.myorigin);
    for (auto& r : env.recipients) r.address = qualify(std::move(r.address), o_.myorigin);
    sender_ = env.sender;
    if (!env.recipients.empty()) first_rcpt_ = env.recipients.front().address;
    return w_.write_envelope(env);
}

void Cleanup::feed(std::string_view content) {
    if (finished_ || decided()) return;
    fed_bytes_ += content.size();
    if (o_.message_size_limit != 0 && fed_bytes_ > o_.message_size_limit) {
        log_action("reject", {}, "5.3.4 Message size exceeds fixed limit");
        fail(Action::Reject, {552, "5.3.4", "Message size exceeds fixed limit"});
        return;
    }
    while (in_headers_ && !content.empty() && !decided()) {
        const auto lf = content.find('\n');
        const std::size_t take = lf == std::string_view::npos ? content.size() : lf + 1;
        // A line is bounded before it is stored. A folded line (leading white
        // space) adds to the header being collected; any other starts a new one.
        const char first = partial_.empty() ? content.front() : partial_.front();
        const std::size_t held = (first == ' ' || first == '\t') ? cur_.size() : 0;
        if (held + partial_.size() + take > o_.header_size_limit) {
            log_action("reject", {}, "5.6.0 Message header size exceeds limit");
            fail(Action::Reject, {552, "5.6.0", "Message header size exceeds limit"});
            return;
        }
        partial_.append(content.substr(0, take));
        content.remove_prefix(take);
        if (partial_.back() != '\n') return;  // wait for the rest of the line
        std::string line = std::move(partial_);
        partial_.clear();
        process_line(line);
    }
    if (!in_headers_ && !content.empty()) write_body(content);
}

void Cleanup::process_line(std::string_view line) {
    section_bytes_ += line.size();
    if (section_bytes_ > o_.header_section_size_limit) {
        log_action("reject", {}, "5.6.0 Message header section exceeds limit");
        fail(Action::Reject, {552, "5.6.0", "Message header section exceeds limit"});
        return;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !cur_.empty() && !is_blank_line(line)) {
        cur_.append(line);  // a folded continuation line
        return;
    }
    flush_header();
    if (is_header_start(line)) {
        cur_.assign(line);
        return;
    }
    // The header section ends: at the empty line, or at the first line that
    // is not a header (which then starts the body, after an empty line so the
    // headers we add stay headers).
    end_of_headers();
    in_headers_ = false;
    if (is_blank_line(line)) {
        write(line);
    } else {
        write("\n");
        write_body(line);
    }
}

bool Cleanup::apply_checks(std::string_view logical, std::string& replaced, std::string& prepend) {
    if (!checks_on_ || o_.header_checks == nullptr || o_.header_checks->empty()) return true;
    auto found = o_.header_checks->lookup(logical);
    if (!found) {
        log::warning("%s: header_checks lookup error: %s", w_.id().c_str(), found.error().message.c_str());
        fail(Action::Tempfail, {451, "4.3.5", "Server configuration error"});
        return false;
    }
    if (!found->has_value()) return true;
    const ParsedAction act = parse_header_action(**found);
    switch (act.action) {
    case HeaderAction::Dunno:
        return true;
    case HeaderAction::Reject: {
        std::string status = "5.7.1", text = act.text;
        std::string s, rest;
        if (split_status(act.text, '5', s, rest)) status = s, text = rest;
        if (text.empty()) text = "message content rejected";
        log_action("reject", logical, status + " " + text);
        fail(Action::Reject, {550, status, text});
        return false;
    }
    case HeaderAction::Discard:
        log_action("discard", logical, act.text);
        fail(Action::Discard, {250, "2.0.0", "Ok"});
        return false;
    case HeaderAction::Hold:
        log_action("hold", logical, act.text);
        if (stop_ == Action::Accept) stop_ = Action::Hold;
        return true;
    case HeaderAction::Warn:
        log_action("warning", logical, act.text);
        return true;
    case HeaderAction::Ignore:
        return false;
    case HeaderAction::Prepend:
        prepend = act.text;
        return true;
    case HeaderAction::Replace:
        log_action("replace", logical, act.text);
        replaced = act.text;
        return true;
    case HeaderAction::Unknown:
        log::warning("%s: unknown header_checks action: %s", w_.id().c_str(), printable(act.text).c_str());
        return true;
    }
    return true;
}

void Cleanup::flush_header() {
    if (cur_.empty()) return;
    std::string header = std::move(cur_);
    cur_.clear();
    std::string logical = unfold(header);
    if (o_.drop_header && o_.drop_header(logical)) return;
    std::string replaced, prepend;
    const bool keep = apply_checks(logical, replaced, prepend);
    if (decided()) return;
    if (!prepend.empty()) write_header(prepend + "\n");
    if (!keep) return;
    if (!replaced.empty()) {
        header = replaced + "\n";
        logical = replaced;
    }
    const std::string_view name = header_name(logical);
    if (iequals(name, "Message-Id")) {
        seen_message_id_ = true;
        message_id_ = std::string(trim(logical.substr(logical.find(':') + 1)));
    } else if (iequals(name, "Date")) {
        seen_date_ = true;
    } else if (iequals(name, "From")) {
        seen_from_ = true;
    }
    write_header(header);
}

void Cleanup::end_of_headers() {
    if (decided()) return;
    // RFC 5322 3.6: Date and From are required, Message-ID should be there.
    // Postfix adds them at the end of the header section; so does Tern.
    if (o_.add_missing_headers && !seen_message_id_) {
        message_id_ = make_message_id(o_.now, w_.id(), o_.myhostname);
        write_header("Message-Id: " + message_id_ + "\n");
    }
    if (o_.add_missing_headers && !seen_date_) write_header("Date: " + rfc5322_date(o_.now) + "\n");
    if (o_.add_missing_from && !seen_from_) write_header("From: " + format_from(sender_, o_.full_name) + "\n");
    if (decided()) return;
    for (ContentObserver* o : observers_) o->end_of_headers();
}

void Cleanup::write_header(std::string_view field) {
    write(field);
    if (decided()) return;
    for (ContentObserver* o : observers_) o->header(field);
}

void Cleanup::write_body(std::string_view bytes) {
    write(bytes);
    if (decided() || bytes.empty()) return;
    for (ContentObserver* o : observers_) o->body(bytes);
}

void Cleanup::write(std::string_view bytes) {
    if (decided() || bytes.empty()) return;
    if (auto r = w_.write_content(bytes); !r) {
        log::warning("%s: queue file write error: %s", w_.id().c_str(), r.error().message.c_str());
        fail(Action::Tempfail, {451, "4.3.0", "Error: queue file write error"});
        return;
    }
    last_byte_ = bytes.back();
}

void Cleanup::fail(Action a, smtp::Reply reply) {
    if (decided()) return;
    stop_ = a;
    stop_reply_ = std::move(reply);
    checks_on_ = false;
}

void Cleanup::log_action(std::string_view action, std::string_view header, std::string_view text) const {
    std::string line;
    if (!header.empty()) {
        line = "header ";
        line += printable(header, kMaxLoggedHeader);
        line += ' ';
    }
    line += "from ";
    line += printable(o_.log.client);
    line += "; from=<" + printable(sender_) + "> to=<" + printable(first_rcpt_) + ">";
    if (!o_.log.protocol.empty()) line += " proto=" + printable(o_.log.protocol);
    if (!o_.log.helo.empty()) line += " helo=<" + printable(o_.log.helo) + ">";
    if (!text.empty()) {
        line += ": ";
        line += printable(text);
    }
    const std::string a(action);
    log::info("%s: %s: %s", w_.id().c_str(), a.c_str(), line.c_str());
}

void Cleanup::end_content() {
    if (content_ended_) return;
    content_ended_ = true;
    if (!decided() && in_headers_) {
        // The message ended inside the header section (no body, perhaps no
        // final LF): finish the last line and the section.
        if (!partial_.empty()) {
            std::string line = std::move(partial_);
            partial_.clear();
            line += '\n';
            process_line(line);
        }
        if (in_headers_) {
            flush_header();
            end_of_headers();
            in_headers_ = false;
        }
    } else if (!decided() && last_byte_ != '\n' && last_byte_ != 0) {
        write_body("\n");  // queue content has LF line ends, the last line included
    }
    if (decided()) return;
    for (ContentObserver* o : observers_) o->end_of_body();
}

void Cleanup::prepend(std::string_view fields) {
    if (decided() || fields.empty()) return;
    if (auto r = w_.write_prepend(fields); !r) {
        log::warning("%s: queue file write error: %s", w_.id().c_str(), r.error().message.c_str());
        fail(Action::Tempfail, {451, "4.3.0", "Error: queue file write error"});
    }
}

void Cleanup::refuse(Action action, smtp::Reply reply) {
    if (decided()) return;
    log_action(action == Action::Reject ? "reject" : "defer", {}, reply.status + " " + reply.text);
    fail(action, std::move(reply));
}

void Cleanup::hold(std::string_view why) {
    if (decided()) return;
    log_action("hold", {}, why);
    stop_ = Action::Hold;
}

Verdict Cleanup::finish() {
    Verdict v;
    v.queue_id = w_.id();
    if (finished_) {
        v.reply = {451, "4.3.0", "Error: internal error"};
        return v;
    }
    end_content();
    finished_ = true;
    const std::string ok_text = "Ok: queued as " + v.queue_id;
    switch (stop_) {
    case Action::Accept:
    case Action::Hold: {
        auto id = stop_ == Action::Hold ? w_.commit_into("hold") : w_.commit();
        if (!id) {
            log::warning("%s: queue file write error: %s", v.queue_id.c_str(), id.error().message.c_str());
            v.action = Action::Tempfail;
            v.reply = {451, "4.3.0", "Error: queue file write error"};
            return v;
        }
        if (!message_id_.empty())
            log::info("%s: message-id=%s", v.queue_id.c_str(), printable(message_id_).c_str());
        v.action = stop_;
        v.reply = {250, "2.0.0", ok_text};
        return v;
    }
    case Action::Discard:
        w_.abort();
        v.action = Action::Discard;
        v.reply = {250, "2.0.0", ok_text};  // Postfix's DISCARD: the sender is told it was queued
        return v;
    case Action::Reject:
    case Action::Tempfail:
        w_.abort();
        v.action = stop_;
        v.reply = stop_reply_;
        return v;
    }
    return v;
}

CleanupOptions options_from_config(const config::Config& cfg) {
    CleanupOptions o;
    o.header_size_limit = static_cast<std::size_t>(cfg.get_int(config::kHeaderSizeLimit));
    o.header_section_size_limit = static_cast<std::size_t>(cfg.get_int(config::kHeaderSectionSizeLimit));
    o.message_size_limit = static_cast<std::uint64_t>(cfg.get_int(config::kMessageSizeLimit));
    o.myhostname = cfg.get(config::kMyHostname);
    o.add_missing_headers = cfg.get_bool(config::kAlwaysAddMissingHeaders);
    return o;
}

std::string format_from(std::string_view sender, std::string_view full_name) {
    const std::string addr = sender.empty() ? std::string("MAILER-DAEMON") : std::string(sender);
    std::string name;
    for (char c : full_name)
        if (static_cast<unsigned char>(c) >= 32 && c != 127) name += c;
    name = std::string(trim(name));
    if (name.empty()) return addr;
    // RFC 5322 3.2.5: a phrase with specials must be a quoted string.
    const bool needs_quotes = name.find_first_of("()<>[]:;@\\,.\"") != std::string::npos;
    if (!needs_quotes) return name + " <" + addr + ">";
    std::string q = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
    }
    q += "\" <" + addr + ">";
    return q;
}

}  // namespace tern::cleanup
