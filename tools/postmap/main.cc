// postmap: builds hash:/btree: lookup tables from their text source and
// queries any table type, with Postfix's flags.
//   postmap [-c dir] [-r|-w] [type:]file ...  builds file.db (type default:
//                                            default_database_type = hash)
//   postmap [-c dir] -q key type:name ...     prints the value; exit 1 if absent
//   postmap [-c dir] -q - type:name ...       keys on stdin, "key<TAB>value" out
//   postmap [-c dir] -s type:name ...         prints every "key value"
// The .db is written under a temporary name and renamed into place, so a daemon
// never reads a half-built table (libmail/maps/table_build.h).
// SECURITY: run by an administrator on files the administrator controls; the
// new table keeps the source file's permissions.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "libmail/config/config.h"
#include "libmail/config/params_global.h"
#include "libmail/core/log.h"
#include "libmail/maps/map.h"
#include "libmail/maps/params_maps.h"
#include "libmail/maps/table_build.h"
#include "libmail/maps/table_text.h"

namespace {

using tern::maps::Duplicates;

int usage() {
    std::fprintf(stderr,
                 "usage: postmap [-c config_dir] [-r|-w] [type:]file ...\n"
                 "       postmap [-c config_dir] -q key|- type:name ...\n"
                 "       postmap [-c config_dir] -s type:name ...\n");
    return 2;
}

[[noreturn]] void fatal(const std::string& msg) {
    std::fprintf(stderr, "postmap: fatal: %s\n", msg.c_str());
    std::exit(1);
}

// default_database_type from main.cf; read by name so postmap works whether or
// not the parameter is registered yet (an unknown name is only a warning).
std::string default_type(const std::string& config_dir) {
    auto cfg = tern::config::Config::load(config_dir);
    if (!cfg) fatal(cfg.error().message);
    const std::string name(tern::config::kDefaultDatabaseType.name);
    if (cfg->is_set(name)) return cfg->get_by_name(name);
    return std::string(tern::config::kDefaultDatabaseType.default_value);
}

std::vector<tern::maps::MapPtr> open_all(const std::vector<std::string>& specs) {
    std::vector<tern::maps::MapPtr> maps;
    for (const std::string& spec : specs) {
        auto map = tern::maps::open_map(spec);
        if (!map) fatal(map.error().message);
        maps.push_back(std::move(*map));
    }
    return maps;
}

std::optional<std::string> query(std::vector<tern::maps::MapPtr>& maps, std::string_view key) {
    for (auto& m : maps) {
        auto value = m->lookup(key);
        if (!value) fatal(value.error().message);
        if (*value) return **value;
    }
    return std::nullopt;
}

// postmap -q -: one key per line on stdin; found keys are printed with their value.
int query_stdin(std::vector<tern::maps::MapPtr>& maps) {
    std::vector<char> buf(tern::maps::kMaxKeyBytes + 2);
    bool found = false;
    while (std::fgets(buf.data(), static_cast<int>(buf.size()), stdin)) {
        std::size_t n = std::strlen(buf.data());
        if (n > 0 && buf[n - 1] == '\n') {
            --n;
        } else if (!std::feof(stdin)) {
            fatal("standard input: key longer than " + std::to_string(tern::maps::kMaxKeyBytes) + " bytes");
        }
        const std::string key(buf.data(), n);
        if (auto v = query(maps, key)) {
            std::printf("%s\t%s\n", key.c_str(), v->c_str());
            found = true;
        }
    }
    return found ? 0 : 1;
}

void dump(const std::string& spec) {
    const auto colon = spec.find(':');
    const std::string type = spec.substr(0, colon);
    const std::string file = spec.substr(colon + 1);
    if (type == "texthash") {
        auto t = tern::maps::read_table_file(file, Duplicates::Ignore);
        if (!t) fatal(t.error().message);
        for (const auto& e : t->entries) std::printf("%s\t%s\n", e.key.c_str(), e.value.c_str());
        return;
    }
    if (type != "hash" && type != "btree") fatal("table " + spec + ": -s is not supported for type " + type);
    auto entries = tern::maps::dump_db_table(type, file);
    if (!entries) fatal(entries.error().message);
    for (const auto& [k, v] : *entries) std::printf("%s\t%s\n", k.c_str(), v.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    // Table warnings (texthash duplicates) go to stderr, the admin's terminal.
    tern::log::setup("postmap", tern::log::Sink::Stderr);
    std::string config_dir;
    std::optional<std::string> key;
    bool show_all = false;
    Duplicates dups = Duplicates::Warn;
    int opt;
    while ((opt = ::getopt(argc, argv, "c:q:srw")) != -1) {
        switch (opt) {
        case 'c': config_dir = optarg; break;
        case 'q': key = optarg; break;
        case 's': show_all = true; break;
        case 'r': dups = Duplicates::Replace; break;
        case 'w': dups = Duplicates::Ignore; break;
        default: return usage();
        }
    }
    if (optind >= argc || (key && show_all)) return usage();
    if (config_dir.empty()) {
        const char* env = std::getenv("MAIL_CONFIG");
        config_dir = env && *env ? env : std::string(tern::config::kConfigDirectory.default_value);
    }

    std::string dflt;  // main.cf is read only when a name lacks its type
    std::vector<std::string> specs;
    for (int i = optind; i < argc; ++i) {
        std::string s = argv[i];
        // "type:" is a prefix only when it comes before any '/': "./a:b" is a file.
        const auto colon = s.find(':');
        if (colon == std::string::npos || s.find('/') < colon) {
            if (dflt.empty()) dflt = default_type(config_dir);
            s = dflt + ":" + s;
        }
        specs.push_back(std::move(s));
    }

    if (key) {
        auto maps = open_all(specs);
        if (*key == "-") return query_stdin(maps);
        auto v = query(maps, *key);
        if (!v) return 1;
        std::printf("%s\n", v->c_str());
        return 0;
    }
    if (show_all) {
        for (const std::string& spec : specs) dump(spec);
        return 0;
    }
    for (const std::string& spec : specs) {
        const auto colon = spec.find(':');
        const std::string type = spec.substr(0, colon);
        const std::string file = spec.substr(colon + 1);
        if (type != "hash" && type != "btree")
            fatal("table " + spec + ": postmap builds only hash: and btree: tables");
        std::vector<std::string> warnings;
        auto r = tern::maps::build_db_table(type, file, &warnings, dups);
        for (const std::string& w : warnings) std::fprintf(stderr, "postmap: warning: %s\n", w.c_str());
        if (!r) fatal(r.error().message);
    }
    return 0;
}
