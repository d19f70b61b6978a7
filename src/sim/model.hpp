#pragma once
// The synthetic CRM's model. Every draw comes from the library's own xoshiro256** streams and its own transforms,
// never from <random>'s distributions (whose output is implementation-defined), and every stored number is a whole
// number (seconds, counts, employees, money), so a seed gives the same data on every machine. The model is
// documented, parameter by parameter, in docs/data.md ("Synthetic data"); the tables below are that model. Internal.

#include "../core/random.hpp"
#include "../core/numbers.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <string_view>

namespace leadscore::detail {

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

namespace sim {

// ---- the model's parameters (documented in docs/data.md; change both together) ---------------------------------

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

using detail::seconds_per_day;

} // namespace sim
} // namespace leadscore::detail
