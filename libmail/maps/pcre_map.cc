// pcre:/path — PCRE2 patterns tried in file order, first match wins:
//     /pattern/flags   result        ($1..$9, ${n} substitute captures; $$ is "$")
//     !/pattern/flags  result        (matches when the pattern does not)
//     if /pattern/flags ... endif    (the lines between apply only when it matches)
// As in Postfix, patterns are case-insensitive unless the `i` flag is given
// (it toggles); other flags: m s x (PCRE2 multiline, dotall, extended),
// A (anchored), E (dollar end-only), U (ungreedy). Each match is bounded by
// pcre2_set_match_limit/pcre2_set_depth_limit, so a hostile key cannot make a
// lookup run for long; exceeding the bound logs a warning and counts as no match.
#include <cctype>
#include <memory>
#include <vector>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "libmail/core/c_ptr.h"
#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/maps/file_watch.h"
#include "libmail/maps/map_types.h"
#include "libmail/maps/table_text.h"

namespace tern::maps::detail {

namespace {

using CodePtr = CPtr<pcre2_code, pcre2_code_free>;
using MatchDataPtr = CPtr<pcre2_match_data, pcre2_match_data_free>;
using MatchContextPtr = CPtr<pcre2_match_context, pcre2_match_context_free>;

// Far above what any sane table pattern needs, far below a catastrophic
// backtrack on a 64 KiB key.
constexpr uint32_t kMatchLimit = 100'000;
constexpr uint32_t kDepthLimit = 10'000;

struct Piece {
    std::string text;  // literal when group < 0
    int group = -1;
};

// One compiled /pattern/flags, possibly negated.
struct Pattern {
    CodePtr code;
    MatchDataPtr match;
    bool negate = false;
    uint32_t captures = 0;
    int line = 0;
};

struct Rule {
    Pattern pattern;
    std::vector<std::size_t> guards;  // indices of the enclosing if-patterns
    std::vector<Piece> result;
};

struct Table {
    std::vector<Pattern> conds;  // the patterns of if-lines
    std::vector<Rule> rules;
};

bool is_space(char c) { return c == ' ' || c == '\t'; }

// Parses "[!]/pattern/flags" at the start of s; s is left at what follows.
Result<Pattern> parse_pattern(std::string_view& s, const std::string& at, int line) {
    Pattern p;
    p.line = line;
    if (!s.empty() && s.front() == '!') {
        p.negate = true;
        s.remove_prefix(1);
    }
    if (s.size() < 2 || std::isalnum(static_cast<unsigned char>(s.front())) || s.front() == '\\' ||
        is_space(s.front()))
        return Error(at + "expected format: /pattern/flags result");
    const char delim = s.front();
    std::size_t i = 1;
    std::string pattern;
    for (; i < s.size() && s[i] != delim; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            // "\/" with / as delimiter stands for "/"; any other escape is PCRE's.
            if (s[i + 1] != delim) pattern += '\\';
            pattern += s[++i];
            continue;
        }
        pattern += s[i];
    }
    if (i >= s.size()) return Error(at + "missing closing delimiter '" + std::string(1, delim) + "'");
    ++i;
    uint32_t options = PCRE2_CASELESS;
    for (; i < s.size() && !is_space(s[i]); ++i) {
        switch (s[i]) {
        case 'i': options ^= PCRE2_CASELESS; break;
        case 'm': options |= PCRE2_MULTILINE; break;
        case 's': options |= PCRE2_DOTALL; break;
        case 'x': options |= PCRE2_EXTENDED; break;
        case 'A': options |= PCRE2_ANCHORED; break;
        case 'E': options |= PCRE2_DOLLAR_ENDONLY; break;
        case 'U': options |= PCRE2_UNGREEDY; break;
        default: return Error(at + "unknown regexp option \"" + printable(s.substr(i, 1)) + "\"");
        }
    }
    s.remove_prefix(i);

    int err = 0;
    PCRE2_SIZE err_off = 0;
    p.code.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &err,
                               &err_off, nullptr));
    if (!p.code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return Error(at + "error in regex at offset " + std::to_string(err_off) + ": " +
                     reinterpret_cast<const char*>(msg));
    }
    pcre2_pattern_info(p.code.get(), PCRE2_INFO_CAPTURECOUNT, &p.captures);
    p.match.reset(pcre2_match_data_create_from_pattern(p.code.get(), nullptr));
    if (!p.match) return Error(at + "out of memory");
    return p;
}

// Pre-splits a result into literals and capture references ($n, ${n}, $$).
Result<std::vector<Piece>> parse_result(std::string_view result, const Pattern& p, const std::string& at) {
    std::vector<Piece> out;
    std::string lit;
    for (std::size_t j = 0; j < result.size(); ++j) {
        if (result[j] != '$') {
            lit += result[j];
            continue;
        }
        if (j + 1 < result.size() && result[j + 1] == '$') {
            lit += '$';
            ++j;
            continue;
        }
        std::size_t k = j + 1;
        const bool braced = k < result.size() && result[k] == '{';
        if (braced) ++k;
        const std::size_t start = k;
        while (k < result.size() && k - start < 3 && std::isdigit(static_cast<unsigned char>(result[k]))) ++k;
        const auto n = parse_number<int>(result.substr(start, k - start));
        if (!n || (braced && (k >= result.size() || result[k] != '}')))
            return Error(at + "invalid substitution in \"" + printable(result) + "\"");
        if (braced) ++k;
        if (p.negate) return Error(at + "$" + std::to_string(*n) + " in the result of a negated pattern");
        if (*n < 1 || static_cast<uint32_t>(*n) > p.captures)
            return Error(at + "out-of-range substitution $" + std::to_string(*n));
        if (!lit.empty()) out.push_back({std::move(lit), -1});
        lit.clear();
        out.push_back({{}, *n});
        j = k - 1;
    }
    if (!lit.empty()) out.push_back({std::move(lit), -1});
    return out;
}

Result<Table> parse(std::string_view text, const std::string& filename) {
    auto lines = logical_lines(text, filename);
    if (!lines) return lines.error();
    Table table;
    std::vector<std::size_t> open_ifs;  // indices into table.conds
    for (const LogicalLine& l : *lines) {
        const std::string at = filename + ":" + std::to_string(l.line) + ": ";
        std::string_view s = l.text;
        const std::string_view word = s.substr(0, s.find_first_of(" \t/!"));
        if (iequals(word, "endif")) {
            if (open_ifs.empty()) return Error(at + "endif without matching if");
            if (!trim(s.substr(word.size())).empty()) return Error(at + "text after endif");
            open_ifs.pop_back();
            continue;
        }
        if (iequals(word, "if")) {
            s = trim(s.substr(word.size()));
            auto cond = parse_pattern(s, at, l.line);
            if (!cond) return cond.error();
            if (!trim(s).empty()) return Error(at + "text after if /pattern/");
            open_ifs.push_back(table.conds.size());
            table.conds.push_back(std::move(*cond));
            continue;
        }
        auto pattern = parse_pattern(s, at, l.line);
        if (!pattern) return pattern.error();
        const std::string_view result = trim(s);
        if (result.empty()) return Error(at + "expected format: /pattern/flags result");
        auto pieces = parse_result(result, *pattern, at);
        if (!pieces) return pieces.error();
        table.rules.push_back({std::move(*pattern), open_ifs, std::move(*pieces)});
    }
    if (!open_ifs.empty())
        return Error(filename + ":" + std::to_string(table.conds[open_ifs.back()].line) +
                     ": if without matching endif");
    return table;
}

Result<Table> load(const std::string& path) {
    auto text = read_file(path, kMaxTableFileBytes);
    if (!text) return text.error();
    return parse(*text, path);
}

class PcreMap final : public Map {
public:
    PcreMap(std::string spec, FileWatch watch, Table table, MatchContextPtr ctx)
        : spec_(std::move(spec)), watch_(std::move(watch)), table_(std::move(table)), ctx_(std::move(ctx)) {}

    Result<std::optional<std::string>> lookup(std::string_view key) override {
        if (watch_.changed()) {
            auto t = load(watch_.path());
            if (t)
                table_ = std::move(*t);
            else
                log::warning("table %s: reload failed, keeping the previous version: %s",
                             spec_.c_str(), t.error().message.c_str());
        }
        if (key.size() > kMaxKeyBytes) return std::optional<std::string>{};
        // PCRE2 10.42 refuses a null subject even at length 0 (an empty string_view).
        const auto* subject = reinterpret_cast<PCRE2_SPTR>(key.data() ? key.data() : "");
        // Outcome of each if-pattern for this key, computed when first needed.
        std::vector<signed char> cond_state(table_.conds.size(), -1);
        auto test = [&](Pattern& p, int& rc) -> Result<bool> {
            rc = pcre2_match(p.code.get(), subject, key.size(), 0, 0, p.match.get(), ctx_.get());
            if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT) {
                log::warning("table %s, line %d: matcher: backtracking limit exceeded", spec_.c_str(), p.line);
                return false;
            }
            if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
                return Error("table " + spec_ + ", line " + std::to_string(p.line) + ": pcre2_match error " +
                             std::to_string(rc));
            return (rc >= 0) != p.negate;
        };
        for (Rule& r : table_.rules) {
            bool guards_hold = true;
            for (std::size_t g : r.guards) {
                if (cond_state[g] < 0) {
                    int rc = 0;
                    auto ok = test(table_.conds[g], rc);
                    if (!ok) return ok.error();
                    cond_state[g] = *ok ? 1 : 0;
                }
                if (cond_state[g] == 0) {
                    guards_hold = false;
                    break;
                }
            }
            if (!guards_hold) continue;
            int rc = 0;
            auto ok = test(r.pattern, rc);
            if (!ok) return ok.error();
            if (!*ok) continue;
            std::string out;
            const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(r.pattern.match.get());
            for (const Piece& p : r.result) {
                if (p.group < 0) {
                    out += p.text;
                } else if (p.group < rc && ov[2 * p.group] != PCRE2_UNSET) {
                    // A group that did not take part in the match substitutes as empty.
                    out.append(key.data() + ov[2 * p.group], ov[2 * p.group + 1] - ov[2 * p.group]);
                }
            }
            return std::optional<std::string>(std::move(out));
        }
        return std::optional<std::string>{};
    }
    const std::string& spec() const override { return spec_; }

private:
    std::string spec_;
    FileWatch watch_;
    Table table_;
    MatchContextPtr ctx_;
};

}  // namespace

Result<MapPtr> open_pcre_map(const std::string& spec, const std::string& path) {
    FileWatch watch(path);
    watch.remember();
    auto t = load(path);
    if (!t) return t.error();
    MatchContextPtr ctx(pcre2_match_context_create(nullptr));
    if (!ctx) return Error("table " + spec + ": out of memory");
    pcre2_set_match_limit(ctx.get(), kMatchLimit);
    pcre2_set_depth_limit(ctx.get(), kDepthLimit);
    return MapPtr(new PcreMap(spec, std::move(watch), std::move(*t), std::move(ctx)));
}

}  // namespace tern::maps::detail
