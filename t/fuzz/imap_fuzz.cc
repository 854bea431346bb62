// Fuzz target: the IMAP argument parser (network input before and after
// login) and the SEARCH, SORT and THREAD grammar and algorithms behind it.
// Input: a command line, then (after the first LF) mail. The line is parsed
// as a generic command, as a search program, as SORT criteria and as a
// subject and a date; the mail is split on NUL bytes into up to 64 messages
// that the search program is matched against and that are sorted and
// threaded both ways. Asserts what the session relies on: every message
// appears exactly once in a thread list, and the nesting stays bounded.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "imapd/base_subject.h"
#include "imapd/casefold.h"
#include "imapd/mail_date.h"
#include "imapd/parser.h"
#include "imapd/search_keys.h"
#include "imapd/sort_keys.h"
#include "imapd/threading.h"

namespace {

using namespace tern::imapd;

void check(bool ok) {
    if (!ok) std::abort();
}

void walk_command(std::string_view text) {
    Parser p(text);
    if (!p.tag() || !p.space()) return;
    (void)p.atom();
    // Walk the rest with every argument form until one fails.
    for (int i = 0; i < 64 && !p.at_end(); ++i) {
        if (!p.space()) break;
        const std::size_t before = p.pos();
        if (!p.astring() && !p.flag_list(false) && !p.sequence_set() && !p.list_mailbox()) break;
        if (p.pos() == before) break;
    }
}

void check_threads(const std::vector<ThreadNode>& threads, const std::vector<SortMessage>& msgs) {
    std::vector<int> seen(msgs.size(), 0);
    std::vector<std::pair<const ThreadNode*, std::size_t>> stack;
    for (const auto& t : threads) stack.emplace_back(&t, 1);
    while (!stack.empty()) {
        auto [n, depth] = stack.back();
        stack.pop_back();
        check(depth <= kMaxThreadDepth + 3);
        if (n->message >= 0) {
            check(static_cast<std::size_t>(n->message) < msgs.size());
            ++seen[static_cast<std::size_t>(n->message)];
        } else {
            check(!n->children.empty());  // dummies without children are pruned
        }
        for (const auto& k : n->children) stack.emplace_back(&k, depth + 1);
    }
    for (int s : seen) check(s == 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto lf = input.find('\n');
    const std::string_view line = input.substr(0, lf);
    const std::string_view mail = lf == std::string_view::npos ? std::string_view() : input.substr(lf + 1);

    (void)parse_sequence_set(line);
    (void)trailing_literal(line);
    walk_command(line);
    (void)casefold(line);
    (void)fold_contains(mail, line);
    (void)base_subject(line);
    (void)parse_mail_date(line);
    (void)parse_search_date(line);

    std::vector<SortMessage> msgs;
    std::vector<std::string> texts;
    for (std::size_t start = 0; start <= mail.size() && msgs.size() < 64;) {
        const auto nul = mail.find('\0', start);
        const auto text = mail.substr(start, nul == std::string_view::npos ? std::string_view::npos : nul - start);
        SortMessage m;
        m.seq = static_cast<std::uint32_t>(msgs.size() + 1);
        m.uid = m.seq * 3;
        m.size = text.size();
        m.internal_date = static_cast<std::int64_t>(text.size()) * 1000;
        make_sort_message(text, m);
        msgs.push_back(std::move(m));
        texts.emplace_back(text);
        if (nul == std::string_view::npos) break;
        start = nul + 1;
    }

    // SEARCH's arguments: [RETURN (options)] [CHARSET name] keys.
    Parser sp(line);
    std::string error;
    bool has_return = false;
    const auto opts = parse_search_return(sp, has_return);
    if (auto key = opts ? parse_search(sp, error) : std::nullopt) {
        const auto max = static_cast<std::uint32_t>(texts.size());
        for (std::uint32_t i = 0; i < max; ++i) {
            SearchItem it;
            it.seq = i + 1;
            it.uid = (i + 1) * 3;
            it.max_seq = max;
            it.max_uid = max * 3;
            it.size = texts[i].size();
            it.flags = std::string_view(texts[i]).substr(0, 2);  // a view into the text, not a temporary
            it.message = [&texts, i]() { return &texts[i]; };
            (void)search_matches(*key, it);
        }
    }
    Parser cp(line);
    if (auto criteria = parse_sort_criteria(cp, error)) {
        auto sorted = msgs;
        sort_messages(*criteria, sorted);
        check(sorted.size() == msgs.size());
    }
    for (auto alg : {ThreadAlgorithm::OrderedSubject, ThreadAlgorithm::References}) {
        const auto threads = thread_messages(alg, msgs);
        check_threads(threads, msgs);
        (void)format_threads(threads, msgs, alg == ThreadAlgorithm::References);
    }
    return 0;
}
