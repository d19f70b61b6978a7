#pragma once
// Helpers of the temperature sources' block loops. Internal.

#include "leadscore/temperature/policy.hpp"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace leadscore::detail {

// A rating packed in 32 bits (the layout std::bit_cast gives): the level's unit and mask, the streak's unit and mask,
// the reason's unit. Merging on packed values keeps the block loops free of branches.
inline constexpr std::uint32_t level_one = std::bit_cast<std::uint32_t>(rating{static_cast<temperature>(1), 0, 0});
inline constexpr std::uint32_t level_mask = std::bit_cast<std::uint32_t>(rating{static_cast<temperature>(0xFF), 0, 0});
inline constexpr std::uint32_t streak_one = std::bit_cast<std::uint32_t>(rating{temperature::cold, 1, 0});
inline constexpr std::uint32_t streak_mask = std::bit_cast<std::uint32_t>(rating{temperature::cold, -1, 0});
inline constexpr std::uint32_t reason_one = std::bit_cast<std::uint32_t>(rating{temperature::cold, 0, 1});

/// Writes a packed rating (see std::bit_cast<std::uint32_t>(rating)) without a per-element constructor call.
inline void store_rating(rating* out, std::size_t i, std::uint32_t packed) noexcept {
    std::memcpy(static_cast<void*>(out + i), &packed, sizeof packed);
}

/// Per-thread scratch space for block loops: a block pays no allocation or zero-fill once the thread's buffers have
/// grown. Buffers come from a per-thread stack and go back when the frame ends, so wrappers nested in wrappers (a
/// combination inside a hysteresis inside a combination) each get their own. Only for trivial types.
class scratch_frame {
public:
    scratch_frame() : mark_(top()) {}
    ~scratch_frame() { top() = mark_; }
    scratch_frame(const scratch_frame&) = delete;
    scratch_frame& operator=(const scratch_frame&) = delete;

    template <class T>
    [[nodiscard]] std::span<T> take(std::size_t n) {
        static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= alignof(std::max_align_t));
        auto& all = buffers();
        if (all.size() <= top()) all.resize(top() + 1);
        auto& b = all[top()++];
        if (b.size() < n * sizeof(T)) b.resize(n * sizeof(T));
        return std::span<T>(reinterpret_cast<T*>(b.data()), n);
    }

private:
    static std::vector<std::vector<std::byte>>& buffers() {
        thread_local std::vector<std::vector<std::byte>> b;
        return b;
    }
    static std::size_t& top() {
        thread_local std::size_t t = 0;
        return t;
    }
    std::size_t mark_;
};

} // namespace leadscore::detail
