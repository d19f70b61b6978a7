// The synthetic CRM generator. Every draw comes from the library's own xoshiro256** streams and its own transforms,
// never from <random>'s distributions (whose output is implementation-defined), and every stored number is a whole
// number (seconds, counts, employees, money), so a seed gives the same data on every machine. The model it draws
// from is documented, parameter by parameter, in the README ("Synthetic data"); the tables below are that model.

#include "leadscore/sim/generator.hpp"

#include "../core/random.hpp"
#include "../core/threads.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/scoring/engine.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>
#include <string_view>

namespace leadscore {

namespace detail {

/// A lead's stream: xoshiro256** seeded from (seed, stream, index), so lead i is the same whatever the number of
/// leads, and the streams of different leads do not overlap in practice.
class rng : public xoshiro256ss {
public:
    rng(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) noexcept
        : xoshiro256ss(mix64(mix64(seed + stream * golden_gamma) + index)) {}

    /// True with probability p.
    bool chance(double p) noexcept { return uniform() < p; }
    /// Standard normal by Box–Muller; the second value of each pair is kept for the next call.
    double normal() noexcept {
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        const double u1 = static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; // (0, 1]: log stays finite
        const double u2 = uniform();
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double a = 2.0 * std::numbers::pi * u2;
        spare_ = r * std::sin(a);
        has_spare_ = true;
        return r * std::cos(a);
    }
    /// Poisson(mean) by inversion, the mean taken in parts of at most 16 so exp(-part) never underflows.
    std::uint32_t poisson(double mean) noexcept {
        std::uint32_t k = 0;
        while (mean > 16.0) {
            k += poisson_small(16.0);
            mean -= 16.0;
        }
        return mean > 0 ? k + poisson_small(mean) : k;
    }

private:
    std::uint32_t poisson_small(double mean) noexcept {
        const double u = uniform();
        double p = std::exp(-mean), cdf = p;
        std::uint32_t k = 0;
        // P(X > 120 | mean <= 16) is below 1e-50: the cap only guards against a cdf that rounds short of u.
        while (u >= cdf && k < 120) {
            ++k;
            p *= mean / k;
            cdf += p;
        }
        return k;
    }

    double spare_ = 0;
    bool has_spare_ = false;
};

/// A categorical draw over small integer weights: exact integer arithmetic, so the same on every machine.
template <std::size_t N>
struct weighted_choice {
    std::array<std::uint32_t, N> cumulative{};
    std::uint32_t total = 0;

    constexpr explicit weighted_choice(const std::array<std::uint32_t, N>& weights) {
        for (std::size_t i = 0; i < N; ++i) cumulative[i] = total += weights[i];
    }
    std::size_t pick(rng& r) const noexcept {
        const auto u = static_cast<std::uint32_t>(r.below(total));
        std::size_t i = 0;
        while (u >= cumulative[i]) ++i;
        return i;
    }
};

/// The same draw as a weighted_choice with these weights (one number below the total, the same answer for it),
/// answered by a table of the total's size instead of a scan: for the choices made many times a lead.
template <std::size_t N, std::uint32_t Total>
struct table_choice {
    std::array<std::uint8_t, Total> index{};

    constexpr explicit table_choice(const weighted_choice<N>& w) {
        static_assert(N <= 256);
        std::size_t i = 0;
        for (std::uint32_t u = 0; u < Total; ++u) {
            while (u >= w.cumulative[i]) ++i;
            index[u] = static_cast<std::uint8_t>(i);
        }
    }
    std::size_t pick(rng& r) const noexcept { return index[r.below(Total)]; }
};

} // namespace detail

namespace {

using detail::rng;
using detail::table_choice;
using detail::weighted_choice;

// ---- the model's parameters (documented in the README; change both together) ---------------------------------

// Random streams per lead and per company.
constexpr std::uint64_t profile_stream = 1, event_stream = 2, company_stream = 3;

constexpr double intercept = -2.0;
constexpr double organization_coefficient = 0.2;
constexpr double employees_log10_coefficient = 0.25;
constexpr double newsletter_coefficient = 0.2;
constexpr double interest_sigma = 0.7;

struct source_param {
    std::string_view name;
    std::uint32_t weight_organization, weight_individual;
    double coefficient;    // effect on the log-odds of winning
    double interest_shift; // added to the log of the engagement-rate multiplier
};
// Weights are per party kind; "advertising" is the reference level (coefficient 0).
constexpr std::array<source_param, 23> sources{{
    {"referral", 6, 5, 0.9, 0.3},
    {"existing_customer", 5, 2, 1.1, 0.3},
    {"advertising", 6, 10, 0.0, 0.0},
    {"direct_response", 3, 5, -0.2, 0.0},
    {"purchased_list", 6, 2, -1.0, -0.4},
    {"email_campaign", 7, 7, -0.3, 0.0},
    {"webinar", 5, 3, 0.4, 0.2},
    {"product_launch", 3, 3, 0.1, 0.1},
    {"trade_show", 6, 1, 0.3, 0.1},
    {"peer_meeting", 2, 1, 0.6, 0.2},
    {"sponsored_event", 3, 1, 0.0, 0.0},
    {"offline_event", 2, 2, -0.1, 0.0},
    {"inbound_content", 8, 8, 0.2, 0.2},
    {"social_media", 3, 10, -0.5, -0.1},
    {"linkedin", 6, 3, -0.1, 0.0},
    {"networking", 3, 2, 0.4, 0.1},
    {"chamber_of_commerce", 2, 1, 0.2, 0.0},
    {"local_advertising", 1, 5, -0.3, 0.0},
    {"closed_lost_reactivation", 3, 1, -0.6, -0.2},
    {"live_chat", 3, 6, 0.5, 0.3},
    {"chatbot", 3, 8, -0.2, 0.0},
    {"third_party_meeting", 2, 1, 0.3, 0.0},
    {"customer_feedback", 2, 2, 0.2, 0.1},
}};
constexpr std::string_view reference_source = "advertising";

template <std::size_t N, class T, class F>
constexpr std::array<std::uint32_t, N> weights_of(const std::array<T, N>& items, F f) {
    std::array<std::uint32_t, N> w{};
    for (std::size_t i = 0; i < N; ++i) w[i] = f(items[i]);
    return w;
}
constexpr weighted_choice<23> source_weights_organization{
    weights_of(sources, [](const source_param& s) { return s.weight_organization; })};
constexpr weighted_choice<23> source_weights_individual{
    weights_of(sources, [](const source_param& s) { return s.weight_individual; })};
constexpr table_choice<23, source_weights_organization.total> source_choice_organization{source_weights_organization};
constexpr table_choice<23, source_weights_individual.total> source_choice_individual{source_weights_individual};

struct industry_param {
    std::string_view name;
    std::uint32_t weight;
    double coefficient;
};
constexpr std::array<industry_param, 8> industries{{
    {"software", 18, 0.3},
    {"manufacturing", 16, 0.0},
    {"retail", 14, -0.2},
    {"healthcare", 10, 0.1},
    {"finance", 12, 0.2},
    {"education", 8, -0.4},
    {"logistics", 10, -0.1},
    {"public_sector", 6, -0.6},
}};
constexpr std::string_view reference_industry = "manufacturing";
constexpr weighted_choice<8> industry_choice{weights_of(industries, [](const industry_param& p) { return p.weight; })};

struct country_param {
    std::string_view code;
    std::uint32_t weight;
    std::string_view calling_code;
};
constexpr std::array<country_param, 10> countries{{
    {"US", 30, "+1"},
    {"GB", 10, "+44"},
    {"DE", 10, "+49"},
    {"FR", 8, "+33"},
    {"ES", 5, "+34"},
    {"IN", 10, "+91"},
    {"BR", 7, "+55"},
    {"JP", 6, "+81"},
    {"AU", 5, "+61"},
    {"CA", 9, "+1"},
}};
constexpr weighted_choice<10> country_choice{weights_of(countries, [](const country_param& p) { return p.weight; })};

// Purchase timeframe: days until the decision, -1 = none stated. The mix depends on the latent interest z.
constexpr std::array<std::int32_t, 6> timeframe_days{0, 30, 60, 90, 180, -1};
constexpr std::array<weighted_choice<6>, 3> timeframe_choice{
    weighted_choice<6>({3, 7, 10, 12, 13, 55}),  // z <= -0.5
    weighted_choice<6>({8, 12, 14, 12, 9, 45}),  // -0.5 < z <= 0.5
    weighted_choice<6>({20, 20, 15, 10, 5, 30}), // z > 0.5
};
// Median cycle time (capture to final stage) in days, by timeframe.
constexpr std::array<double, 6> cycle_median_days{21, 35, 50, 70, 100, 60};
constexpr double cycle_sigma = 0.6;
constexpr double cycle_min_days = 1, cycle_max_days = 730;
constexpr double timeframe_now_coefficient = 1.0, timeframe_1_60_coefficient = 0.5, timeframe_over_60_coefficient = 0.1;

// Engagement events. Rates are per 10,000 days at interest multiplier 1.
enum class detail_group : std::uint8_t { none, campaign, page, pricing, form, asset, webinar };
struct event_param {
    std::string_view name;
    std::uint32_t rate; // per 10,000 days
    double coefficient; // per event, on the log-odds of winning
    detail_group details;
};
constexpr std::array<event_param, 14> event_types{{
    {"email_opened", 250, 0.0, detail_group::campaign},
    {"email_clicked", 80, 0.05, detail_group::campaign},
    {"email_replied", 20, 0.0, detail_group::campaign},
    {"page_visited", 300, 0.0, detail_group::page},
    {"pricing_page_visited", 40, 0.15, detail_group::pricing},
    {"form_submitted", 25, 0.1, detail_group::form},
    {"content_downloaded", 40, 0.0, detail_group::asset},
    {"webinar_registered", 20, 0.0, detail_group::webinar},
    {"webinar_attended", 12, 0.2, detail_group::webinar},
    {"chat_started", 20, 0.0, detail_group::none},
    {"meeting_booked", 12, 0.5, detail_group::none},
    {"demo_requested", 10, 0.4, detail_group::none},
    {"social_interaction", 30, 0.0, detail_group::none},
    {"unsubscribed", 4, -1.0, detail_group::campaign},
}};
constexpr weighted_choice<14> event_weights{weights_of(event_types, [](const event_param& p) { return p.rate; })};
constexpr table_choice<14, event_weights.total> event_choice{event_weights};
constexpr double event_rate_per_day = [] {
    std::uint32_t sum = 0;
    for (const auto& e : event_types) sum += e.rate;
    return sum / 10000.0;
}();

// Detail texts, grouped; a group is a range [begin, end) of this list.
constexpr std::array<std::string_view, 27> detail_texts{
    // campaign 0..5
    "spring_launch", "product_update", "monthly_newsletter", "webinar_invite", "case_study_digest", "renewal_offer",
    // page 6..13
    "/", "/product", "/features", "/blog", "/docs", "/about", "/customers", "/careers",
    // pricing 14
    "/pricing",
    // form 15..17
    "contact_us", "newsletter_signup", "quote_request",
    // asset 18..22
    "buyers_guide.pdf", "roi_calculator.xlsx", "security_whitepaper.pdf", "case_study_retail.pdf", "product_tour.mp4",
    // webinar 23..26
    "intro_to_lead_scoring", "funnel_analytics_live", "customer_panel", "quarterly_roadmap"};
struct detail_range {
    std::uint8_t begin, end;
};
constexpr std::array<detail_range, 7> detail_ranges{{{0, 0}, {0, 6}, {6, 14}, {14, 15}, {15, 18}, {18, 23}, {23, 27}}};

// Stage paths. Non-won fates are split by these weights; each path lists the open stages passed through.
enum class fate : std::uint8_t { won, lost_after_sql, lost_after_opportunity, rejected, nurture };
constexpr weighted_choice<4> exit_choice({25, 40, 20, 15}); // lost after sql, lost after opportunity, rejected, nurture
constexpr std::array<double, 5> dwell_scale{1.0, 1.5, 2.0, 2.0, 3.0}; // suspect, lead, mql, sql, opportunity

// Contacts.
constexpr std::array<std::string_view, 32> first_names{
    "Ana",  "Ben",  "Carla", "David", "Elena", "Felix", "Grace", "Hugo", "Ines",  "James", "Kara",
    "Leo",  "Mia",  "Nico",  "Olga",  "Pablo", "Quinn", "Rosa",  "Sam",  "Tara",  "Umar",  "Vera",
    "Will", "Xenia", "Yusuf", "Zara", "Amir",  "Bea",   "Chloe", "Dan",  "Eva",   "Finn"};
constexpr std::array<std::string_view, 32> last_names{
    "Garcia", "Smith",  "Mueller", "Kim",     "Patel",  "Rossi",  "Dubois", "Silva",   "Tanaka", "Nguyen", "Brown",
    "Jensen", "Kowalski", "Novak", "Haddad",  "Okafor", "Larsen", "Costa",  "Schmidt", "Wong",   "Singh",  "Lopez",
    "Meyer",  "Ivanova", "Berg",   "Moreau",  "Ali",    "Sato",   "Walsh",  "Fischer", "Romero", "Olsen"};
constexpr std::array<std::string_view, 16> company_prefixes{
    "Northwind", "Bluepeak",  "Redwood",  "Silverline", "Brightwater", "Ironbridge", "Greenfield", "Stonegate",
    "Clearview", "Oakridge",  "Suncrest", "Highland",   "Riverstone",  "Maplewood",  "Starlight",  "Westbay"};
constexpr std::array<std::string_view, 16> company_nouns{
    "Logistics", "Systems", "Foods",     "Health", "Capital",  "Labs",     "Energy",   "Retail",
    "Media",     "Works",   "Analytics", "Motors", "Learning", "Software", "Partners", "Supply"};
constexpr std::array<std::string_view, 8> company_suffixes{"Ltd", "Inc", "GmbH", "Group", "LLC", "SA", "Co", "AG"};
constexpr std::size_t company_count = 16 * 16 * 8;
constexpr std::array<std::string_view, 3> personal_domains{"mail.example", "inbox.example", "post.example"};

struct job_param {
    std::string_view title;
    std::uint32_t weight;
};
constexpr std::array<job_param, 15> job_titles{{
    {"CEO", 4},
    {"Founder", 3},
    {"CTO", 3},
    {"CFO", 2},
    {"VP Sales", 4},
    {"Head of Marketing", 5},
    {"IT Director", 5},
    {"Operations Manager", 8},
    {"Procurement Manager", 6},
    {"Sales Manager", 6},
    {"Marketing Manager", 7},
    {"Analyst", 8},
    {"Engineer", 8},
    {"Office Manager", 5},
    {"Consultant", 4},
}};
constexpr weighted_choice<15> job_choice{weights_of(job_titles, [](const job_param& p) { return p.weight; })};

// Teams by party and size; owners are drawn uniformly within the team.
constexpr std::array<std::string_view, 4> team_names{"enterprise", "mid_market", "small_business", "consumer"};
constexpr std::array<std::string_view, 13> owner_names{"Maya Chen",  "Omar Haddad", "Lena Fischer", // enterprise
                                                       "Ravi Iyer",  "Sofia Rossi", "Tom Becker",   "Aiko Tanaka",
                                                       "Jonas Berg", "Priya Nair",  "Lucas Martin", // small business
                                                       "Emma Wilson", "Noah Silva", "Zoe Dubois"};  // consumer
constexpr std::array<std::uint8_t, 5> team_owner_begin{0, 3, 7, 10, 13};

constexpr double organization_share = 0.6;
constexpr double phone_missing_share = 0.10;
constexpr double value_missing_share = 0.05;
constexpr double employees_log10_mean = 1.7, employees_log10_sigma = 0.75, employees_max = 250000;

// ---- helpers --------------------------------------------------------------------------------------------------

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

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

struct company {
    std::string name, domain, phone;
    std::uint8_t industry = 0, country = 0;
    double employees = 1, employees_log10 = 0, log_employees = 0;
};

/// Calls f(i) for every i in [0, count), on up to `threads` threads (0 = all); an exception is rethrown after all.
template <class F> void for_each_index(std::size_t count, unsigned threads, const F& f) {
    detail::parallel_blocks(
        count, 1, threads, [](const void* c, std::size_t i, std::size_t) { (*static_cast<const F*>(c))(i); }, &f);
}

/// A container's spare capacity is given back only after a bad estimate: moving every element costs more than the
/// slack of a good one.
template <class C> void shrink_if_loose(C& c) {
    if (c.capacity() > c.size() + c.size() / 4 + 1024)
        c.shrink_to_fit();
}

/// The companies, each from its own stream, so they are made in blocks of 512 on up to `threads` threads.
std::vector<company> make_companies(std::uint64_t seed, unsigned threads) {
    std::vector<company> out(company_count);
    for_each_index(company_count / 512, threads, [&](std::size_t block) {
        for (std::size_t c = block * 512; c < (block + 1) * 512; ++c) {
            const auto prefix = company_prefixes[c % 16], noun = company_nouns[(c / 16) % 16];
            auto& k = out[c];
            k.name = std::string(prefix) + ' ' + std::string(noun) + ' ' + std::string(company_suffixes[c / 256]);
            k.domain = lower(prefix) + '-' + lower(noun) + ".example";
            rng r(seed, company_stream, c);
            k.industry = static_cast<std::uint8_t>(industry_choice.pick(r));
            k.country = static_cast<std::uint8_t>(country_choice.pick(r));
            const double x = employees_log10_mean + employees_log10_sigma * r.normal();
            k.employees = std::clamp(static_cast<double>(std::llround(std::pow(10.0, x))), 1.0, employees_max);
            k.employees_log10 = std::log10(k.employees);
            k.log_employees = std::log(k.employees);
            k.phone = std::string(countries[k.country].calling_code) + ' ' + std::to_string(100 + r.below(900)) + ' ' +
                      std::to_string(1000000 + r.below(9000000));
        }
    });
    return out;
}

generator_truth make_truth() {
    generator_truth t;
    t.intercept = intercept;
    for (const auto& s : sources)
        t.coefficients["source=" + std::string(s.name)] = s.coefficient;
    t.coefficients["party=organization"] = organization_coefficient;
    for (const auto& i : industries)
        t.coefficients["industry=" + std::string(i.name)] = i.coefficient;
    t.coefficients["employees_log10"] = employees_log10_coefficient;
    t.coefficients["purchase_timeframe_now"] = timeframe_now_coefficient;
    t.coefficients["purchase_timeframe_1_60"] = timeframe_1_60_coefficient;
    t.coefficients["purchase_timeframe_over_60"] = timeframe_over_60_coefficient;
    t.coefficients["newsletter"] = newsletter_coefficient;
    for (const auto& e : event_types)
        if (e.coefficient != 0) t.coefficients[std::string(e.name) + "_count"] = e.coefficient;
    return t;
}

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

constexpr std::int64_t seconds_per_day = 86400;

/// Total length of the ids of n leads: "L" and the row number from 1, zero-padded to at least 8 digits.
std::size_t id_text_bytes(std::size_t n) noexcept {
    std::size_t bytes = n * 9, from = 100000000; // numbers below 10^8 take 8 digits
    for (std::size_t digits = 9; from <= n; ++digits, from *= 10) bytes += n - from + 1;
    return bytes;
}

constexpr const char* text_limit = "generator: more text than a column can hold (4 GiB); generate fewer leads";

/// The ids of n leads, which are distinct by construction, as a dictionary built in one step: lead i gets code i.
dictionary id_dictionary(std::size_t n) {
    if (id_text_bytes(n) > std::numeric_limits<std::uint32_t>::max()) throw error(text_limit);
    std::string text;
    text.reserve(id_text_bytes(n));
    std::vector<std::uint32_t> offsets;
    offsets.reserve(n + 1);
    offsets.push_back(0);
    // "L" and the row number from 1, counted up digit by digit at the back of `id`; it grows to the left past 8
    // digits.
    std::array<char, 24> id{};
    std::fill(id.end() - 8, id.end(), '0');
    std::size_t first = id.size() - 8;
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t d = id.size();
        while (d > first && id[d - 1] == '9') id[--d] = '0';
        if (d == first)
            id[--first] = '1'; // all nines: one digit more
        else
            ++id[d - 1];
        id[first - 1] = 'L';
        text.append(id.data() + first - 1, id.size() - first + 1);
        offsets.push_back(static_cast<std::uint32_t>(text.size()));
    }
    return dictionary::from_distinct(std::move(text), std::move(offsets));
}

/// The categorical columns filled through codes (all but ids and emails, whose codes are the row numbers).
enum coded : std::size_t {
    phone_column,
    party_column,
    name_column,
    company_column,
    job_column,
    source_column,
    stage_column,
    team_column,
    owner_column,
    industry_column,
    country_column,
    outcome_column,
    lost_stage_column,
    coded_columns
};

/// What a slice of rows makes besides its per-row values, which go straight into the table: the dictionaries of the
/// coded columns and of event types and details, the events, the stage entries and the email texts. The first
/// slice's parts become the output's; every other slice's are appended to them in row order with their codes
/// translated, which gives what one pass over every row gives. Aligned to a cache line: slices sit side by side in a
/// vector, and each grows its arrays on its own thread.
struct alignas(64) slice_parts {
    std::array<dictionary, coded_columns> dicts;
    dictionary event_types, event_details;
    std::vector<event_record> events;
    stage_history history;
    std::string email_text;
    std::vector<std::uint32_t> email_offsets{0}; // the slice's email k is email_text[offsets[k], offsets[k + 1])
};

/// What every slice reads: the options, the companies, the texts of the fixed lists, and where the per-row values
/// go (the output's columns, sized for every row before any slice starts).
struct crm_context {
    crm_context(const generator_options& o, generated_crm& out)
        : options(o), companies(make_companies(o.seed, o.threads)) {
        start = to_seconds(o.start);
        capture_seconds = static_cast<std::int64_t>(o.capture_days) * seconds_per_day;
        horizon = start + static_cast<std::int64_t>(o.capture_days + o.follow_up_days) * seconds_per_day;

        // Names come from the catalogues and the funnel, so a renamed entry fails here rather than drifting.
        const source_catalogue source_names;
        for (const auto& s : sources)
            source_name.push_back(source_names[source_names.at(s.name)].name);
        const event_catalogue event_names;
        for (const auto& e : event_types)
            event_name.push_back(event_names[event_names.at(e.name)].name);
        const funnel& f = funnel::standard();
        for (const char* s : {"suspect", "lead", "mql", "sql", "opportunity", "won", "lost", "rejected", "nurture"})
            stage_name.push_back(f[f.at(s)].name);

        for (const auto first : first_names)
            for (const auto last : last_names)
                full_name.push_back(std::string(first) + ' ' + std::string(last));
        for (const auto n : first_names)
            first_lower.push_back(lower(n));
        for (const auto n : last_names)
            last_lower.push_back(lower(n));

        const std::size_t n = o.leads;
        lead_table& t = out.leads;
        const auto& s = t.table_schema();
        const auto cat = [&](std::size_t col) -> categorical_column& {
            return std::get<categorical_column>(t.column(col));
        };
        const auto role = [&](field_role r) { return *s.find(r); };
        const std::array<std::size_t, coded_columns> coded_fields{
            role(field_role::phone),     role(field_role::party),  role(field_role::name),  role(field_role::company),
            role(field_role::job_title), role(field_role::source), role(field_role::stage), role(field_role::team),
            role(field_role::owner),     s.at("industry"),         s.at("country"),         role(field_role::outcome),
            s.at("lost_stage")};
        for (std::size_t c = 0; c < coded_columns; ++c) {
            columns[c] = &cat(coded_fields[c]);
            columns[c]->codes.resize(n);
            codes[c] = columns[c]->codes.data();
        }
        const auto num = [&](std::size_t col) {
            auto& v = std::get<numeric_column>(t.column(col)).values;
            v.resize(n);
            return v.data();
        };
        const auto ts = [&](std::size_t col) {
            auto& v = std::get<timestamp_column>(t.column(col)).values;
            v.resize(n);
            return v.data();
        };
        timeframe = num(role(field_role::purchase_timeframe));
        value = num(role(field_role::expected_value));
        employees = num(s.at("employees"));
        created = ts(role(field_role::created));
        last_contacted = ts(s.at("last_contacted"));
        auto& nl = std::get<boolean_column>(t.column(s.at("newsletter"))).values;
        nl.resize(n);
        newsletter = nl.data();
        t.event_offsets().resize(n + 1); // entry 0 stays 0
        event_ends = t.event_offsets().data() + 1;
        out.won_probability.resize(n);
        won_probability = out.won_probability.data();
    }

    const generator_options& options;
    std::vector<company> companies;
    std::int64_t start = 0, capture_seconds = 0, horizon = 0;
    std::vector<std::string> source_name, event_name, stage_name, full_name, first_lower, last_lower;

    std::array<categorical_column*, coded_columns> columns{};
    std::array<std::int32_t*, coded_columns> codes{};
    double *timeframe = nullptr, *value = nullptr, *employees = nullptr, *won_probability = nullptr;
    std::int64_t *created = nullptr, *last_contacted = nullptr;
    std::int8_t* newsletter = nullptr;
    std::uint64_t* event_ends = nullptr; // row i's events end here: counted from its slice's first event until merged
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
    void generate(std::size_t index) {
        const crm_context& m = crm_;
        rng r(m.options.seed, profile_stream, index);

        const std::int64_t created =
            m.start + static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(m.capture_seconds)));
        const bool organization = r.chance(organization_share);
        const std::size_t source = organization ? source_choice_organization.pick(r) : source_choice_individual.pick(r);
        const double z = r.normal(); // latent interest
        const std::size_t first = r.below(first_names.size()), last = r.below(last_names.size());

        // Identity and contact. The lead's id has code `index` (see run_slices).
        const auto id_code = static_cast<std::int32_t>(index);
        column_[party_column].set(index, organization ? 1 : 0, organization ? "organization" : "individual");
        column_[name_column].set(index, first * last_names.size() + last,
                                 m.full_name[first * last_names.size() + last]);

        const company* firm = nullptr;
        std::size_t country = 0;
        if (organization) {
            const std::size_t c = r.below(company_count);
            firm = &m.companies[c];
            country = firm->country;
            column_[company_column].set(index, c, firm->name);
            const std::size_t job = job_choice.pick(r);
            column_[job_column].set(index, job, job_titles[job].title);
            column_[industry_column].set(index, firm->industry, industries[firm->industry].name);
            m.employees[index] = firm->employees;
        } else {
            country = country_choice.pick(r);
            column_[company_column].set_missing(index);
            column_[job_column].set_missing(index);
            column_[industry_column].set_missing(index);
            m.employees[index] = std::numeric_limits<double>::quiet_NaN();
        }
        column_[country_column].set(index, country, countries[country].code);

        text_.clear();
        text_ << m.first_lower[first] << '.' << m.last_lower[last] << '.';
        text_.base36(index);
        text_ << '@'
              << (organization ? std::string_view(firm->domain) : personal_domains[r.below(personal_domains.size())]);
        auto& emails = parts_.email_text;
        if (emails.size() + text_.view().size() > std::numeric_limits<std::uint32_t>::max())
            throw error(text_limit);
        emails += text_.view();
        parts_.email_offsets.push_back(static_cast<std::uint32_t>(emails.size()));

        // An organization's leads give the company's main line; an individual gives a personal number.
        if (r.chance(phone_missing_share)) {
            column_[phone_column].set_missing(index);
        } else if (organization) {
            column_[phone_column].set(index, static_cast<std::size_t>(firm - m.companies.data()), firm->phone);
        } else {
            text_.clear();
            text_ << countries[country].calling_code << ' ';
            text_.decimal(r.below(1000), 3);
            text_ << ' ';
            text_.decimal(r.below(10000000), 7);
            m.codes[phone_column][index] = parts_.dicts[phone_column].intern(text_.view());
        }
        column_[source_column].set(index, source, m.source_name[source]);

        // Intent: timeframe, newsletter.
        const std::size_t band = z <= -0.5 ? 0 : (z <= 0.5 ? 1 : 2);
        const std::size_t timeframe = timeframe_choice[band].pick(r);
        const std::int32_t days = timeframe_days[timeframe];
        m.timeframe[index] = days < 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(days);
        const bool newsletter = r.chance(z > 0 ? 0.5 : 0.3);
        m.newsletter[index] = newsletter ? 1 : 0;

        // Ownership.
        const std::size_t team = !organization ? 3 : firm->employees >= 1000 ? 0 : firm->employees >= 50 ? 1 : 2;
        column_[team_column].set(index, team, team_names[team]);
        const std::size_t owner = team_owner_begin[team] + r.below(team_owner_begin[team + 1] - team_owner_begin[team]);
        column_[owner_column].set(index, owner, owner_names[owner]);

        // Money: lognormal, by party and size. The deal value is drawn even when the CRM does not show it.
        const double mu = organization ? std::log(1500.0) + 0.45 * firm->log_employees : std::log(400.0);
        const double sigma = organization ? 0.7 : 0.6;
        const double deal_value = std::max(1.0, static_cast<double>(std::llround(std::exp(mu + sigma * r.normal()))));
        m.value[index] = r.chance(value_missing_share) ? std::numeric_limits<double>::quiet_NaN() : deal_value;

        // Cycle time: from capture to the final stage, independent of how the lead ends.
        const double cycle_days = std::clamp(cycle_median_days[timeframe] * std::exp(cycle_sigma * r.normal()),
                                             cycle_min_days, cycle_max_days);
        const auto cycle = static_cast<std::int64_t>(cycle_days * static_cast<double>(seconds_per_day));
        const std::int64_t closes = created + cycle;

        // Engagement, on its own stream so the profile above does not depend on options.events.
        std::array<std::uint32_t, event_types.size()> counts{};
        std::int64_t last_event = missing_time;
        if (m.options.events) {
            const std::int64_t window = std::min(closes, m.horizon) - created;
            rng e(m.options.seed, event_stream, index);
            const double interest = std::exp(sources[source].interest_shift + interest_sigma * z);
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
            // The order is total, so any sort agrees; most leads have a handful of events, where insertion wins.
            if (events_.size() > 16)
                std::sort(events_.begin(), events_.end());
            else
                for (std::size_t a = 1; a < events_.size(); ++a) {
                    const raw_event x = events_[a];
                    std::size_t b = a;
                    for (; b > 0 && x < events_[b - 1]; --b)
                        events_[b] = events_[b - 1];
                    events_[b] = x;
                }
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
                parts_.events.push_back({created + static_cast<std::int64_t>(ev >> 16), type_code, detail_code});
            }
            if (!events_.empty())
                last_event = created + static_cast<std::int64_t>(events_.back() >> 16);
        }
        m.event_ends[index] = parts_.events.size();
        m.last_contacted[index] = last_event;
        m.created[index] = created;

        // The conversion model.
        double eta = intercept + sources[source].coefficient + timeframe_coefficient(days) +
                     (newsletter ? newsletter_coefficient : 0.0);
        if (organization)
            eta += organization_coefficient + industries[firm->industry].coefficient +
                   employees_log10_coefficient * firm->employees_log10;
        for (std::size_t t = 0; t < event_types.size(); ++t)
            eta += event_types[t].coefficient * counts[t];
        const double p = 1.0 / (1.0 + std::exp(-eta));
        m.won_probability[index] = p;

        // The fate and the path that leads to it.
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
        entered[0] = created;
        double partial = 0;
        for (std::size_t k = 1; k < open_steps; ++k) {
            partial += weight[k - 1];
            entered[k] = created + static_cast<std::int64_t>(static_cast<double>(cycle) * (partial / total));
        }
        entered[open_steps] = closes;
        const bool closed = closes <= m.horizon;
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

        if (m.options.history) {
            for (std::size_t k = 0; k <= reached; ++k) {
                const std::size_t stage = k == open_steps ? final_stage : k;
                double value = std::numeric_limits<double>::quiet_NaN();
                if (stage == 5)
                    value = std::max(1.0, static_cast<double>(std::llround(deal_value * (0.8 + 0.4 * r.uniform()))));
                // The history's lead ids get the same texts in the same order as the table's id column (one per
                // lead, at its first entry), so they take the id's code and the dictionary is copied at the end;
                // stage and source codes come from small per-name caches.
                auto& h = parts_.history;
                h.lead.push_back(id_code);
                h.stage.push_back(cached(history_stage_code_, stage, h.stages, m.stage_name));
                h.source.push_back(cached(history_source_code_, source, h.sources, m.source_name));
                h.entered.push_back(entered[k]);
                h.value.push_back(value);
            }
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

/// Code j of a slice's dictionary `from` is code map[j] of `into`; entries new to `into` are interned in the
/// slice's order. Empty when every code maps to itself.
std::vector<std::int32_t> translation(dictionary& into, const dictionary& from) {
    std::vector<std::int32_t> map(from.size());
    bool same = true;
    for (std::size_t j = 0; j < map.size(); ++j) {
        map[j] = into.intern(from[static_cast<std::int32_t>(j)]);
        same &= map[j] == static_cast<std::int32_t>(j);
    }
    if (same)
        map.clear();
    return map;
}

std::int32_t translate(const std::vector<std::int32_t>& map, std::int32_t code) noexcept {
    return map.empty() || code == missing_code ? code : map[static_cast<std::size_t>(code)];
}

/// Appends every slice's parts to the first slice's in row order, translating codes, then moves them into the
/// output; builds the id and email dictionaries (into id_dict and email_dict) meanwhile.
void merge_slices(crm_context& crm, generated_crm& out, std::vector<slice_parts>& parts,
                  const std::vector<std::size_t>& bounds, unsigned threads, dictionary& id_dict, dictionary& email_dict) {
    slice_parts& first = parts.front();
    // The dictionaries of a slice: the coded columns', then these.
    enum : std::size_t { event_type_dict = coded_columns, event_detail_dict, stage_dict, source_dict, dictionaries };
    const auto dict_of = [](slice_parts& p, std::size_t d) -> dictionary& {
        switch (d) {
        case event_type_dict:
            return p.event_types;
        case event_detail_dict:
            return p.event_details;
        case stage_dict:
            return p.history.stages;
        case source_dict:
            return p.history.sources;
        default:
            return p.dicts[d];
        }
    };
    struct plan {
        std::array<std::vector<std::int32_t>, dictionaries> codes; // by dictionary: see translation()
        std::size_t events = 0, entries = 0, text = 0;             // where the slice's parts start in the merged arrays
    };
    std::vector<plan> plans(parts.size());
    // Each dictionary takes the slices in order; the dictionaries are independent of each other.
    for_each_index(dictionaries, threads, [&](std::size_t d) {
        for (std::size_t s = 1; s < parts.size(); ++s)
            plans[s].codes[d] = translation(dict_of(first, d), dict_of(parts[s], d));
    });
    std::size_t events = first.events.size(), entries = first.history.size(), text = first.email_text.size();
    for (std::size_t s = 1; s < parts.size(); ++s) {
        const slice_parts& from = parts[s];
        plan& p = plans[s];
        p.events = events;
        p.entries = entries;
        p.text = text;
        events += from.events.size();
        entries += from.history.size();
        text += from.email_text.size();
    }
    if (text > std::numeric_limits<std::uint32_t>::max())
        throw error(text_limit);
    // reserve first: a vector grown past its capacity by resize may double it.
    first.events.reserve(events);
    first.events.resize(events);
    auto& h = first.history;
    h.reserve(entries);
    h.lead.resize(entries);
    h.stage.resize(entries);
    h.source.resize(entries);
    h.entered.resize(entries);
    h.value.resize(entries);
    first.email_text.reserve(text);
    first.email_text.resize(text);
    first.email_offsets.resize(bounds.back() + 1);

    // The threads share the copies and the two dictionaries made in one step: ids (which need nothing else), and
    // emails (once every slice's are in place, so copied in one task); then three copies a slice.
    enum part : std::size_t { codes_part, events_part, history_part, parts_per_slice };
    for_each_index(2 + (parts.size() - 1) * parts_per_slice, threads, [&](std::size_t task) {
        if (task == 0) {
            id_dict = id_dictionary(bounds.back());
            return;
        }
        if (task == 1) {
            for (std::size_t s = 1; s < parts.size(); ++s) {
                const slice_parts& from = parts[s];
                const std::size_t at = plans[s].text;
                std::copy(from.email_text.begin(), from.email_text.end(),
                          first.email_text.begin() + static_cast<std::ptrdiff_t>(at));
                for (std::size_t k = 1; k < from.email_offsets.size(); ++k)
                    first.email_offsets[bounds[s] + k] = from.email_offsets[k] + static_cast<std::uint32_t>(at);
            }
            shrink_if_loose(first.email_text);
            email_dict = dictionary::from_distinct(std::move(first.email_text), std::move(first.email_offsets));
            return;
        }
        const std::size_t s = 1 + (task - 2) / parts_per_slice;
        const slice_parts& from = parts[s];
        const plan& p = plans[s];
        const std::size_t begin = bounds[s], end = bounds[s + 1];
        switch ((task - 2) % parts_per_slice) {
        case codes_part:
            for (std::size_t c = 0; c < coded_columns; ++c)
                if (!p.codes[c].empty())
                    for (std::size_t r = begin; r < end; ++r) crm.codes[c][r] = translate(p.codes[c], crm.codes[c][r]);
            for (std::size_t r = begin; r < end; ++r) crm.event_ends[r] += p.events;
            break;
        case events_part:
            for (std::size_t k = 0; k < from.events.size(); ++k) {
                const event_record& e = from.events[k];
                first.events[p.events + k] = {e.time, translate(p.codes[event_type_dict], e.type),
                                              translate(p.codes[event_detail_dict], e.detail)};
            }
            break;
        case history_part: {
            const stage_history& g = from.history;
            const auto at = static_cast<std::ptrdiff_t>(p.entries);
            std::copy(g.lead.begin(), g.lead.end(), h.lead.begin() + at);
            for (std::size_t k = 0; k < g.size(); ++k) {
                h.stage[p.entries + k] = translate(p.codes[stage_dict], g.stage[k]);
                h.source[p.entries + k] = translate(p.codes[source_dict], g.source[k]);
            }
            std::copy(g.entered.begin(), g.entered.end(), h.entered.begin() + at);
            std::copy(g.value.begin(), g.value.end(), h.value.begin() + at);
            break;
        }
        }
    });
    parts.resize(1); // the other slices' parts are merged

    lead_table& t = out.leads;
    for (std::size_t c = 0; c < coded_columns; ++c) {
        first.dicts[c].shrink_to_fit(); // the phone index was sized for an estimate
        crm.columns[c]->dict = std::move(first.dicts[c]);
    }
    t.event_types() = std::move(first.event_types);
    t.event_details() = std::move(first.event_details);
    shrink_if_loose(first.events);
    t.events() = std::move(first.events);
    out.history = std::move(first.history);
    for (auto* v : {&out.history.lead, &out.history.stage, &out.history.source})
        shrink_if_loose(*v);
    shrink_if_loose(out.history.entered);
    shrink_if_loose(out.history.value);
}

/// Generates every row: slices of rows on up to options.threads threads, then merged in row order.
void build(const generator_options& o, generated_crm& out) {
    crm_context crm(o, out);
    const std::size_t n = o.leads;
    lead_table& t = out.leads;
    const auto& s = t.table_schema();
    auto& id = std::get<categorical_column>(t.column(*s.find(field_role::id)));
    auto& email = std::get<categorical_column>(t.column(*s.find(field_role::email)));
    // Ids and emails are distinct by construction (an email holds the row number), so lead i gets code i in both,
    // and their dictionaries are built in one step instead of a lookup per lead, while the slices are joined.
    for (auto* c : {&id, &email}) {
        c->codes.resize(n);
        std::iota(c->codes.begin(), c->codes.end(), 0);
    }

    // Lead i draws from its own streams, so slices of rows can be made apart and joined in order.
    const auto slices = static_cast<std::size_t>(detail::lead_threads(o.threads, n));
    std::vector<std::size_t> bounds(slices + 1);
    for (std::size_t k = 0; k <= slices; ++k)
        bounds[k] = n * k / slices;
    std::vector<slice_parts> parts(slices);
    for_each_index(slices, o.threads, [&](std::size_t k) {
        slice_builder(crm, parts[k]).run(bounds[k], bounds[k + 1], k == 0 ? n : bounds[k + 1] - bounds[k]);
    });
    merge_slices(crm, out, parts, bounds, o.threads, id.dict, email.dict);
    t.finish_rows();
    // Every lead has a first stage entry, so interning each lead's id there would rebuild the id dictionary.
    if (o.history)
        out.history.lead_ids = id.dict;
}

schema crm_schema() {
    // Attributes in name order (as lead_table::from_leads orders them), then the outcome and the stage a lost lead
    // was lost at (its last open stage; missing for open and won leads).
    const field attributes[] = {
        {"country", field_type::categorical, field_role::none},
        {"employees", field_type::numeric, field_role::none},
        {"industry", field_type::categorical, field_role::none},
        {"last_contacted", field_type::timestamp, field_role::none},
        {"newsletter", field_type::boolean, field_role::none},
    };
    schema s = schema::for_leads(attributes);
    s.add({"outcome", field_type::categorical, field_role::outcome});
    s.add({"lost_stage", field_type::categorical, field_role::none});
    return s;
}

} // namespace

generated_crm generate_crm(const generator_options& options) {
    if (options.capture_days < 1 || options.capture_days > 36500)
        throw definition_error("generator: capture_days must be between 1 and 36500, not " +
                               std::to_string(options.capture_days));
    if (options.follow_up_days < 0 || options.follow_up_days > 36500)
        throw definition_error("generator: follow_up_days must be between 0 and 36500, not " +
                               std::to_string(options.follow_up_days));
    if (options.leads > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw definition_error("generator: at most 2147483647 leads (codes are 32-bit), not " +
                               std::to_string(options.leads));
    // The ids' text is known in advance (the emails' only once they are drawn): checked before any work.
    if (id_text_bytes(options.leads) > std::numeric_limits<std::uint32_t>::max())
        throw definition_error("generator: the ids of " + std::to_string(options.leads) +
                               " leads need more text than a column can hold (4 GiB); generate fewer leads");

    generated_crm out{lead_table(crm_schema()), {}, make_truth(), {}, {}};
    out.horizon = from_seconds(to_seconds(options.start) +
                               static_cast<std::int64_t>(options.capture_days + options.follow_up_days) * seconds_per_day);
    build(options, out);
    return out;
}

} // namespace leadscore
