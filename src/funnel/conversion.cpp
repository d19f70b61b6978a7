#include "leadscore/funnel/conversion.hpp"

#include "../core/threads.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

namespace leadscore {

namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
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

/// Dense counts of one thread: groups × stages, plus two lead counts per group.
struct partial {
    std::vector<stage_counts> cells;
    std::vector<std::uint64_t> leads, won_leads;
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
    const std::size_t labels = key == nullptr ? 0 : key->labels.size();
    if (key != nullptr)
        for (const auto c : key->code)
            if (c != missing_code && (c < 0 || static_cast<std::size_t>(c) >= labels))
                throw definition_error("conversion: key '" + key->name + "' has a code outside its labels");
    const std::size_t groups = key == nullptr ? 1 : labels + 1; // the last group: missing key
    const std::size_t S = funnel_.size();

    // Per stage: open rank (-1 when not open) and whether it is a won stage.
    std::vector<int> rank(S, -1);
    std::vector<unsigned char> won(S, 0);
    for (std::size_t s = 0; s < S; ++s) {
        if (const auto r = funnel_.open_rank(s)) rank[s] = static_cast<int>(*r);
        won[s] = funnel_[s].kind == stage_kind::won;
    }
    const bool windowed = options_.window.has_value();
    const std::int64_t window = windowed ? options_.window->count() : 0;

    const auto off = j.offsets();
    const auto st = j.stage_at();
    const auto tm = j.time_at();
    const std::size_t n = end - begin;
    const int threads = detail::lead_threads(options_.threads, n);
    std::vector<partial> parts(static_cast<std::size_t>(threads));
    std::exception_ptr failure;

    // A part a loop index, not a thread number: OpenMP may grant fewer threads (a nested region gets one).
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int part_index = 0; part_index < threads; ++part_index) {
        const auto t = static_cast<std::size_t>(part_index);
        try {
            auto& part = parts[t];
            part.cells.assign(groups * S, {});
            part.leads.assign(groups, 0);
            part.won_leads.assign(groups, 0);
            std::vector<std::uint32_t> seen(S, 0); // stamp: lead number + 1 of the last lead that entered the stage
            const std::size_t lb = begin + n * t / static_cast<std::size_t>(threads);
            const std::size_t le = begin + n * (t + 1) / static_cast<std::size_t>(threads);
            for (std::size_t l = lb; l < le; ++l) {
                const std::size_t b = off[l], e = off[l + 1];
                if (b == e) continue;
                const std::size_t g =
                    key == nullptr ? 0 : key->code[l] < 0 ? labels : static_cast<std::size_t>(key->code[l]);
                stage_counts* cells = part.cells.data() + g * S;
                const auto stamp = static_cast<std::uint32_t>(l - lb + 1);
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
                    if (seen[s] == stamp) continue; // only the first entry into a stage counts
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
        } catch (...) {
#pragma omp critical(leadscore_conversion_failure)
            if (!failure) failure = std::current_exception();
        }
    }
    if (failure) std::rethrow_exception(failure);

    // Integer sums: the same totals in any order, so for any thread count.
    for (std::size_t t = 1; t < parts.size(); ++t)
        for (std::size_t i = 0; i < parts[0].cells.size(); ++i) parts[0].cells[i] += parts[t].cells[i];
    for (std::size_t t = 1; t < parts.size(); ++t)
        for (std::size_t g = 0; g < groups; ++g) {
            parts[0].leads[g] += parts[t].leads[g];
            parts[0].won_leads[g] += parts[t].won_leads[g];
        }
    const auto& sum = parts[0];
    for (std::size_t g = 0; g < groups; ++g) {
        if (sum.leads[g] == 0) continue;
        const std::string label = key == nullptr ? std::string() : g == labels ? std::string(no_label) : key->labels[g];
        auto& dst = groups_[label];
        conversion_group add;
        add.leads = sum.leads[g];
        add.won_leads = sum.won_leads[g];
        add.stages.assign(sum.cells.begin() + static_cast<std::ptrdiff_t>(g * S),
                          sum.cells.begin() + static_cast<std::ptrdiff_t>((g + 1) * S));
        dst += add;
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

} // namespace leadscore
