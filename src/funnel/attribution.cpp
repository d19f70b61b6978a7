#include "leadscore/funnel/attribution.hpp"
#include "../core/messages.hpp"
#include "../core/numbers.hpp"

#include <Eigen/Core>
#include <Eigen/LU>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>

namespace leadscore {

namespace {

using detail::nan;
using detail::max_cents;


void add_cents(std::int64_t& sum, std::int64_t x) {
    if (__builtin_add_overflow(sum, x, &sum) || sum >= max_cents)
        throw definition_error("attribution: revenue beyond 2^62 cents");
}

/// The Markov columns of the table (removal effects, and conversions and revenue shared by them) from the channel
/// chain in table order: m = I − Q, to_conv = P(channel → conversion), start = P(start → channel).
void markov_columns(attribution_result& r, const Eigen::MatrixXd& m, const Eigen::VectorXd& to_conv,
                    const Eigen::VectorXd& start, std::uint64_t conversions) {
    const Eigen::PartialPivLU<Eigen::MatrixXd> lu(m);
    if (!(lu.rcond() >= 1e-12)) {
        r.status = markov_status::ill_conditioned;
        r.conversion_probability = nan;
        for (auto& c : r.channels) c.markov = c.markov_revenue = c.removal_effect = nan;
        return;
    }
    const Eigen::MatrixXd fundamental = lu.inverse();
    const Eigen::VectorXd x = fundamental * to_conv;                   // P(convert | at c)
    const Eigen::RowVectorXd visits = start.transpose() * fundamental; // expected visits from the start
    const double p = start.dot(x);
    r.conversion_probability = p;
    if (conversions == 0 || !(p > 0)) {
        r.status = markov_status::no_data;
        return;
    }
    double total = 0;
    for (std::size_t i = 0; i < r.channels.size(); ++i) {
        const auto ei = static_cast<Eigen::Index>(i);
        const double h = visits(ei) / fundamental(ei, ei); // P(ever visit c from the start)
        r.channels[i].removal_effect = std::clamp(h * x(ei) / p, 0.0, 1.0);
        total += r.channels[i].removal_effect;
    }
    for (auto& c : r.channels) {
        const double share = c.removal_effect / total;
        c.markov = static_cast<double>(conversions) * share;
        c.markov_revenue = r.revenue * share;
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// touch_paths

void touch_paths::append(std::span<const std::string_view> path, bool is_converted, double path_value) {
    const std::size_t index = size();
    if (!std::isnan(path_value) && (!std::isfinite(path_value) || path_value < 0 ||
                                    path_value * 100 >= static_cast<double>(max_cents)))
        throw definition_error("touch_paths: path " + std::to_string(index) + ": value " + detail::exact_number(path_value) +
                               " is not a finite non-negative amount below 2^62 cents");
    for (std::size_t k = 0; k < path.size(); ++k)
        if (path[k].empty())
            throw definition_error("touch_paths: path " + std::to_string(index) + ", touch " + std::to_string(k + 1) +
                                   ": empty channel name");
    for (const auto name : path) touch.push_back(channels.intern(name));
    offsets.push_back(touch.size());
    converted.push_back(is_converted ? 1 : 0);
    value.push_back(is_converted ? path_value : nan);
}

void touch_paths::append(std::string_view path, bool is_converted, double path_value, char separator) {
    std::vector<std::string_view> parts;
    if (!path.empty()) {
        std::size_t start = 0;
        for (;;) {
            const auto cut = path.find(separator, start);
            parts.push_back(path.substr(start, cut == std::string_view::npos ? std::string_view::npos : cut - start));
            if (cut == std::string_view::npos) break;
            start = cut + 1;
        }
    }
    append(parts, is_converted, path_value);
}

std::span<const std::int32_t> touch_paths::touches_of(std::size_t i) const {
    if (i >= size()) throw std::out_of_range("touch_paths: path " + std::to_string(i) + " of " + std::to_string(size()));
    return std::span<const std::int32_t>(touch).subspan(offsets[i], offsets[i + 1] - offsets[i]);
}

touch_paths touch_paths_of(const journeys& j) {
    const auto& h = j.history();
    const auto& f = j.stages();
    const auto offsets = j.offsets();
    const auto order = j.order();
    const auto stage = j.stage_at();
    touch_paths out;
    std::vector<std::int32_t> code_of(h.sources.size(), missing_code); // history source code → path channel code
    out.offsets.reserve(j.leads() + 1);
    out.converted.reserve(j.leads());
    out.value.reserve(j.leads());
    for (std::size_t l = 0; l < j.leads(); ++l) {
        bool won = false;
        double v = nan;
        std::int32_t previous = missing_code;
        for (std::size_t p = offsets[l]; p < offsets[l + 1] && !won; ++p) {
            const auto entry = order[p];
            const std::int32_t src = h.source[entry];
            if (src != missing_code && src != previous) {
                if (src < 0 || static_cast<std::size_t>(src) >= code_of.size())
                    throw definition_error("touch_paths_of: entry " + std::to_string(entry) + " has source code " +
                                           std::to_string(src) + ", outside the source dictionary");
                auto& c = code_of[static_cast<std::size_t>(src)];
                if (c == missing_code) c = out.channels.intern(h.sources[src]);
                out.touch.push_back(c);
                previous = src;
            }
            if (f[stage[p]].kind == stage_kind::won) {
                won = true;
                v = h.value[entry];
            }
        }
        if (won && !std::isnan(v) && (!std::isfinite(v) || v < 0 || v * 100 >= static_cast<double>(max_cents)))
            throw definition_error("touch_paths_of: lead '" + std::string(h.lead_ids[static_cast<std::int32_t>(l)]) +
                                   "': won value " + detail::exact_number(v) + " is not a finite non-negative amount");
        out.offsets.push_back(out.touch.size());
        out.converted.push_back(won ? 1 : 0);
        out.value.push_back(won ? v : nan);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// attribution_accumulator

std::int32_t attribution_accumulator::channel_index(std::string_view name) {
    const auto it = index_.find(std::string(name));
    if (it != index_.end()) return it->second;
    const auto c = static_cast<std::int32_t>(names_.size());
    names_.emplace_back(name);
    index_.emplace(names_.back(), c);
    return c;
}

void attribution_accumulator::grow(std::size_t channels) {
    const std::size_t old = counts_.size();
    if (channels <= old) return;
    std::vector<std::uint64_t> moves(channels * channels, 0);
    for (std::size_t a = 0; a < old; ++a)
        for (std::size_t b = 0; b < old; ++b) moves[a * channels + b] = moves_[a * old + b];
    moves_ = std::move(moves);
    counts_.resize(channels);
    for (auto& [k, cells] : linear_) cells.resize(channels);
}

void attribution_accumulator::add(const touch_paths& p) { add(p, 0, p.size()); }

void attribution_accumulator::add(const touch_paths& p, std::size_t begin, std::size_t end) {
    if (begin > end || end > p.size())
        throw definition_error("attribution_accumulator: paths [" + std::to_string(begin) + ", " + std::to_string(end) +
                               ") of " + std::to_string(p.size()));
    if (p.offsets.size() != p.size() + 1 || p.value.size() != p.size() || p.offsets.front() != 0 ||
        p.offsets.back() != p.touch.size())
        throw definition_error("attribution_accumulator: the touch paths' columns have inconsistent lengths");
    for (std::size_t i = begin; i < end; ++i)
        if (p.offsets[i] > p.offsets[i + 1])
            throw definition_error("attribution_accumulator: path " + std::to_string(i) + " has decreasing offsets");

    // Work on a copy so a fault leaves this accumulator as it was; map the paths' codes to ours once per name.
    attribution_accumulator a = *this;
    std::vector<std::int32_t> map(p.channels.size(), -1);
    for (std::size_t i = p.offsets[begin]; i < p.offsets[end]; ++i) {
        const std::int32_t code = p.touch[i];
        if (code < 0 || static_cast<std::size_t>(code) >= map.size())
            throw definition_error("attribution_accumulator: touch " + std::to_string(i) + " has channel code " +
                                   std::to_string(code) + ", outside the channel dictionary");
        if (map[static_cast<std::size_t>(code)] < 0) map[static_cast<std::size_t>(code)] = a.channel_index(p.channels[code]);
    }
    a.grow(a.names_.size());
    const std::size_t nc = a.names_.size();

    for (std::size_t i = begin; i < end; ++i) {
        const auto touches = p.touches_of(i);
        const bool conv = p.converted[i] != 0;
        std::int64_t cents = 0;
        if (conv) {
            const double v = p.value[i];
            if (std::isnan(v)) {
                if (!touches.empty()) ++a.without_value_;
            } else {
                if (!std::isfinite(v) || v < 0 || v * 100 >= static_cast<double>(max_cents))
                    throw definition_error("attribution_accumulator: path " + std::to_string(i) + ": value " +
                                           detail::exact_number(v) + " is not a finite non-negative amount below 2^62 cents");
                cents = std::llround(v * 100);
            }
        }
        if (touches.empty()) {
            ++a.empty_paths_;
            if (conv) {
                ++a.empty_conversions_;
                add_cents(a.empty_cents_, cents);
            }
            continue;
        }
        ++a.paths_;
        const auto first = static_cast<std::size_t>(map[static_cast<std::size_t>(touches.front())]);
        const auto last = static_cast<std::size_t>(map[static_cast<std::size_t>(touches.back())]);
        ++a.counts_[first].start;
        std::size_t previous = first;
        for (std::size_t k = 0; k < touches.size(); ++k) {
            const auto c = static_cast<std::size_t>(map[static_cast<std::size_t>(touches[k])]);
            ++a.counts_[c].touches;
            if (k > 0) ++a.moves_[previous * nc + c];
            previous = c;
        }
        if (!conv) {
            ++a.counts_[last].to_null;
            continue;
        }
        ++a.conversions_;
        add_cents(a.cents_, cents);
        ++a.counts_[last].to_conversion;
        ++a.counts_[first].first;
        ++a.counts_[last].last;
        add_cents(a.counts_[first].first_cents, cents);
        add_cents(a.counts_[last].last_cents, cents);
        auto& cells = a.linear_[touches.size()];
        cells.resize(nc);
        for (const auto t : touches) {
            const auto c = static_cast<std::size_t>(map[static_cast<std::size_t>(t)]);
            ++a.counts_[c].converting_touches;
            ++cells[c].touches;
            add_cents(cells[c].cents, cents);
        }
    }
    *this = std::move(a);
}

void attribution_accumulator::merge(const attribution_accumulator& other) {
    attribution_accumulator a = *this;
    std::vector<std::size_t> map(other.names_.size());
    for (std::size_t c = 0; c < other.names_.size(); ++c)
        map[c] = static_cast<std::size_t>(a.channel_index(other.names_[c]));
    a.grow(a.names_.size());
    const std::size_t nc = a.names_.size(), on = other.names_.size();
    for (std::size_t c = 0; c < on; ++c) {
        auto& x = a.counts_[map[c]];
        const auto& y = other.counts_[c];
        x.touches += y.touches;
        x.converting_touches += y.converting_touches;
        x.first += y.first;
        x.last += y.last;
        add_cents(x.first_cents, y.first_cents);
        add_cents(x.last_cents, y.last_cents);
        x.start += y.start;
        x.to_conversion += y.to_conversion;
        x.to_null += y.to_null;
        for (std::size_t d = 0; d < on; ++d) a.moves_[map[c] * nc + map[d]] += other.moves_[c * on + d];
    }
    for (const auto& [k, cells] : other.linear_) {
        auto& mine = a.linear_[k];
        mine.resize(nc);
        for (std::size_t c = 0; c < cells.size(); ++c) {
            mine[map[c]].touches += cells[c].touches;
            add_cents(mine[map[c]].cents, cells[c].cents);
        }
    }
    a.paths_ += other.paths_;
    a.conversions_ += other.conversions_;
    a.without_value_ += other.without_value_;
    a.empty_paths_ += other.empty_paths_;
    a.empty_conversions_ += other.empty_conversions_;
    add_cents(a.cents_, other.cents_);
    add_cents(a.empty_cents_, other.empty_cents_);
    *this = std::move(a);
}

bool operator==(const attribution_accumulator& a, const attribution_accumulator& b) {
    using linear_cell = attribution_accumulator::linear_cell;
    if (a.names_.size() != b.names_.size() || a.paths_ != b.paths_ || a.conversions_ != b.conversions_ ||
        a.without_value_ != b.without_value_ || a.empty_paths_ != b.empty_paths_ ||
        a.empty_conversions_ != b.empty_conversions_ || a.cents_ != b.cents_ || a.empty_cents_ != b.empty_cents_)
        return false;
    // b's index of each of a's channels.
    const std::size_t n = a.names_.size();
    std::vector<std::size_t> map(n);
    for (std::size_t c = 0; c < n; ++c) {
        const auto it = b.index_.find(a.names_[c]);
        if (it == b.index_.end()) return false;
        map[c] = static_cast<std::size_t>(it->second);
    }
    for (std::size_t c = 0; c < n; ++c) {
        if (!(a.counts_[c] == b.counts_[map[c]])) return false;
        for (std::size_t d = 0; d < n; ++d)
            if (a.moves_[c * n + d] != b.moves_[map[c] * n + map[d]]) return false;
    }
    // Linear cells: a length with only empty cells equals a missing length.
    const auto nonzero = [](const std::vector<linear_cell>& cells) {
        return std::any_of(cells.begin(), cells.end(), [](const linear_cell& x) { return x.touches != 0 || x.cents != 0; });
    };
    for (const auto& [k, cells] : a.linear_) {
        const auto it = b.linear_.find(k);
        if (it == b.linear_.end()) {
            if (nonzero(cells)) return false;
            continue;
        }
        for (std::size_t c = 0; c < n; ++c) {
            const linear_cell x = c < cells.size() ? cells[c] : linear_cell{};
            const linear_cell y = map[c] < it->second.size() ? it->second[map[c]] : linear_cell{};
            if (!(x == y)) return false;
        }
    }
    for (const auto& [k, cells] : b.linear_)
        if (!a.linear_.contains(k) && nonzero(cells)) return false;
    return true;
}

attribution_result attribution_accumulator::result() const {
    attribution_result r;
    r.paths = paths_;
    r.conversions = conversions_;
    r.revenue = static_cast<double>(cents_) / 100.0;
    r.conversions_without_value = without_value_;
    r.paths_without_touch = empty_paths_;
    r.conversions_without_touch = empty_conversions_;
    r.revenue_without_touch = static_cast<double>(empty_cents_) / 100.0;

    // A canonical order (by name), so that equal counts give bit-identical results however they were gathered.
    const std::size_t n = names_.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return names_[x] < names_[y]; });

    r.channels.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = order[i];
        auto& out = r.channels[i];
        const auto& k = counts_[c];
        out.channel = names_[c];
        out.touches = k.touches;
        out.converting_touches = k.converting_touches;
        out.first_touch = static_cast<double>(k.first);
        out.last_touch = static_cast<double>(k.last);
        out.first_touch_revenue = static_cast<double>(k.first_cents) / 100.0;
        out.last_touch_revenue = static_cast<double>(k.last_cents) / 100.0;
        double linear = 0, linear_cents = 0;
        for (const auto& [len, cells] : linear_) {
            if (c >= cells.size()) continue;
            linear += static_cast<double>(cells[c].touches) / static_cast<double>(len);
            linear_cents += static_cast<double>(cells[c].cents) / static_cast<double>(len);
        }
        out.linear = linear;
        out.linear_revenue = linear_cents / 100.0;
    }
    if (paths_ == 0) {
        r.status = markov_status::no_data;
        return r;
    }

    // The chain over channels in canonical order: Q (channel → channel), r (channel → conversion), s (start →).
    const auto en = static_cast<Eigen::Index>(n);
    Eigen::MatrixXd m = Eigen::MatrixXd::Identity(en, en);
    Eigen::VectorXd to_conv(en), start(en);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = order[i];
        const auto& k = counts_[c];
        std::uint64_t out = k.to_conversion + k.to_null;
        for (std::size_t d = 0; d < n; ++d) out += moves_[c * n + d];
        const auto ei = static_cast<Eigen::Index>(i);
        start(ei) = static_cast<double>(k.start) / static_cast<double>(paths_);
        // Every touched channel has an exit (each path ends in conversion or null); a channel merged in without
        // touches has none and is an isolated state with no effect.
        to_conv(ei) = out == 0 ? 0.0 : static_cast<double>(k.to_conversion) / static_cast<double>(out);
        for (std::size_t j = 0; j < n && out > 0; ++j)
            m(ei, static_cast<Eigen::Index>(j)) -=
                static_cast<double>(moves_[c * n + order[j]]) / static_cast<double>(out);
    }
    markov_columns(r, m, to_conv, start, conversions_);
    return r;
}

attribution_accumulator merge(attribution_accumulator a, const attribution_accumulator& b) {
    a.merge(b);
    return a;
}

attribution_result attribute(const touch_paths& p) {
    attribution_accumulator a;
    a.add(p);
    return a.result();
}

} // namespace leadscore
