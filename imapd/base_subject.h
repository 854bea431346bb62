// The base subject of RFC 5256 2.1, used by SORT SUBJECT and both THREAD
// algorithms: RFC 2047 words decoded, white space collapsed, "Re:", "Fwd:",
// "[list]" prefixes, "(fwd)" trailers and "[fwd: ...]" wrappers removed.
// The result is case-folded (i;unicode-casemap) so it can be compared with ==.
#pragma once

#include <string>
#include <string_view>

namespace tern::imapd {

struct BaseSubject {
    std::string text;        // folded base subject; empty when there is none
    bool is_reply_or_forward = false;  // a subj-refwd, "(fwd)" or "[fwd:" was removed
};

// Subjects longer than this are cut before extraction (hostile mail).
inline constexpr std::size_t kMaxSubjectOctets = 4096;

// raw is the Subject: field value as written (unfolded, RFC 2047 words encoded).
BaseSubject base_subject(std::string_view raw);

}  // namespace tern::imapd
