// hash:/path and btree:/path — Berkeley DB 5.3 files path.db built by postmap
// (table_build.h), opened read-only. Keys are lower-cased, and stored with a
// trailing NUL as Postfix stores them on Linux; a key without the NUL is
// tried too so that tables built by other tools still answer.
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <db.h>

#include "libmail/core/file_io.h"
#include "libmail/core/log.h"
#include "libmail/core/text.h"
#include "libmail/core/unique_fd.h"
#include "libmail/maps/file_watch.h"
#include "libmail/maps/map_types.h"
#include "libmail/maps/table_build.h"
#include "libmail/maps/table_text.h"

namespace tern::maps {

namespace {

struct DbClose {
    void operator()(DB* db) const noexcept { db->close(db, 0); }
};
using DbPtr = std::unique_ptr<DB, DbClose>;

DBTYPE db_type(const std::string& type) { return type == "btree" ? DB_BTREE : DB_HASH; }

Error db_error(const std::string& what, const std::string& path, int ret) {
    return Error(ret > 0 ? ret : 0, what + " " + path + ": " + db_strerror(ret));
}

Result<DbPtr> open_db(const std::string& type, const std::string& path, u_int32_t flags, int mode) {
    DB* raw = nullptr;
    if (int ret = db_create(&raw, nullptr, 0); ret != 0) return db_error("create database", path, ret);
    DbPtr db(raw);
    if (int ret = db->open(db.get(), nullptr, path.c_str(), nullptr, db_type(type), flags, mode); ret != 0)
        return db_error("open database", path, ret);
    // A daemon that later runs a command must not hand it the table.
    if (int fd = -1; db->fd(db.get(), &fd) == 0 && fd >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    return db;
}

class BdbMap final : public Map {
public:
    BdbMap(std::string spec, std::string type, std::string db_path, DbPtr db, FileWatch watch)
        : spec_(std::move(spec)), type_(std::move(type)), db_path_(std::move(db_path)),
          db_(std::move(db)), watch_(std::move(watch)) {}

    Result<std::optional<std::string>> lookup(std::string_view key) override {
        if (watch_.changed()) {
            auto db = open_db(type_, db_path_, DB_RDONLY, 0);
            if (db)
                db_ = std::move(*db);
            else
                log::warning("table %s: reopen failed, keeping the previous version: %s",
                             spec_.c_str(), db.error().message.c_str());
        }
        if (key.size() > kMaxKeyBytes) return std::optional<std::string>{};
        std::string k = to_lower(key);
        k.push_back('\0');
        for (int with_nul = 1; with_nul >= 0; --with_nul) {
            DBT dk{}, dv{};
            dk.data = k.data();
            dk.size = static_cast<u_int32_t>(k.size() - (with_nul ? 0 : 1));
            const int ret = db_->get(db_.get(), nullptr, &dk, &dv, 0);
            if (ret == DB_NOTFOUND) continue;
            if (ret != 0) return db_error("read database", db_path_, ret);
            std::size_t n = dv.size;
            if (n > kMaxValueBytes + 1)
                return Error("table " + spec_ + ": value too long for key \"" + printable(key) + "\"");
            const char* p = static_cast<const char*>(dv.data);
            if (n > 0 && p[n - 1] == '\0') --n;
            return std::optional<std::string>(std::string(p, n));
        }
        return std::optional<std::string>{};
    }
    const std::string& spec() const override { return spec_; }

private:
    std::string spec_;
    std::string type_;
    std::string db_path_;
    DbPtr db_;
    FileWatch watch_;
};

}  // namespace

namespace detail {

Result<MapPtr> open_bdb_map(const std::string& spec, const std::string& type, const std::string& path) {
    const std::string db_path = path + ".db";
    FileWatch watch(db_path);
    watch.remember();
    auto db = open_db(type, db_path, DB_RDONLY, 0);
    if (!db) return db.error();
    return MapPtr(new BdbMap(spec, type, db_path, std::move(*db), std::move(watch)));
}

}  // namespace detail

Result<void> build_db_table(const std::string& type, const std::string& source_path,
                            std::vector<std::string>* warnings, Duplicates dups) {
    if (type != "hash" && type != "btree")
        return Error("unsupported database type for postmap: " + type);
    struct stat src {};
    if (::stat(source_path.c_str(), &src) != 0) return sys_error("stat", source_path);
    auto text = read_table_file(source_path, dups);
    if (!text) return text.error();
    if (warnings)
        warnings->insert(warnings->end(), text->warnings.begin(), text->warnings.end());

    const std::string db_path = source_path + ".db";
    const std::string tmp_path = db_path + "." + std::to_string(::getpid()) + ".tmp";
    ::unlink(tmp_path.c_str());
    struct TmpGuard {
        const std::string& p;
        bool keep = false;
        ~TmpGuard() { if (!keep) ::unlink(p.c_str()); }
    } guard{tmp_path};
    {
        auto db = open_db(type, tmp_path, DB_CREATE | DB_EXCL, static_cast<int>(src.st_mode & 0666));
        if (!db) return db.error();
        for (const TableEntry& e : text->entries) {
            DBT dk{}, dv{};
            std::string k = e.key, v = e.value;
            k.push_back('\0');
            v.push_back('\0');
            dk.data = k.data();
            dk.size = static_cast<u_int32_t>(k.size());
            dv.data = v.data();
            dv.size = static_cast<u_int32_t>(v.size());
            if (int ret = (*db)->put(db->get(), nullptr, &dk, &dv, DB_NOOVERWRITE); ret != 0)
                return db_error("write database", tmp_path, ret);
        }
        DB* raw = db->release();
        if (int ret = raw->close(raw, 0); ret != 0) return db_error("close database", tmp_path, ret);
    }
    UniqueFd fd(::open(tmp_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error("open", tmp_path);
    // umask may have narrowed the mode; the table must be as readable as its source.
    if (::fchmod(fd.get(), src.st_mode & 0666) != 0) return sys_error("chmod", tmp_path);
    if (::geteuid() == 0 && ::fchown(fd.get(), src.st_uid, src.st_gid) != 0)
        return sys_error("chown", tmp_path);
    if (::fsync(fd.get()) != 0) return sys_error("fsync", tmp_path);
    fd.reset();
    if (::rename(tmp_path.c_str(), db_path.c_str()) != 0) return sys_error("rename", db_path);
    guard.keep = true;
    return fsync_dir(dir_of(db_path));
}

Result<std::vector<std::pair<std::string, std::string>>> dump_db_table(const std::string& type,
                                                                       const std::string& source_path) {
    if (type != "hash" && type != "btree") return Error("unsupported database type: " + type);
    const std::string db_path = source_path + ".db";
    auto db = open_db(type, db_path, DB_RDONLY, 0);
    if (!db) return db.error();
    DBC* raw = nullptr;
    if (int ret = (*db)->cursor(db->get(), nullptr, &raw, 0); ret != 0)
        return db_error("read database", db_path, ret);
    struct CursorClose {
        DBC* c;
        ~CursorClose() { c->close(c); }
    } cursor{raw};
    auto strip = [](const DBT& d) {
        std::size_t n = d.size;
        const char* p = static_cast<const char*>(d.data);
        if (n > 0 && p[n - 1] == '\0') --n;
        return std::string(p, n);
    };
    std::vector<std::pair<std::string, std::string>> out;
    for (;;) {
        DBT dk{}, dv{};
        const int ret = raw->get(raw, &dk, &dv, DB_NEXT);
        if (ret == DB_NOTFOUND) break;
        if (ret != 0) return db_error("read database", db_path, ret);
        if (dk.size > kMaxKeyBytes + 1 || dv.size > kMaxValueBytes + 1)
            return Error("read database " + db_path + ": entry too long");
        out.emplace_back(strip(dk), strip(dv));
    }
    return out;
}

}  // namespace tern::maps
