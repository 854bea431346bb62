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
    {"UNSUBSCRIBE", &Session::cmd_subscribe, kAuth},
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

void Session::cmd_uid(const std::string& tag, Parser& p) {
    auto sub = p.space() ? p.atom() : std::nullopt;
    if (!sub) return bad(tag, "Syntax: UID FETCH|STORE|SEARCH|SORT|THREAD ...");
    if (iequals(*sub, "FETCH")) return fetch(tag, p, true);
    if (iequals(*sub, "STORE")) return store(tag, p, true);
    if (iequals(*sub, "SEARCH")) return search(tag, p, true);
    if (iequals(*sub, "SORT")) return sort(tag, p, true);
    if (iequals(*sub, "THREAD")) return thread(tag, p, true);
    bad(tag, "Unknown UID command");
}

}  // namespace tern::imapd
