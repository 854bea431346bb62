#include "libmail/spf/received_spf.h"

#include <string_view>
#include <vector>

namespace tern::spf {

namespace {

constexpr std::size_t kFoldColumn = 78;
constexpr std::size_t kMaxValueOctets = 256;  // peer text in one value

bool is_atext(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// RFC 5322 dot-atom: 1*atext *("." 1*atext)
bool is_dot_atom(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i + 1] == '.') return false;
        } else if (!is_atext(s[i])) {
            return false;
        }
    }
    return true;
}

std::string bounded(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, kMaxValueOctets)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u >= 0x20 && u < 0x7f) ? c : '?';
    }
    return out;
}

// A key-value value: dot-atom as it is, anything else as a quoted-string.
std::string value(std::string_view raw) {
    const std::string s = bounded(raw);
    if (is_dot_atom(s)) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
    }
    return q + "\"";
}

// Comment text: parentheses and backslashes become quoted-pairs.
std::string comment_text(std::string_view raw) {
    std::string out;
    for (char c : bounded(raw)) {
        if (c == '(' || c == ')' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string comment(const Outcome& o, const Request& req) {
    const std::string who = o.sender;
    const std::string ip = req.ip;
    switch (o.result) {
    case Result::Pass: return "domain of " + who + " designates " + ip + " as permitted sender";
    case Result::Fail: return "domain of " + who + " does not designate " + ip + " as permitted sender";
    case Result::SoftFail:
        return "domain of transitioning " + who + " does not designate " + ip + " as permitted sender";
    case Result::Neutral: return ip + " is neither permitted nor denied by domain of " + who;
    case Result::None: return "domain of " + who + " does not designate permitted sender hosts";
    case Result::TempError: return "temporary error checking domain of " + who;
    case Result::PermError: return "permanent error in the SPF record of the domain of " + who;
    }
    return {};
}

}  // namespace

std::string received_spf_header(const Outcome& o, const Request& req) {
    const std::string receiver = req.receiver.empty() ? "unknown" : req.receiver;
    std::vector<std::string> words;
    words.emplace_back(result_name(o.result));
    const std::string c = "(" + comment_text(receiver + ": " + comment(o, req)) + ")";
    std::size_t start = 0;
    for (std::size_t i = 0; i <= c.size(); ++i) {
        if (i == c.size() || c[i] == ' ') {
            if (i > start) words.push_back(c.substr(start, i - start));
            start = i + 1;
        }
    }
    std::vector<std::pair<std::string, std::string>> kv = {
        {"receiver", receiver},
        {"client-ip", req.ip},
        {"envelope-from", o.sender},
        {"helo", req.helo},
        {"identity", o.identity},
    };
    if (!o.mechanism.empty()) kv.emplace_back("mechanism", o.mechanism);
    if (!o.problem.empty()) kv.emplace_back("problem", o.problem);
    for (std::size_t i = 0; i < kv.size(); ++i) {
        std::string pair = kv[i].first + "=" + value(kv[i].second) + (i + 1 < kv.size() ? ";" : "");
        // A quoted value may hold spaces: FWS inside a quoted-string is allowed, fold there too.
        std::size_t s = 0;
        for (std::size_t j = 0; j <= pair.size(); ++j) {
            if (j == pair.size() || pair[j] == ' ') {
                if (j > s) words.push_back(pair.substr(s, j - s));
                s = j + 1;
            }
        }
    }
    std::string out = "Received-SPF:";
    std::size_t line = out.size();
    for (const std::string& w : words) {
        if (line + 1 + w.size() > kFoldColumn && line > 1) {
            out += "\n";
            line = 0;
        }
        out += ' ';
        out += w;
        line += 1 + w.size();
    }
    out += '\n';
    return out;
}

}  // namespace tern::spf
