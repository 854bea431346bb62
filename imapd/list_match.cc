#include "imapd/list_match.h"

#include <string>
#include <vector>

#include "libmail/core/text.h"

namespace tern::imapd {

bool list_match(std::string_view pattern, std::string_view name) {
    // INBOX is case-insensitive (RFC 3501 5.1): compare it in upper case.
    std::string pat(pattern), nm(name);
    if (istarts_with(nm, "INBOX") && (nm.size() == 5 || nm[5] == '/')) {
        for (std::size_t i = 0; i < 5; ++i) nm[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(nm[i])));
        std::size_t k = 0;
        while (k < pat.size() && k < 5 && pat[k] != '*' && pat[k] != '%') ++k;
        if (k > 0 && iequals(std::string_view(pat).substr(0, k), std::string_view("INBOX").substr(0, k)))
            for (std::size_t i = 0; i < k; ++i)
                pat[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(pat[i])));
    }
    const std::size_t P = pat.size(), N = nm.size();
    // ok[j]: pattern prefix of length i matches name prefix of length j.
    std::vector<char> ok(N + 1, 0), next(N + 1, 0);
    ok[0] = 1;
    for (std::size_t i = 0; i < P; ++i) {
        const char c = pat[i];
        std::fill(next.begin(), next.end(), 0);
        if (c == '*' || c == '%') {
            for (std::size_t j = 0; j <= N; ++j) {
                if (!ok[j]) continue;
                next[j] = 1;
                for (std::size_t k = j; k < N; ++k) {
                    if (c == '%' && nm[k] == '/') break;
                    next[k + 1] = 1;
                }
            }
        } else {
            for (std::size_t j = 0; j < N; ++j)
                if (ok[j] && nm[j] == c) next[j + 1] = 1;
        }
        ok.swap(next);
    }
    return ok[N] != 0;
}

}  // namespace tern::imapd
