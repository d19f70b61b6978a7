#include "leadscore/core/dictionary.hpp"

#include "leadscore/core/error.hpp"

#include <limits>
#include <stdexcept>

namespace leadscore {

namespace {
// FNV-1a, then a murmur finalizer so the low bits used for the slot are well mixed.
std::uint64_t hash_text(std::string_view s) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
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
