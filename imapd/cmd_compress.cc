// COMPRESS=DEFLATE (RFC 4978): after "OK DEFLATE active" has left
// uncompressed, both directions are raw DEFLATE, on top of TLS when TLS is
// on. Like STARTTLS, the switch waits until the OK is flushed.
#include "imapd/session.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/event/deflate_filter.h"

namespace tern::imapd {

void Session::cmd_compress(const std::string& tag, Parser& p) {
    auto mechanism = p.space() ? p.atom() : std::nullopt;
    if (!mechanism || !p.at_end()) return bad(tag, "Syntax: COMPRESS DEFLATE");
    if (!iequals(*mechanism, "DEFLATE")) return bad(tag, "Unknown compression mechanism");
    if (compress_active_) return tagged(tag, "NO [COMPRESSIONACTIVE] DEFLATE is already active");
    tagged(tag, "OK DEFLATE active");
    compress_switch_pending_ = true;
    suspend();
    bufferevent_setwatermark(bev_.get(), EV_WRITE, 0, 0);
}

void Session::start_compress() {
    compress_switch_pending_ = false;
    bufferevent* bev = event::start_deflate(bev_.release());
    bev_.reset(bev);
    if (!bev) {
        log::warning("cannot start COMPRESS for [%s]", peer_.c_str());
        peer_gone_ = true;
        return finish("COMPRESS unavailable");
    }
    compress_active_ = true;
    adopt_bufferevent();
    resume();
}

}  // namespace tern::imapd
