#include "libmail/ipc/attr_codec.h"

#include "libmail/core/log.h"

namespace tern::ipc {

namespace {

void put_u32(std::string& out, std::size_t n) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xff);
}

std::uint32_t get_u32(std::string_view b) {
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
    return n;
}

}  // namespace

std::optional<std::string_view> AttrList::get(std::string_view name) const {
    for (const auto& [k, v] : items_)
        if (k == name) return std::string_view(v);
    return std::nullopt;
}

std::string AttrList::get_or(std::string_view name, std::string_view fallback) const {
    auto v = get(name);
    return std::string(v ? *v : fallback);
}

std::vector<std::string_view> AttrList::get_all(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& [k, v] : items_)
        if (k == name) out.emplace_back(v);
    return out;
}

std::string encode(const AttrList& attrs) {
    std::string out;
    for (const auto& [k, v] : attrs.items()) {
        // A zero-length name is the terminator: sending one would cut the message short
        // and turn the rest into garbage for the reader. Names are our own constants.
        if (k.empty() || k.size() > kMaxAttrNameBytes)
            log::panic("IPC attribute name of %zu bytes (must be 1..%zu)", k.size(), kMaxAttrNameBytes);
        put_u32(out, k.size());
        out += k;
        put_u32(out, v.size());
        out += v;
    }
    put_u32(out, 0);
    return out;
}

DecodeStatus decode(std::string_view buf, std::size_t max_bytes, AttrList& out, std::size_t& consumed) {
    AttrList result;
    std::size_t pos = 0;
    for (;;) {
        if (pos + 4 > buf.size()) return pos + 4 > max_bytes ? DecodeStatus::TooLarge : DecodeStatus::NeedMore;
        const std::uint32_t name_len = get_u32(buf.substr(pos, 4));
        pos += 4;
        if (name_len == 0) break;
        if (name_len > kMaxAttrNameBytes) return DecodeStatus::Malformed;
        if (pos + name_len + 4 > max_bytes) return DecodeStatus::TooLarge;
        if (pos + name_len + 4 > buf.size()) return DecodeStatus::NeedMore;
        std::string name(buf.substr(pos, name_len));
        pos += name_len;
        const std::uint32_t value_len = get_u32(buf.substr(pos, 4));
        pos += 4;
        if (value_len > max_bytes || pos + value_len > max_bytes) return DecodeStatus::TooLarge;
        if (pos + value_len > buf.size()) return DecodeStatus::NeedMore;
        result.add(std::move(name), std::string(buf.substr(pos, value_len)));
        pos += value_len;
    }
    out = std::move(result);
    consumed = pos;
    return DecodeStatus::Ok;
}

}  // namespace tern::ipc
