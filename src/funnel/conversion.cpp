#include "leadscore/funnel/conversion.hpp"
#include "../core/numbers.hpp"

#include "leadscore/core/batch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

namespace leadscore {

namespace {
using detail::nan;
double ratio(std::uint64_t a, std::uint64_t b) noexcept {
    return b == 0 ? nan : static_cast<double>(a) / static_cast<double>(b);
}
} // namespace

double stage_counts::conversion_rate() const noexcept { return ratio(converted, entered); }
double stage_counts::closed_conversion_rate() const noexcept { return ratio(converted, converted + dropped); }
double stage_counts::window_conversion_rate() const noexcept { return ratio(converted_in_window, entered); }
double stage_counts::drop_off_rate() const noexcept { return ratio(dropped, entered); }
double stage_counts::win_rate() const noexcept { return ratio(won, entered); }

stage_counts& stage_counts::operator+=(const stage_counts& o) noexcept {
    entered += o.entered;
    converted += o.converted;
    converted_in_window += o.converted_in_window;
    dropped += o.dropped;
    stayed += o.stayed;
    won += o.won;
    return *this;
}

double conversion_group::overall_conversion() const noexcept { return ratio(won_leads, leads); }

double conversion_group::reached(std::size_t s, std::size_t entry) const noexcept {
    if (s >= stages.size() || entry >= stages.size()) return nan;
    return ratio(stages[s].entered, stages[entry].entered);
}

conversion_group& conversion_group::operator+=(const conversion_group& o) {
    leads += o.leads;
    won_leads += o.won_leads;
    if (stages.size() < o.stages.size()) stages.resize(o.stages.size());
    for (std::size_t s = 0; s < o.stages.size(); ++s) stages[s] += o.stages[s];
    return *this;
}

conversion_accumulator::conversion_accumulator(const funnel& f, conversion_options options)
    : funnel_(f), options_(options) {
    if (options_.window && options_.window->count() < 0)
        throw definition_error("conversion: the window must not be negative");
}

void conversion_accumulator::add(const journeys& j, const lead_key* key) { add(j, key, 0, j.leads()); }

namespace {

/// Dense counts of one part of the leads: groups × stages, plus two lead counts per group.
struct conversion_partial {
    std::vector<stage_counts> cells;
    std::vector<std::uint64_t> leads, won_leads;
};

/// One counting pass over journeys: what it reads of the funnel, the key and the window, laid out flat.
class conversion_pass {
public:
    conversion_pass(const journeys& j, const lead_key* key, const funnel& f, const conversion_options& options)
        : off_(j.offsets()), st_(j.stage_at()), tm_(j.time_at()), key_(key),
          labels_(key == nullptr ? 0 : key->labels.size()), groups_(key == nullptr ? 1 : labels_ + 1),
          stages_(f.size()), rank_(stages_, -1), won_(stages_, 0), windowed_(options.window.has_value()),
          window_(windowed_ ? options.window->count() : 0) {
        for (std::size_t s = 0; s < stages_; ++s) {
            if (const auto r = f.open_rank(s)) rank_[s] = static_cast<int>(*r);
            won_[s] = f[s].kind == stage_kind::won;
        }
    }

    [[nodiscard]] std::size_t groups() const noexcept { return groups_; }
    [[nodiscard]] std::size_t stages() const noexcept { return stages_; }
    /// The label of group g: the key's label, no_label for the missing key's group, "" without a key.
    [[nodiscard]] std::string label(std::size_t g) const {
        return key_ == nullptr ? std::string() : g == labels_ ? std::string(no_label) : key_->labels[g];
    }

    /// The counts of leads [begin, end). Each stage counts a lead's first entry there only.
    [[nodiscard]] conversion_partial count(std::size_t begin, std::size_t end) const {
        conversion_partial part;
        part.cells.assign(groups_ * stages_, {});
        part.leads.assign(groups_, 0);
        part.won_leads.assign(groups_, 0);
        // Locals, not members, in the loop: the counters written are 64-bit integers, which members could alias.
        const auto off = off_;
        const auto st = st_;
        const auto tm = tm_;
        const int* const rank = rank_.data();
        const unsigned char* const won = won_.data();
        const bool windowed = windowed_;
        const std::int64_t window = window_;
        const std::size_t labels = labels_, stages = stages_;
        std::vector<std::uint32_t> seen(stages, 0); // stamp: lead number + 1 of the last lead that entered the stage
        for (std::size_t l = begin; l < end; ++l) {
            const std::size_t b = off[l], e = off[l + 1];
            if (b == e) continue;
            const std::size_t g =
                key_ == nullptr ? 0 : key_->code[l] < 0 ? labels : static_cast<std::size_t>(key_->code[l]);
            stage_counts* cells = part.cells.data() + g * stages;
            const auto stamp = static_cast<std::uint32_t>(l - begin + 1);
            // The last won position: a lead entering a stage at p went on to win iff it is at or after p.
            std::size_t last_won = 0;
            bool any_won = false;
            for (std::size_t p = e; p > b; --p)
                if (won[st[p - 1]]) {
                    last_won = p - 1;
                    any_won = true;
                    break;
                }
            ++part.leads[g];
            part.won_leads[g] += any_won;
            const std::uint16_t last_stage = st[e - 1];
            for (std::size_t p = b; p < e; ++p) {
                const std::uint16_t s = st[p];
                if (seen[s] == stamp) continue;
                seen[s] = stamp;
                stage_counts& c = cells[s];
                ++c.entered;
                c.won += any_won && last_won >= p;
                const int r = rank[s];
                std::size_t q = p + 1;
                while (q < e && !(won[st[q]] || (r >= 0 && rank[st[q]] > r))) ++q;
                if (q < e) {
                    ++c.converted;
                    if (windowed && tm[p] != missing_time && tm[q] != missing_time && tm[q] - tm[p] <= window)
                        ++c.converted_in_window;
                } else if (s == last_stage) {
                    ++c.stayed;
                } else {
                    ++c.dropped;
                }
            }
        }
        return part;
    }

private:
    std::span<const std::uint32_t> off_;
    std::span<const std::uint16_t> st_;
    std::span<const std::int64_t> tm_;
    const lead_key* key_;
    std::size_t labels_, groups_, stages_;
    std::vector<int> rank_;           // per stage: open rank, -1 when not open
    std::vector<unsigned char> won_;  // per stage: a won stage
    bool windowed_;
    std::int64_t window_;
};

} // namespace

void conversion_accumulator::add(const journeys& j, const lead_key* key, std::size_t begin, std::size_t end) {
    if (!(j.stages() == funnel_)) throw definition_error("conversion: the journeys use another funnel");
    if (begin > end || end > j.leads())
        throw definition_error("conversion: leads [" + std::to_string(begin) + ", " + std::to_string(end) +
                               ") outside the " + std::to_string(j.leads()) + " leads");
    if (key != nullptr && key->code.size() != j.leads())
        throw definition_error("conversion: key '" + key->name + "' has " + std::to_string(key->code.size()) +
                               " codes for " + std::to_string(j.leads()) + " leads");
    if (key != nullptr)
        for (const auto c : key->code)
            if (c != missing_code && (c < 0 || static_cast<std::size_t>(c) >= key->labels.size()))
                throw definition_error("conversion: key '" + key->name + "' has a code outside its labels");

    const conversion_pass pass(j, key, funnel_, options_);
    const std::size_t groups = pass.groups(), S = pass.stages();
    // Integer sums: the same totals in any order, so for any thread count.
    conversion_partial sum;
    detail::map_parts(detail::split_rows(begin, end, options_.threads),
                      [&](std::size_t b, std::size_t e) { return pass.count(b, e); },
                      [&](conversion_partial&& part) {
                          if (sum.cells.empty()) {
                              sum = std::move(part);
                              return;
                          }
                          for (std::size_t i = 0; i < sum.cells.size(); ++i) sum.cells[i] += part.cells[i];
                          for (std::size_t g = 0; g < groups; ++g) {
                              sum.leads[g] += part.leads[g];
                              sum.won_leads[g] += part.won_leads[g];
                          }
                      });
    for (std::size_t g = 0; g < groups; ++g) {
        if (sum.leads[g] == 0) continue;
        conversion_group add;
        add.leads = sum.leads[g];
        add.won_leads = sum.won_leads[g];
        add.stages.assign(sum.cells.begin() + static_cast<std::ptrdiff_t>(g * S),
                          sum.cells.begin() + static_cast<std::ptrdiff_t>((g + 1) * S));
        groups_[pass.label(g)] += add;
    }
}

void conversion_accumulator::merge(const conversion_accumulator& other) {
    if (!(other.funnel_ == funnel_)) throw definition_error("conversion: merging counts of different funnels");
    if (other.options_.window != options_.window)
        throw definition_error("conversion: merging counts with different conversion windows");
    for (const auto& [label, g] : other.groups_) groups_[label] += g;
}

conversion_group conversion_accumulator::total() const {
    conversion_group t;
    t.stages.resize(funnel_.size());
    for (const auto& [label, g] : groups_) t += g;
    return t;
}

bool operator==(const conversion_accumulator& a, const conversion_accumulator& b) {
    return a.funnel_ == b.funnel_ && a.options_.window == b.options_.window && a.groups_ == b.groups_;
}

conversion_accumulator merge(conversion_accumulator a, const conversion_accumulator& b) {
    a.merge(b);
    return a;
}

conversion_accumulator compute_conversion(const journeys& j, const lead_key* key, conversion_options options) {
    conversion_accumulator acc(j.stages(), options);
    acc.add(j, key);
    return acc;
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const conversion_group&, const conversion_group&) = default;

} // namespace leadscore
