#include "libmail/event/deflate_filter.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <zlib.h>

#include <memory>

namespace tern::event {

namespace {

// Raw DEFLATE (negative window bits). The sending side uses a 16 KiB window
// and a small memory level: about 32 KiB per connection instead of zlib's
// 256 KiB default, for a few percent of compression.
constexpr int kDeflateWindowBits = -12;
constexpr int kDeflateMemLevel = 5;
constexpr int kInflateWindowBits = -15;  // whatever window the client chose

struct Streams {
    z_stream in{};
    z_stream out{};
    bool in_ok = false, out_ok = false;
    ~Streams() {
        if (in_ok) inflateEnd(&in);
        if (out_ok) deflateEnd(&out);
    }
};

void free_streams(void* ctx) { delete static_cast<Streams*>(ctx); }

// Runs zlib over every chunk of src into dst, 16 KiB of output at a time.
template <typename Step>
bufferevent_filter_result pump(evbuffer* src, evbuffer* dst, z_stream& z, Step step, bool more_input_matters,
                               ev_ssize_t limit) {
    unsigned char out[16384];
    bool progressed = false;
    while (evbuffer_get_length(src) > 0) {
        evbuffer_iovec v;
        if (evbuffer_peek(src, -1, nullptr, &v, 1) < 1) break;
        z.next_in = static_cast<Bytef*>(v.iov_base);
        z.avail_in = static_cast<uInt>(v.iov_len);
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            const int rc = step(z);
            if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) return BEV_ERROR;
            evbuffer_add(dst, out, sizeof out - z.avail_out);
            if (sizeof out - z.avail_out > 0) progressed = true;
            if (rc == Z_STREAM_END) break;
        } while (z.avail_out == 0);
        evbuffer_drain(src, v.iov_len - z.avail_in);
        if (z.avail_in > 0 && !progressed) return BEV_ERROR;  // zlib will not take more
        if (more_input_matters && limit > 0 && static_cast<ev_ssize_t>(evbuffer_get_length(dst)) >= limit) break;
    }
    return progressed || evbuffer_get_length(src) == 0 ? BEV_OK : BEV_NEED_MORE;
}

bufferevent_filter_result inflate_input(evbuffer* src, evbuffer* dst, ev_ssize_t limit, bufferevent_flush_mode,
                                        void* ctx) {
    auto* s = static_cast<Streams*>(ctx);
    // libevent passes the room left below the reader's high watermark.
    return pump(src, dst, s->in, [](z_stream& z) { return inflate(&z, Z_SYNC_FLUSH); }, true, limit);
}

bufferevent_filter_result deflate_output(evbuffer* src, evbuffer* dst, ev_ssize_t, bufferevent_flush_mode,
                                         void* ctx) {
    auto* s = static_cast<Streams*>(ctx);
    if (evbuffer_get_length(src) == 0) return BEV_OK;
    // Everything there is goes out now, ending on a byte boundary.
    auto rc = pump(src, dst, s->out, [](z_stream& z) { return deflate(&z, Z_NO_FLUSH); }, false, 0);
    if (rc == BEV_ERROR) return rc;
    unsigned char out[16384];
    int zr;
    do {
        s->out.next_in = nullptr;
        s->out.avail_in = 0;
        s->out.next_out = out;
        s->out.avail_out = sizeof out;
        zr = deflate(&s->out, Z_SYNC_FLUSH);
        if (zr != Z_OK && zr != Z_BUF_ERROR) return BEV_ERROR;
        evbuffer_add(dst, out, sizeof out - s->out.avail_out);
    } while (s->out.avail_out == 0);
    return BEV_OK;
}

}  // namespace

bufferevent* start_deflate(bufferevent* underlying) {
    auto streams = std::make_unique<Streams>();
    streams->in_ok = inflateInit2(&streams->in, kInflateWindowBits) == Z_OK;
    streams->out_ok = deflateInit2(&streams->out, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kDeflateWindowBits,
                                   kDeflateMemLevel, Z_DEFAULT_STRATEGY) == Z_OK;
    if (!streams->in_ok || !streams->out_ok) {
        bufferevent_free(underlying);
        return nullptr;
    }
    bufferevent* bev = bufferevent_filter_new(underlying, inflate_input, deflate_output, BEV_OPT_CLOSE_ON_FREE,
                                              free_streams, streams.get());
    if (!bev) {
        bufferevent_free(underlying);
        return nullptr;
    }
    streams.release();  // the filter frees it
    // The session reads at most this far ahead; the rest stays compressed.
    bufferevent_setwatermark(bev, EV_READ, 0, kMaxInflatedAhead);
    // Compressed bytes the client sent right after the OK may already wait.
    if (evbuffer_get_length(bufferevent_get_input(underlying)) > 0)
        bufferevent_trigger(underlying, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
    return bev;
}

}  // namespace tern::event
