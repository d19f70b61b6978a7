#include "leadscore/core/dictionary.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace leadscore {

namespace {
std::uint64_t load64(const char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}
std::uint64_t load32(const char* p) noexcept {
    std::uint32_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

// Eight bytes a step (the last step overlapping the one before, so every byte is read and no byte loop is needed),
// each mixed by a multiply, then a murmur finalizer so the low bits used for the slot are well mixed. The index is
// internal: codes do not depend on the hash, only how fast they are found.
std::uint64_t hash_text(std::string_view s) noexcept {
    constexpr std::uint64_t k = 0x9E3779B97F4A7C15ULL;
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t h = n * k;
    const auto mix = [&](std::uint64_t w) {
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    };
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8) mix(load64(p + i));
        mix(load64(p + n - 8));
    } else if (n >= 4) {
        mix(load32(p) | load32(p + n - 4) << 32);
    } else if (n > 0) {
        mix(static_cast<unsigned char>(p[0]) | static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
            static_cast<std::uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16);
    }
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}
} // namespace

std::size_t dictionary::slot_of(std::string_view text, std::uint64_t hash) const noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        const std::int32_t code = slots_[i];
        if (code < 0 || text_of(code) == text) return i;
    }
}

std::optional<std::int32_t> dictionary::find(std::string_view text) const noexcept {
    if (slots_.empty()) return std::nullopt;
    const std::int32_t code = slots_[slot_of(text, hash_text(text))];
    return code < 0 ? std::nullopt : std::optional<std::int32_t>(code);
}

std::int32_t dictionary::intern(std::string_view text) {
    // Keep the load factor at or below 0.7 so probes stay short.
    if ((size() + 1) * 10 > slots_.size() * 7) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    const std::size_t slot = slot_of(text, hash_text(text));
    if (slots_[slot] >= 0) return slots_[slot];
    if (size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) ||
        text_.size() + text.size() > std::numeric_limits<std::uint32_t>::max())
        throw error("dictionary: more distinct values or text than a column can hold");
    const auto code = static_cast<std::int32_t>(size());
    text_.append(text);
    offsets_.push_back(static_cast<std::uint32_t>(text_.size()));
    slots_[slot] = code;
    return code;
}

dictionary dictionary::from_distinct(std::string text, std::vector<std::uint32_t> offsets) {
    if (offsets.empty() || offsets.front() != 0 || offsets.back() != text.size() ||
        !std::is_sorted(offsets.begin(), offsets.end()))
        throw definition_error("dictionary: offsets must run from 0 to the text's size without decreasing");
    if (offsets.size() - 1 > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw definition_error("dictionary: more distinct values than a column can hold");
    dictionary d;
    d.text_ = std::move(text);
    d.offsets_ = std::move(offsets);
    std::size_t slots = 16;
    while (d.size() * 10 > slots * 7) slots *= 2;
    d.slots_.assign(slots, missing_code);
    const std::size_t mask = slots - 1;
    for (std::int32_t code = 0; code < static_cast<std::int32_t>(d.size()); ++code) {
        const std::string_view t = d.text_of(code);
        std::size_t i = hash_text(t) & mask;
        for (; d.slots_[i] >= 0; i = (i + 1) & mask)
            if (d.text_of(d.slots_[i]) == t)
                throw definition_error("dictionary: entry " + std::to_string(code) + " repeats entry " +
                                       std::to_string(d.slots_[i]));
        d.slots_[i] = code;
    }
    return d;
}

void dictionary::reserve(std::size_t entries, std::size_t text_bytes) {
    text_.reserve(text_bytes);
    offsets_.reserve(entries + 1);
    std::size_t want = slots_.empty() ? 16 : slots_.size();
    while (entries * 10 > want * 7) want *= 2;
    if (want > slots_.size()) rehash(want);
}

void dictionary::rehash(std::size_t slots) {
    slots_.assign(slots, missing_code);
    const std::size_t mask = slots - 1;
    for (std::int32_t code = 0; code < static_cast<std::int32_t>(size()); ++code) {
        std::size_t i = hash_text(text_of(code)) & mask;
        while (slots_[i] >= 0) i = (i + 1) & mask;
        slots_[i] = code;
    }
}

std::string_view dictionary::operator[](std::int32_t code) const {
    if (code < 0 || static_cast<std::size_t>(code) >= size())
        throw std::out_of_range("dictionary: code " + std::to_string(code) + " is not in the dictionary");
    return text_of(code);
}

std::size_t dictionary::memory_bytes() const noexcept {
    return text_.capacity() + offsets_.capacity() * sizeof(std::uint32_t) + slots_.capacity() * sizeof(std::int32_t);
}

std::size_t dictionary::raw_bytes() const noexcept { return text_.size() + size() * sizeof(std::uint32_t); }

void dictionary::shrink_to_fit() {
    text_.shrink_to_fit();
    offsets_.shrink_to_fit();
    // The index may shrink too: smallest power of two that keeps the load factor at or below 0.7.
    std::size_t want = 16;
    while (size() * 10 > want * 7) want *= 2;
    if (want < slots_.size()) rehash(want);
    slots_.shrink_to_fit();
}

} // namespace leadscore
