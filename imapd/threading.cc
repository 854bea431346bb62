#include "imapd/threading.h"

#include <algorithm>
#include <unordered_map>

namespace tern::imapd {

namespace {

// Working containers of the REFERENCES algorithm, linked by index.
struct Container {
    long message = -1;  // index into messages, or -1 for a dummy
    long parent = -1;
    std::vector<long> children;
};

class Linker {
public:
    explicit Linker(const std::vector<SortMessage>& messages) : messages_(messages) {}

    std::vector<ThreadNode> run() {
        for (std::size_t i = 0; i < messages_.size(); ++i) link_message(static_cast<long>(i));
        // (2) the root set; (3) the id table is no longer needed.
        std::vector<ThreadNode> roots;
        for (std::size_t c = 0; c < c_.size(); ++c)
            if (c_[c].parent < 0) roots.push_back(build(static_cast<long>(c), 0));
        ids_.clear();
        return roots;
    }

private:
    long container_for_id(const std::string& id) {
        auto [it, fresh] = ids_.try_emplace(id, static_cast<long>(c_.size()));
        if (fresh) c_.emplace_back();
        return it->second;
    }

    long depth(long c) const {  // bounded: stops counting past the limit
        long d = 0;
        for (long p = c_[static_cast<std::size_t>(c)].parent; p >= 0 && d <= static_cast<long>(kMaxThreadDepth);
             p = c_[static_cast<std::size_t>(p)].parent)
            ++d;
        return d;
    }
    bool is_ancestor(long a, long c) const {  // a is c or above it
        std::size_t steps = 0;
        for (long p = c; p >= 0 && steps <= kMaxThreadDepth + 1; p = c_[static_cast<std::size_t>(p)].parent, ++steps)
            if (p == a) return true;
        return steps > kMaxThreadDepth + 1;  // too deep to tell: treat as a loop
    }
    void unlink(long child) {
        auto& ch = c_[static_cast<std::size_t>(child)];
        if (ch.parent < 0) return;
        auto& siblings = c_[static_cast<std::size_t>(ch.parent)].children;
        siblings.erase(std::find(siblings.begin(), siblings.end(), child));
        ch.parent = -1;
    }
    // Links child under parent unless that makes a loop or too deep a tree.
    bool link(long parent, long child) {
        if (is_ancestor(child, parent)) return false;
        if (depth(parent) + 1 + height(child, 0) > static_cast<long>(kMaxThreadDepth)) return false;
        unlink(child);
        c_[static_cast<std::size_t>(child)].parent = parent;
        c_[static_cast<std::size_t>(parent)].children.push_back(child);
        return true;
    }
    long height(long c, long level) const {  // bounded like depth()
        if (level > static_cast<long>(kMaxThreadDepth)) return level;
        long h = 0;
        for (long k : c_[static_cast<std::size_t>(c)].children) h = std::max(h, 1 + height(k, level + 1));
        return h;
    }

    // RFC 5256 3, REFERENCES (1).
    void link_message(long m) {
        const auto& msg = messages_[static_cast<std::size_t>(m)];
        long self;
        // A missing or duplicate Message-ID gets a container of its own.
        auto it = msg.message_id.empty() ? ids_.end() : ids_.find(msg.message_id);
        if (!msg.message_id.empty() && (it == ids_.end() || c_[static_cast<std::size_t>(it->second)].message < 0)) {
            self = container_for_id(msg.message_id);
        } else {
            self = static_cast<long>(c_.size());
            c_.emplace_back();
        }
        c_[static_cast<std::size_t>(self)].message = m;
        // (1.A) link the references in order, keeping links made earlier.
        long prev = -1;
        for (const auto& ref : msg.references) {
            const long cur = container_for_id(ref);
            if (prev >= 0 && cur != prev && c_[static_cast<std::size_t>(cur)].parent < 0) link(prev, cur);
            prev = cur;
        }
        // (1.B) the last reference is the parent; what the message says wins
        // over what other messages' References guessed.
        if (prev >= 0 && prev != self) {
            if (c_[static_cast<std::size_t>(self)].parent != prev) {
                const long old = c_[static_cast<std::size_t>(self)].parent;
                unlink(self);
                if (!link(prev, self) && old >= 0) link(old, self);
            }
        } else {
            unlink(self);
        }
    }

    ThreadNode build(long c, std::size_t level) const {
        ThreadNode n;
        n.message = c_[static_cast<std::size_t>(c)].message;
        if (level > kMaxThreadDepth + 1) return n;  // unreachable: link() keeps trees shallower
        for (long k : c_[static_cast<std::size_t>(c)].children) n.children.push_back(build(k, level + 1));
        return n;
    }

    const std::vector<SortMessage>& messages_;
    std::vector<Container> c_;
    std::unordered_map<std::string, long> ids_;
};

class Threader {
public:
    explicit Threader(const std::vector<SortMessage>& m) : m_(m) {}

    // The message that dates a node: itself, or a dummy's first child.
    const SortMessage* dating(const ThreadNode& n) const {
        const ThreadNode* p = &n;
        while (p->message < 0 && !p->children.empty()) p = &p->children.front();
        return p->message < 0 ? nullptr : &m_[static_cast<std::size_t>(p->message)];
    }
    bool earlier(const ThreadNode& a, const ThreadNode& b) const {
        const auto *x = dating(a), *y = dating(b);
        if (!x || !y) return x != nullptr;
        return sent_before(*x, *y);
    }
    void sort_siblings(std::vector<ThreadNode>& v) const {
        std::stable_sort(v.begin(), v.end(), [&](const ThreadNode& a, const ThreadNode& b) { return earlier(a, b); });
    }
    // (7) children first, so a dummy is dated by its sorted first child.
    void sort_tree(std::vector<ThreadNode>& v) const {
        for (auto& n : v) sort_tree(n.children);
        sort_siblings(v);
    }

    // (4) dummies: none without children; promote children, but at the root
    // only a single child.
    void prune(std::vector<ThreadNode>& v, bool root) const {
        std::vector<ThreadNode> out;
        for (auto& n : v) {
            prune(n.children, false);
            if (n.message >= 0) {
                out.push_back(std::move(n));
            } else if (n.children.empty()) {
                continue;
            } else if (!root || n.children.size() == 1) {
                for (auto& k : n.children) out.push_back(std::move(k));
            } else {
                out.push_back(std::move(n));
            }
        }
        v = std::move(out);
    }

    // The base subject of a root: its own, or a dummy's first child's.
    const std::string* subject_of(const ThreadNode& n) const {
        const SortMessage* m = dating(n);
        return m && !m->subject.empty() ? &m->subject : nullptr;
    }

    // (6) roots with the same base subject are merged.
    void group_by_subject(std::vector<ThreadNode>& roots) const {
        std::unordered_map<std::string, std::size_t> table;  // subject -> index in roots
        for (std::size_t i = 0; i < roots.size(); ++i) {
            const std::string* s = subject_of(roots[i]);
            if (!s) continue;
            auto [it, fresh] = table.try_emplace(*s, i);
            if (fresh) continue;
            const auto& old = roots[it->second];
            if (old.message >= 0 && (roots[i].message < 0 || (is_reply(old) && !is_reply(roots[i]))))
                it->second = i;
        }
        std::vector<bool> gone(roots.size(), false);
        for (std::size_t i = 0; i < roots.size(); ++i) {
            const std::string* s = subject_of(roots[i]);
            if (!s) continue;
            const std::size_t t = table.at(*s);
            if (t == i) continue;
            ThreadNode& cur = roots[i];
            ThreadNode& dst = roots[t];
            if (dst.message < 0 && cur.message < 0) {
                for (auto& k : cur.children) dst.children.push_back(std::move(k));
            } else if (dst.message < 0 || (is_reply(cur) && !is_reply(dst))) {
                dst.children.push_back(std::move(cur));
            } else if (cur.message < 0) {
                // Unreachable: the table holds a dummy whenever a root with
                // this subject is one. Kept total: the dummy takes dst in.
                cur.children.push_back(std::move(dst));
                dst = std::move(cur);
            } else {
                ThreadNode dummy;
                dummy.children.push_back(std::move(dst));
                dummy.children.push_back(std::move(cur));
                dst = std::move(dummy);
            }
            gone[i] = true;
        }
        std::vector<ThreadNode> out;
        for (std::size_t i = 0; i < roots.size(); ++i)
            if (!gone[i]) out.push_back(std::move(roots[i]));
        roots = std::move(out);
    }

    bool is_reply(const ThreadNode& n) const {
        return n.message >= 0 && m_[static_cast<std::size_t>(n.message)].subject_is_reply;
    }

    std::vector<ThreadNode> references() const {
        auto roots = Linker(m_).run();
        prune(roots, true);
        // (5) the roots by sent date (a dummy by its earliest child).
        for (auto& r : roots)
            if (r.message < 0) sort_siblings(r.children);
        sort_siblings(roots);
        group_by_subject(roots);
        sort_tree(roots);
        return roots;
    }

    // RFC 5256 3, ORDEREDSUBJECT: by base subject, then sent date; the
    // first of each subject is the parent of the others.
    std::vector<ThreadNode> ordered_subject() const {
        std::vector<long> order(m_.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<long>(i);
        std::stable_sort(order.begin(), order.end(), [&](long a, long b) {
            const auto &x = m_[static_cast<std::size_t>(a)], &y = m_[static_cast<std::size_t>(b)];
            return x.subject != y.subject ? x.subject < y.subject : sent_before(x, y);
        });
        std::vector<ThreadNode> roots;
        const std::string* subject = nullptr;
        for (long i : order) {
            const auto& s = m_[static_cast<std::size_t>(i)].subject;
            if (subject && *subject == s) {
                roots.back().children.push_back(ThreadNode{i, {}});
            } else {
                roots.push_back(ThreadNode{i, {}});
                subject = &s;
            }
        }
        sort_siblings(roots);
        return roots;
    }

private:
    const std::vector<SortMessage>& m_;
};

void format_node(const ThreadNode& n, const std::vector<SortMessage>& m, bool uid, std::string& out) {
    if (n.message >= 0) {
        const auto& msg = m[static_cast<std::size_t>(n.message)];
        out += std::to_string(uid ? msg.uid : msg.seq);
    }
    if (n.children.size() == 1 && n.message >= 0) {
        out += ' ';
        format_node(n.children.front(), m, uid, out);
        return;
    }
    if (!n.children.empty() && n.message >= 0) out += ' ';
    for (const auto& k : n.children) {
        out += '(';
        format_node(k, m, uid, out);
        out += ')';
    }
}

}  // namespace

std::vector<ThreadNode> thread_messages(ThreadAlgorithm algorithm, const std::vector<SortMessage>& messages) {
    Threader t(messages);
    switch (algorithm) {
    case ThreadAlgorithm::OrderedSubject: return t.ordered_subject();
    case ThreadAlgorithm::References: return t.references();
    }
    return {};
}

std::string format_threads(const std::vector<ThreadNode>& threads, const std::vector<SortMessage>& messages,
                           bool uid) {
    std::string out;
    for (const auto& t : threads) {
        out += '(';
        format_node(t, messages, uid, out);
        out += ')';
    }
    return out;
}

}  // namespace tern::imapd
