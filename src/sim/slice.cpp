// Generating one slice of rows: every draw of a lead, in the model's order, into the output's per-row arrays and the
// slice's own parts (dictionaries, events, stage entries, emails).

#include "slice.hpp"

#include "leadscore/core/error.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::detail::sim {

namespace {

/// A small append-only text buffer for building one cell without allocating.
class text_buffer {
public:
    void clear() noexcept { size_ = 0; }
    text_buffer& operator<<(std::string_view s) noexcept {
        const auto n = std::min(s.size(), data_.size() - size_);
        const char* from = s.data();
        char* to = data_.data() + size_;
        // The pieces are a few bytes each: fixed-size moves (the last overlapping the one before) instead of a call.
        if (n >= 8) {
            for (std::size_t i = 0; i + 8 < n; i += 8) std::memcpy(to + i, from + i, 8);
            std::memcpy(to + n - 8, from + n - 8, 8);
        } else if (n >= 4) {
            std::memcpy(to, from, 4);
            std::memcpy(to + n - 4, from + n - 4, 4);
        } else {
            for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
        }
        size_ += n;
        return *this;
    }
    text_buffer& operator<<(char c) noexcept {
        if (size_ < data_.size()) data_[size_++] = c;
        return *this;
    }
    /// `value` in decimal, zero-padded to at least `width` digits.
    void decimal(std::uint64_t value, int width) noexcept {
        // Digits are written from the back of a scratch array and copied once (one bounds check, not one a digit).
        char digits[24];
        char* p = std::end(digits);
        do {
            *--p = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value != 0);
        const char* const lowest = std::end(digits) - std::min(width, 24);
        while (p > lowest) *--p = '0';
        *this << std::string_view(p, static_cast<std::size_t>(std::end(digits) - p));
    }
    void base36(std::uint64_t value) noexcept {
        char digits[16];
        char* p = std::end(digits);
        do {
            *--p = "0123456789abcdefghijklmnopqrstuvwxyz"[value % 36];
            value /= 36;
        } while (value != 0);
        *this << std::string_view(p, static_cast<std::size_t>(std::end(digits) - p));
    }
    [[nodiscard]] std::string_view view() const noexcept { return {data_.data(), size_}; }

private:
    std::array<char, 160> data_{};
    std::size_t size_ = 0;
};

/// The codes of a categorical column for one slice of rows, through a cache of codes for a fixed list of texts,
/// interned into the slice's dictionary when first used, so it holds only texts that occur, in first-seen order.
class coded_column {
public:
    coded_column(std::int32_t* codes, dictionary& dict, std::size_t cached)
        : codes_(codes), dict_(&dict), cache_(cached, missing_code) {}
    /// Sets row `row` (an index into the whole column) to the text of entry `index`.
    [[gnu::always_inline]] void set(std::size_t row, std::size_t index, std::string_view text) {
        auto code = cache_[index];
        if (code == missing_code) [[unlikely]]
            code = first_use(index, text);
        codes_[row] = code;
    }
    void set_missing(std::size_t row) noexcept { codes_[row] = missing_code; }

private:
    [[gnu::noinline]] std::int32_t first_use(std::size_t index, std::string_view text) {
        return cache_[index] = dict_->intern(text);
    }

    std::int32_t* codes_;
    dictionary* dict_;
    std::vector<std::int32_t> cache_;
};

double timeframe_coefficient(std::int32_t days) noexcept {
    if (days < 0) return 0;
    if (days == 0) return timeframe_now_coefficient;
    return days <= 60 ? timeframe_1_60_coefficient : timeframe_over_60_coefficient;
}

/// One event before it is coded, packed as (seconds after creation) << 16 | type << 8 | detail, so that comparing
/// the integers orders by (time, type, detail): a total order, so any sort gives the same order. The offset is below
/// 2^33 (at most 73,000 days), so nothing overflows.
using raw_event = std::uint64_t;
constexpr std::uint8_t no_detail = 255;
constexpr raw_event pack_event(std::int64_t offset, std::uint8_t type, std::uint8_t detail) noexcept {
    return static_cast<std::uint64_t>(offset) << 16 | static_cast<std::uint64_t>(type) << 8 | detail;
}

/// What the draws of one lead decide before its events and its outcome (the profile stream's draws up to the cycle).
struct lead_profile {
    std::int64_t created = 0;
    bool organization = false;
    std::size_t source = 0;
    double z = 0; // latent interest
    const company* firm = nullptr;
    std::size_t timeframe = 0;
    std::int32_t days = 0;
    bool newsletter = false;
    double deal_value = 0;
    std::int64_t cycle = 0, closes = 0;
    std::size_t first = 0, last = 0, country = 0; // indices into first_names, last_names and countries
};

/// Generates one slice of rows into the output's per-row arrays and its own slice_parts.
class slice_builder {
public:
    slice_builder(const crm_context& crm, slice_parts& parts) : crm_(crm), parts_(parts) {
        const std::array<std::size_t, coded_columns> cached{company_count,         2,
                                                            crm.full_name.size(),  company_count,
                                                            job_titles.size(),     sources.size(),
                                                            crm.stage_name.size(), team_names.size(),
                                                            owner_names.size(),    industries.size(),
                                                            countries.size(),      3,
                                                            crm.stage_name.size()};
        for (std::size_t c = 0; c < coded_columns; ++c)
            column_.emplace_back(crm.codes[c], parts.dicts[c], cached[c]);
        event_type_code_.assign(event_types.size(), missing_code);
        detail_code_.assign(detail_texts.size(), missing_code);
        history_stage_code_.assign(crm.stage_name.size(), missing_code);
        history_source_code_.assign(sources.size(), missing_code);
    }

    /// Rows [begin, end). `planned` is how many rows the containers of these parts will hold in the end (the first
    /// slice's take every other slice's), so they are reserved once.
    void run(std::size_t begin, std::size_t end, std::size_t planned) {
        const std::size_t rows = end - begin;
        auto& p = parts_;
        const bool events = crm_.options.events, history = crm_.options.history;
        // Events, stage entries and texts per lead are random: after a first slice of rows, reserve for the rest at
        // the observed rate plus 2 %, so the big arrays are allocated once instead of doubling.
        const std::size_t probe = std::min(rows, std::max<std::size_t>(4096, rows / 64));
        p.email_offsets.reserve(planned + 1);
        p.email_text.reserve(probe * 48);
        // Phones: about 36 % of leads give a personal number (individuals with a phone), plus the company lines.
        const std::size_t phones = std::min(planned, planned * 2 / 5 + company_count);
        p.dicts[phone_column].reserve(phones, probe * 8);
        // Names and companies are few but each is interned on first sight: size their indexes once as well.
        p.dicts[name_column].reserve(std::min(rows, crm_.full_name.size()));
        p.dicts[company_column].reserve(std::min(rows, company_count));
        if (events)
            p.events.reserve(probe * 8); // about 6.4 events per lead by default
        if (history)
            p.history.reserve(probe * 5); // about 4.8 stage entries per lead
        for (std::size_t i = begin; i < end; ++i) {
            if (i - begin == probe && probe > 0) {
                const auto scale = [&](std::size_t have) {
                    return static_cast<std::size_t>(static_cast<double>(have) / static_cast<double>(probe) *
                                                    static_cast<double>(planned) * 1.02) +
                           1024;
                };
                if (events)
                    p.events.reserve(scale(p.events.size()));
                p.email_text.reserve(scale(p.email_text.size()));
                auto& phone = p.dicts[phone_column];
                phone.reserve(phones, scale(phone.raw_bytes() - phone.size() * sizeof(std::uint32_t)));
                if (history)
                    p.history.reserve(scale(p.history.size()));
            }
            generate(i);
        }
    }

private:
    /// Lead `index`: its profile, contact, intent and money from the profile stream, its events from the event
    /// stream, then its outcome and stage path from the profile stream again.
    void generate(std::size_t index) {
        rng r(crm_.options.seed, profile_stream, index);
        lead_profile lead = identity(r, index);
        contact(r, index, lead);
        intent(r, index, lead);
        std::array<std::uint32_t, event_types.size()> counts{};
        const std::int64_t last_event = crm_.options.events ? engagement(index, lead, counts) : missing_time;
        crm_.event_ends[index] = parts_.events.size();
        crm_.last_contacted[index] = last_event;
        crm_.created[index] = lead.created;
        outcome(r, index, lead, counts);
    }

    /// Capture time, party, source, latent interest, name, and the company (with its country) or the country.
    lead_profile identity(rng& r, std::size_t index) {
        const crm_context& m = crm_;
        lead_profile lead;
        lead.created = m.start + static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(m.capture_seconds)));
        lead.organization = r.chance(organization_share);
        lead.source = lead.organization ? source_choice_organization.pick(r) : source_choice_individual.pick(r);
        lead.z = r.normal();
        lead.first = r.below(first_names.size());
        lead.last = r.below(last_names.size());
        column_[party_column].set(index, lead.organization ? 1 : 0, lead.organization ? "organization" : "individual");
        column_[name_column].set(index, lead.first * last_names.size() + lead.last,
                                 m.full_name[lead.first * last_names.size() + lead.last]);
        if (lead.organization) {
            const std::size_t c = r.below(company_count);
            lead.firm = &m.companies[c];
            lead.country = lead.firm->country;
            column_[company_column].set(index, c, lead.firm->name);
            const std::size_t job = job_choice.pick(r);
            column_[job_column].set(index, job, job_titles[job].title);
            column_[industry_column].set(index, lead.firm->industry, industries[lead.firm->industry].name);
            m.employees[index] = lead.firm->employees;
        } else {
            lead.country = country_choice.pick(r);
            column_[company_column].set_missing(index);
            column_[job_column].set_missing(index);
            column_[industry_column].set_missing(index);
            m.employees[index] = std::numeric_limits<double>::quiet_NaN();
        }
        column_[country_column].set(index, lead.country, countries[lead.country].code);
        return lead;
    }

    /// Email, phone and the source column.
    void contact(rng& r, std::size_t index, const lead_profile& lead) {
        const crm_context& m = crm_;
        text_.clear();
        text_ << m.first_lower[lead.first] << '.' << m.last_lower[lead.last] << '.';
        text_.base36(index);
        text_ << '@'
              << (lead.organization ? std::string_view(lead.firm->domain)
                                    : personal_domains[r.below(personal_domains.size())]);
        auto& emails = parts_.email_text;
        if (emails.size() + text_.view().size() > std::numeric_limits<std::uint32_t>::max())
            throw error(text_limit);
        emails += text_.view();
        parts_.email_offsets.push_back(static_cast<std::uint32_t>(emails.size()));

        // An organization's leads give the company's main line; an individual gives a personal number.
        if (r.chance(phone_missing_share)) {
            column_[phone_column].set_missing(index);
        } else if (lead.organization) {
            column_[phone_column].set(index, static_cast<std::size_t>(lead.firm - m.companies.data()), lead.firm->phone);
        } else {
            text_.clear();
            text_ << countries[lead.country].calling_code << ' ';
            text_.decimal(r.below(1000), 3);
            text_ << ' ';
            text_.decimal(r.below(10000000), 7);
            m.codes[phone_column][index] = parts_.dicts[phone_column].intern(text_.view());
        }
        column_[source_column].set(index, lead.source, m.source_name[lead.source]);
    }

    /// Purchase timeframe and newsletter, team and owner, deal value, and the cycle time.
    void intent(rng& r, std::size_t index, lead_profile& lead) {
        const crm_context& m = crm_;
        const std::size_t band = lead.z <= -0.5 ? 0 : (lead.z <= 0.5 ? 1 : 2);
        lead.timeframe = timeframe_choice[band].pick(r);
        lead.days = timeframe_days[lead.timeframe];
        m.timeframe[index] = lead.days < 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(lead.days);
        lead.newsletter = r.chance(lead.z > 0 ? 0.5 : 0.3);
        m.newsletter[index] = lead.newsletter ? 1 : 0;

        const std::size_t team = !lead.organization         ? 3
                                 : lead.firm->employees >= 1000 ? 0
                                 : lead.firm->employees >= 50   ? 1
                                                                : 2;
        column_[team_column].set(index, team, team_names[team]);
        const std::size_t owner = team_owner_begin[team] + r.below(team_owner_begin[team + 1] - team_owner_begin[team]);
        column_[owner_column].set(index, owner, owner_names[owner]);

        // Money: lognormal, by party and size. The deal value is drawn even when the CRM does not show it.
        const double mu = lead.organization ? std::log(1500.0) + 0.45 * lead.firm->log_employees : std::log(400.0);
        const double sigma = lead.organization ? 0.7 : 0.6;
        lead.deal_value = std::max(1.0, static_cast<double>(std::llround(std::exp(mu + sigma * r.normal()))));
        m.value[index] = r.chance(value_missing_share) ? std::numeric_limits<double>::quiet_NaN() : lead.deal_value;

        // Cycle time: from capture to the final stage, independent of how the lead ends.
        const double cycle_days = std::clamp(cycle_median_days[lead.timeframe] * std::exp(cycle_sigma * r.normal()),
                                             cycle_min_days, cycle_max_days);
        lead.cycle = static_cast<std::int64_t>(cycle_days * static_cast<double>(seconds_per_day));
        lead.closes = lead.created + lead.cycle;
    }

    /// The lead's events, on their own stream so the profile does not depend on options.events: counted by type
    /// into `counts` and appended to the slice's events in time order. Returns the time of the last one (or
    /// missing_time).
    std::int64_t engagement(std::size_t index, const lead_profile& lead,
                            std::array<std::uint32_t, event_types.size()>& counts) {
        const crm_context& m = crm_;
        const std::int64_t window = std::min(lead.closes, m.horizon) - lead.created;
        rng e(m.options.seed, event_stream, index);
        const double interest = std::exp(sources[lead.source].interest_shift + interest_sigma * lead.z);
        const std::uint32_t n = window > 0 ? e.poisson(interest * event_rate_per_day * static_cast<double>(window) /
                                                       static_cast<double>(seconds_per_day))
                                           : 0;
        events_.clear();
        for (std::uint32_t k = 0; k < n; ++k) {
            const auto type = static_cast<std::uint8_t>(event_choice.pick(e));
            const auto range = detail_ranges[static_cast<std::size_t>(event_types[type].details)];
            const auto detail = range.begin == range.end
                                    ? no_detail
                                    : static_cast<std::uint8_t>(range.begin + e.below(range.end - range.begin));
            const auto offset = static_cast<std::int64_t>(e.below(static_cast<std::uint64_t>(window)));
            events_.push_back(pack_event(offset, type, detail));
            ++counts[type];
        }
        sort_events();
        for (const raw_event ev : events_) {
            const auto type = static_cast<std::uint8_t>(ev >> 8), detail = static_cast<std::uint8_t>(ev);
            auto& type_code = event_type_code_[type];
            if (type_code == missing_code)
                type_code = parts_.event_types.intern(m.event_name[type]);
            std::int32_t detail_code = missing_code;
            if (detail != no_detail) {
                auto& d = detail_code_[detail];
                if (d == missing_code)
                    d = parts_.event_details.intern(detail_texts[detail]);
                detail_code = d;
            }
            parts_.events.push_back({lead.created + static_cast<std::int64_t>(ev >> 16), type_code, detail_code});
        }
        return events_.empty() ? missing_time : lead.created + static_cast<std::int64_t>(events_.back() >> 16);
    }

    /// The order is total, so any sort agrees; most leads have a handful of events, where insertion wins.
    void sort_events() noexcept {
        if (events_.size() > 16) {
            std::sort(events_.begin(), events_.end());
            return;
        }
        for (std::size_t a = 1; a < events_.size(); ++a) {
            const raw_event x = events_[a];
            std::size_t b = a;
            for (; b > 0 && x < events_[b - 1]; --b)
                events_[b] = events_[b - 1];
            events_[b] = x;
        }
    }

    /// The conversion model, the fate and the stage path that leads to it: the stage, outcome and lost stage
    /// columns, and the stage entries reached by the horizon.
    void outcome(rng& r, std::size_t index, const lead_profile& lead,
                 const std::array<std::uint32_t, event_types.size()>& counts) {
        const crm_context& m = crm_;
        double eta = intercept + sources[lead.source].coefficient + timeframe_coefficient(lead.days) +
                     (lead.newsletter ? newsletter_coefficient : 0.0);
        if (lead.organization)
            eta += organization_coefficient + industries[lead.firm->industry].coefficient +
                   employees_log10_coefficient * lead.firm->employees_log10;
        for (std::size_t t = 0; t < event_types.size(); ++t)
            eta += event_types[t].coefficient * counts[t];
        const double p = 1.0 / (1.0 + std::exp(-eta));
        m.won_probability[index] = p;

        const auto end = r.chance(p) ? fate::won : static_cast<fate>(1 + exit_choice.pick(r));
        std::size_t open_steps = 0, final_stage = 0; // indices into stage_name
        switch (end) {
        case fate::won: open_steps = 5, final_stage = 5; break;
        case fate::lost_after_sql: open_steps = 4, final_stage = 6; break;
        case fate::lost_after_opportunity: open_steps = 5, final_stage = 6; break;
        case fate::rejected: open_steps = 2, final_stage = 7; break;
        case fate::nurture: open_steps = 3, final_stage = 8; break;
        }
        std::array<double, 5> weight{};
        double total = 0;
        for (std::size_t k = 0; k < open_steps; ++k)
            total += weight[k] = dwell_scale[k] * (0.5 + r.uniform());
        std::array<std::int64_t, 6> entered{};
        entered[0] = lead.created;
        double partial = 0;
        for (std::size_t k = 1; k < open_steps; ++k) {
            partial += weight[k - 1];
            entered[k] = lead.created + static_cast<std::int64_t>(static_cast<double>(lead.cycle) * (partial / total));
        }
        entered[open_steps] = lead.closes;
        const bool closed = lead.closes <= m.horizon;
        const std::size_t reached = closed ? open_steps : [&] {
            std::size_t k = 0;
            while (k + 1 < open_steps && entered[k + 1] <= m.horizon)
                ++k;
            return k;
        }();
        const std::size_t current = reached == open_steps ? final_stage : reached;
        column_[stage_column].set(index, current, m.stage_name[current]);
        const std::size_t result = !closed ? 2 : end == fate::won ? 0 : 1;
        constexpr std::array<std::string_view, 3> outcome_names{"won", "lost", "open"};
        column_[outcome_column].set(index, result, outcome_names[result]);
        if (result == 1)
            column_[lost_stage_column].set(index, open_steps - 1, m.stage_name[open_steps - 1]);
        else
            column_[lost_stage_column].set_missing(index);
        if (m.options.history)
            stage_entries(r, index, lead, entered, reached, open_steps, final_stage);
    }

    /// The entries of the stages reached, the won entry with a value near the deal's.
    void stage_entries(rng& r, std::size_t index, const lead_profile& lead, const std::array<std::int64_t, 6>& entered,
                       std::size_t reached, std::size_t open_steps, std::size_t final_stage) {
        const crm_context& m = crm_;
        for (std::size_t k = 0; k <= reached; ++k) {
            const std::size_t stage = k == open_steps ? final_stage : k;
            double value = std::numeric_limits<double>::quiet_NaN();
            if (stage == 5)
                value = std::max(1.0, static_cast<double>(std::llround(lead.deal_value * (0.8 + 0.4 * r.uniform()))));
            // The history's lead ids get the same texts in the same order as the table's id column (one per lead, at
            // its first entry), so they take the id's code (the row number) and the dictionary is copied at the end;
            // stage and source codes come from small per-name caches.
            auto& h = parts_.history;
            h.lead.push_back(static_cast<std::int32_t>(index));
            h.stage.push_back(cached(history_stage_code_, stage, h.stages, m.stage_name));
            h.source.push_back(cached(history_source_code_, lead.source, h.sources, m.source_name));
            h.entered.push_back(entered[k]);
            h.value.push_back(value);
        }
    }

    static std::int32_t cached(std::vector<std::int32_t>& cache, std::size_t index, dictionary& d,
                               const std::vector<std::string>& names) {
        if (cache[index] == missing_code)
            cache[index] = d.intern(names[index]);
        return cache[index];
    }

    const crm_context& crm_;
    slice_parts& parts_;
    std::vector<coded_column> column_; // by `coded`
    std::vector<std::int32_t> event_type_code_, detail_code_, history_stage_code_, history_source_code_;
    text_buffer text_;
    std::vector<raw_event> events_;
};

} // namespace

void generate_slice(const crm_context& crm, slice_parts& parts, std::size_t begin, std::size_t end,
                    std::size_t planned) {
    slice_builder(crm, parts).run(begin, end, planned);
}

} // namespace leadscore::detail::sim
