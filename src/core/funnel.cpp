#include "leadscore/core/funnel.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_set>

namespace leadscore {

namespace {
constexpr std::array<std::string_view, 5> kind_names{"open", "won", "lost", "rejected", "nurture"};
}

std::string_view to_string(stage_kind k) noexcept { return kind_names.at(static_cast<std::size_t>(k)); }

std::optional<stage_kind> parse_stage_kind(std::string_view s) noexcept {
    for (std::size_t i = 0; i < kind_names.size(); ++i)
        if (kind_names[i] == s) return static_cast<stage_kind>(i);
    return std::nullopt;
}

funnel::funnel(std::vector<stage> stages) : stages_(std::move(stages)) {
    if (stages_.empty()) throw definition_error("funnel: no stages");
    std::unordered_set<std::string> seen;
    bool has_won = false;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        const auto key = normalize_name(stages_[i].name);
        if (key.empty()) throw definition_error("funnel: stage " + std::to_string(i + 1) + " has an empty name");
        if (!seen.insert(key).second)
            throw definition_error("funnel: stage name '" + stages_[i].name + "' appears twice");
        if (stages_[i].kind == stage_kind::open) open_.push_back(i);
        has_won = has_won || stages_[i].kind == stage_kind::won;
    }
    if (open_.empty()) throw definition_error("funnel: no open stage, so a lead has nowhere to enter");
    if (!has_won) throw definition_error("funnel: no won stage, so no lead can convert");
}

const funnel& funnel::standard() {
    static const funnel f({{"suspect", stage_kind::open},
                           {"lead", stage_kind::open},
                           {"mql", stage_kind::open},
                           {"sql", stage_kind::open},
                           {"opportunity", stage_kind::open},
                           {"won", stage_kind::won},
                           {"lost", stage_kind::lost},
                           {"rejected", stage_kind::rejected},
                           {"nurture", stage_kind::nurture}});
    return f;
}

std::optional<std::size_t> funnel::find(std::string_view name) const {
    const auto key = normalize_name(name);
    for (std::size_t i = 0; i < stages_.size(); ++i)
        if (normalize_name(stages_[i].name) == key) return i;
    return std::nullopt;
}

std::size_t funnel::at(std::string_view name) const {
    if (auto i = find(name)) return *i;
    std::string known;
    for (const auto& s : stages_) known += (known.empty() ? "" : ", ") + s.name;
    throw definition_error("funnel: unknown stage '" + std::string(name) + "' (stages: " + known + ")");
}

std::optional<std::size_t> funnel::open_rank(std::size_t stage_index) const {
    for (std::size_t r = 0; r < open_.size(); ++r)
        if (open_[r] == stage_index) return r;
    return std::nullopt;
}

std::optional<std::size_t> funnel::first_of(stage_kind k) const noexcept {
    for (std::size_t i = 0; i < stages_.size(); ++i)
        if (stages_[i].kind == k) return i;
    return std::nullopt;
}

void stage_history::append(const stage_event& e) {
    lead.push_back(lead_ids.intern(e.lead_id));
    stage.push_back(stages.intern(e.stage));
    entered.push_back(to_seconds(e.entered));
    value.push_back(e.value.value_or(std::numeric_limits<double>::quiet_NaN()));
    source.push_back(e.source.empty() ? missing_code : sources.intern(e.source));
}

stage_event stage_history::operator[](std::size_t i) const {
    if (i >= size()) throw std::out_of_range("stage_history: entry " + std::to_string(i) + " past the end");
    stage_event e;
    e.lead_id = lead_ids[lead[i]];
    e.stage = stages[stage[i]];
    e.entered = from_seconds(entered[i]);
    if (!std::isnan(value[i])) e.value = value[i];
    if (source[i] != missing_code) e.source = sources[source[i]];
    return e;
}

void stage_history::reserve(std::size_t entries) {
    lead.reserve(entries);
    stage.reserve(entries);
    source.reserve(entries);
    entered.reserve(entries);
    value.reserve(entries);
}

void stage_history::shrink_to_fit() {
    for (auto* d : {&lead_ids, &stages, &sources}) d->shrink_to_fit();
    for (auto* v : {&lead, &stage, &source}) v->shrink_to_fit();
    entered.shrink_to_fit();
    value.shrink_to_fit();
}

bool operator==(const stage_history& a, const stage_history& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return false;
    return true;
}

std::size_t stage_history::memory_bytes() const noexcept {
    return lead_ids.memory_bytes() + stages.memory_bytes() + sources.memory_bytes() +
           (lead.capacity() + stage.capacity() + source.capacity()) * sizeof(std::int32_t) +
           entered.capacity() * sizeof(std::int64_t) + value.capacity() * sizeof(double);
}

bool operator==(const funnel& a, const funnel& b) { return a.stages_ == b.stages_; }

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const stage&, const stage&) = default;
bool operator==(const stage_event&, const stage_event&) = default;

} // namespace leadscore
