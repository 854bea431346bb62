// The Public Suffix List (publicsuffix.org), read at run time from a file
// (dmarc_public_suffix_list; Debian's publicsuffix package installs it), and
// the Organizational Domain of RFC 7489 3.2 built on it. Rules, "*." wildcards
// and "!" exceptions; the ICANN and private sections alike, as DMARC
// implementations use it. Lookup is a few hash probes per label.
// Names are compared lower-cased (ASCII); a rule written in UTF-8 (IDN) is
// stored in UTF-8 and as its Punycode A-label, so "xn--" names match too.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "libmail/core/result.h"

namespace tern::dmarc {

// The real list is about 230 KiB; anything far past that is not the list.
inline constexpr std::size_t kMaxPublicSuffixFileOctets = 8 << 20;
inline constexpr std::size_t kMaxPublicSuffixRuleOctets = 255;

class PublicSuffixList {
public:
    // Errors: the file cannot be read or is over the limit; a line whose rule
    // is malformed ("FILE:LINE: ..."): empty label, "*" not a whole leftmost
    // label, "!" with "*", over 255 octets.
    [[nodiscard]] static Result<PublicSuffixList> load(const std::string& path);
    // The same from text (tests; name is used in error messages).
    [[nodiscard]] static Result<PublicSuffixList> parse(std::string_view text, std::string_view name);
    // The errors load() would give, without building the list (a daemon
    // checks it at start and loads it when first needed).
    [[nodiscard]] static Result<void> check_file(const std::string& path);

    // The public suffix of domain (lower-cased, trailing dot dropped); the
    // default rule "*" makes an unlisted TLD its own suffix. Empty for an
    // invalid name (empty, leading dot, empty label).
    [[nodiscard]] std::string public_suffix(std::string_view domain) const;
    // Public suffix plus one label (publicsuffix.org's "registrable domain");
    // nullopt when domain is itself a public suffix or invalid.
    [[nodiscard]] std::optional<std::string> registrable_domain(std::string_view domain) const;
    // RFC 7489 3.2: the registrable domain, or the domain itself (lower-cased)
    // when it is a public suffix; empty for an invalid name.
    [[nodiscard]] std::string organizational_domain(std::string_view domain) const;

    [[nodiscard]] std::size_t size() const { return rules_.size() + wildcards_.size() + exceptions_.size(); }

private:
    static Result<void> parse_rules(std::string_view text, std::string_view name, PublicSuffixList* into);
    std::unordered_set<std::string> rules_;       // "co.uk"
    std::unordered_set<std::string> wildcards_;   // "*.ck" stored as "ck"
    std::unordered_set<std::string> exceptions_;  // "!www.ck" stored as "www.ck"
};

// Lower-cased, without one trailing dot; empty when not a plausible DNS name
// (empty, leading dot, empty label, over 253 octets, label over 63).
[[nodiscard]] std::string normalize_domain(std::string_view domain);

// The list for a daemon that may never need it (smtpd serving logged-in
// users or mynetworks, qmgr between report runs): checked at start, so that
// a bad list still stops the daemon there, and built (about 800 KB of heap)
// at the first use.
class PublicSuffixLoader {
public:
    [[nodiscard]] static Result<std::shared_ptr<PublicSuffixLoader>> create(std::string path);
    // The list; null (said once in the log) when it cannot be read any more.
    const PublicSuffixList* get();

private:
    explicit PublicSuffixLoader(std::string path) : path_(std::move(path)) {}
    std::string path_;
    std::optional<PublicSuffixList> list_;
    bool tried_ = false;
};

}  // namespace tern::dmarc
