#include "leadscore/core/progress.hpp"

#include <string>

namespace leadscore::detail {

void report_progress(const progress_callback& progress, std::uint64_t done, std::uint64_t total, std::string_view what) {
    if (!progress) return;
    if (progress(done, total) == progress_action::cancel) throw cancelled_error(std::string(what) + ": cancelled");
}

progress_callback progress_part(const progress_callback& parent, std::size_t index, std::size_t parts) {
    if (!parent) return {};
    // The part's units are scaled to a fixed resolution so parts of different totals add up in one unit.
    constexpr std::uint64_t unit = std::uint64_t{1} << 20;
    return [parent, index, parts](std::uint64_t done, std::uint64_t total) {
        const auto within = total == 0 || done >= total
                                ? unit
                                : static_cast<std::uint64_t>(static_cast<double>(done) / static_cast<double>(total) *
                                                             static_cast<double>(unit));
        return parent(index * unit + within, parts * unit);
    };
}

} // namespace leadscore::detail
