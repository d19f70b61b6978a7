#pragma once
// Dictionary encoding for categorical columns: each distinct text gets a dense int32 code.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// The code stored for a missing categorical value.
inline constexpr std::int32_t missing_code = -1;

/// Distinct strings in one contiguous buffer, codes in first-seen order, with an open-addressing hash index.
/// Memory per entry: the text, a 4-byte offset and 6 to 12 bytes of index (load factor 0.35 to 0.7).
class dictionary {
public:
    /// An empty dictionary.
    dictionary() = default;

    /// A dictionary of distinct texts in one step, for callers that make texts unique by construction (generated
    /// ids): entry i is text[offsets[i], offsets[i + 1]), so offsets starts at 0, never decreases and ends at
    /// text.size(). The index is built once, after the texts are in place, rather than looked up entry by entry;
    /// the result equals interning the entries in order. Throws definition_error for malformed offsets, more than
    /// 2^31 - 1 entries, or two equal texts ("entry 2 repeats entry 0").
    static dictionary from_distinct(std::string text, std::vector<std::uint32_t> offsets);

    /// The code of `text`, adding it when new.
    std::int32_t intern(std::string_view text);
    /// Makes room for `entries` entries holding `text_bytes` bytes of text in all, so filling them rehashes nothing.
    void reserve(std::size_t entries, std::size_t text_bytes = 0);
    /// The code of `text` (exact bytes), or nullopt when it is not in the dictionary; adds nothing.
    [[nodiscard]] std::optional<std::int32_t> find(std::string_view text) const noexcept;
    /// The text of a code; throws std::out_of_range for a code that is not in the dictionary. The view points into
    /// the dictionary's buffer: valid until the dictionary changes (intern, reserve, shrink_to_fit) or dies.
    [[nodiscard]] std::string_view operator[](std::int32_t code) const;
    /// Number of entries; codes run from 0 to size() - 1.
    [[nodiscard]] std::size_t size() const noexcept { return offsets_.size() - 1; }
    /// Whether no text has been interned.
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }

    /// Heap bytes held (capacity included).
    [[nodiscard]] std::size_t memory_bytes() const noexcept;
    /// The bytes plain arrays would need: the text plus one 4-byte offset per entry.
    [[nodiscard]] std::size_t raw_bytes() const noexcept;
    /// Gives back spare capacity of the text, offsets and index; codes are unchanged.
    void shrink_to_fit();

    /// Same entries in the same order.
    friend bool operator==(const dictionary& a, const dictionary& b) noexcept {
        return a.offsets_ == b.offsets_ && a.text_ == b.text_;
    }

private:
    void rehash(std::size_t slots);
    [[nodiscard]] std::string_view text_of(std::int32_t code) const noexcept {
        return std::string_view(text_).substr(offsets_[code], offsets_[code + 1] - offsets_[code]);
    }
    [[nodiscard]] std::size_t slot_of(std::string_view text, std::uint64_t hash) const noexcept;

    std::string text_;
    std::vector<std::uint32_t> offsets_{0}; // entry i is text_[offsets_[i], offsets_[i+1])
    std::vector<std::int32_t> slots_;        // power-of-two table of codes, -1 = empty
};

} // namespace leadscore
