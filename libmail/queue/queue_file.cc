#include "libmail/queue/queue_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include <cstdio>
#include <cstring>

#include "libmail/core/text.h"
#include "libmail/queue/queue_id.h"

namespace tern::queue {

namespace {

constexpr std::string_view kVersion = "TERN1";

Error at(const std::string& path, off_t offset, const std::string& what) {
    return Error(path + ": offset " + std::to_string(offset) + ": " + what);
}

std::uint32_t record_length(const char* hdr) {
    std::uint32_t n = 0;
    for (int i = 1; i < 5; ++i) n = (n << 8) | static_cast<unsigned char>(hdr[i]);
    return n;
}

bool known_type(char t) {
    switch (static_cast<RecordType>(t)) {
    case RecordType::Version:
    case RecordType::Time:
    case RecordType::Sender:
    case RecordType::Attr:
    case RecordType::Recipient:
    case RecordType::Content:
    case RecordType::Prepend:
    case RecordType::End:
        return true;
    }
    return false;
}

bool known_state(char s) {
    switch (static_cast<RecipientState>(s)) {
    case RecipientState::Pending:
    case RecipientState::Delivered:
    case RecipientState::Bounced:
    case RecipientState::Expired:
        return true;
    }
    return false;
}

Result<void> pread_all(int fd, char* buf, std::size_t n, off_t off, const std::string& path) {
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::pread(fd, buf + got, n - got, off + static_cast<off_t>(got));
        if (r < 0) {
            if (errno == EINTR) continue;
            return sys_error("read", path);
        }
        if (r == 0) return at(path, off, "file is truncated");
        got += static_cast<std::size_t>(r);
    }
    return {};
}

}  // namespace

// Reads through a window of up to kReadWindow bytes, so that a file of small
// records costs one pread per window instead of two per record.
Result<void> ReadWindow::read(int fd, char* dst, std::size_t n, off_t off, const std::string& path) {
    const bool inside = off >= start_ && off + static_cast<off_t>(n) <= start_ + static_cast<off_t>(size_);
    if (!inside) {
        if (n > capacity_) return pread_all(fd, dst, n, off, path);
        if (!bytes_) bytes_.reset(new char[capacity_]);
        size_ = 0;
        std::size_t got = 0;
        while (got < n) {  // at least n, up to the window's size where the file has it
            const ssize_t r = ::pread(fd, bytes_.get() + got, capacity_ - got, off + static_cast<off_t>(got));
            if (r < 0) {
                if (errno == EINTR) continue;
                return sys_error("read", path);
            }
            if (r == 0) return at(path, off, "file is truncated");
            got += static_cast<std::size_t>(r);
        }
        size_ = got;
        start_ = off;
    }
    std::memcpy(dst, bytes_.get() + (off - start_), n);
    return {};
}

namespace {

Result<void> parse_time(std::string_view v, Envelope& env) {
    auto [sec, usec] = split_once(v, '.');
    auto s = parse_number<std::int64_t>(sec);
    auto u = parse_number<std::int32_t>(usec);
    if (!s || !u || *u < 0 || *u > 999999) return Error("malformed arrival time");
    env.arrival_sec = *s;
    env.arrival_usec = *u;
    return {};
}

// "<queue ID> <8 hex digits>"
bool parse_seal(std::string_view v, QueueFile& qf) {
    auto [id, crc] = split_once(v, ' ');
    if (!is_queue_id(id) || crc.size() != 8) return false;
    std::uint32_t n = 0;
    for (char c : crc) {
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return false;
        n = (n << 4) | static_cast<std::uint32_t>(d);
    }
    qf.seal_id = std::string(id);
    qf.seal_crc = n;
    return true;
}

}  // namespace

std::uint32_t seal_crc(std::uint32_t crc, std::string_view bytes) {
    // zlib's crc32 takes a uInt length: feed big inputs in pieces.
    while (!bytes.empty()) {
        const std::size_t n = std::min<std::size_t>(bytes.size(), 1u << 30);
        crc = static_cast<std::uint32_t>(::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n)));
        bytes.remove_prefix(n);
    }
    return crc;
}

std::string encode_seal(std::string_view id, std::uint32_t crc) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(crc));
    return std::string(id) + " " + hex;
}

Result<SealCheck> check_seal(int fd, const QueueFile& qf, std::string_view id, const std::string& path) {
    if (qf.seal_id.empty()) return SealCheck::Unsealed;
    if (qf.seal_id != id) return SealCheck::OtherMessage;
    std::uint32_t crc = 0;
    auto state = qf.env.recipients.begin();  // in file order, so in offset order
    std::string chunk;
    for (off_t pos = 0; pos < qf.end_offset;) {
        chunk.resize(static_cast<std::size_t>(std::min<off_t>(qf.end_offset - pos, ReadWindow::kReadWindow)));
        if (auto r = pread_all(fd, chunk.data(), chunk.size(), pos, path); !r) return r.error();
        const off_t end = pos + static_cast<off_t>(chunk.size());
        for (; state != qf.env.recipients.end() && state->state_offset < end; ++state)
            if (state->state_offset >= pos) chunk[static_cast<std::size_t>(state->state_offset - pos)] = static_cast<char>(RecipientState::Pending);
        crc = seal_crc(crc, chunk);
        pos = end;
    }
    return crc == qf.seal_crc ? SealCheck::Good : SealCheck::Damaged;
}

const std::string* Envelope::attr(std::string_view name) const {
    for (const auto& [k, v] : attrs)
        if (k == name) return &v;
    return nullptr;
}

std::string encode_record(RecordType type, std::string_view data) {
    std::string out;
    out.reserve(kRecordHeaderBytes + data.size());
    out += static_cast<char>(type);
    const auto n = static_cast<std::uint32_t>(data.size());
    out += static_cast<char>((n >> 24) & 0xff);
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>((n >> 8) & 0xff);
    out += static_cast<char>(n & 0xff);
    out += data;
    return out;
}

Result<QueueFile> read_queue_file(int fd, const std::string& path) {
    struct stat st{};
    if (::fstat(fd, &st) != 0) return sys_error("stat", path);
    QueueFile qf;
    qf.file_size = st.st_size;
    bool saw_version = false, saw_time = false, saw_sender = false, saw_content = false, saw_prepend = false,
         saw_end = false;
    off_t prepend_offset = -1;  // where the first Prepend record is (the content ends there)
    off_t pos = 0;
    std::string data;
    ReadWindow window(static_cast<std::size_t>(st.st_size));
    while (pos < st.st_size) {
        char hdr[kRecordHeaderBytes];
        if (st.st_size - pos < static_cast<off_t>(kRecordHeaderBytes)) return at(path, pos, "file is truncated");
        if (auto r = window.read(fd, hdr, sizeof hdr, pos, path); !r) return r.error();
        const char type = hdr[0];
        const std::uint32_t len = record_length(hdr);
        if (!known_type(type)) return at(path, pos, "unknown record type " + std::to_string(static_cast<unsigned char>(type)));
        const auto rtype = static_cast<RecordType>(type);
        const std::size_t limit = rtype == RecordType::Content ? kMaxContentChunk : kMaxEnvelopeRecord;
        if (len > limit) return at(path, pos, "record too long (" + std::to_string(len) + " bytes)");
        const off_t data_off = pos + static_cast<off_t>(kRecordHeaderBytes);
        if (st.st_size - data_off < static_cast<off_t>(len)) return at(path, pos, "file is truncated");
        if (saw_end) return at(path, pos, "data after the end record");
        if (!saw_version && rtype != RecordType::Version) return at(path, pos, "not a Tern queue file");
        if (saw_prepend && rtype != RecordType::Prepend && rtype != RecordType::End)
            return at(path, pos, "record after the prepended header fields");
        if (saw_content && rtype != RecordType::Content && rtype != RecordType::Prepend && rtype != RecordType::End)
            return at(path, pos, "envelope record after the message content");
        if (rtype == RecordType::Prepend && !saw_sender)
            return at(path, pos, "prepended header fields before the envelope");
        if (rtype == RecordType::Content) {
            if (!saw_content) qf.content_offset = pos;
            saw_content = true;
            qf.content_bytes += len;
            pos = data_off + static_cast<off_t>(len);
            continue;
        }
        data.resize(len);
        if (len)
            if (auto r = window.read(fd, data.data(), len, data_off, path); !r) return r.error();
        switch (rtype) {
        case RecordType::Version:
            if (saw_version || data != kVersion) return at(path, pos, "unsupported queue file version");
            saw_version = true;
            break;
        case RecordType::Time:
            if (auto r = parse_time(data, qf.env); !r) return at(path, pos, r.error().message);
            saw_time = true;
            break;
        case RecordType::Sender:
            qf.env.sender = data;
            saw_sender = true;
            break;
        case RecordType::Attr: {
            const auto eq = data.find('=');
            if (eq == std::string::npos || eq == 0) return at(path, pos, "malformed attribute record");
            qf.env.attrs.emplace_back(data.substr(0, eq), data.substr(eq + 1));
            break;
        }
        case RecordType::Recipient: {
            if (len < 3 || !known_state(data[0])) return at(path, pos, "malformed recipient record");
            const auto nul = data.find('\0', 2);
            if (nul == std::string::npos || nul == 2) return at(path, pos, "malformed recipient record");
            Recipient r;
            r.state = static_cast<RecipientState>(data[0]);
            r.notify = static_cast<std::uint8_t>(data[1]);
            r.address = data.substr(2, nul - 2);
            r.orcpt = data.substr(nul + 1);
            r.state_offset = data_off;
            qf.env.recipients.push_back(std::move(r));
            break;
        }
        case RecordType::Prepend:
            if (qf.prepend.size() + len > kMaxPrependBytes) return at(path, pos, "too many prepended header bytes");
            if (!saw_prepend) prepend_offset = pos;
            saw_prepend = true;
            qf.prepend += data;
            qf.content_bytes += len;
            break;
        case RecordType::End:
            if (len != 0 && !parse_seal(data, qf)) return at(path, pos, "malformed end record");
            qf.end_offset = pos;
            saw_end = true;
            break;
        case RecordType::Content:
            break;
        }
        pos = data_off + static_cast<off_t>(len);
    }
    if (!saw_end) return at(path, pos, "no end record: the file is incomplete");
    if (!saw_time || !saw_sender || qf.env.recipients.empty())
        return at(path, pos, "envelope is incomplete (time, sender and a recipient are required)");
    if (!saw_content) qf.content_offset = saw_prepend ? prepend_offset : pos - static_cast<off_t>(kRecordHeaderBytes);
    return qf;
}

Result<QueueFile> read_queue_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return sys_error("open", path);
    return read_queue_file(fd.get(), path);
}

Result<bool> ContentReader::next(std::string& chunk) {
    if (!prepend_.empty()) {
        chunk = std::move(prepend_);
        prepend_.clear();
        return true;
    }
    if (seen_ >= total_) return false;
    char hdr[kRecordHeaderBytes];
    if (auto r = window_.read(fd_, hdr, sizeof hdr, pos_, "queue file"); !r) return r.error();
    if (hdr[0] != static_cast<char>(RecordType::Content)) return Error("queue file changed while reading content");
    const std::uint32_t len = record_length(hdr);
    if (len > kMaxContentChunk || len > total_ - seen_) return Error("queue file changed while reading content");
    chunk.resize(len);
    if (len)
        if (auto r = window_.read(fd_, chunk.data(), len, pos_ + static_cast<off_t>(kRecordHeaderBytes), "queue file");
            !r)
            return r.error();
    seen_ += len;
    pos_ += static_cast<off_t>(kRecordHeaderBytes + len);
    return true;
}

Result<void> read_content(int fd, const QueueFile& qf, const std::function<Result<void>(std::string_view)>& fn) {
    ContentReader reader(fd, qf);
    std::string chunk;
    for (;;) {
        auto more = reader.next(chunk);
        if (!more) return more.error();
        if (!*more) return {};
        if (auto r = fn(chunk); !r) return r.error();
    }
}

Result<void> set_recipient_state(int fd, const Recipient& r, RecipientState s) {
    if (r.state_offset < 0) return Error("recipient has no position in the queue file");
    const char b = static_cast<char>(s);
    for (;;) {
        const ssize_t w = ::pwrite(fd, &b, 1, r.state_offset);
        if (w == 1) break;
        if (w < 0 && errno == EINTR) continue;
        return sys_error("pwrite recipient state");
    }
    if (::fdatasync(fd) != 0) return sys_error("fsync queue file");
    return {};
}

}  // namespace tern::queue
