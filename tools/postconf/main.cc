// postconf: print and edit main.cf the way Postfix's postconf does.
//   postconf [-c dir] [-n | -d] [-h] [name ...]
//   postconf [-c dir] -e name=value ...      edit main.cf in place
//   postconf [-c dir] -X name ...            remove parameters
//   postconf [-c dir] -M                     print master.cf entries
// Values print as set (unexpanded), like Postfix. Edits keep every comment
// and other line, and replace the file atomically.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "libmail/config/config.h"
#include "libmail/config/master_cf.h"
#include "libmail/config/params_global.h"
#include "libmail/core/file_io.h"
#include "libmail/core/text.h"

using namespace tern;

namespace {

struct Options {
    std::string config_dir;
    bool non_default = false, defaults = false, values_only = false, edit = false, remove = false, master = false;
    std::vector<std::string> names;
};

[[noreturn]] void fatal(const std::string& msg) {
    std::fprintf(stderr, "postconf: fatal: %s\n", msg.c_str());
    std::exit(1);
}

void print_param(const Options& o, const std::string& name, const std::string& value) {
    if (o.values_only) std::printf("%s\n", value.c_str());
    else if (value.empty()) std::printf("%s =\n", name.c_str());
    else std::printf("%s = %s\n", name.c_str(), value.c_str());
}

// The lines of main.cf that belong to one entry: its first line and continuations.
std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        lines.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return lines;
}

std::string entry_name(const std::string& line) {
    if (line.empty() || line[0] == ' ' || line[0] == '\t' || line[0] == '#') return {};
    const auto eq = line.find('=');
    return eq == std::string::npos ? std::string{} : std::string(trim(std::string_view(line).substr(0, eq)));
}

void edit_main_cf(const Options& o) {
    const std::string path = o.config_dir + "/main.cf";
    std::string text;
    if (::access(path.c_str(), F_OK) == 0) {  // a missing main.cf is created; an unreadable one is an error
        auto r = read_file(path, config::kMaxMainCfBytes);
        if (!r) fatal(r.error().message);
        text = std::move(*r);
    }
    std::map<std::string, std::string> updates;  // name -> new value ("" with -X means remove)
    std::vector<std::string> order;
    for (const auto& arg : o.names) {
        if (o.remove) {
            updates[arg] = {};
            continue;
        }
        const auto eq = arg.find('=');
        if (eq == std::string::npos || eq == 0) fatal("-e needs name=value, not \"" + arg + "\"");
        const std::string name(trim(std::string_view(arg).substr(0, eq)));
        const std::string value(trim(std::string_view(arg).substr(eq + 1)));
        if (!updates.count(name)) order.push_back(name);
        updates[name] = value;
    }
    std::string out;
    std::vector<std::string> done;
    const auto lines = split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string name = entry_name(lines[i]);
        auto it = updates.find(name);
        if (name.empty() || it == updates.end()) {
            out += lines[i] + "\n";
            continue;
        }
        // Skip the entry's continuation lines (not comments or blank lines).
        while (i + 1 < lines.size() && !lines[i + 1].empty() && (lines[i + 1][0] == ' ' || lines[i + 1][0] == '\t') &&
               !trim(lines[i + 1]).empty() && trim(lines[i + 1])[0] != '#')
            ++i;
        if (std::find(done.begin(), done.end(), name) != done.end()) continue;  // a duplicate entry
        done.push_back(name);
        if (!o.remove) out += name + " = " + it->second + "\n";
    }
    for (const auto& name : order)
        if (std::find(done.begin(), done.end(), name) == done.end()) out += name + " = " + updates[name] + "\n";
    // Refuse to write a file that would not load.
    auto check = config::Config::from_text(out, path, o.config_dir);
    if (!check) fatal(check.error().message);
    if (auto r = write_file_atomic(path, out, 0644); !r) fatal(r.error().message);
}

// Postfix's postconf -M: each service on one line, fields as written ("-"
// kept), continuation lines joined, columns padded as Postfix pads them.
// Names select services: "smtp" or "smtp/inet".
void print_master(const Options& o) {
    const std::string path = o.config_dir + "/master.cf";
    auto text = read_file(path, config::kMaxMasterCfBytes);
    if (!text) fatal(text.error().message);
    auto entries = config::parse_master_cf(*text, path);  // validates; fields come from the text below
    if (!entries) fatal(entries.error().message);
    std::vector<std::string> logical;
    for (const auto& line : split_lines(*text)) {
        const std::string_view body = trim(line);
        if (body.empty() || body[0] == '#') continue;
        if ((line[0] == ' ' || line[0] == '\t') && !logical.empty()) logical.back() += " " + std::string(body);
        else logical.emplace_back(body);
    }
    for (const auto& l : logical) {
        const auto f = split_any(l, " \t");
        if (f.size() < 8) continue;  // cannot happen after parse_master_cf
        if (!o.names.empty()) {
            const std::string svc(f[0]), svc_type = std::string(f[0]) + "/" + std::string(f[1]);
            if (std::find(o.names.begin(), o.names.end(), svc) == o.names.end() &&
                std::find(o.names.begin(), o.names.end(), svc_type) == o.names.end())
                continue;
        }
        // Postfix's widths: service 10, type 5, the five flag columns 7; longer fields push on.
        static constexpr std::size_t kWidths[] = {10, 5, 7, 7, 7, 7, 7};
        std::string out;
        for (std::size_t i = 0; i < f.size(); ++i) {
            if (i) out += ' ';
            out += f[i];
            if (i < std::size(kWidths) && f[i].size() < kWidths[i]) out.append(kWidths[i] - f[i].size(), ' ');
        }
        std::printf("%s\n", out.c_str());
    }
}

void print_params(const Options& o) {
    auto cfg = config::Config::load(o.config_dir);
    if (!cfg) fatal(cfg.error().message);
    for (const auto& w : cfg->warnings()) std::fprintf(stderr, "postconf: warning: %s\n", w.c_str());
    auto value_of = [&](const std::string& name) -> std::optional<std::string> {
        const config::ParamSpec* p = config::find_param(name);
        if (o.defaults) {
            if (!p) return std::nullopt;
            return config::default_value(*p);  // from the system, not from main.cf's myhostname
        }
        if (const std::string* raw = cfg->raw_setting(name)) return *raw;
        if (o.non_default || !p) return std::nullopt;
        return config::default_value(*p, &*cfg);
    };
    if (!o.names.empty()) {  // an unknown name is a warning, exit status 0, as in Postfix
        for (const auto& n : o.names) {
            auto v = value_of(n);
            if (!v) {
                if (!config::find_param(n) && !cfg->is_set(n)) {
                    std::fprintf(stderr, "postconf: warning: %s: unknown parameter\n", n.c_str());
                }
                continue;
            }
            print_param(o, n, *v);
        }
        return;
    }
    std::vector<std::string> names;
    for (const auto* p : config::all_params()) names.emplace_back(p->name);
    if (!o.defaults)
        for (const auto& e : cfg->entries()) names.push_back(e.name);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (const auto& n : names)
        if (auto v = value_of(n)) print_param(o, n, *v);
}

}  // namespace

int main(int argc, char** argv) try {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-c" && i + 1 < argc) o.config_dir = argv[++i];
        else if (a == "-n") o.non_default = true;
        else if (a == "-d") o.defaults = true;
        else if (a == "-h") o.values_only = true;
        else if (a == "-e") o.edit = true;
        else if (a == "-X") o.remove = true;
        else if (a == "-M") o.master = true;
        else if (!a.empty() && a[0] == '-') fatal("unknown option " + a + " (usage: postconf [-c dir] [-n|-d] [-h] [-e|-X] [-M] [name...])");
        else o.names.push_back(a);
    }
    if (o.config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        o.config_dir = env && *env ? env : std::string(config::kConfigDirectory.default_value);
    }
    // Postfix: "postconf name=value" edits too.
    if (!o.edit && !o.remove && !o.names.empty() && o.names[0].find('=') != std::string::npos) o.edit = true;
    if (o.edit || o.remove) edit_main_cf(o);
    else if (o.master) print_master(o);
    else print_params(o);
    return 0;
} catch (const std::exception& e) {
    fatal(e.what());
}
