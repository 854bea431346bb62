// SORT, UID SORT, THREAD and UID THREAD (RFC 5256). The messages that match
// the search keys are read (header only, at most kMaxSortHeaderOctets each)
// into SortMessages; sort_keys.cc and threading.cc do the rest.
#include <unistd.h>

#include <cerrno>

#include "imapd/search_keys.h"
#include "imapd/session.h"
#include "imapd/sort_keys.h"
#include "imapd/threading.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/mime/header.h"

namespace tern::imapd {

namespace {

// The header of the message file, at most kMaxSortHeaderOctets; empty when
// it cannot be read (the message then sorts by its index data alone).
std::string read_header(const store::Mailbox& mbox, std::uint32_t uid) {
    auto fd = mbox.open_message(uid);
    if (!fd) {
        log::warning("sort uid %u in %s: %s", uid, mbox.path().c_str(), fd.error().message.c_str());
        return {};
    }
    std::string buf;
    char chunk[8192];
    while (buf.size() < kMaxSortHeaderOctets) {
        const ssize_t n = ::read(fd->get(), chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buf.append(chunk, static_cast<std::size_t>(n));
        // Stop once the empty line that ends the header has been read.
        if (mime::header_end(buf) < buf.size()) break;
    }
    buf.resize(std::min(mime::header_end(buf), buf.size()));
    return buf;
}

// The charset and search keys that follow SORT's criteria or THREAD's
// algorithm (RFC 5256 4: search-charset is required).
std::optional<SearchKey> parse_charset_and_keys(Parser& p, std::string& error) {
    auto cs = p.space() ? p.astring() : std::nullopt;
    if (!cs || !p.space()) {
        error = "Syntax: charset search-keys";
        return std::nullopt;
    }
    if (!iequals(*cs, "US-ASCII") && !iequals(*cs, "UTF-8")) {
        error = "[BADCHARSET (US-ASCII UTF-8)]";
        return std::nullopt;
    }
    auto key = parse_search(p, error);
    if (key && !p.at_end()) {
        error = "Syntax error in search keys";
        return std::nullopt;
    }
    return key;
}

}  // namespace

std::vector<SortMessage> Session::sort_inputs(const SearchKey& key, bool need_header) {
    std::vector<SortMessage> messages;
    for (auto n : matching(key)) {
        const auto* m = info(n);
        if (!m) continue;
        SortMessage s;
        s.seq = n;
        s.uid = m->uid;
        s.size = m->size;
        s.internal_date = m->internal_date;
        s.sent_date = m->internal_date;  // RFC 5256 2.2, when there is no usable Date:
        if (need_header) make_sort_message(read_header(*mbox_, m->uid), s);
        messages.push_back(std::move(s));
    }
    return messages;
}

void Session::sort(const std::string& tag, Parser& p, bool uid) {
    const char* verb = uid ? "UID SORT" : "SORT";
    std::string error;
    auto criteria = p.space() ? parse_sort_criteria(p, error) : std::nullopt;
    auto key = criteria ? parse_charset_and_keys(p, error) : std::nullopt;
    if (!key) {
        if (error.rfind("[BADCHARSET", 0) == 0) return tagged(tag, "NO " + error + " Unsupported charset");
        return bad(tag, error.empty() ? "Syntax: SORT (criteria) charset keys" : error);
    }
    bool need_header = false;
    for (const auto& c : *criteria)
        need_header = need_header || !(c.key == SortKey::Arrival || c.key == SortKey::Size);
    auto messages = sort_inputs(*key, need_header);
    sort_messages(*criteria, messages);
    std::string out = "SORT";
    for (const auto& s : messages) out += " " + std::to_string(uid ? s.uid : s.seq);
    untagged(out);
    tagged(tag, std::string("OK ") + verb + " completed");
}

void Session::thread(const std::string& tag, Parser& p, bool uid) {
    const char* verb = uid ? "UID THREAD" : "THREAD";
    auto alg = p.space() ? p.atom() : std::nullopt;
    std::optional<ThreadAlgorithm> algorithm;
    if (alg && iequals(*alg, "ORDEREDSUBJECT")) algorithm = ThreadAlgorithm::OrderedSubject;
    else if (alg && iequals(*alg, "REFERENCES")) algorithm = ThreadAlgorithm::References;
    if (!algorithm) return bad(tag, "Syntax: THREAD ORDEREDSUBJECT|REFERENCES charset keys");
    std::string error;
    auto key = parse_charset_and_keys(p, error);
    if (!key) {
        if (error.rfind("[BADCHARSET", 0) == 0) return tagged(tag, "NO " + error + " Unsupported charset");
        return bad(tag, error);
    }
    const auto messages = sort_inputs(*key, true);
    const auto threads = thread_messages(*algorithm, messages);
    std::string out = "THREAD";
    if (!threads.empty()) out += " " + format_threads(threads, messages, uid);
    untagged(out);
    tagged(tag, std::string("OK ") + verb + " completed");
}

}  // namespace tern::imapd
