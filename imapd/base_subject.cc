#include "imapd/base_subject.h"

#include "imapd/casefold.h"
#include "libmail/core/text.h"
#include "libmail/mime/encoded_words.h"

namespace tern::imapd {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// subj-blob = "[" *BLOBCHAR "]" *WSP: its length at s[0], or 0.
std::size_t blob_length(std::string_view s) {
    if (s.empty() || s[0] != '[') return 0;
    std::size_t i = 1;
    while (i < s.size() && s[i] != '[' && s[i] != ']') ++i;
    if (i >= s.size() || s[i] != ']') return 0;
    ++i;
    while (i < s.size() && is_wsp(s[i])) ++i;
    return i;
}

// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":" after *subj-blob;
// the length of that leader at s[0], or 0.
std::size_t refwd_leader_length(std::string_view s) {
    std::size_t i = 0;
    while (std::size_t b = blob_length(s.substr(i))) i += b;
    const auto rest = s.substr(i);
    if (istarts_with(rest, "re")) i += 2;
    else if (istarts_with(rest, "fwd")) i += 3;
    else if (istarts_with(rest, "fw")) i += 2;
    else return 0;
    while (i < s.size() && is_wsp(s[i])) ++i;
    i += blob_length(s.substr(i));
    if (i >= s.size() || s[i] != ':') return 0;
    return i + 1;
}

}  // namespace

BaseSubject base_subject(std::string_view raw) {
    BaseSubject out;
    // (1) decode, tabs and line breaks to spaces, runs of spaces to one.
    const std::string decoded = mime::decode_encoded_words(raw.substr(0, std::min(raw.size(), kMaxSubjectOctets)));
    std::string s;
    for (char c : decoded) {
        if (c == '\t' || c == '\r' || c == '\n') c = ' ';
        if (c == ' ' && !s.empty() && s.back() == ' ') continue;
        s += c;
    }
    std::string_view v = s;
    for (;;) {
        // (2) trailers: "(fwd)" and white space, repeatedly.
        for (bool changed = true; changed;) {
            changed = false;
            while (!v.empty() && is_wsp(v.back())) {
                v.remove_suffix(1);
                changed = true;
            }
            if (v.size() >= 5 && iequals(v.substr(v.size() - 5), "(fwd)")) {
                v.remove_suffix(5);
                out.is_reply_or_forward = true;
                changed = true;
            }
        }
        // (3)-(5) leaders and blobs until nothing changes.
        for (bool changed = true; changed;) {
            changed = false;
            while (!v.empty() && is_wsp(v.front())) {
                v.remove_prefix(1);
                changed = true;
            }
            if (std::size_t n = refwd_leader_length(v)) {
                v.remove_prefix(n);
                out.is_reply_or_forward = true;
                changed = true;
                continue;
            }
            // (4) a blob goes unless it is all that is left.
            if (std::size_t b = blob_length(v); b && b < v.size()) {
                v.remove_prefix(b);
                changed = true;
            }
        }
        // (6) "[fwd:" subject "]": unwrap and start again at (2).
        if (v.size() >= 6 && istarts_with(v, "[fwd:") && v.back() == ']') {
            v = v.substr(5, v.size() - 6);
            out.is_reply_or_forward = true;
            continue;
        }
        break;
    }
    out.text = casefold(v);
    return out;
}

}  // namespace tern::imapd
