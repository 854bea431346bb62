// Notices written into a real queue and read back: envelope, MIME structure
// (RFC 6522), delivery-status fields (RFC 3464), what of the original is
// returned (RET, bounce_size_limit), and text from the network made safe.
// The structure is also checked by Python's email package (parse_dsn.py).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "libmail/cleanup/mail_date.h"
#include "libmail/core/text.h"
#include "libmail/dsn/notify_policy.h"
#include "libmail/dsn/report_writer.h"
#include "libmail/queue/queue_dirs.h"
#include "libmail/queue/queue_file.h"
#include "libmail/queue/queue_writer.h"
#include "t/unit/temp_dir.h"

extern char** environ;

using namespace tern;
using namespace tern::dsn;

namespace {

constexpr std::int64_t kArrival = 1795000000;

struct Part {
    std::string headers;  // header section, LF line ends, unfolded
    std::string body;
};

// The value of field name in an LF-separated block (continuation lines
// joined), or "" when absent.
std::string field(const std::string& block, std::string_view name) {
    std::size_t pos = 0;
    while (pos < block.size()) {
        std::size_t end = block.find('\n', pos);
        if (end == std::string::npos) end = block.size();
        std::string_view line(block.data() + pos, end - pos);
        if (line.size() > name.size() && line[name.size()] == ':' && iequals(line.substr(0, name.size()), name)) {
            std::string v(trim(line.substr(name.size() + 1)));
            // continuation lines
            while (end + 1 < block.size() && (block[end + 1] == ' ' || block[end + 1] == '\t')) {
                const std::size_t next = block.find('\n', end + 1);
                const std::size_t stop = next == std::string::npos ? block.size() : next;
                v += ' ';
                v += std::string(trim(std::string_view(block).substr(end + 1, stop - end - 1)));
                end = stop;
            }
            return v;
        }
        pos = end + 1;
    }
    return "";
}

Part split_part(std::string_view text) {
    const std::size_t sep = text.find("\n\n");
    if (text.substr(0, 1) == "\n") return {"", std::string(text.substr(1))};
    if (sep == std::string_view::npos) return {std::string(text), ""};
    return {std::string(text.substr(0, sep + 1)), std::string(text.substr(sep + 2))};
}

struct Report {
    Part top;
    std::string boundary;
    std::vector<Part> parts;
    std::string epilogue;
};

// A strict reading of a multipart body: delimiters are whole lines, the LF
// before each belongs to it (RFC 2046 5.1.1), and the close delimiter ends it.
Report parse_report(const std::string& content) {
    Report r;
    r.top = split_part(content);
    const std::string ct = field(r.top.headers, "Content-Type");
    const auto b = ct.find("boundary=\"");
    REQUIRE(b != std::string::npos);
    r.boundary = ct.substr(b + 10, ct.find('"', b + 10) - b - 10);
    const std::string delim = "--" + r.boundary;
    const std::string& body = r.top.body;
    std::size_t pos = body.find(delim + "\n");
    REQUIRE(pos != std::string::npos);
    REQUIRE((pos == 0 || body[pos - 1] == '\n'));
    pos += delim.size() + 1;
    for (;;) {
        const std::size_t next = body.find("\n" + delim, pos);
        REQUIRE(next != std::string::npos);
        r.parts.push_back(split_part(std::string_view(body).substr(pos, next - pos)));
        const std::size_t after = next + 1 + delim.size();
        if (body.compare(after, 3, "--\n") == 0) {
            r.epilogue = body.substr(after + 3);
            break;
        }
        REQUIRE(body.compare(after, 1, "\n") == 0);
        pos = after + 1;
    }
    return r;
}

// Blocks of a delivery-status body, separated by empty lines.
std::vector<std::string> blocks(const std::string& body) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t end = body.find("\n\n", pos);
        if (end == std::string::npos) end = body.size();
        if (end > pos) out.push_back(body.substr(pos, end - pos + 1));
        pos = end + 2;
    }
    return out;
}

struct Queue {
    test::TempDir tmp;
    Queue() { REQUIRE(queue::create_queue_dirs(tmp.path(), ::getuid(), ::getgid())); }
    const std::string& dir() const { return tmp.path(); }
};

std::string sample_content() {
    return "Received: from client.test\n"
           "From: Carol <carol@remote.test>\n"
           "To: alice@example.test\n"
           "Subject: lunch\n"
           "Message-Id: <m1@remote.test>\n"
           "\n"
           "Shall we meet at noon?\n"
           "--\n"
           "Carol\n";
}
const std::size_t kSampleHeaderBytes = sample_content().find("\n\n") + 1;  // through the LF before the empty line

queue::Envelope sample_envelope() {
    queue::Envelope env;
    env.arrival_sec = kArrival;
    env.sender = "carol@remote.test";
    env.attrs = {{"client_address", "192.0.2.7"}, {"protocol", "ESMTP"}};
    env.recipients = {{"alice@example.test", "rfc822;alice+2Bx@example.test", 0},
                      {"bob@example.test", "", queue::kNotifySuccess},
                      {"dave@example.test", "", queue::kNotifyFailure}};
    return env;
}

struct Original {
    std::string path;
    UniqueFd fd;
    queue::QueueFile qf;
};

Original write_original(const Queue& q, const queue::Envelope& env, const std::string& content) {
    auto w = queue::QueueWriter::create(q.dir());
    REQUIRE(w);
    REQUIRE(w->write_envelope(env));
    for (std::size_t pos = 0; pos < content.size(); pos += 5000) REQUIRE(w->write_content(content.substr(pos, 5000)));
    auto id = w->commit();
    REQUIRE(id);
    Original o;
    o.path = queue::queue_path(q.dir(), "incoming", *id);
    o.fd = UniqueFd(::open(o.path.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(o.fd.get() >= 0);
    auto qf = queue::read_queue_file(o.fd.get(), o.path);
    REQUIRE(qf);
    o.qf = std::move(*qf);
    return o;
}

Settings sample_settings() {
    Settings s;
    s.myhostname = "mail.tern.test";
    s.now = kArrival + 5 * 3600;
    s.original_queue_id = "4AbCdEf";
    return s;
}

struct Written {
    queue::QueueFile qf;
    std::string content;
};

Written read_notice(const Queue& q, const std::string& id) {
    const std::string path = queue::queue_path(q.dir(), "incoming", id);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd.get() >= 0);
    auto qf = queue::read_queue_file(fd.get(), path);
    REQUIRE(qf);
    Written w{std::move(*qf), {}};
    REQUIRE(queue::read_content(fd.get(), w.qf, [&](std::string_view c) -> Result<void> {
        w.content.append(c);
        return {};
    }));
    return w;
}

// Plans the notices for results and writes the one of `kind`.
Written notice_for(const Queue& q, const Original& o, const std::vector<RecipientResult>& results, NoticeKind kind,
                   const Settings& s) {
    const auto plan = plan_notices(o.qf.env, results, s);
    for (const auto& n : plan) {
        if (n.kind != kind) continue;
        auto id = write_notice(q.dir(), o.fd.get(), o.qf, results, n, s);
        REQUIRE(id);
        return read_notice(q, *id);
    }
    FAIL("no notice of that kind planned");
    return {};
}

RecipientResult failed_alice() {
    RecipientResult r;
    r.address = "alice@example.test";
    r.action = Action::Failed;
    r.status = "5.1.1";
    r.diagnostic = "smtp; 550 5.1.1 <alice@example.test>: Recipient address rejected: User unknown";
    r.remote_mta = "mx.example.test";
    r.last_attempt = kArrival + 60;
    return r;
}

std::string srcdir() {
    if (const char* d = std::getenv("TERN_SRCDIR"); d && *d) return d;
    // __FILE__ is the absolute source path in an out-of-tree build.
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path().string();
}

// Runs python3 parse_dsn.py on content; -1 when python3 cannot be run.
int python_check(const test::TempDir& tmp, const std::string& content, std::vector<std::string> args) {
    const std::string file = tmp.write("notice.eml", content);
    REQUIRE_FALSE(file.empty());
    std::vector<std::string> argv_s = {"python3", srcdir() + "/t/unit/dsn/parse_dsn.py", file};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (::posix_spawnp(&pid, "python3", nullptr, nullptr, argv.data(), environ) != 0) return -1;
    int st = 0;
    if (::waitpid(pid, &st, 0) != pid) return -1;
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 127) return -1;
    return WEXITSTATUS(st);
}

}  // namespace

TEST_CASE("a bounce is a multipart/report from <> to the sender with the whole message", "[dsn]") {
    Queue q;
    const Original o = write_original(q, sample_envelope(), sample_content());
    const Settings s = sample_settings();
    const Written w = notice_for(q, o, {failed_alice()}, NoticeKind::Bounce, s);

    // The envelope: null sender, the original sender, NOTIFY=NEVER, marked.
    CHECK(w.qf.env.sender.empty());
    REQUIRE(w.qf.env.recipients.size() == 1);
    CHECK(w.qf.env.recipients[0].address == "carol@remote.test");
    CHECK(w.qf.env.recipients[0].notify == queue::kNotifyNever);
    REQUIRE(w.qf.env.attr("notification"));
    CHECK(*w.qf.env.attr("notification") == "bounce");
    REQUIRE(w.qf.env.attr("original_queue_id"));
    CHECK(*w.qf.env.attr("original_queue_id") == "4AbCdEf");
    CHECK(w.qf.env.attr("smtputf8") == nullptr);
    CHECK(w.qf.env.attr("body") == nullptr);
    CHECK(w.content.find('\r') == std::string::npos);

    const Report r = parse_report(w.content);
    const std::string& h = r.top.headers;
    CHECK(field(h, "From") == "MAILER-DAEMON@mail.tern.test (Mail Delivery System)");
    CHECK(field(h, "To") == "carol@remote.test");
    CHECK(field(h, "Subject") == "Undelivered Mail Returned to Sender");
    CHECK(field(h, "Date") == cleanup::rfc5322_date(s.now));
    CHECK(field(h, "Auto-Submitted") == "auto-replied");
    CHECK(field(h, "MIME-Version") == "1.0");
    CHECK(field(h, "Content-Type") ==
          "multipart/report; report-type=delivery-status; boundary=\"" + r.boundary + "\"");
    CHECK(field(h, "Message-Id").find("@mail.tern.test>") != std::string::npos);
    CHECK(sample_content().find(r.boundary) == std::string::npos);

    REQUIRE(r.parts.size() == 3);
    CHECK(field(r.parts[0].headers, "Content-Type") == "text/plain; charset=us-ascii");
    const std::string& text = r.parts[0].body;
    CHECK(text.rfind("This is the mail system at host mail.tern.test.\n\n"
                     "I'm sorry to have to inform you that your message could not\n",
                     0) == 0);
    CHECK(text.find("\n<alice@example.test>: host mx.example.test said: 550 5.1.1\n"
                    "    <alice@example.test>: Recipient address rejected: User unknown\n") != std::string::npos);

    CHECK(field(r.parts[1].headers, "Content-Type") == "message/delivery-status");
    const auto b = blocks(r.parts[1].body);
    REQUIRE(b.size() == 2);
    CHECK(field(b[0], "Reporting-MTA") == "dns; mail.tern.test");
    CHECK(field(b[0], "Arrival-Date") == cleanup::rfc5322_date(kArrival));
    CHECK(field(b[0], "X-Tern-Queue-ID") == "4AbCdEf");
    CHECK(field(b[0], "Original-Envelope-Id").empty());
    CHECK(b[1] ==
          "Original-Recipient: rfc822;alice+x@example.test\n"
          "Final-Recipient: rfc822; alice@example.test\n"
          "Action: failed\n"
          "Status: 5.1.1\n"
          "Remote-MTA: dns; mx.example.test\n"
          "Diagnostic-Code: smtp; 550 5.1.1 <alice@example.test>: Recipient address\n"
          " rejected: User unknown\n"
          "Last-Attempt-Date: " + cleanup::rfc5322_date(kArrival + 60) + "\n");

    CHECK(field(r.parts[2].headers, "Content-Type") == "message/rfc822");
    CHECK(field(r.parts[2].headers, "Content-Description") == "Undelivered Message");
    CHECK(r.parts[2].body == sample_content());

    const int py = python_check(q.tmp, w.content,
                                {"message/rfc822", "Action=failed", "Status=5.1.1",
                                 "Final-Recipient=rfc822; alice@example.test",
                                 "Original-Recipient=rfc822;alice+x@example.test",
                                 "message:Reporting-MTA=dns; mail.tern.test"});
    if (py < 0) WARN("python3 not available: independent MIME check skipped");
    else CHECK(py == 0);
}

TEST_CASE("RET=HDRS returns the header section only", "[dsn]") {
    Queue q;
    queue::Envelope env = sample_envelope();
    env.attrs.emplace_back("ret", "HDRS");
    const Original o = write_original(q, env, sample_content());
    const Written w = notice_for(q, o, {failed_alice()}, NoticeKind::Bounce, sample_settings());
    const Report r = parse_report(w.content);
    REQUIRE(r.parts.size() == 3);
    CHECK(field(r.parts[2].headers, "Content-Type") == "text/rfc822-headers");
    CHECK(field(r.parts[2].headers, "Content-Description") == "Undelivered Message Headers");
    CHECK(r.parts[2].body == sample_content().substr(0, kSampleHeaderBytes));
    CHECK(r.parts[2].body.find("Shall we meet") == std::string::npos);
    const int py = python_check(q.tmp, w.content, {"text/rfc822-headers", "Action=failed"});
    if (py >= 0) CHECK(py == 0);
}

TEST_CASE("RET=FULL returns the whole message in a delay warning too", "[dsn]") {
    Queue q;
    queue::Envelope env = sample_envelope();
    env.attrs.emplace_back("ret", "FULL");
    const Original o = write_original(q, env, sample_content());
    RecipientResult d = failed_alice();
    d.action = Action::Delayed;
    d.status = "4.4.1";
    d.diagnostic = "";
    d.remote_mta = "";
    const Written w = notice_for(q, o, {d}, NoticeKind::Delay, sample_settings());
    const Report r = parse_report(w.content);
    REQUIRE(r.parts.size() == 3);
    CHECK(field(r.parts[2].headers, "Content-Type") == "message/rfc822");
    CHECK(r.parts[2].body == sample_content());
}

TEST_CASE("a message larger than bounce_size_limit is returned as its headers", "[dsn]") {
    Queue q;
    std::string content = sample_content();
    while (content.size() < 3 * queue::kMaxContentChunk + 100) content += "a long body line of the big message\n";
    const Original o = write_original(q, sample_envelope(), content);
    Settings s = sample_settings();

    SECTION("default limit 50000") {
        const Written w = notice_for(q, o, {failed_alice()}, NoticeKind::Bounce, s);
        const Report r = parse_report(w.content);
        REQUIRE(r.parts.size() == 3);
        CHECK(field(r.parts[2].headers, "Content-Type") == "text/rfc822-headers");
        CHECK(r.parts[2].body == content.substr(0, kSampleHeaderBytes));
        CHECK(w.qf.content_bytes < 10000);
    }
    SECTION("a limit above the size returns it all") {
        s.bounce_size_limit = content.size();
        const Written w = notice_for(q, o, {failed_alice()}, NoticeKind::Bounce, s);
        const Report r = parse_report(w.content);
        REQUIRE(r.parts.size() == 3);
        CHECK(field(r.parts[2].headers, "Content-Type") == "message/rfc822");
        CHECK(r.parts[2].body == content);
    }
    SECTION("headers longer than the limit are cut at a line end") {
        s.bounce_size_limit = 60;
        const Written w = notice_for(q, o, {failed_alice()}, NoticeKind::Bounce, s);
        const Report r = parse_report(w.content);
        REQUIRE(r.parts.size() == 3);
        CHECK(r.parts[2].body == "Received: from client.test\nFrom: Carol <carol@remote.test>\n");
    }
}

TEST_CASE("returned_content follows RET, the kind and the size", "[dsn]") {
    queue::Envelope env;
    CHECK(returned_content(NoticeKind::Bounce, env, 10, 50000) == Returned::Full);
    CHECK(returned_content(NoticeKind::Bounce, env, 50001, 50000) == Returned::Headers);
    CHECK(returned_content(NoticeKind::Delay, env, 10, 50000) == Returned::Headers);
    CHECK(returned_content(NoticeKind::Success, env, 10, 50000) == Returned::Headers);
    env.attrs = {{"ret", "HDRS"}};
    CHECK(returned_content(NoticeKind::Bounce, env, 10, 50000) == Returned::Headers);
    env.attrs = {{"ret", "FULL"}};
    CHECK(returned_content(NoticeKind::Success, env, 10, 50000) == Returned::Full);
    CHECK(returned_content(NoticeKind::Success, env, 60000, 50000) == Returned::Headers);
}

TEST_CASE("a delay warning says until when it is retried and returns headers", "[dsn]") {
    Queue q;
    const Original o = write_original(q, sample_envelope(), sample_content());
    Settings s = sample_settings();
    s.will_retry_until = kArrival + 5 * 86400;
    RecipientResult d;
    d.address = "alice@example.test";
    d.action = Action::Delayed;
    d.status = "4.4.1";
    d.diagnostic = "X-Tern; connect to mx.example.test[192.0.2.9]:25: Connection refused";
    d.last_attempt = s.now - 60;
    const Written w = notice_for(q, o, {d}, NoticeKind::Delay, s);
    CHECK(w.qf.env.sender.empty());
    CHECK(*w.qf.env.attr("notification") == "delay");
    const Report r = parse_report(w.content);
    CHECK(field(r.top.headers, "Subject") == "Delayed Mail (still being retried)");
    REQUIRE(r.parts.size() == 3);
    CHECK(r.parts[0].body.find("# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #") !=
          std::string::npos);
    CHECK(r.parts[0].body.find("for more than 5 hour(s).\nIt will be retried until " +
                               cleanup::rfc5322_date(*s.will_retry_until) + ".\n") != std::string::npos);
    const auto b = blocks(r.parts[1].body);
    REQUIRE(b.size() == 2);
    CHECK(field(b[1], "Action") == "delayed");
    CHECK(field(b[1], "Status") == "4.4.1");
    CHECK(field(b[1], "Diagnostic-Code") == "X-Tern; connect to mx.example.test[192.0.2.9]:25: Connection refused");
    CHECK(field(b[1], "Will-Retry-Until") == cleanup::rfc5322_date(*s.will_retry_until));
    CHECK(field(b[1], "Remote-MTA").empty());
    CHECK(field(r.parts[2].headers, "Content-Type") == "text/rfc822-headers");
    CHECK(r.parts[2].body == sample_content().substr(0, kSampleHeaderBytes));
    const int py = python_check(q.tmp, w.content, {"text/rfc822-headers", "Action=delayed", "Status=4.4.1"});
    if (py >= 0) CHECK(py == 0);
}

TEST_CASE("a success report goes only to recipients that asked for it", "[dsn]") {
    Queue q;
    const Original o = write_original(q, sample_envelope(), sample_content());
    RecipientResult a = failed_alice();
    a.action = Action::Delivered;
    a.status = "2.0.0";
    a.diagnostic = "";
    a.remote_mta = "";
    RecipientResult b = a;
    b.address = "bob@example.test";  // NOTIFY=SUCCESS
    const std::vector<RecipientResult> results = {a, b};
    const auto plan = plan_notices(o.qf.env, results, sample_settings());
    REQUIRE(plan.size() == 1);
    const Written w = notice_for(q, o, results, NoticeKind::Success, sample_settings());
    CHECK(*w.qf.env.attr("notification") == "success");
    const Report r = parse_report(w.content);
    CHECK(field(r.top.headers, "Subject") == "Successful Mail Delivery Report");
    REQUIRE(r.parts.size() == 3);
    CHECK(r.parts[0].body.find("<bob@example.test>: delivered (2.0.0)") != std::string::npos);
    CHECK(r.parts[0].body.find("alice") == std::string::npos);
    const auto blk = blocks(r.parts[1].body);
    REQUIRE(blk.size() == 2);
    CHECK(field(blk[1], "Final-Recipient") == "rfc822; bob@example.test");
    CHECK(field(blk[1], "Action") == "delivered");
    CHECK(field(blk[1], "Original-Recipient").empty());
    CHECK(field(r.parts[2].headers, "Content-Type") == "text/rfc822-headers");
    CHECK(field(r.parts[2].headers, "Content-Description") == "Delivered Message Headers");
}

TEST_CASE("ENVID is returned decoded in Original-Envelope-Id", "[dsn]") {
    Queue q;
    queue::Envelope env = sample_envelope();
    env.attrs.emplace_back("envid", "QQ314159+2Bx+3Dy");
    const Original o = write_original(q, env, sample_content());
    const Written w = notice_for(q, o, {failed_alice()}, NoticeKind::Bounce, sample_settings());
    const Report r = parse_report(w.content);
    REQUIRE(r.parts.size() == 3);
    const auto b = blocks(r.parts[1].body);
    REQUIRE(b.size() == 2);
    CHECK(b[0].rfind("Original-Envelope-Id: QQ314159+x=y\nReporting-MTA: dns; mail.tern.test\n", 0) == 0);
    const int py = python_check(q.tmp, w.content,
                                {"message/rfc822", "message:Original-Envelope-Id=QQ314159+x=y"});
    if (py >= 0) CHECK(py == 0);
}

TEST_CASE("a double bounce goes to the postmaster from the double-bounce address", "[dsn]") {
    Queue q;
    queue::Envelope env = sample_envelope();
    env.sender = "";
    const Original o = write_original(q, env, sample_content());
    const Written w = notice_for(q, o, {failed_alice()}, NoticeKind::Bounce, sample_settings());
    CHECK(w.qf.env.sender == "double-bounce@mail.tern.test");
    REQUIRE(w.qf.env.recipients.size() == 1);
    CHECK(w.qf.env.recipients[0].address == "postmaster");
    CHECK(*w.qf.env.attr("notification") == "double-bounce");
    const Report r = parse_report(w.content);
    CHECK(field(r.top.headers, "Subject") == "Postmaster Copy: Undelivered Mail");
    CHECK(field(r.top.headers, "To") == "postmaster");
    const auto b = blocks(r.parts.at(1).body);
    REQUIRE(b.size() == 2);
    CHECK(field(b[0], "X-Tern-Sender") == "rfc822;");
}

TEST_CASE("header injection in a remote reply or an ORCPT is neutralised", "[dsn]") {
    Queue q;
    queue::Envelope env = sample_envelope();
    // xtext may encode CR and LF: +0D+0A.
    env.recipients[0].orcpt = "rfc822;a+0D+0AX-Evil:+20yes@example.test";
    const Original o = write_original(q, env, sample_content());
    RecipientResult f = failed_alice();
    f.diagnostic = "smtp; 550 no\r\nSubject: injected\r\n\r\n--=_fake--\nX-Evil: 1\xff";
    f.remote_mta = "mx.example.test\nX-Evil: 2";
    f.status = "5.1.1\nX-Evil: 3";
    const Written w = notice_for(q, o, {f}, NoticeKind::Bounce, sample_settings());
    const std::string& c = w.content;
    CHECK(c.find("\nX-Evil") == std::string::npos);
    CHECK(c.find("\nSubject: injected") == std::string::npos);
    CHECK(c.find("\n--=_fake") == std::string::npos);
    CHECK(c.find('\xff') == std::string::npos);
    const Report r = parse_report(c);
    REQUIRE(r.parts.size() == 3);
    const auto b = blocks(r.parts[1].body);
    REQUIRE(b.size() == 2);
    CHECK(field(b[1], "Diagnostic-Code") == "smtp; 550 no Subject: injected --=_fake-- X-Evil: 1?");
    CHECK(field(b[1], "Remote-MTA") == "dns; mx.example.test X-Evil: 2");
    CHECK(field(b[1], "Status") == "5.0.0");  // not a status code: the action's default
    CHECK(field(b[1], "Original-Recipient") == "rfc822;a X-Evil: yes@example.test");
    CHECK(w.qf.env.attr("body") == nullptr);  // nothing 8-bit left
    const int py = python_check(q.tmp, c, {"message/rfc822", "Action=failed", "Status=5.0.0"});
    if (py >= 0) CHECK(py == 0);
}

TEST_CASE("8-bit content is returned as 8bit and marked 8BITMIME", "[dsn]") {
    Queue q;
    const std::string content = "Subject: caf\xc3\xa9\n\nbody \xc3\xa9\n";
    const Original o = write_original(q, sample_envelope(), content);
    const Written w = notice_for(q, o, {failed_alice()}, NoticeKind::Bounce, sample_settings());
    REQUIRE(w.qf.env.attr("body"));
    CHECK(*w.qf.env.attr("body") == "8BITMIME");
    const Report r = parse_report(w.content);
    CHECK(field(r.top.headers, "Content-Transfer-Encoding") == "8bit");
    REQUIRE(r.parts.size() == 3);
    CHECK(field(r.parts[2].headers, "Content-Transfer-Encoding") == "8bit");
    CHECK(r.parts[2].body == content);
}

TEST_CASE("an SMTPUTF8 message gets a global delivery status (RFC 6533)", "[dsn]") {
    Queue q;
    queue::Envelope env = sample_envelope();
    env.sender = "c\xc3\xa9line@remote.test";
    env.recipients[0] = {"j\xc3\xb6rg@example.test", "", 0};
    env.attrs.emplace_back("smtputf8", "yes");
    const std::string content = "From: c\xc3\xa9line@remote.test\nSubject: gr\xc3\xbc\xc3\x9f" "e\n\nhallo\n";
    const Original o = write_original(q, env, content);
    RecipientResult f = failed_alice();
    f.address = "j\xc3\xb6rg@example.test";
    f.diagnostic = "smtp; 550 5.1.1 j\xc3\xb6rg unknown\r\nX-Evil: 1";
    const Written w = notice_for(q, o, {f}, NoticeKind::Bounce, sample_settings());
    CHECK(w.qf.env.recipients.at(0).address == "c\xc3\xa9line@remote.test");
    CHECK(*w.qf.env.attr("smtputf8") == "yes");
    const Report r = parse_report(w.content);
    REQUIRE(r.parts.size() == 3);
    CHECK(field(r.parts[0].headers, "Content-Type") == "text/plain; charset=utf-8");
    CHECK(field(r.parts[1].headers, "Content-Type") == "message/global-delivery-status");
    CHECK(field(r.parts[2].headers, "Content-Type") == "message/global");
    const auto b = blocks(r.parts[1].body);
    REQUIRE(b.size() == 2);
    CHECK(field(b[1], "Final-Recipient") == "utf-8; j\xc3\xb6rg@example.test");
    CHECK(field(b[1], "Diagnostic-Code") == "smtp; 550 5.1.1 j\xc3\xb6rg unknown X-Evil: 1");
    CHECK(r.parts[2].body == content);
    const int py = python_check(q.tmp, w.content,
                                {"message/global", "Action=failed", "Final-Recipient=utf-8; j\xc3\xb6rg@example.test"});
    if (py >= 0) CHECK(py == 0);
}

TEST_CASE("queue_notices writes one notice per kind and nothing for NOTIFY=NEVER", "[dsn]") {
    Queue q;
    queue::Envelope env = sample_envelope();
    env.recipients.push_back({"never@example.test", "", queue::kNotifyNever});
    const Original o = write_original(q, env, sample_content());
    RecipientResult delivered = failed_alice();
    delivered.address = "bob@example.test";
    delivered.action = Action::Delivered;
    delivered.status = "2.0.0";
    RecipientResult never = failed_alice();
    never.address = "never@example.test";
    const std::vector<RecipientResult> results = {failed_alice(), delivered, never};
    auto ids = queue_notices(q.dir(), o.fd.get(), o.qf, results, sample_settings());
    REQUIRE(ids);
    REQUIRE(ids->size() == 2);
    const Written bounce = read_notice(q, (*ids)[0]);
    const Written success = read_notice(q, (*ids)[1]);
    CHECK(*bounce.qf.env.attr("notification") == "bounce");
    CHECK(*success.qf.env.attr("notification") == "success");
    CHECK(bounce.content.find("never@example.test") == std::string::npos);
    CHECK(bounce.content.find("Final-Recipient: rfc822; alice@example.test") != std::string::npos);

    queue::Envelope from_null = sample_envelope();
    from_null.sender = "";
    const Original n = write_original(q, from_null, sample_content());
    RecipientResult delayed = failed_alice();
    delayed.action = Action::Delayed;
    auto none = queue_notices(q.dir(), n.fd.get(), n.qf, std::vector<RecipientResult>{delayed}, sample_settings());
    REQUIRE(none);
    CHECK(none->empty());
}
