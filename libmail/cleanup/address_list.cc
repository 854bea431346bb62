#include "libmail/cleanup/address_list.h"

namespace tern::cleanup {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 5322 3.2.2: comments nest and may hold quoted pairs. i is at '('; returns past ')'.
std::size_t skip_comment(std::string_view s, std::size_t i) {
    int depth = 0;
    for (; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '(') {
            ++depth;
        } else if (s[i] == ')') {
            if (--depth == 0) return i + 1;
        }
    }
    return s.size();
}

// A quoted string, quotes kept (they may be part of a local part). i is at '"'.
std::size_t take_quoted(std::string_view s, std::size_t i, std::string& out) {
    out += '"';
    for (++i; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            out += s[i];
            out += s[++i];
        } else if (s[i] == '"') {
            out += '"';
            return i + 1;
        } else {
            out += s[i];
        }
    }
    out += '"';
    return s.size();
}

// <[@route,@route:]addr-spec>: the addr-spec (RFC 5322 4.4 obsolete routes dropped).
std::string strip_route(std::string a) {
    if (!a.empty() && a.front() == '@') {
        const auto colon = a.find(':');
        a = colon == std::string::npos ? std::string() : a.substr(colon + 1);
    }
    return a;
}

}  // namespace

std::vector<std::string> parse_address_list(std::string_view s, std::size_t max_addresses) {
    std::vector<std::string> out;
    std::string bare;          // text outside angle brackets, white space removed
    std::string angle;         // the last <...> seen in this mailbox
    bool have_angle = false;
    auto emit = [&]() {
        std::string a = have_angle ? strip_route(angle) : bare;
        if (!a.empty() && out.size() < max_addresses) out.push_back(std::move(a));
        bare.clear();
        angle.clear();
        have_angle = false;
    };
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        if (c == '(') {
            i = skip_comment(s, i);
        } else if (c == '"') {
            i = take_quoted(s, i, bare);
        } else if (c == '<') {
            angle.clear();
            have_angle = true;
            for (++i; i < s.size() && s[i] != '>';) {
                if (s[i] == '"') {
                    i = take_quoted(s, i, angle);
                } else if (s[i] == '(') {
                    i = skip_comment(s, i);
                } else {
                    if (!is_space(s[i])) angle += s[i];
                    ++i;
                }
            }
            if (i < s.size()) ++i;  // past '>'
        } else if (c == ',' || c == ';') {
            emit();
            ++i;
        } else if (c == ':') {
            // A group's display name ends here ("friends: a@x, b@y;"); what came
            // before is a phrase, not an address.
            bare.clear();
            angle.clear();
            have_angle = false;
            ++i;
        } else {
            if (!is_space(c)) bare += c;
            ++i;
        }
    }
    emit();
    return out;
}

}  // namespace tern::cleanup
