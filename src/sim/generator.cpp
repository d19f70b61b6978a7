// The synthetic CRM generator. Every draw comes from the library's own xoshiro256** streams and its own transforms,
// never from <random>'s distributions (whose output is implementation-defined), and every stored number is a whole
// number (seconds, counts, employees, money), so a seed gives the same data on every machine. The model it draws
// from is documented, parameter by parameter, in the README ("Synthetic data"); the tables below are that model.

#include "leadscore/sim/generator.hpp"

#include "../core/random.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <algorithm>
#include <array>
#include <cmath>
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
        std::copy_n(s.data(), n, data_.data() + size_);
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

/// A categorical column filled through a cache of codes for a fixed list of texts, interned when first used so
/// the dictionary holds only texts that occur, in first-seen order.
class coded_column {
public:
    coded_column(categorical_column& column, std::size_t cached) : column_(&column), cache_(cached, missing_code) {}
    /// Sets row `row` (the column is sized for every row up front) to the text of entry `index`.
    void set(std::size_t row, std::size_t index, std::string_view text) {
        auto code = cache_[index];
        if (code == missing_code) [[unlikely]]
            code = first_use(index, text);
        column_->codes[row] = code;
    }
    void set_missing(std::size_t row) { column_->codes[row] = missing_code; }
    void resize(std::size_t n) { column_->codes.resize(n); }
    void reserve_dictionary(std::size_t entries) { column_->dict.reserve(entries); }

private:
    [[gnu::noinline]] std::int32_t first_use(std::size_t index, std::string_view text) {
        return cache_[index] = column_->dict.intern(text);
    }

    categorical_column* column_;
    std::vector<std::int32_t> cache_;
};

struct company {
    std::string name, domain, phone;
    std::uint8_t industry = 0, country = 0;
    double employees = 1, employees_log10 = 0, log_employees = 0;
};

std::vector<company> make_companies(std::uint64_t seed) {
    std::vector<company> out(company_count);
    for (std::size_t c = 0; c < company_count; ++c) {
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
    return out;
}

generator_truth make_truth() {
    generator_truth t;
    t.intercept = intercept;
    for (const auto& s : sources) t.coefficients["source=" + std::string(s.name)] = s.coefficient;
    t.coefficients["party=organization"] = organization_coefficient;
    for (const auto& i : industries) t.coefficients["industry=" + std::string(i.name)] = i.coefficient;
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

class crm_builder {
public:
    crm_builder(const generator_options& o, generated_crm& out)
        : options_(o), out_(out), table_(out.leads), companies_(make_companies(o.seed)) {
        start_ = to_seconds(o.start);
        capture_seconds_ = static_cast<std::int64_t>(o.capture_days) * seconds_per_day;
        horizon_ = start_ + static_cast<std::int64_t>(o.capture_days + o.follow_up_days) * seconds_per_day;

        // Names come from the catalogues and the funnel, so a renamed entry fails here rather than drifting.
        const source_catalogue source_names;
        for (const auto& s : sources) source_name_.push_back(source_names[source_names.at(s.name)].name);
        const event_catalogue event_names;
        for (const auto& e : event_types) event_name_.push_back(event_names[event_names.at(e.name)].name);
        const funnel& f = funnel::standard();
        for (const char* s : {"suspect", "lead", "mql", "sql", "opportunity", "won", "lost", "rejected", "nurture"})
            stage_index_.push_back(f.at(s));
        for (const auto i : stage_index_) stage_name_.push_back(f[i].name);

        for (const auto first : first_names)
            for (const auto last : last_names) full_name_.push_back(std::string(first) + ' ' + std::string(last));
        for (const auto n : first_names) first_lower_.push_back(lower(n));
        for (const auto n : last_names) last_lower_.push_back(lower(n));

        const auto& s = table_.table_schema();
        const auto cat = [&](std::size_t col) -> categorical_column& {
            return std::get<categorical_column>(table_.column(col));
        };
        const auto num = [&](std::size_t col) -> std::vector<double>& {
            return std::get<numeric_column>(table_.column(col)).values;
        };
        const auto ts = [&](std::size_t col) -> std::vector<std::int64_t>& {
            return std::get<timestamp_column>(table_.column(col)).values;
        };
        const auto role = [&](field_role r) { return *s.find(r); };
        id_ = &cat(role(field_role::id));
        email_ = &cat(role(field_role::email));
        phone_ = &cat(role(field_role::phone));
        company_phone_.emplace(*phone_, company_count);
        party_.emplace(cat(role(field_role::party)), 2);
        name_.emplace(cat(role(field_role::name)), full_name_.size());
        company_.emplace(cat(role(field_role::company)), company_count);
        job_.emplace(cat(role(field_role::job_title)), job_titles.size());
        source_.emplace(cat(role(field_role::source)), sources.size());
        stage_.emplace(cat(role(field_role::stage)), stage_name_.size());
        team_.emplace(cat(role(field_role::team)), team_names.size());
        owner_.emplace(cat(role(field_role::owner)), owner_names.size());
        industry_.emplace(cat(s.at("industry")), industries.size());
        country_.emplace(cat(s.at("country")), countries.size());
        outcome_.emplace(cat(role(field_role::outcome)), 3);
        lost_stage_.emplace(cat(s.at("lost_stage")), stage_name_.size());
        timeframe_ = &num(role(field_role::purchase_timeframe));
        value_ = &num(role(field_role::expected_value));
        employees_ = &num(s.at("employees"));
        created_ = &ts(role(field_role::created));
        last_contacted_ = &ts(s.at("last_contacted"));
        newsletter_ = &std::get<boolean_column>(table_.column(s.at("newsletter"))).values;
        event_type_code_.assign(event_types.size(), missing_code);
        detail_code_.assign(detail_texts.size(), missing_code);
        history_stage_code_.assign(stage_name_.size(), missing_code);
        history_source_code_.assign(sources.size(), missing_code);
    }

    void run() {
        const std::size_t n = options_.leads;
        // Every per-row array is sized once and written by row: no capacity check per value.
        // Ids and emails are distinct by construction (an email holds the row number), so lead i gets code i in
        // both, and their dictionaries are built in one step instead of a lookup per lead: ids up front, emails from
        // their texts after the loop.
        id_->dict = id_dictionary(n);
        for (auto* c : {id_, email_}) {
            c->codes.resize(n);
            std::iota(c->codes.begin(), c->codes.end(), 0);
        }
        phone_->codes.resize(n);
        // Nearly every phone is new: grow the index once, not log2(n) times, and the texts of phones and emails for
        // a first slice, then at the observed rate, below.
        const std::size_t probe = std::min(n, std::max<std::size_t>(4096, n / 64));
        email_offsets_.reserve(n + 1);
        email_offsets_.push_back(0);
        email_text_.reserve(probe * 48);
        // Phones: about 36 % of leads give a personal number (individuals with a phone), plus the company lines;
        // sized for that rather than for n, so the index need not shrink at the end.
        const std::size_t phones = std::min(n, n * 2 / 5 + company_count);
        phone_->dict.reserve(phones, probe * 8);
        // Names and companies are few but each is interned on first sight: size their indexes once as well.
        name_->reserve_dictionary(std::min(n, full_name_.size()));
        company_->reserve_dictionary(std::min(n, company_count));
        for (auto* c : {&*party_, &*name_, &*company_, &*job_, &*source_, &*stage_, &*team_, &*owner_, &*industry_,
                        &*country_, &*outcome_, &*lost_stage_})
            c->resize(n);
        for (auto* v : {timeframe_, value_, employees_}) v->resize(n);
        for (auto* v : {created_, last_contacted_}) v->resize(n);
        newsletter_->resize(n);
        table_.event_offsets().resize(n + 1); // entry 0 stays 0
        out_.won_probability.resize(n);

        // Events and stage entries per lead are random: after a first slice, reserve for the rest at the observed
        // rate plus 2 %, so the big arrays are allocated once instead of doubling.
        if (options_.events) table_.events().reserve(probe * 8);   // about 6.4 events per lead by default
        if (options_.history) {
            out_.history.reserve(probe * 5); // about 4.8 stage entries per lead
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (i == probe && i > 0) {
                const auto scale = [&](std::size_t have) {
                    return static_cast<std::size_t>(static_cast<double>(have) / static_cast<double>(i) *
                                                    static_cast<double>(n) * 1.02) + 1024;
                };
                if (options_.events) table_.events().reserve(scale(table_.events().size()));
                email_text_.reserve(scale(email_text_.size()));
                phone_->dict.reserve(phones, scale(phone_->dict.raw_bytes() - phone_->dict.size() * sizeof(std::uint32_t)));
                if (options_.history) out_.history.reserve(scale(out_.history.size()));
            }
            generate(i);
        }
        email_->dict = dictionary::from_distinct(std::move(email_text_), std::move(email_offsets_));
        table_.finish_rows();
        table_.shrink_to_fit();
        // Every lead has a first stage entry, so interning each lead's id there would rebuild the id dictionary.
        if (options_.history) out_.history.lead_ids = id_->dict;
        // Moving every entry costs more than the slack of a good estimate; shrink only after a bad one.
        if (out_.history.lead.capacity() > out_.history.size() + out_.history.size() / 4 + 1024) out_.history.shrink_to_fit();
    }

private:
    void generate(std::size_t index) {
        rng r(options_.seed, profile_stream, index);

        const std::int64_t created = start_ + static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(capture_seconds_)));
        const bool organization = r.chance(organization_share);
        const std::size_t source =
            organization ? source_choice_organization.pick(r) : source_choice_individual.pick(r);
        const double z = r.normal(); // latent interest
        const std::size_t first = r.below(first_names.size()), last = r.below(last_names.size());

        // Identity and contact.
        const auto id_code = static_cast<std::int32_t>(index); // see run()
        party_->set(index, organization ? 1 : 0, organization ? "organization" : "individual");
        name_->set(index, first * last_names.size() + last, full_name_[first * last_names.size() + last]);

        const company* firm = nullptr;
        std::size_t country = 0;
        if (organization) {
            const std::size_t c = r.below(company_count);
            firm = &companies_[c];
            country = firm->country;
            company_->set(index, c, firm->name);
            const std::size_t job = job_choice.pick(r);
            job_->set(index, job, job_titles[job].title);
            industry_->set(index, firm->industry, industries[firm->industry].name);
            (*employees_)[index] = firm->employees;
        } else {
            country = country_choice.pick(r);
            company_->set_missing(index);
            job_->set_missing(index);
            industry_->set_missing(index);
            (*employees_)[index] = std::numeric_limits<double>::quiet_NaN();
        }
        country_->set(index, country, countries[country].code);

        text_.clear();
        text_ << first_lower_[first] << '.' << last_lower_[last] << '.';
        text_.base36(index);
        text_ << '@' << (organization ? std::string_view(firm->domain) : personal_domains[r.below(personal_domains.size())]);
        if (email_text_.size() + text_.view().size() > std::numeric_limits<std::uint32_t>::max()) throw error(text_limit);
        email_text_ += text_.view();
        email_offsets_.push_back(static_cast<std::uint32_t>(email_text_.size()));

        // An organization's leads give the company's main line; an individual gives a personal number.
        if (r.chance(phone_missing_share)) {
            phone_->codes[index] = missing_code;
        } else if (organization) {
            company_phone_->set(index, static_cast<std::size_t>(firm - companies_.data()), firm->phone);
        } else {
            text_.clear();
            text_ << countries[country].calling_code << ' ';
            text_.decimal(r.below(1000), 3);
            text_ << ' ';
            text_.decimal(r.below(10000000), 7);
            phone_->codes[index] = phone_->dict.intern(text_.view());
        }
        source_->set(index, source, source_name_[source]);

        // Intent: timeframe, newsletter.
        const std::size_t band = z <= -0.5 ? 0 : (z <= 0.5 ? 1 : 2);
        const std::size_t timeframe = timeframe_choice[band].pick(r);
        const std::int32_t days = timeframe_days[timeframe];
        (*timeframe_)[index] = days < 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(days);
        const bool newsletter = r.chance(z > 0 ? 0.5 : 0.3);
        (*newsletter_)[index] = newsletter ? 1 : 0;

        // Ownership.
        const std::size_t team = !organization ? 3 : firm->employees >= 1000 ? 0 : firm->employees >= 50 ? 1 : 2;
        team_->set(index, team, team_names[team]);
        const std::size_t owner = team_owner_begin[team] + r.below(team_owner_begin[team + 1] - team_owner_begin[team]);
        owner_->set(index, owner, owner_names[owner]);

        // Money: lognormal, by party and size. The deal value is drawn even when the CRM does not show it.
        const double mu = organization ? std::log(1500.0) + 0.45 * firm->log_employees : std::log(400.0);
        const double sigma = organization ? 0.7 : 0.6;
        const double deal_value = std::max(1.0, static_cast<double>(std::llround(std::exp(mu + sigma * r.normal()))));
        (*value_)[index] = r.chance(value_missing_share) ? std::numeric_limits<double>::quiet_NaN() : deal_value;

        // Cycle time: from capture to the final stage, independent of how the lead ends.
        const double cycle_days = std::clamp(cycle_median_days[timeframe] * std::exp(cycle_sigma * r.normal()),
                                             cycle_min_days, cycle_max_days);
        const auto cycle = static_cast<std::int64_t>(cycle_days * static_cast<double>(seconds_per_day));
        const std::int64_t closes = created + cycle;

        // Engagement, on its own stream so the profile above does not depend on options.events.
        std::array<std::uint32_t, event_types.size()> counts{};
        std::int64_t last_event = missing_time;
        if (options_.events) {
            const std::int64_t window = std::min(closes, horizon_) - created;
            rng e(options_.seed, event_stream, index);
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
                    for (; b > 0 && x < events_[b - 1]; --b) events_[b] = events_[b - 1];
                    events_[b] = x;
                }
            auto& records = table_.events();
            for (const raw_event ev : events_) {
                const auto type = static_cast<std::uint8_t>(ev >> 8), detail = static_cast<std::uint8_t>(ev);
                auto& type_code = event_type_code_[type];
                if (type_code == missing_code) type_code = table_.event_types().intern(event_name_[type]);
                std::int32_t detail_code = missing_code;
                if (detail != no_detail) {
                    auto& d = detail_code_[detail];
                    if (d == missing_code) d = table_.event_details().intern(detail_texts[detail]);
                    detail_code = d;
                }
                records.push_back({created + static_cast<std::int64_t>(ev >> 16), type_code, detail_code});
            }
            if (!events_.empty()) last_event = created + static_cast<std::int64_t>(events_.back() >> 16);
        }
        table_.event_offsets()[index + 1] = table_.events().size();
        (*last_contacted_)[index] = last_event;
        (*created_)[index] = created;

        // The conversion model.
        double eta = intercept + sources[source].coefficient + timeframe_coefficient(days) +
                     (newsletter ? newsletter_coefficient : 0.0);
        if (organization)
            eta += organization_coefficient + industries[firm->industry].coefficient +
                   employees_log10_coefficient * firm->employees_log10;
        for (std::size_t t = 0; t < event_types.size(); ++t) eta += event_types[t].coefficient * counts[t];
        const double p = 1.0 / (1.0 + std::exp(-eta));
        out_.won_probability[index] = p;

        // The fate and the path that leads to it.
        const auto end = r.chance(p) ? fate::won : static_cast<fate>(1 + exit_choice.pick(r));
        std::size_t open_steps = 0, final_stage = 0; // indices into stage_name_
        switch (end) {
        case fate::won: open_steps = 5, final_stage = 5; break;
        case fate::lost_after_sql: open_steps = 4, final_stage = 6; break;
        case fate::lost_after_opportunity: open_steps = 5, final_stage = 6; break;
        case fate::rejected: open_steps = 2, final_stage = 7; break;
        case fate::nurture: open_steps = 3, final_stage = 8; break;
        }
        std::array<double, 5> weight{};
        double total = 0;
        for (std::size_t k = 0; k < open_steps; ++k) total += weight[k] = dwell_scale[k] * (0.5 + r.uniform());
        std::array<std::int64_t, 6> entered{};
        entered[0] = created;
        double partial = 0;
        for (std::size_t k = 1; k < open_steps; ++k) {
            partial += weight[k - 1];
            entered[k] = created + static_cast<std::int64_t>(static_cast<double>(cycle) * (partial / total));
        }
        entered[open_steps] = closes;
        const bool closed = closes <= horizon_;
        const std::size_t reached = closed ? open_steps : [&] {
            std::size_t k = 0;
            while (k + 1 < open_steps && entered[k + 1] <= horizon_) ++k;
            return k;
        }();
        const std::size_t current = reached == open_steps ? final_stage : reached;
        stage_->set(index, current, stage_name_[current]);
        const std::size_t result = !closed ? 2 : end == fate::won ? 0 : 1;
        constexpr std::array<std::string_view, 3> outcome_names{"won", "lost", "open"};
        outcome_->set(index, result, outcome_names[result]);
        if (result == 1)
            lost_stage_->set(index, open_steps - 1, stage_name_[open_steps - 1]);
        else
            lost_stage_->set_missing(index);

        if (options_.history) {
            for (std::size_t k = 0; k <= reached; ++k) {
                const std::size_t stage = k == open_steps ? final_stage : k;
                double value = std::numeric_limits<double>::quiet_NaN();
                if (stage == 5) value = std::max(1.0, static_cast<double>(std::llround(deal_value * (0.8 + 0.4 * r.uniform()))));
                // Codes: the history's lead ids get the same texts in the same order as the table's id column (one
                // per lead, at its first entry), so they take the id's code and the dictionary is copied in run();
                // stage and source codes come from small per-name caches.
                auto& h = out_.history;
                h.lead.push_back(id_code);
                h.stage.push_back(cached(history_stage_code_, stage, h.stages, stage_name_));
                h.source.push_back(cached(history_source_code_, source, h.sources, source_name_));
                h.entered.push_back(entered[k]);
                h.value.push_back(value);
            }
        }
    }

    const generator_options& options_;
    generated_crm& out_;
    lead_table& table_;
    std::vector<company> companies_;
    std::int64_t start_ = 0, capture_seconds_ = 0, horizon_ = 0;

    std::vector<std::string> source_name_, event_name_, stage_name_, full_name_, first_lower_, last_lower_;
    std::vector<std::size_t> stage_index_;

    categorical_column *id_ = nullptr, *email_ = nullptr, *phone_ = nullptr;
    std::optional<coded_column> company_phone_, party_, name_, company_, job_, source_, stage_, team_, owner_, industry_, country_,
        outcome_, lost_stage_;
    std::vector<double>*timeframe_ = nullptr, *value_ = nullptr, *employees_ = nullptr;
    std::vector<std::int64_t>*created_ = nullptr, *last_contacted_ = nullptr;
    std::vector<std::int8_t>* newsletter_ = nullptr;
    std::vector<std::int32_t> event_type_code_, detail_code_;

    static std::int32_t cached(std::vector<std::int32_t>& cache, std::size_t index, dictionary& d,
                               const std::vector<std::string>& names) {
        if (cache[index] == missing_code) cache[index] = d.intern(names[index]);
        return cache[index];
    }

    text_buffer text_;
    std::string email_text_; // the emails, one after the other; entry i ends at email_offsets_[i + 1]
    std::vector<std::uint32_t> email_offsets_;
    std::vector<raw_event> events_;
    std::vector<std::int32_t> history_stage_code_, history_source_code_;
};

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

    generated_crm out{lead_table(crm_schema()), {}, make_truth(), {}, {}};
    out.horizon = from_seconds(to_seconds(options.start) +
                               static_cast<std::int64_t>(options.capture_days + options.follow_up_days) * seconds_per_day);
    crm_builder(options, out).run();
    return out;
}

} // namespace leadscore
