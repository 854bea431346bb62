#include "imapd/uid_set.h"

#include <algorithm>

namespace tern::imapd {

std::string format_uid_set(const std::vector<std::uint32_t>& numbers) {
    std::string out;
    for (std::size_t i = 0; i < numbers.size();) {
        std::size_t j = i;
        while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
        if (!out.empty()) out += ',';
        out += std::to_string(numbers[i]);
        if (j > i) out += ':' + std::to_string(numbers[j]);
        i = j + 1;
    }
    return out;
}

std::string absent_uids(const SequenceSet& set, const std::vector<std::uint32_t>& present, std::uint32_t max_uid) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
    for (const auto& r : set) {
        std::uint32_t lo = r.lo == 0 ? max_uid : r.lo, hi = r.hi == 0 ? max_uid : r.hi;
        if (lo > hi) std::swap(lo, hi);
        hi = std::min(hi, max_uid);
        if (lo == 0 || lo > hi) continue;
        ranges.emplace_back(lo, hi);
    }
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> merged;
    for (const auto& r : ranges) {
        if (!merged.empty() && r.first <= merged.back().second + 1ULL)
            merged.back().second = std::max(merged.back().second, r.second);
        else
            merged.push_back(r);
    }
    std::string out;
    auto emit = [&](std::uint32_t lo, std::uint32_t hi) {
        if (!out.empty()) out += ',';
        out += std::to_string(lo);
        if (hi > lo) out += ':' + std::to_string(hi);
    };
    for (const auto& [lo, hi] : merged) {
        std::uint64_t next = lo;  // the first UID not yet accounted for
        for (auto it = std::lower_bound(present.begin(), present.end(), lo); it != present.end() && *it <= hi; ++it) {
            if (*it > next) emit(static_cast<std::uint32_t>(next), *it - 1);
            next = *it + 1ULL;
        }
        if (next <= hi) emit(static_cast<std::uint32_t>(next), hi);
    }
    return out;
}

}  // namespace tern::imapd
