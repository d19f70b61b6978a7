#include "leadscore/qualification/stage_map.hpp"

#include "../core/messages.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <array>

namespace leadscore {

namespace {

constexpr std::array<std::string_view, lifecycle_count> class_names{"suspect", "lead",    "mql",   "sql",
                                                                     "rejected", "nurture", "beyond"};
constexpr std::size_t mapped_classes = 6; // suspect .. nurture

} // namespace

std::string_view to_string(lifecycle c) noexcept {
    const auto i = static_cast<std::size_t>(c);
    return i < class_names.size() ? class_names[i] : "?";
}

std::optional<lifecycle> parse_lifecycle(std::string_view s) noexcept {
    try {
        const auto key = normalize_name(s);
        for (std::size_t i = 0; i < class_names.size(); ++i)
            if (class_names[i] == key) return static_cast<lifecycle>(i);
    } catch (...) { // an allocation failure reads as "not a class"
    }
    return std::nullopt;
}

stage_map stage_map::by_kind_and_order(funnel f) {
    const auto open = f.open_stages();
    if (open.size() < 4)
        throw definition_error("stage map: cannot map the lifecycle onto the funnel [" + detail::stage_list(f, true) +
                               "] by kind and order: it has " + std::to_string(open.size()) +
                               " open stage(s) and 4 are needed (suspect, lead, mql, sql); give the stages by name");
    const auto rejected = f.first_of(stage_kind::rejected), nurture = f.first_of(stage_kind::nurture);
    for (const auto& [found, kind] : {std::pair{rejected, "rejected"}, std::pair{nurture, "nurture"}})
        if (!found)
            throw definition_error("stage map: cannot map the lifecycle onto the funnel [" + detail::stage_list(f, true) +
                                   "] by kind and order: it has no stage of kind " + kind + "; give the stages by name");
    std::vector<std::size_t> of{open[0], open[1], open[2], open[3], *rejected, *nurture};
    return stage_map(std::make_shared<const funnel>(std::move(f)), std::move(of));
}

stage_map::stage_map(funnel f, const std::vector<std::pair<lifecycle, std::string>>& names) {
    std::vector<std::size_t> of(mapped_classes, f.size());
    for (const auto& [c, name] : names) {
        const auto i = static_cast<std::size_t>(c);
        if (i >= mapped_classes)
            throw definition_error("stage map: class '" + std::string(to_string(c)) +
                                   "' cannot be mapped (only suspect, lead, mql, sql, rejected and nurture)");
        if (of[i] != f.size())
            throw definition_error("stage map: class '" + std::string(to_string(c)) + "' is mapped twice");
        const auto stage = f.find(name);
        if (!stage)
            throw definition_error("stage map: class '" + std::string(to_string(c)) + "' maps to '" + name +
                                   "', which is not a stage of the funnel [" + detail::stage_list(f, true) + "]");
        of[i] = *stage;
    }
    for (std::size_t i = 0; i < mapped_classes; ++i)
        if (of[i] == f.size())
            throw definition_error("stage map: class '" + std::string(class_names[i]) +
                                   "' is not mapped (every class from suspect to nurture needs a stage)");
    std::optional<std::size_t> last_rank;
    for (std::size_t i = 0; i < 4; ++i) {
        const auto rank = f.open_rank(of[i]);
        if (!rank)
            throw definition_error("stage map: class '" + std::string(class_names[i]) + "' maps to '" + f[of[i]].name +
                                   "', a stage of kind " + std::string(to_string(f[of[i]].kind)) +
                                   " (suspect, lead, mql and sql need open stages)");
        if (last_rank && *rank < *last_rank)
            throw definition_error("stage map: class '" + std::string(class_names[i]) + "' maps to '" + f[of[i]].name +
                                   "', which comes before '" + f[of[i - 1]].name + "' of class '" +
                                   std::string(class_names[i - 1]) + "' in the funnel (the classes follow its order)");
        last_rank = rank;
    }
    for (std::size_t i = 4; i < mapped_classes; ++i) {
        const auto kind = f[of[i]].kind;
        if (kind != stage_kind::rejected && kind != stage_kind::nurture && kind != stage_kind::lost)
            throw definition_error("stage map: class '" + std::string(class_names[i]) + "' maps to '" + f[of[i]].name +
                                   "', a stage of kind " + std::string(to_string(kind)) +
                                   " (rejected and nurture need a stage of kind rejected, nurture or lost)");
    }
    *this = stage_map(std::make_shared<const funnel>(std::move(f)), std::move(of));
}

stage_map::stage_map(std::shared_ptr<const funnel> f, std::vector<std::size_t> stage_of)
    : funnel_(std::move(f)), stage_of_(std::move(stage_of)) {
    const funnel& fn = *funnel_;
    class_of_.assign(fn.size(), lifecycle::beyond);
    // Side classes first, then open classes in order, so that a shared stage takes the later class.
    for (std::size_t i = 4; i < mapped_classes; ++i) class_of_[stage_of_[i]] = static_cast<lifecycle>(i);
    const std::size_t sql_rank = *fn.open_rank(stage_of_[3]);
    const auto open = fn.open_stages();
    for (std::size_t r = 0; r <= sql_rank; ++r) {
        // The class of the last mapped open stage at or before rank r (suspect before the first).
        lifecycle c = lifecycle::suspect;
        for (std::size_t i = 0; i < 4; ++i)
            if (*fn.open_rank(stage_of_[i]) <= r) c = static_cast<lifecycle>(i);
        class_of_[open[r]] = c;
    }
}

std::size_t stage_map::stage_of(lifecycle c) const {
    const auto i = static_cast<std::size_t>(c);
    if (i >= mapped_classes)
        throw definition_error("stage map: class '" + std::string(to_string(c)) + "' has no stage");
    return stage_of_[i];
}

bool operator==(const stage_map& a, const stage_map& b) {
    return *a.funnel_ == *b.funnel_ && a.stage_of_ == b.stage_of_;
}

} // namespace leadscore
