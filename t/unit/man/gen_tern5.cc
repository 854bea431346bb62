// Writes man/man5/tern.5 from the parameter registry (run by gen_tern5.sh).
#include <cstdio>
#include <string>

#include "libmail/config/param_spec.h"

namespace {
std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else out += c;
    }
    return out;
}
}  // namespace

int main() {
    std::printf(".TH TERN 5 \"2026\" \"Tern\" \"Tern mail system\"\n.SH NAME\n"
                "main.cf \\- Tern configuration parameters\n.SH DESCRIPTION\n"
                "main.cf uses Postfix's syntax: \\fIname\\fR = \\fIvalue\\fR; a line that starts with white space\n"
                "continues the previous one; lines starting with # are comments; $name and ${name} expand\n"
                "to other parameters. Lists are separated by commas or white space. Time values take a\n"
                "unit: s, m, h, d, w. A malformed line stops every program with \\fIfile\\fR:\\fIline\\fR.\n"
                ".SH PARAMETERS\n");
    for (const auto* p : tern::config::all_params()) {
        std::printf(".IP \\fB%s\\fR\n%s\n.br\nDefault: %s\n", std::string(p->name).c_str(),
                    escape(p->doc).c_str(),
                    p->default_value.empty() ? "(empty)" : escape(p->default_value).c_str());
    }
    std::printf(".SH SEE ALSO\npostconf(1), master(5), tern(1)\n");
    return 0;
}
