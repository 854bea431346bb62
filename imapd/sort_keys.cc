#include "imapd/sort_keys.h"

#include <algorithm>

#include "imapd/base_subject.h"
#include "imapd/casefold.h"
#include "imapd/envelope.h"
#include "imapd/mail_date.h"
#include "libmail/core/text.h"

namespace tern::imapd {

namespace {

// RFC 5256 3: the addr-mailbox (local part) of the first address; empty for
// none or a group.
std::string first_mailbox(const std::vector<HeaderField>& fields, std::string_view name) {
    const auto* f = find_field(fields, name);
    if (!f) return {};
    for (const auto& a : parse_address_list(f->value)) {
        if (a.group_start || a.group_end) continue;
        return a.mailbox ? casefold(*a.mailbox) : std::string();
    }
    return {};
}

int compare(const SortMessage& a, const SortMessage& b, SortKey key) {
    auto cmp = [](const auto& x, const auto& y) { return x < y ? -1 : y < x ? 1 : 0; };
    switch (key) {
    case SortKey::Arrival: return cmp(a.internal_date, b.internal_date);
    case SortKey::Cc: return cmp(a.cc, b.cc);
    case SortKey::Date: return cmp(a.sent_date, b.sent_date);
    case SortKey::From: return cmp(a.from, b.from);
    case SortKey::Size: return cmp(a.size, b.size);
    case SortKey::Subject: return cmp(a.subject, b.subject);
    case SortKey::To: return cmp(a.to, b.to);
    }
    return 0;
}

}  // namespace

std::vector<std::string> parse_msg_ids(std::string_view value, std::size_t max) {
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < value.size();) {
        const auto open = value.find('<', i);
        if (open == std::string_view::npos) break;
        const auto close = value.find('>', open + 1);
        if (close == std::string_view::npos) break;
        const auto id = value.substr(open, close - open + 1);
        // An id has an "@" and no white space or second "<" (RFC 5322 3.6.4).
        if (id.find('@') != std::string_view::npos && id.find_first_of(" \t<", 1) == std::string_view::npos)
            ids.emplace_back(id);
        i = close + 1;
    }
    if (ids.size() > max) ids.erase(ids.begin(), ids.end() - static_cast<long>(max));
    return ids;
}

void make_sort_message(std::string_view header, SortMessage& m) {
    const auto fields = parse_header(header);
    m.sent_date = m.internal_date;
    if (const auto* f = find_field(fields, "Date"))
        if (auto d = parse_mail_date(f->value)) m.sent_date = d->utc_seconds;
    if (const auto* f = find_field(fields, "Subject")) {
        auto b = base_subject(f->value);
        m.subject = std::move(b.text);
        m.subject_is_reply = b.is_reply_or_forward;
    }
    m.from = first_mailbox(fields, "From");
    m.to = first_mailbox(fields, "To");
    m.cc = first_mailbox(fields, "Cc");
    if (const auto* f = find_field(fields, "Message-ID")) {
        auto ids = parse_msg_ids(f->value, 1);
        if (!ids.empty()) m.message_id = std::move(ids.front());
    }
    // RFC 5256 3 (REFERENCES 1.A): References, else the first In-Reply-To id.
    if (const auto* f = find_field(fields, "References")) m.references = parse_msg_ids(f->value, kMaxReferences);
    if (m.references.empty())
        if (const auto* f = find_field(fields, "In-Reply-To")) {
            auto ids = parse_msg_ids(f->value, kMaxReferences);
            if (!ids.empty()) m.references.push_back(std::move(ids.front()));
        }
}

std::optional<std::vector<SortCriterion>> parse_sort_criteria(Parser& p, std::string& error) {
    if (!p.consume('(')) {
        error = "Syntax: SORT (criteria) charset keys";
        return std::nullopt;
    }
    std::vector<SortCriterion> out;
    bool reverse = false;
    for (int i = 0; i < 32; ++i) {
        auto word = p.atom();
        if (!word) break;
        struct Name { std::string_view name; SortKey key; };
        static constexpr Name kNames[] = {{"ARRIVAL", SortKey::Arrival}, {"CC", SortKey::Cc},
                                          {"DATE", SortKey::Date},       {"FROM", SortKey::From},
                                          {"SIZE", SortKey::Size},       {"SUBJECT", SortKey::Subject},
                                          {"TO", SortKey::To}};
        if (iequals(*word, "REVERSE") && !reverse) {
            reverse = true;
        } else {
            const auto* n = std::find_if(std::begin(kNames), std::end(kNames),
                                         [&](const Name& x) { return iequals(x.name, *word); });
            if (n == std::end(kNames)) {
                error = "Unknown sort criterion: " + printable(*word, 40);
                return std::nullopt;
            }
            out.push_back({n->key, reverse});
            reverse = false;
        }
        if (p.consume(')')) {
            if (reverse || out.empty()) break;
            return out;
        }
        if (!p.space()) break;
    }
    if (error.empty()) error = "Syntax: SORT (criteria) charset keys";
    return std::nullopt;
}

void sort_messages(const std::vector<SortCriterion>& criteria, std::vector<SortMessage>& messages) {
    std::stable_sort(messages.begin(), messages.end(), [&](const SortMessage& a, const SortMessage& b) {
        for (const auto& c : criteria) {
            const int r = compare(a, b, c.key);
            if (r != 0) return c.reverse ? r > 0 : r < 0;
        }
        return a.seq < b.seq;
    });
}

bool sent_before(const SortMessage& a, const SortMessage& b) {
    return a.sent_date != b.sent_date ? a.sent_date < b.sent_date : a.seq < b.seq;
}

}  // namespace tern::imapd
