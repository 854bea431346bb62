#include "imapd/fetch_atts.h"

#include <ctime>

#include "libmail/mime/section.h"
#include "libmail/mime/transfer_decode.h"
#include "imapd/envelope.h"
#include "libmail/core/text.h"

namespace tern::imapd {

namespace {

bool is_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// section-spec inside the brackets, the "[" already consumed; consumes "]".
bool parse_section(Parser& p, FetchAtt& a) {
    // section-part: nz-number *("." nz-number), then optionally "." section-msgtext / MIME
    std::string_view name;
    while (true) {
        auto digits = p.take_while(is_digit);
        if (digits.empty()) break;
        auto n = parse_number<std::uint32_t>(digits);
        if (!n || *n == 0 || a.part.size() >= 20) return false;
        a.part.push_back(*n);
        if (!p.consume('.')) break;
    }
    name = p.take_while(is_name_char);
    if (name.empty()) {
        a.section = SectionKind::Full;
    } else if (iequals(name, "HEADER")) {
        a.section = SectionKind::Header;
    } else if (iequals(name, "TEXT")) {
        a.section = SectionKind::Text;
    } else if (iequals(name, "MIME") && !a.part.empty()) {
        a.section = SectionKind::Mime;
    } else if (iequals(name, "HEADER.FIELDS") || iequals(name, "HEADER.FIELDS.NOT")) {
        a.section = iequals(name, "HEADER.FIELDS") ? SectionKind::HeaderFields : SectionKind::HeaderFieldsNot;
        if (!p.space() || !p.consume('(')) return false;
        while (true) {
            auto f = p.astring();
            if (!f || a.fields.size() >= 100) return false;
            a.fields.push_back(std::move(*f));
            if (p.consume(')')) break;
            if (!p.space()) return false;
        }
    } else {
        return false;
    }
    // Echo the section as a canonical string (upper-case names, fields as atoms or strings).
    std::string spec;
    for (std::size_t i = 0; i < a.part.size(); ++i) {
        if (i) spec += '.';
        spec += std::to_string(a.part[i]);
    }
    if (!name.empty()) {
        if (!spec.empty()) spec += '.';
        spec += to_upper(name);
    }
    if (!a.fields.empty()) {
        spec += " (";
        for (std::size_t i = 0; i < a.fields.size(); ++i) {
            if (i) spec += ' ';
            bool atom_ok = !a.fields[i].empty();
            for (char c : a.fields[i]) atom_ok = atom_ok && is_astring_char(c);
            spec += atom_ok ? to_upper(a.fields[i]) : imap_string(a.fields[i]);
        }
        spec += ')';
    }
    a.spec = std::move(spec);
    return p.consume(']');
}

// section-binary (RFC 3516): "[" [section-part] "]", the "[" already consumed.
bool parse_binary_section(Parser& p, FetchAtt& a) {
    while (true) {
        auto digits = p.take_while(is_digit);
        if (digits.empty()) break;
        auto n = parse_number<std::uint32_t>(digits);
        if (!n || *n == 0 || a.part.size() >= 20) return false;
        if (!a.spec.empty()) a.spec += '.';
        a.spec += std::to_string(*n);
        a.part.push_back(*n);
        if (!p.consume('.')) break;
    }
    return p.consume(']');
}

bool parse_partial(Parser& p, FetchAtt& a) {
    if (!p.consume('<')) return true;
    auto origin = p.number();
    if (!origin || !p.consume('.')) return false;
    auto count = p.number();
    if (!count || *count == 0 || !p.consume('>')) return false;
    a.origin = *origin;
    a.count = *count;
    return true;
}

std::optional<FetchAtt> parse_one(Parser& p) {
    const auto name = p.take_while(is_name_char);
    FetchAtt a;
    if (iequals(name, "UID")) a.kind = FetchKind::Uid;
    else if (iequals(name, "MODSEQ")) a.kind = FetchKind::Modseq;
    else if (iequals(name, "EMAILID")) a.kind = FetchKind::EmailId;
    else if (iequals(name, "THREADID")) a.kind = FetchKind::ThreadId;
    else if (iequals(name, "FLAGS")) a.kind = FetchKind::Flags;
    else if (iequals(name, "INTERNALDATE")) a.kind = FetchKind::InternalDate;
    else if (iequals(name, "RFC822.SIZE")) a.kind = FetchKind::Rfc822Size;
    else if (iequals(name, "ENVELOPE")) a.kind = FetchKind::Envelope;
    else if (iequals(name, "BODYSTRUCTURE")) a.kind = FetchKind::BodyStructure;
    else if (iequals(name, "RFC822")) a.kind = FetchKind::Rfc822;
    else if (iequals(name, "RFC822.HEADER")) a.kind = FetchKind::Rfc822Header;
    else if (iequals(name, "RFC822.TEXT")) a.kind = FetchKind::Rfc822Text;
    else if (iequals(name, "BODY") || iequals(name, "BODY.PEEK")) {
        a.peek = iequals(name, "BODY.PEEK");
        if (!p.consume('[')) {
            if (a.peek) return std::nullopt;
            a.kind = FetchKind::Body;
            return a;
        }
        a.kind = FetchKind::Section;
        if (!parse_section(p, a) || !parse_partial(p, a)) return std::nullopt;
    } else if (iequals(name, "BINARY") || iequals(name, "BINARY.PEEK") || iequals(name, "BINARY.SIZE")) {
        const bool size = iequals(name, "BINARY.SIZE");
        a.kind = size ? FetchKind::BinarySize : FetchKind::Binary;
        a.peek = iequals(name, "BINARY.PEEK");
        if (!p.consume('[') || !parse_binary_section(p, a)) return std::nullopt;
        if (!size && !parse_partial(p, a)) return std::nullopt;
    } else {
        return std::nullopt;
    }
    return a;
}

std::vector<FetchAtt> macro(std::initializer_list<FetchKind> kinds) {
    std::vector<FetchAtt> out;
    for (auto k : kinds) {
        FetchAtt a;
        a.kind = k;
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace

std::optional<std::vector<FetchAtt>> parse_fetch_atts(Parser& p) {
    if (p.consume('(')) {
        std::vector<FetchAtt> out;
        while (true) {
            auto a = parse_one(p);
            if (!a || out.size() >= kMaxFetchAtts) return std::nullopt;
            out.push_back(std::move(*a));
            if (p.consume(')')) return out;
            if (!p.space()) return std::nullopt;
        }
    }
    // Macros (RFC 3501 6.4.5) are only valid on their own, not inside a list.
    Parser probe = p;
    const auto word = probe.take_while(is_name_char);
    if (probe.at_end() || probe.peek(' ')) {
        std::optional<std::vector<FetchAtt>> m;
        if (iequals(word, "ALL"))
            m = macro({FetchKind::Flags, FetchKind::InternalDate, FetchKind::Rfc822Size, FetchKind::Envelope});
        else if (iequals(word, "FAST"))
            m = macro({FetchKind::Flags, FetchKind::InternalDate, FetchKind::Rfc822Size});
        else if (iequals(word, "FULL"))
            m = macro({FetchKind::Flags, FetchKind::InternalDate, FetchKind::Rfc822Size, FetchKind::Envelope,
                       FetchKind::Body});
        if (m) {
            p = probe;
            return m;
        }
    }
    auto one = parse_one(p);
    if (!one) return std::nullopt;
    return std::vector<FetchAtt>{std::move(*one)};
}

bool sets_seen(const FetchAtt& a) {
    return ((a.kind == FetchKind::Section || a.kind == FetchKind::Binary) && !a.peek) || a.kind == FetchKind::Rfc822 ||
           a.kind == FetchKind::Rfc822Text;
}

bool needs_message(const FetchAtt& a) {
    switch (a.kind) {
    case FetchKind::Uid:
    case FetchKind::Flags:
    case FetchKind::InternalDate:
    case FetchKind::Rfc822Size:
    case FetchKind::Modseq:
    case FetchKind::EmailId:
    case FetchKind::ThreadId:
        return false;
    case FetchKind::Envelope:
    case FetchKind::Body:
    case FetchKind::BodyStructure:
    case FetchKind::Section:
    case FetchKind::Rfc822:
    case FetchKind::Rfc822Header:
    case FetchKind::Rfc822Text:
    case FetchKind::Binary:
    case FetchKind::BinarySize:
        return true;
    }
    return true;
}

std::string response_name(const FetchAtt& a) {
    switch (a.kind) {
    case FetchKind::Uid: return "UID";
    case FetchKind::Flags: return "FLAGS";
    case FetchKind::InternalDate: return "INTERNALDATE";
    case FetchKind::Rfc822Size: return "RFC822.SIZE";
    case FetchKind::Envelope: return "ENVELOPE";
    case FetchKind::Body: return "BODY";
    case FetchKind::BodyStructure: return "BODYSTRUCTURE";
    case FetchKind::Rfc822: return "RFC822";
    case FetchKind::Rfc822Header: return "RFC822.HEADER";
    case FetchKind::Rfc822Text: return "RFC822.TEXT";
    case FetchKind::Section:
    case FetchKind::Binary: {
        std::string out = (a.kind == FetchKind::Binary ? "BINARY[" : "BODY[") + a.spec + "]";
        if (a.origin) out += "<" + std::to_string(*a.origin) + ">";
        return out;
    }
    case FetchKind::BinarySize: return "BINARY.SIZE[" + a.spec + "]";
    case FetchKind::Modseq: return "MODSEQ";
    case FetchKind::EmailId: return "EMAILID";
    case FetchKind::ThreadId: return "THREADID";
    }
    return "";
}

std::string_view apply_partial(std::string_view data, const FetchAtt& a) {
    if (!a.origin) return data;
    if (*a.origin >= data.size()) return {};
    return data.substr(*a.origin, a.count);
}

namespace {

mime::SectionText section_text(SectionKind k) {
    switch (k) {
    case SectionKind::Full: return mime::SectionText::Full;
    case SectionKind::Header: return mime::SectionText::Header;
    case SectionKind::Text: return mime::SectionText::Text;
    case SectionKind::HeaderFields: return mime::SectionText::HeaderFields;
    case SectionKind::HeaderFieldsNot: return mime::SectionText::HeaderFieldsNot;
    case SectionKind::Mime: return mime::SectionText::Mime;
    }
    return mime::SectionText::Full;
}

}  // namespace

std::string section_bytes(std::string_view message, const mime::Structure& s, const FetchAtt& a) {
    mime::Section section;
    switch (a.kind) {
    case FetchKind::Rfc822: return std::string(message);
    case FetchKind::Rfc822Header: section.text = mime::SectionText::Header; break;
    case FetchKind::Rfc822Text: section.text = mime::SectionText::Text; break;
    case FetchKind::Section:
        section.part = a.part;
        section.text = section_text(a.section);
        section.fields = a.fields;
        break;
    default: return {};
    }
    auto bytes = mime::find_section(message, s, section);
    return bytes ? bytes->to_string(message) : std::string();
}

Result<std::string> binary_bytes(std::string_view message, const mime::Structure& s, const FetchAtt& a) {
    if (a.part.empty()) return std::string(message);
    auto part = mime::find_part(s, a.part);
    if (!part) return std::string();  // no such part: empty, as BODY[] gives
    const mime::Entity& e = *part->entity;
    const std::string_view body = message.substr(e.body.offset, e.body.length);
    if (e.kind != mime::EntityKind::Leaf) return std::string(body);
    return mime::decode_transfer_encoding(body, e.transfer_encoding);
}

std::string section_bytes(std::string_view message, const FetchAtt& a) {
    return section_bytes(message, mime::parse_structure(message), a);
}

std::string format_internaldate(std::int64_t epoch_seconds) {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%2d-%s-%04d %02d:%02d:%02d +0000", tm.tm_mday, kMonths[tm.tm_mon],
                  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

}  // namespace tern::imapd
