#include "libmail/dkim/canon.h"

#include <openssl/evp.h>

#include "libmail/core/text.h"

namespace tern::dkim {

namespace {

constexpr std::size_t kOutBufferOctets = 16 * 1024;

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// LF -> CRLF; a bare CR stays.
std::string to_crlf(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (char c : s) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

}  // namespace

std::string_view field_name(std::string_view field) {
    const auto colon = field.find(':');
    std::string_view name = field.substr(0, colon == std::string_view::npos ? field.size() : colon);
    while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
    return name;
}

std::string canon_header(Canon c, std::string_view field) {
    if (c == Canon::Simple) {
        std::string out = to_crlf(field);
        if (!field.ends_with('\n')) out += "\r\n";
        return out;
    }
    // RFC 6376 3.4.2: lower-case name, unfold, WSP runs to one SP, no WSP
    // at the end of the value or around the colon.
    const auto colon = field.find(':');
    std::string out = to_lower(field_name(field));
    out += ':';
    if (colon == std::string_view::npos) return out + "\r\n";
    bool space = false;
    bool started = false;
    for (char ch : field.substr(colon + 1)) {
        if (ch == '\n') continue;  // unfolding: the WSP after it follows
        if (ch == '\r') continue;  // CRLF line ends that slipped through are folding too
        if (is_wsp(ch)) {
            space = true;
            continue;
        }
        if (space && started) out += ' ';
        space = false;
        started = true;
        out += ch;
    }
    out += "\r\n";
    return out;
}

BodyHasher::BodyHasher(Canon c, std::optional<std::uint64_t> length)
    : canon_(c), limit_(length), md_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(md_.get(), EVP_sha256(), nullptr);
    out_.reserve(kOutBufferOctets);
}

BodyHasher::~BodyHasher() = default;

void BodyHasher::flush() {
    EVP_DigestUpdate(md_.get(), out_.data(), out_.size());
    out_.clear();
}

void BodyHasher::emit(std::string_view s) {
    const std::uint64_t before = total_;
    total_ += s.size();
    if (limit_ && before >= *limit_) return;
    if (limit_ && total_ > *limit_) s = s.substr(0, static_cast<std::size_t>(*limit_ - before));
    out_ += s;
    if (out_.size() >= kOutBufferOctets) flush();
}

void BodyHasher::emit_pending_lines() {
    for (; empty_lines_ > 0; --empty_lines_) emit("\r\n");
}

void BodyHasher::update(std::string_view chunk) {
    std::size_t i = 0;
    while (i < chunk.size()) {
        const char c = chunk[i];
        if (c == '\n') {
            if (line_has_content_) {
                emit("\r\n");
            } else {
                ++empty_lines_;
            }
            line_has_content_ = false;
            space_pending_ = false;
            ++i;
            continue;
        }
        if (canon_ == Canon::Relaxed && is_wsp(c)) {
            space_pending_ = true;
            ++i;
            continue;
        }
        // Content: the held-back empty lines were not trailing after all.
        emit_pending_lines();
        if (space_pending_) emit(" ");
        space_pending_ = false;
        line_has_content_ = true;
        // Copy the run of ordinary octets in one go.
        std::size_t j = i + 1;
        while (j < chunk.size() && chunk[j] != '\n' && !(canon_ == Canon::Relaxed && is_wsp(chunk[j]))) ++j;
        emit(chunk.substr(i, j - i));
        i = j;
    }
}

std::string BodyHasher::finish() {
    // RFC 6376 3.4.3/3.4.4: trailing empty lines vanish; an unterminated last
    // line gets its CRLF; an empty body is "\r\n" (simple) or nothing (relaxed).
    if (line_has_content_) emit("\r\n");
    else if (canon_ == Canon::Simple && total_ == 0) emit("\r\n");
    empty_lines_ = 0;
    flush();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(md_.get(), md, &len);
    return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace tern::dkim
