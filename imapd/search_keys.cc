#include "imapd/search_keys.h"

#include <algorithm>
#include <functional>

#include "imapd/casefold.h"
#include "imapd/envelope.h"
#include "imapd/mail_date.h"

#include "libmail/core/text.h"
#include "libmail/mime/encoded_words.h"
#include "libmail/mime/search_text.h"

namespace tern::imapd {

namespace {

SearchKey make_key(SearchKey::Kind kind, char letter = 0, SequenceSet set = {}, std::uint64_t size = 0) {
    SearchKey k;
    k.kind = kind;
    k.letter = letter;
    k.set = std::move(set);
    k.size = size;
    return k;
}

constexpr int kMaxSearchDepth = 20;
constexpr std::size_t kMaxSearchKeys = 200;

bool starts_seq(const Parser& p) {
    const auto r = p.rest();
    return !r.empty() && ((r[0] >= '0' && r[0] <= '9') || r[0] == '*' || r[0] == '$');
}

std::optional<SearchKey> parse_key(Parser& p, std::string& error, int depth, std::size_t& budget);

// Keys separated by single spaces up to the end or up to ")".
std::optional<SearchKey> parse_keys(Parser& p, std::string& error, int depth, std::size_t& budget, bool in_paren) {
    SearchKey all = make_key(SearchKey::Kind::And);
    while (true) {
        auto k = parse_key(p, error, depth, budget);
        if (!k) return std::nullopt;
        all.sub.push_back(std::move(*k));
        if (in_paren && p.consume(')')) break;
        if (!in_paren && p.at_end()) break;
        if (!p.space()) {
            if (error.empty()) error = "Syntax error in search keys";
            return std::nullopt;
        }
    }
    if (all.sub.size() == 1) return std::move(all.sub.front());
    return all;
}

std::optional<SearchKey> parse_key(Parser& p, std::string& error, int depth, std::size_t& budget) {
    if (depth > kMaxSearchDepth || budget-- == 0) {
        error = "Search program too complex";
        return std::nullopt;
    }
    using K = SearchKey::Kind;
    if (p.consume('(')) return parse_keys(p, error, depth + 1, budget, true);
    if (starts_seq(p)) {
        auto set = p.sequence_set();
        if (!set) {
            error = "Invalid sequence set";
            return std::nullopt;
        }
        return make_key(K::Seq, 0, std::move(*set));
    }
    auto word = p.atom();
    if (!word) {
        error = "Syntax error in search keys";
        return std::nullopt;
    }
    const std::string w = to_upper(*word);
    struct FlagKey {
        std::string_view name;
        K kind;
        char letter;
    };
    static constexpr FlagKey kFlagKeys[] = {
        {"SEEN", K::HasFlag, 'S'},     {"UNSEEN", K::LacksFlag, 'S'},   {"DELETED", K::HasFlag, 'T'},
        {"UNDELETED", K::LacksFlag, 'T'}, {"FLAGGED", K::HasFlag, 'F'}, {"UNFLAGGED", K::LacksFlag, 'F'},
        {"ANSWERED", K::HasFlag, 'R'}, {"UNANSWERED", K::LacksFlag, 'R'}, {"DRAFT", K::HasFlag, 'D'},
        {"UNDRAFT", K::LacksFlag, 'D'},
    };
    for (const auto& f : kFlagKeys)
        if (w == f.name) return make_key(f.kind, f.letter);
    if (w == "ALL" || w == "OLD") return make_key(K::All);
    // imapd reports no message as \Recent, so NEW and RECENT match nothing.
    if (w == "NEW" || w == "RECENT") return make_key(K::None);
    if (w == "UID") {
        auto set = p.space() ? p.sequence_set() : std::nullopt;
        if (!set) {
            error = "Invalid UID set";
            return std::nullopt;
        }
        return make_key(K::Uid, 0, std::move(*set));
    }
    if (w == "LARGER" || w == "SMALLER") {
        auto n = p.space() ? p.number() : std::nullopt;
        if (!n) {
            error = "Syntax: " + w + " number";
            return std::nullopt;
        }
        return make_key(w == "LARGER" ? K::Larger : K::Smaller, 0, {}, *n);
    }
    if (w == "MODSEQ") {
        // MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162 3.1.5);
        // metadata entries name flags, and every flag shares the message's MODSEQ here.
        if (!p.space()) {
            error = "Syntax: MODSEQ [entry type] number";
            return std::nullopt;
        }
        if (p.peek('"')) {
            auto entry = p.string();
            auto type = entry && p.space() ? p.atom() : std::nullopt;
            if (!type || (!iequals(*type, "priv") && !iequals(*type, "shared") && !iequals(*type, "all")) ||
                !p.space()) {
                error = "Syntax: MODSEQ [entry type] number";
                return std::nullopt;
            }
        }
        auto v = parse_number<std::uint64_t>(p.take_while([](char c) { return c >= '0' && c <= '9'; }));
        if (!v || *v > 9223372036854775807ULL) {
            error = "Syntax: MODSEQ [entry type] number";
            return std::nullopt;
        }
        SearchKey k = make_key(K::Modseq);
        k.modseq = *v;
        return k;
    }
    if (w == "EMAILID" || w == "THREADID") {
        auto id = p.space() ? p.atom() : std::nullopt;
        if (!id) {
            error = "Syntax: " + w + " objectid";
            return std::nullopt;
        }
        SearchKey k = make_key(w == "EMAILID" ? K::EmailId : K::ThreadId);
        k.text = std::move(*id);
        return k;
    }
    if (w == "KEYWORD" || w == "UNKEYWORD") {
        auto kw = p.space() ? p.atom() : std::nullopt;
        if (!kw) {
            error = "Syntax: " + w + " flag";
            return std::nullopt;
        }
        SearchKey k = make_key(w == "KEYWORD" ? K::Keyword : K::Unkeyword);
        k.text = std::move(*kw);
        return k;
    }
    if (w == "NOT") {
        if (!p.space()) {
            error = "Syntax: NOT key";
            return std::nullopt;
        }
        auto k = parse_key(p, error, depth + 1, budget);
        if (!k) return std::nullopt;
        SearchKey out = make_key(K::Not);
        out.sub.push_back(std::move(*k));
        return out;
    }
    if (w == "OR") {
        if (!p.space()) {
            error = "Syntax: OR key key";
            return std::nullopt;
        }
        auto a = parse_key(p, error, depth + 1, budget);
        if (!a) return std::nullopt;
        if (!p.space()) {
            error = "Syntax: OR key key";
            return std::nullopt;
        }
        auto b = parse_key(p, error, depth + 1, budget);
        if (!b) return std::nullopt;
        SearchKey out = make_key(K::Or);
        out.sub.push_back(std::move(*a));
        out.sub.push_back(std::move(*b));
        return out;
    }
    static constexpr std::string_view kAddressKeys[] = {"FROM", "TO", "CC", "BCC", "SUBJECT"};
    for (auto h : kAddressKeys) {
        if (w != h) continue;
        auto text = p.space() ? p.astring() : std::nullopt;
        if (!text) {
            error = "Syntax: " + w + " string";
            return std::nullopt;
        }
        SearchKey k = make_key(K::Header);
        k.field = std::string(h);
        k.text = std::move(*text);
        return k;
    }
    if (w == "HEADER") {
        auto field = p.space() ? p.astring() : std::nullopt;
        auto text = field && p.space() ? p.astring() : std::nullopt;
        if (!text) {
            error = "Syntax: HEADER field string";
            return std::nullopt;
        }
        SearchKey k = make_key(K::Header);
        k.field = std::move(*field);
        k.text = std::move(*text);
        return k;
    }
    if (w == "BODY" || w == "TEXT") {
        auto text = p.space() ? p.astring() : std::nullopt;
        if (!text) {
            error = "Syntax: " + w + " string";
            return std::nullopt;
        }
        SearchKey k = make_key(w == "BODY" ? K::Body : K::Text);
        k.text = std::move(*text);
        return k;
    }
    struct DateKey {
        std::string_view name;
        K kind;
    };
    static constexpr DateKey kDateKeys[] = {{"BEFORE", K::Before}, {"ON", K::On},         {"SINCE", K::Since},
                                            {"SENTBEFORE", K::SentBefore}, {"SENTON", K::SentOn},
                                            {"SENTSINCE", K::SentSince}};
    const auto* dk =
        std::find_if(std::begin(kDateKeys), std::end(kDateKeys), [&](const DateKey& d) { return d.name == w; });
    if (dk != std::end(kDateKeys)) {
        auto date = p.space() ? p.astring() : std::nullopt;
        auto day = date ? parse_search_date(*date) : std::nullopt;
        if (!day) {
            error = "Syntax: " + w + " dd-Mon-yyyy";
            return std::nullopt;
        }
        SearchKey k = make_key(dk->kind);
        k.day = *day;
        return k;
    }
    error = "Unsupported search key: " + printable(w, 40);
    return std::nullopt;
}

}  // namespace

std::optional<SearchKey> parse_search(Parser& p, std::string& error) {
    error.clear();
    Parser probe = p;
    if (auto w = probe.atom(); w && iequals(*w, "CHARSET")) {
        p = probe;
        auto cs = p.space() ? p.astring() : std::nullopt;
        if (!cs || !p.space()) {
            error = "Syntax: CHARSET name keys";
            return std::nullopt;
        }
        if (!iequals(*cs, "US-ASCII") && !iequals(*cs, "UTF-8")) {
            error = "[BADCHARSET (US-ASCII UTF-8)]";
            return std::nullopt;
        }
    }
    std::size_t budget = kMaxSearchKeys;
    return parse_keys(p, error, 0, budget, false);
}

bool search_matches(const SearchKey& key, const SearchItem& it) {
    using K = SearchKey::Kind;
    switch (key.kind) {
    case K::All: return true;
    case K::None: return false;
    case K::HasFlag: return it.flags.find(key.letter) != std::string_view::npos;
    case K::LacksFlag: return it.flags.find(key.letter) == std::string_view::npos;
    case K::Seq: return seq_contains(key.set, it.seq, it.max_seq);
    case K::Uid: return seq_contains(key.set, it.uid, it.max_uid);
    case K::Larger: return it.size > key.size;
    case K::Smaller: return it.size < key.size;
    case K::Not: return !search_matches(key.sub.front(), it);
    case K::Or: return search_matches(key.sub[0], it) || search_matches(key.sub[1], it);
    case K::And:
        for (const auto& k : key.sub)
            if (!search_matches(k, it)) return false;
        return true;
    case K::Before: return day_of(it.internal_date) < key.day;
    case K::On: return day_of(it.internal_date) == key.day;
    case K::Since: return day_of(it.internal_date) >= key.day;
    case K::Modseq: return it.modseq >= key.modseq;
    case K::EmailId: return it.email_id == key.text;
    case K::ThreadId: return false;  // no message has a THREADID here
    case K::Keyword:
    case K::Unkeyword: {
        // RFC 9051 2.3.2: keywords compare case-insensitively.
        const bool has = std::any_of(it.keywords.begin(), it.keywords.end(),
                                     [&](const std::string& k) { return iequals(k, key.text); });
        return key.kind == K::Keyword ? has : !has;
    }
    case K::SentBefore:
    case K::SentOn:
    case K::SentSince: {
        // RFC 3501 6.4.4: the Date: header's date, time and zone disregarded.
        const std::string* m = it.message ? it.message() : nullptr;
        if (!m) return false;
        const auto fields = parse_header(header_block(*m));
        const auto* f = find_field(fields, "Date");
        const auto d = f ? parse_mail_date(f->value) : std::nullopt;
        if (!d) return false;
        if (key.kind == K::SentBefore) return d->day < key.day;
        if (key.kind == K::SentOn) return d->day == key.day;
        return d->day >= key.day;
    }
    case K::Header:
    case K::Body:
    case K::Text: {
        const std::string* m = it.message ? it.message() : nullptr;
        if (!m) return false;
        const std::string_view msg = *m;
        // RFC 9051 6.4.4: strings match the decoded text. RFC 2047 words in header
        // values and transfer-encoded, non-UTF-8 text bodies are decoded first; the
        // bytes as written still match too, so nothing findable before is lost.
        auto header_matches = [&](bool any_field) {
            for (const auto& f : parse_header(header_block(msg)))
                if ((any_field || iequals(f.name, key.field)) &&
                    (fold_contains(f.value, key.text) || fold_contains(mime::decode_encoded_words(f.value), key.text)))
                    return true;
            return false;
        };
        auto body_matches = [&] {
            if (fold_contains(msg.substr(body_offset(msg)), key.text)) return true;
            if (!it.decoded_bodies)
                it.decoded_bodies = mime::body_texts(msg, mime::parse_structure(msg), kMaxDecodedSearchOctets);
            for (const auto& text : *it.decoded_bodies)
                if (fold_contains(text, key.text)) return true;
            return false;
        };
        if (key.kind == K::Header) return header_matches(false);
        if (key.kind == K::Body) return body_matches();
        return fold_contains(msg, key.text) || header_matches(true) || body_matches();
    }
    }
    return false;
}

std::optional<unsigned> parse_search_return(Parser& p, bool& present) {
    Parser probe = p;
    auto w = probe.atom();
    present = w && iequals(*w, "RETURN");
    if (!present) return 0u;
    p = probe;
    if (!p.space() || !p.consume('(')) return std::nullopt;
    unsigned opts = 0;
    if (p.consume(')')) return p.space() ? std::optional<unsigned>(kReturnAll) : std::nullopt;
    for (int i = 0; i < 8; ++i) {
        struct Name {
            std::string_view name;
            ReturnOption bit;
        };
        static constexpr Name kNames[] = {{"MIN", kReturnMin},     {"MAX", kReturnMax},   {"ALL", kReturnAll},
                                          {"COUNT", kReturnCount}, {"SAVE", kReturnSave}};
        auto o = p.atom();
        const auto* n = o ? std::find_if(std::begin(kNames), std::end(kNames),
                                         [&](const Name& x) { return iequals(x.name, *o); })
                          : std::end(kNames);
        if (n == std::end(kNames)) return std::nullopt;
        opts |= n->bit;
        if (p.consume(')')) return p.space() ? std::optional<unsigned>(opts) : std::nullopt;
        if (!p.space()) return std::nullopt;
    }
    return std::nullopt;
}

bool needs_text(const SearchKey& key) {
    using K = SearchKey::Kind;
    if (key.kind == K::Header || key.kind == K::Body || key.kind == K::Text || key.kind == K::SentBefore ||
        key.kind == K::SentOn || key.kind == K::SentSince)
        return true;
    for (const auto& k : key.sub)
        if (needs_text(k)) return true;
    return false;
}

}  // namespace tern::imapd
