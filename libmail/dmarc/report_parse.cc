#include "libmail/dmarc/report_parse.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>
#include <zlib.h>

#include <memory>

#include "libmail/core/text.h"
#include "libmail/mime/structure.h"
#include "libmail/mime/transfer_decode.h"

namespace tern::dmarc {

namespace {

struct DocFree {
    void operator()(xmlDoc* d) const noexcept { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

bool named(const xmlNode* n, const char* name) {
    return n->type == XML_ELEMENT_NODE && std::string_view(reinterpret_cast<const char*>(n->name)) == name;
}

const xmlNode* child(const xmlNode* n, const char* name) {
    for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next)
        if (named(c, name)) return c;
    return nullptr;
}

// Text content of an element's direct text children, trimmed and bounded.
std::string text_of(const xmlNode* n) {
    std::string out;
    if (!n) return out;
    for (const xmlNode* c = n->children; c; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            out += reinterpret_cast<const char*>(c->content);
        if (out.size() > 1024) break;
    }
    return std::string(trim(out.substr(0, 1024)));
}

std::string text_at(const xmlNode* n, const char* a, const char* b = nullptr) {
    const xmlNode* x = child(n, a);
    return text_of(b ? child(x, b) : x);
}

Result<std::int64_t> number(const std::string& s, const char* what) {
    auto v = parse_number<std::int64_t>(s);
    if (!v || *v < 0) return Error(std::string("bad ") + what + " \"" + printable(s, 40) + "\"");
    return *v;
}

bool is_gzip(std::string_view d) { return d.size() >= 2 && d[0] == '\x1f' && d[1] == '\x8b'; }
bool is_zip(std::string_view d) { return d.starts_with("PK\x03\x04"); }
bool is_xml(std::string_view d) {
    if (d.starts_with("\xEF\xBB\xBF")) d.remove_prefix(3);
    d = trim(d.substr(0, 64));
    return d.starts_with("<");
}

std::string mib(std::size_t n) { return std::to_string(n >> 20) + " MiB"; }

Result<std::string> unzip(std::string_view data) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(data.data(), data.size(), 0, &err);
    if (!src) {
        zip_error_fini(&err);
        return Error("zip: cannot read the archive");
    }
    zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &err);
    if (!za) {
        std::string why = zip_error_strerror(&err);
        zip_source_free(src);
        zip_error_fini(&err);
        return Error("zip: " + why);
    }
    zip_error_fini(&err);
    std::unique_ptr<zip_t, int (*)(zip_t*)> guard(za, zip_close);
    const zip_int64_t n = zip_get_num_entries(za, 0);
    if (n <= 0) return Error("zip: empty archive");
    if (static_cast<std::size_t>(n) > kMaxZipEntries) return Error("zip: more than 16 entries");
    for (zip_int64_t i = 0; i < n; ++i) {
        const char* name = zip_get_name(za, static_cast<zip_uint64_t>(i), 0);
        if (!name || !(std::string_view(name).ends_with(".xml") || n == 1)) continue;
        zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
        if (!f) return Error(std::string("zip: cannot open ") + name + ": " + zip_strerror(za));
        std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> fguard(f, zip_fclose);
        // The declared size may lie: read at most the limit plus one octet.
        std::string out;
        char buf[65536];
        for (;;) {
            const zip_int64_t got = zip_fread(f, buf, sizeof buf);
            if (got < 0) return Error(std::string("zip: ") + name + ": " + zip_file_strerror(f));
            if (got == 0) break;
            out.append(buf, static_cast<std::size_t>(got));
            if (out.size() > kMaxReportXmlOctets) return Error("zip: " + std::string(name) + " over " + mib(kMaxReportXmlOctets));
        }
        return out;
    }
    return Error("zip: no .xml entry");
}

Result<std::vector<ParsedReport>> parse_any(std::string_view data, int depth);

// The report attachments of an email: every leaf whose type or file name
// says gzip, zip or XML.
Result<std::vector<ParsedReport>> parse_message(std::string_view msg, int depth) {
    const mime::Structure st = mime::parse_structure(msg);
    std::vector<const mime::Entity*> stack{&st.root};
    std::vector<ParsedReport> out;
    std::string last_error;
    while (!stack.empty()) {
        const mime::Entity* e = stack.back();
        stack.pop_back();
        for (auto it = e->children.rbegin(); it != e->children.rend(); ++it) stack.push_back(&*it);
        if (e->kind != mime::EntityKind::Leaf) continue;
        std::string filename;
        if (e->disposition)
            if (auto* p = mime::find_parameter(e->disposition->parameters, "filename")) filename = to_lower(p->value);
        if (filename.empty())
            if (auto* p = mime::find_parameter(e->content_type.parameters, "name")) filename = to_lower(p->value);
        const std::string type = e->content_type.type + "/" + e->content_type.subtype;
        const bool wanted = type.find("gzip") != std::string::npos || type.find("zip") != std::string::npos ||
                            type.ends_with("/xml") || filename.ends_with(".gz") || filename.ends_with(".zip") ||
                            filename.ends_with(".xml");
        if (!wanted) continue;
        auto body = mime::decode_transfer_encoding(e->body.in(msg), e->transfer_encoding);
        if (!body) {
            last_error = body.error().message;
            continue;
        }
        auto reports = parse_any(*body, depth + 1);
        if (!reports) {
            last_error = "attachment " + (filename.empty() ? type : filename) + ": " + reports.error().message;
            continue;
        }
        for (auto& r : *reports) out.push_back(std::move(r));
    }
    if (out.empty()) return Error(last_error.empty() ? "no report attachment in the message" : last_error);
    return out;
}

Result<std::vector<ParsedReport>> parse_any(std::string_view data, int depth) {
    if (depth > 3) return Error("reports nested too deep");
    if (data.size() > kMaxReportXmlOctets) return Error("input over " + mib(kMaxReportXmlOctets));
    std::string owned;
    if (is_gzip(data)) {
        auto x = gunzip(data, kMaxReportXmlOctets);
        if (!x) return x.error();
        owned = std::move(*x);
        return parse_any(owned, depth + 1);
    }
    if (is_zip(data)) {
        auto x = unzip(data);
        if (!x) return x.error();
        owned = std::move(*x);
        return parse_any(owned, depth + 1);
    }
    if (is_xml(data)) {
        auto r = parse_report_xml(data);
        if (!r) return r.error();
        return std::vector<ParsedReport>{std::move(*r)};
    }
    if (depth > 0) return Error("neither XML, gzip nor zip");
    return parse_message(data, depth);
}

}  // namespace

Result<std::string> gunzip(std::string_view data, std::size_t max_octets) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 32) != Z_OK) return Error("gzip: inflateInit2 failed");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    std::string out;
    char buf[65536];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&z);
            return Error(std::string("gzip: ") + (rc == Z_BUF_ERROR ? "truncated data" : z.msg ? z.msg : "corrupt data"));
        }
        out.append(buf, sizeof buf - z.avail_out);
        if (out.size() > max_octets) {
            inflateEnd(&z);
            return Error("gzip: decompressed size over " + mib(max_octets));
        }
    }
    inflateEnd(&z);
    return out;
}

Result<ParsedReport> parse_report_xml(std::string_view xml) {
    if (xml.size() > kMaxReportXmlOctets) return Error("XML over " + mib(kMaxReportXmlOctets));
    // No NOENT (entities stay unexpanded), no DTDLOAD, no network.
    const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS;
    xmlResetLastError();
    DocPtr doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "report.xml", nullptr, opts));
    if (!doc) {
        const xmlError* e = xmlGetLastError();
        std::string why = e && e->message ? std::string(trim(e->message)) : "malformed";
        return Error("XML: line " + std::to_string(e ? e->line : 0) + ": " + why);
    }
    if (doc->intSubset || doc->extSubset) return Error("XML: a DTD is not allowed in a report");
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    if (!root || !named(root, "feedback")) return Error("XML: the root element is not <feedback>");
    ParsedReport r;
    const xmlNode* meta = child(root, "report_metadata");
    if (!meta) return Error("XML: no <report_metadata>");
    r.org_name = text_at(meta, "org_name");
    r.email = text_at(meta, "email");
    r.report_id = text_at(meta, "report_id");
    if (const xmlNode* range = child(meta, "date_range")) {
        auto b = number(text_at(range, "begin"), "date_range begin");
        auto e = number(text_at(range, "end"), "date_range end");
        if (!b) return b.error();
        if (!e) return e.error();
        r.begin = *b;
        r.end = *e;
    } else {
        return Error("XML: no <date_range>");
    }
    const xmlNode* pol = child(root, "policy_published");
    if (!pol) return Error("XML: no <policy_published>");
    r.domain = to_lower(text_at(pol, "domain"));
    if (r.domain.empty()) return Error("XML: no policy_published <domain>");
    r.p = text_at(pol, "p");
    r.sp = text_at(pol, "sp");
    r.adkim = text_at(pol, "adkim");
    r.aspf = text_at(pol, "aspf");
    r.pct = text_at(pol, "pct");
    for (const xmlNode* rec = root->children; rec; rec = rec->next) {
        if (!named(rec, "record")) continue;
        if (r.rows.size() == kMaxReportRecords) return Error("XML: more than 200000 records");
        ReportRow row;
        const xmlNode* rw = child(rec, "row");
        if (!rw) return Error("XML: record " + std::to_string(r.rows.size() + 1) + " without <row>");
        row.source_ip = text_at(rw, "source_ip");
        auto count = number(text_at(rw, "count"), "count");
        if (!count) return Error("XML: record " + std::to_string(r.rows.size() + 1) + ": " + count.error().message);
        row.count = static_cast<std::uint64_t>(*count);
        const xmlNode* pe = child(rw, "policy_evaluated");
        row.disposition = text_at(pe, "disposition");
        row.dkim = text_at(pe, "dkim");
        row.spf = text_at(pe, "spf");
        for (const xmlNode* c = pe ? pe->children : nullptr; c; c = c->next)
            if (named(c, "reason")) row.reasons.push_back(text_at(c, "type"));
        const xmlNode* ids = child(rec, "identifiers");
        row.header_from = to_lower(text_at(ids, "header_from"));
        row.envelope_from = to_lower(text_at(ids, "envelope_from"));
        if (const xmlNode* c = child(rec, "auth_results")) {
            for (const xmlNode* a = c->children; a; a = a->next) {
                if (named(a, "dkim"))
                    row.dkim_results.push_back({to_lower(text_at(a, "domain")), text_at(a, "selector"), to_lower(text_at(a, "result"))});
                else if (named(a, "spf"))
                    row.spf_results.push_back({to_lower(text_at(a, "domain")), text_at(a, "scope"), to_lower(text_at(a, "result"))});
            }
        }
        r.rows.push_back(std::move(row));
    }
    return r;
}

Result<std::vector<ParsedReport>> parse_report_data(std::string_view data) {
    if (data.size() > kMaxReportInputOctets) return Error("input over " + mib(kMaxReportInputOctets));
    return parse_any(data, 0);
}

}  // namespace tern::dmarc
