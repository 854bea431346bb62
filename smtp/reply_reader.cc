#include "smtp/reply_reader.h"

#include "libmail/core/text.h"

namespace tern::smtp_client {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 3463 2: class "." subject (1-3 digits) "." detail (1-3 digits).
bool looks_like_status(std::string_view w) {
    if (w.size() < 5 || (w[0] != '2' && w[0] != '4' && w[0] != '5') || w[1] != '.') return false;
    auto parts = split_any(w, ".");
    if (parts.size() != 3) return false;
    for (auto p : parts)
        if (p.empty() || p.size() > 3 || !parse_number<unsigned>(p)) return false;
    return true;
}

}  // namespace

std::string ServerReply::text() const {
    std::string out = std::to_string(code);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += ' ';
        out += lines[i];
    }
    return printable(out, 1000);
}

std::string ServerReply::enhanced_status() const {
    if (lines.empty()) return {};
    const std::string_view first = lines.front();
    const std::string_view w = first.substr(0, first.find(' '));
    if (!looks_like_status(w) || w[0] != static_cast<char>('0' + code / 100)) return {};
    return std::string(w);
}

std::string ServerReply::dsn() const {
    // RFC 3463 has classes 2, 4 and 5 only: a 3xx where a final reply was due is a
    // protocol error, to be tried again (X.5.0: other protocol status).
    if (code / 100 != 2 && code / 100 != 4 && code / 100 != 5) return "4.5.0";
    std::string s = enhanced_status();
    if (!s.empty()) return s;
    return std::to_string(code / 100) + ".0.0";
}

ReplyReader::Status ReplyReader::add(std::string_view line) {
    if (done_) {
        cur_ = {};
        done_ = false;
    }
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
        error_ = "malformed reply: " + printable(line, 100);
        return Status::Error;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (code < 200 || code > 599) {
        error_ = "reply code out of range: " + printable(line, 100);
        return Status::Error;
    }
    if (!cur_.lines.empty() && code != cur_.code) {
        error_ = "reply code changed inside a multi-line reply: " + printable(line, 100);
        return Status::Error;
    }
    if (cur_.lines.size() >= kMaxReplyLines) {
        error_ = "reply has more than " + std::to_string(kMaxReplyLines) + " lines";
        return Status::Error;
    }
    cur_.code = code;
    cur_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view{});
    if (line.size() > 3 && line[3] == '-') return Status::NeedMore;
    done_ = true;
    return Status::Done;
}

ServerReply ReplyReader::take() {
    ServerReply r = std::move(cur_);
    cur_ = {};
    done_ = false;
    return r;
}

Capabilities parse_ehlo(const ServerReply& reply) {
    Capabilities c;
    c.esmtp = reply.code == 250;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        auto words = split_any(reply.lines[i], " \t");
        if (words.empty()) continue;
        const std::string kw = to_upper(words[0]);
        if (kw == "PIPELINING") c.pipelining = true;
        else if (kw == "8BITMIME") c.eightbitmime = true;
        else if (kw == "SMTPUTF8") c.smtputf8 = true;
        else if (kw == "DSN") c.dsn = true;
        else if (kw == "STARTTLS") c.starttls = true;
        else if (kw == "SIZE") {
            c.has_size = true;
            if (words.size() > 1)
                if (auto n = parse_number<std::uint64_t>(words[1])) c.size_limit = *n;
        } else if (kw == "AUTH" || kw.rfind("AUTH=", 0) == 0) {
            // "AUTH=PLAIN LOGIN" is the pre-RFC 4954 form some servers still send.
            std::vector<std::string_view> mechs(words.begin() + 1, words.end());
            if (kw.size() > 5) mechs.push_back(std::string_view(words[0]).substr(5));
            for (auto m : mechs) {
                std::string u = to_upper(m);
                bool seen = false;
                for (const auto& have : c.auth) seen = seen || have == u;
                if (!seen && c.auth.size() < 32) c.auth.push_back(std::move(u));
            }
        }
    }
    return c;
}

}  // namespace tern::smtp_client
