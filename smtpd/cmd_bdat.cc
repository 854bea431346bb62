// BDAT (RFC 3030 CHUNKING): "BDAT <size> [LAST]" followed by exactly size
// octets of message. The chunk is read even when the command is refused (no
// MAIL, no RCPT, a bad argument, an earlier error), because the client sends
// it without waiting and the next command only starts after it. A transaction
// uses BDAT or DATA, never both; an error ends the transaction, and the
// client's further pipelined chunks get 503 until a new MAIL.
#include <event2/buffer.h>

#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "smtpd/session.h"

namespace tern::smtpd {

namespace {

// "BDAT 1000" or "BDAT 0 LAST": RFC 3030 3, size is 1*DIGIT.
struct BdatArgs {
    std::uint64_t size = 0;
    bool last = false;
    bool extra = false;  // a valid size followed by something other than LAST
};

std::optional<BdatArgs> parse_bdat(std::string_view args) {
    BdatArgs out;
    const auto [size, rest] = split_once(trim(args), ' ');
    if (size.empty() || size.size() > 18 || size.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    out.size = *parse_number<std::uint64_t>(size);
    const std::string_view tail = trim(rest);
    if (iequals(tail, "LAST")) out.last = true;
    else if (!tail.empty()) out.extra = true;
    return out;
}

}  // namespace

Step Session::cmd_bdat(std::string_view args) {
    const auto a = parse_bdat(args);
    if (!a) {
        // Without a size the chunk's end cannot be found: nothing that
        // follows can be trusted to be a command.
        reply(smtp::Reply{501, "5.5.4", "Syntax: BDAT count [LAST]"});
        reply(smtp::Reply{421, "4.5.0", settings_.myhostname + " Error: cannot find the end of the BDAT chunk"});
        close("bad BDAT");
        return Step::Continue;
    }
    chunk_error_.reset();
    if (a->extra) {
        chunk_error_ = smtp::Reply{501, "5.5.4", "Syntax: BDAT count [LAST]"};
    } else if (!esmtp_) {
        chunk_error_ = smtp::Reply{503, "5.5.1", "Error: send EHLO first"};
    } else if (state_ == State::Init || state_ == State::Ready) {
        chunk_error_ = smtp::Reply{503, "5.5.1", "Error: need MAIL command"};
    } else if (state_ == State::Mail) {
        chunk_error_ = smtp::Reply{503, "5.5.1", "Error: need RCPT command"};
    } else if (state_ == State::Rcpt) {
        if (auto rejected = data_restrictions()) {
            chunk_error_ = *rejected;
            reset_transaction();
            state_ = idle_state();
        } else if (!begin_message()) {
            // begin_message answered 451 and dropped the transaction; the
            // chunk is still read, silently.
            chunk_error_ = smtp::Reply{};
        } else {
            state_ = State::Chunk;
        }
    }
    in_chunk_ = true;
    chunk_left_ = a->size;
    chunk_size_ = a->size;
    chunk_last_ = a->last;
    if (chunk_left_ == 0) end_chunk();
    return Step::Suspend;  // counted in end_chunk, when the chunk is answered
}

// Returns false when the input buffer is exhausted before the chunk's end.
bool Session::read_chunk() {
    evbuffer* in = bufferevent_get_input(bev_);
    const std::size_t avail = evbuffer_get_length(in);
    if (avail == 0) return false;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, kDataChunkBytes));
    std::string raw(std::min(avail, want), '\0');
    const auto got = evbuffer_remove(in, raw.data(), raw.size());
    if (got <= 0) return false;
    raw.resize(static_cast<std::size_t>(got));
    chunk_left_ -= raw.size();
    if (!chunk_error_ && tx_) {
        std::string content;
        tx_->chunks.feed(raw, content);
        store_content(content);
    }
    if (chunk_left_ == 0) end_chunk();
    return true;
}

void Session::end_chunk() {
    in_chunk_ = false;
    if (chunk_error_) {
        if (chunk_error_->code != 0) reply(*chunk_error_);
        chunk_error_.reset();
        return;
    }
    // A chunk that made the message too big, or could not be written, ends
    // the transaction now rather than at LAST: the client stops sending.
    if (chunk_last_ || tx_->too_big || tx_->cleanup->decided()) {
        std::string tail;
        tx_->chunks.finish(tail);
        store_content(tail);
        finish_message("BDAT");
        return;
    }
    if (std::size_t i = 0; find_command("BDAT", i)) ++counts_[i].ok;
    reply(smtp::Reply{250, "2.0.0", "Ok: " + std::to_string(chunk_size_) + " octets received"});
}

}  // namespace tern::smtpd
