#include "libmail/spf/policy.h"

#include "libmail/config/params_spf.h"
#include "libmail/core/text.h"

namespace tern::spf {

namespace {

// Keeps a reply line well under RFC 5321's 512 octets.
constexpr std::size_t kMaxReplyTextOctets = 400;

std::string reply(Action a, std::string_view code_detail, const std::string& text) {
    const bool perm = a == Action::Reject;
    std::string r = perm ? "550 5." : "451 4.";
    r += code_detail;
    r += ' ';
    r += printable(text, kMaxReplyTextOctets);
    return r;
}

}  // namespace

std::optional<Action> parse_action(std::string_view s) {
    if (iequals(s, "ignore")) return Action::Ignore;
    if (iequals(s, "reject")) return Action::Reject;
    if (iequals(s, "defer")) return Action::Defer;
    return std::nullopt;
}

tern::Result<PolicyConfig> PolicyConfig::from_config(const config::Config& cfg) {
    PolicyConfig p;
    const std::pair<const config::ParamSpec*, Action*> slots[] = {
        {&config::kSpfFailAction, &p.fail},
        {&config::kSpfSoftfailAction, &p.softfail},
        {&config::kSpfPermerrorAction, &p.permerror},
        {&config::kSpfTemperrorAction, &p.temperror},
    };
    for (const auto& [spec, slot] : slots) {
        const std::string v = cfg.get(*spec);
        const auto a = parse_action(trim(v));
        if (!a)
            return Error("bad " + std::string(spec->name) + " value \"" + v + "\" (ignore, reject or defer)");
        *slot = *a;
    }
    return p;
}

std::optional<std::string> smtp_reply(const Outcome& o, const PolicyConfig& p) {
    switch (o.result) {
    case Result::Fail:
        if (p.fail == Action::Ignore) return std::nullopt;
        return reply(p.fail, "7.23", "SPF fail: " + o.explanation);
    case Result::SoftFail:
        if (p.softfail == Action::Ignore) return std::nullopt;
        return reply(p.softfail, "7.23", "SPF softfail: " + o.domain + " does not designate this host as a sender");
    case Result::PermError:
        if (p.permerror == Action::Ignore) return std::nullopt;
        return reply(p.permerror, "7.24", "SPF permanent error: " + o.problem);
    case Result::TempError:
        if (p.temperror == Action::Ignore) return std::nullopt;
        return reply(p.temperror, "7.24", "SPF temporary error");
    default:
        return std::nullopt;
    }
}

}  // namespace tern::spf
