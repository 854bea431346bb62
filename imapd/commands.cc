// The command table (RFC 3501 6) and the commands too small for a file of
// their own: CAPABILITY, NOOP, LOGOUT, ID, NAMESPACE, UID.
#include "libmail/core/text.h"
#include "imapd/session.h"

namespace tern::imapd {

namespace {
using S = Session::State;
constexpr unsigned kAny = state_bit(S::NotAuthenticated) | state_bit(S::Authenticated) | state_bit(S::Selected);
constexpr unsigned kNotAuth = state_bit(S::NotAuthenticated);
constexpr unsigned kAuth = state_bit(S::Authenticated) | state_bit(S::Selected);
constexpr unsigned kSelected = state_bit(S::Selected);

constexpr Command kCommands[] = {
    {"CAPABILITY", &Session::cmd_capability, kAny},
    {"NOOP", &Session::cmd_noop, kAny},
    {"LOGOUT", &Session::cmd_logout, kAny},
    {"ID", &Session::cmd_id, kAny},
    {"LOGIN", &Session::cmd_login, kNotAuth},
    {"AUTHENTICATE", &Session::cmd_authenticate, kNotAuth},
    {"STARTTLS", &Session::cmd_starttls, kNotAuth},
    {"SELECT", &Session::cmd_select, kAuth},
    {"EXAMINE", &Session::cmd_examine, kAuth},
    {"LIST", &Session::cmd_list, kAuth},
    {"LSUB", &Session::cmd_lsub, kAuth},
    {"STATUS", &Session::cmd_status, kAuth},
    {"SUBSCRIBE", &Session::cmd_subscribe, kAuth},
    {"UNSUBSCRIBE", &Session::cmd_unsubscribe, kAuth},
    {"CHECK", &Session::cmd_check, kSelected},
    {"CLOSE", &Session::cmd_close, kSelected},
    {"UNSELECT", &Session::cmd_unselect, kSelected},
    {"EXPUNGE", &Session::cmd_expunge, kSelected},
    {"FETCH", &Session::cmd_fetch, kSelected},
    {"STORE", &Session::cmd_store, kSelected},
    {"SEARCH", &Session::cmd_search, kSelected},
    {"SORT", &Session::cmd_sort, kSelected},
    {"THREAD", &Session::cmd_thread, kSelected},
    {"UID", &Session::cmd_uid, kSelected},
    {"IDLE", &Session::cmd_idle, kAuth},
    {"NAMESPACE", &Session::cmd_namespace, kAuth},
    {"ENABLE", &Session::cmd_enable, state_bit(S::Authenticated)},
    {"GETQUOTAROOT", &Session::cmd_getquotaroot, kAuth},
    {"COMPRESS", &Session::cmd_compress, kAuth},
    {"GETQUOTA", &Session::cmd_getquota, kAuth},
    {"SETQUOTA", &Session::cmd_setquota, kAuth},
    {"CREATE", &Session::cmd_create, kAuth},
    {"DELETE", &Session::cmd_delete, kAuth},
    {"RENAME", &Session::cmd_rename, kAuth},
    {"APPEND", &Session::cmd_append, kAuth},
    {"COPY", &Session::cmd_copy, kSelected},
    {"MOVE", &Session::cmd_move, kSelected},
};
}  // namespace

const Command* find_command(std::string_view name) {
    for (const auto& c : kCommands)
        if (iequals(c.name, name)) return &c;
    return nullptr;
}

void Session::cmd_capability(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "CAPABILITY takes no arguments");
    untagged("CAPABILITY " + capabilities());
    tagged(tag, "OK CAPABILITY completed");
}

void Session::cmd_noop(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "NOOP takes no arguments");
    if (state_ == State::Selected) report_changes(true);
    tagged(tag, "OK NOOP completed");
}

void Session::cmd_logout(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "LOGOUT takes no arguments");
    untagged("BYE Logging out");
    tagged(tag, "OK LOGOUT completed");
    state_ = State::Logout;
    finish(nullptr);
}

// RFC 2971: the client's parameters are read and ignored; we send none.
// RFC 2342: one personal namespace, the user's folders, with "/" as the
// hierarchy separator; no other users' or shared namespaces.
void Session::cmd_namespace(const std::string& tag, Parser& p) {
    if (!p.at_end()) return bad(tag, "NAMESPACE takes no arguments");
    untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
    tagged(tag, "OK NAMESPACE completed");
}

void Session::cmd_id(const std::string& tag, Parser& p) {
    if (!p.space()) return bad(tag, "Syntax: ID (params) or ID NIL");
    if (!p.consume('(')) {
        auto nil = p.atom();
        if (!nil || !iequals(*nil, "NIL") || !p.at_end()) return bad(tag, "Syntax: ID (params) or ID NIL");
    } else if (!p.consume(')')) {
        for (int i = 0; i < 60; ++i) {
            auto k = p.string();
            if (!k || !p.space()) return bad(tag, "Syntax: ID (params) or ID NIL");
            if (!p.string()) {
                auto nil = p.atom();
                if (!nil || !iequals(*nil, "NIL")) return bad(tag, "Syntax: ID (params) or ID NIL");
            }
            if (p.consume(')')) break;
            if (!p.space()) return bad(tag, "Syntax: ID (params) or ID NIL");
        }
    }
    if (!p.at_end()) return bad(tag, "Syntax: ID (params) or ID NIL");
    untagged("ID (\"name\" \"Tern\")");
    tagged(tag, "OK ID completed");
}

// RFC 5161: ENABLE lists what it turned on now; unknown names are ignored.
void Session::cmd_enable(const std::string& tag, Parser& p) {
    std::string enabled;
    int count = 0;
    while (p.space()) {
        auto name = p.atom();
        if (!name || ++count > 20) return bad(tag, "Syntax: ENABLE capability...");
        const std::string u = to_upper(*name);
        if ((u == "CONDSTORE" || u == "QRESYNC") && !condstore_) {
            condstore_ = true;
            if (u == "CONDSTORE") enabled += " CONDSTORE";
        }
        if (u == "QRESYNC" && !qresync_) {
            qresync_ = true;
            enabled += " QRESYNC";
        }
        if (u == "UTF8=ACCEPT" && !utf8_accept_) {
            utf8_accept_ = true;
            enabled += " UTF8=ACCEPT";
        }
        // RFC 9051 (Appendix A): from here the session answers as IMAP4rev2.
        if (u == "IMAP4REV2" && !rev2_) {
            rev2_ = true;
            enabled += " IMAP4rev2";
        }
    }
    if (count == 0 || !p.at_end()) return bad(tag, "Syntax: ENABLE capability...");
    untagged("ENABLED" + enabled);
    tagged(tag, "OK ENABLE completed");
}

void Session::cmd_uid(const std::string& tag, Parser& p) {
    auto sub = p.space() ? p.atom() : std::nullopt;
    if (!sub) return bad(tag, "Syntax: UID FETCH|STORE|SEARCH|SORT|THREAD|COPY|MOVE|EXPUNGE ...");
    if (iequals(*sub, "FETCH")) return fetch(tag, p, true);
    if (iequals(*sub, "STORE")) return store(tag, p, true);
    if (iequals(*sub, "SEARCH")) return search(tag, p, true);
    if (iequals(*sub, "SORT")) return sort(tag, p, true);
    if (iequals(*sub, "THREAD")) return thread(tag, p, true);
    if (iequals(*sub, "COPY")) return copy(tag, p, true, false);
    if (iequals(*sub, "MOVE")) return copy(tag, p, true, true);
    if (iequals(*sub, "EXPUNGE")) return uid_expunge(tag, p);
    bad(tag, "Unknown UID command");
}

}  // namespace tern::imapd
