#include "leadscore/qualification/default_policy.hpp"
#include "../core/numbers.hpp"

#include "../core/messages.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

namespace leadscore {

namespace {

using detail::seconds_per_day;
constexpr std::int32_t not_in_funnel = -2;
constexpr std::uint8_t inquiry_flag = 1, interest_flag = 2;

void check_days(const char* what, const std::optional<std::int32_t>& days) {
    if (days && (*days < 0 || *days > 36500))
        throw definition_error(std::string("qualification: ") + what + " of " + std::to_string(*days) +
                               " days (needs 0..36500)");
}

void check_types(const char* what, const std::vector<std::string>& types) {
    for (std::size_t i = 0; i < types.size(); ++i)
        if (normalize_name(types[i]).empty())
            throw definition_error(std::string("qualification: ") + what + " entry " + std::to_string(i + 1) +
                                   " is an empty event type");
}

std::string std_days(std::int32_t d) { return std::to_string(d) + (d == 1 ? " day" : " days"); }

} // namespace

namespace detail {

struct qualification_program {
    std::shared_ptr<const qualification_rules> rules;
    stage_map stages;
    std::size_t rows = 0;
    std::int64_t as_of = 0;
    std::span<const double> scores;
    std::span<const rating> temperatures;
    const std::int32_t* stage_codes = nullptr;
    std::vector<std::int32_t> stage_of_code; // funnel index per dictionary code, or not_in_funnel
    const dictionary* stage_dict = nullptr;
    std::string stage_field;
    const double* timeframe = nullptr;
    std::string timeframe_field;
    const std::int64_t* created = nullptr;
    std::span<const event_record> events;
    std::span<const std::uint64_t> offsets;
    std::vector<std::uint8_t> type_flags; // per event type code: inquiry_flag | interest_flag
    std::string event_field = "events";
    std::optional<bound_condition> competitor, no_intent;
    double mql = std::numeric_limits<double>::quiet_NaN(); // NaN: no score rule
    std::int64_t reject_after = -1, nurture_after = -1;    // seconds; -1 = never

    explicit qualification_program(stage_map m) : stages(std::move(m)) {}
    [[nodiscard]] qualification qualify(std::size_t row) const;

private:
    /// Where a lead stands now: its funnel stage (-1 for none) and that stage's class.
    struct place {
        std::int32_t stage = -1;
        lifecycle category = lifecycle::suspect;
        [[nodiscard]] bool known() const noexcept { return stage >= 0; }
        [[nodiscard]] bool open() const noexcept { return known() && is_open_class(category); }
    };
    /// What the lead shows, as the rules read it.
    struct signals {
        temperature level = temperature::unknown;
        bool stated = false;          // a purchase timeframe is stated
        bool score_qualifies = false; // the score is at or above mql_score
        bool interested = false;      // an interest event happened by as_of
        std::int64_t last_interest = std::numeric_limits<std::int64_t>::min();
        std::int64_t last_inquiry = std::numeric_limits<std::int64_t>::min();
    };
    /// The proposed class and its reason.
    struct proposal {
        lifecycle category = lifecycle::suspect;
        std::uint16_t reason = 0;
    };

    // The steps of qualify, defined inline so that they fold into it (the batch loop calls it per lead); the errors
    // are out of line, so the steps stay small.
    [[nodiscard]] place current_place(std::size_t row) const;
    [[nodiscard]] signals read_signals(std::size_t row) const;
    [[nodiscard]] proposal propose(std::size_t row, const place& now, const signals& s) const;
    [[nodiscard]] qualification move(const place& now, const proposal& p) const;

    [[noreturn, gnu::cold, gnu::noinline]] void bad_stage(std::size_t row, std::int32_t code) const;
    [[noreturn, gnu::cold, gnu::noinline]] static void bad_level(std::size_t row, temperature t);
    [[noreturn, gnu::cold, gnu::noinline]] void bad_timeframe(std::size_t row, double days) const;
    [[noreturn, gnu::cold, gnu::noinline]] void bad_event(std::size_t row, std::int32_t type) const;
};

void qualification_program::bad_stage(std::size_t row, std::int32_t code) const {
    if (code < 0 || static_cast<std::size_t>(code) >= stage_of_code.size())
        throw input_error(field_place(stage_field), "row " + std::to_string(row) + ": code " + std::to_string(code) +
                                                        " is not in the field's dictionary");
    std::string known;
    for (const auto& s : stages.lead_funnel().stages()) known += (known.empty() ? "" : ", ") + s.name;
    throw input_error(field_place(stage_field), "row " + std::to_string(row) + ": stage '" +
                                                    std::string((*stage_dict)[code]) +
                                                    "' is not a stage of the funnel (stages: " + known + ")");
}

void qualification_program::bad_level(std::size_t row, temperature t) {
    throw input_error(field_place("temperature"), "row " + std::to_string(row) + ": level code " +
                                                      std::to_string(static_cast<unsigned>(t)) + " is not a temperature");
}

void qualification_program::bad_timeframe(std::size_t row, double days) const {
    throw input_error(field_place(timeframe_field), "row " + std::to_string(row) + ": purchase timeframe of " +
                                                        format_shortest(days) + " days (a timeframe is 0 or more days)");
}

void qualification_program::bad_event(std::size_t row, std::int32_t type) const {
    throw input_error(field_place(event_field), "row " + std::to_string(row) + ": event type code " +
                                                    std::to_string(type) + " is not in the dictionary");
}

qualification qualification_program::qualify(std::size_t row) const {
    const place now = current_place(row);
    if (now.known() && now.category == lifecycle::beyond)
        return {now.stage, now.category, default_qualification_policy::past};
    return move(now, propose(row, now, read_signals(row)));
}

inline qualification_program::place qualification_program::current_place(std::size_t row) const {
    place now;
    if (stage_codes == nullptr) return now;
    const std::int32_t code = stage_codes[row];
    if (code == missing_code) return now;
    if (code < 0 || static_cast<std::size_t>(code) >= stage_of_code.size()) bad_stage(row, code);
    now.stage = stage_of_code[static_cast<std::size_t>(code)];
    if (now.stage == not_in_funnel) bad_stage(row, code);
    now.category = stages.class_of(static_cast<std::size_t>(now.stage));
    return now;
}

inline qualification_program::signals qualification_program::read_signals(std::size_t row) const {
    signals s;
    s.level = temperatures[row].level;
    if (static_cast<std::uint8_t>(s.level) > static_cast<std::uint8_t>(temperature::unknown)) bad_level(row, s.level);
    if (timeframe != nullptr) {
        const double d = timeframe[row];
        if (d < 0) bad_timeframe(row, d);
        s.stated = !std::isnan(d);
    }
    const double score = scores.empty() ? std::numeric_limits<double>::quiet_NaN() : scores[row];
    s.score_qualifies = score >= mql; // false when either is NaN
    if (offsets.empty()) return s;
    for (std::uint64_t j = offsets[row]; j < offsets[row + 1]; ++j) {
        const auto& e = events[j];
        if (e.time > as_of) break; // sorted by time: later events do not exist yet
        if (e.type < 0 || static_cast<std::size_t>(e.type) >= type_flags.size()) bad_event(row, e.type);
        const auto f = type_flags[static_cast<std::size_t>(e.type)];
        if ((f & interest_flag) != 0) {
            s.interested = true;
            s.last_interest = e.time;
        }
        if ((f & inquiry_flag) != 0) s.last_inquiry = e.time;
    }
    return s;
}

// The first rule that holds, in the order of the header's list.
inline qualification_program::proposal qualification_program::propose(std::size_t row, const place& now,
                                                               const signals& s) const {
    using reason = default_qualification_policy::reason_code;
    const bool showed_interest = s.interested || s.stated || (now.open() && now.category >= lifecycle::lead);
    const auto aged = [&](std::int64_t since, std::int64_t limit) {
        return limit >= 0 && since != std::numeric_limits<std::int64_t>::min() && as_of - since >= limit;
    };
    std::int64_t last_activity = s.last_interest;
    if (created != nullptr && created[row] != missing_time) last_activity = std::max(last_activity, created[row]);
    const temperature t = s.level;
    if (competitor && competitor->matches(row)) return {lifecycle::nurture, reason::competitor};
    if (no_intent && no_intent->matches(row)) return {lifecycle::rejected, reason::no_intent};
    if (t == temperature::hot) return {lifecycle::sql, reason::buys_now};
    if (t == temperature::warm) return {lifecycle::mql, reason::warm_interest};
    if (s.score_qualifies) return {lifecycle::mql, reason::score_interest};
    if (t == temperature::cold && !s.stated && (!now.known() || (now.open() && now.category <= lifecycle::lead)) &&
        aged(s.last_inquiry, reject_after))
        return {lifecycle::rejected, reason::inquiry_only};
    if (t == temperature::cold && showed_interest && aged(last_activity, nurture_after))
        return {lifecycle::nurture, reason::cold_for_long};
    if (showed_interest) return {lifecycle::lead, reason::interest};
    return {lifecycle::suspect, reason::no_interest};
}

// The move from the current stage: forward freely, back only for an explicit reason.
inline qualification qualification_program::move(const place& now, const proposal& p) const {
    using reason = default_qualification_policy::reason_code;
    const auto to = [&](lifecycle c, std::uint16_t r) {
        const auto s = stages.stage_of(c);
        return qualification{static_cast<std::int32_t>(s), stages.class_of(s), r};
    };
    const auto keep = [&](std::uint16_t r) { return qualification{now.stage, now.category, r}; };
    const std::uint16_t why = p.reason;
    if (!now.known()) return to(p.category, why);
    const bool side = !is_open_class(p.category);
    if (now.open()) {
        if (side || p.category > now.category) return to(p.category, why);
        return p.category == now.category ? keep(why) : keep(reason::no_step_back);
    }
    // rejected or nurture: parked until intent shows again, or an explicit condition moves it to the other side class
    if (why == reason::buys_now || why == reason::warm_interest || why == reason::score_interest) return to(p.category, why);
    if (p.category != now.category && (why == reason::competitor || why == reason::no_intent)) return to(p.category, why);
    return p.category == now.category ? keep(why) : keep(reason::parked);
}

} // namespace detail

default_qualification_policy::default_qualification_policy() : default_qualification_policy(qualification_rules{}) {}

default_qualification_policy::default_qualification_policy(qualification_rules rules)
    : default_qualification_policy(std::move(rules), stage_map::by_kind_and_order(funnel::standard())) {}

default_qualification_policy::default_qualification_policy(qualification_rules rules, stage_map stages)
    : stages_(std::move(stages)) {
    if (rules.mql_score && !std::isfinite(*rules.mql_score))
        throw definition_error("qualification: mql_score " + detail::format_shortest(*rules.mql_score) +
                               " is not a finite number");
    check_days("reject_after_days", rules.reject_after_days);
    check_days("nurture_after_days", rules.nurture_after_days);
    check_types("inquiry_events", rules.inquiry_events);
    check_types("not_interest_events", rules.not_interest_events);
    if (rules.no_intent) validate(*rules.no_intent);
    if (rules.bought_competitor) validate(*rules.bought_competitor);
    std::vector<std::string> r(12);
    r[competitor] = "bought a competitor's product" +
                    (rules.bought_competitor ? " (" + to_string(*rules.bought_competitor) + ")" : std::string());
    r[no_intent] = "no intent to buy" + (rules.no_intent ? " (" + to_string(*rules.no_intent) + ")" : std::string());
    r[buys_now] = "intends to buy now (hot)";
    r[warm_interest] = "interested, not ready to buy soon (warm)";
    r[score_interest] = "interested: score at or above " +
                        (rules.mql_score ? detail::format_shortest(*rules.mql_score) : std::string("(not set)"));
    r[inquiry_only] = "inquiry without intent for " +
                      (rules.reject_after_days ? std_days(*rules.reject_after_days) : std::string("(never)"));
    r[cold_for_long] = "cold for " +
                       (rules.nurture_after_days ? std_days(*rules.nurture_after_days) : std::string("(never)"));
    r[interest] = "showed interest";
    r[no_interest] = "no sign of interest yet";
    r[past] = "kept: past qualification";
    r[no_step_back] = "kept: no explicit reason to move back";
    r[parked] = "kept: parked until the lead shows intent";
    reasons_ = std::make_shared<const std::vector<std::string>>(std::move(r));
    rules_ = std::make_shared<const qualification_rules>(std::move(rules));
}

default_qualification_policy::qualifier default_qualification_policy::bind(const qualification_input& in,
                                                                           const batch_options& options) const {
    detail::check_qualification_input(in);
    const auto& v = in.rows;
    const auto n = v.rows();
    if (n > 0 && in.temperatures.empty())
        throw definition_error("qualification: the default policy needs the leads' temperatures (rate them first)");
    if (n > 0 && rules_->mql_score && in.scores.empty())
        throw definition_error("qualification: mql_score is set, so the default policy needs the leads' scores");
    auto p = std::make_shared<detail::qualification_program>(stages_);
    p->rules = rules_;
    p->rows = n;
    p->as_of = to_seconds(options.as_of);
    p->scores = in.scores;
    p->temperatures = in.temperatures;
    if (n == 0) { // nothing to read; the schema may even be empty
        qualifier q;
        q.program_ = std::move(p);
        return q;
    }
    const auto& s = v.table_schema();
    if (const auto col = s.find(field_role::stage)) {
        const auto& dict = v.dict(*col);
        p->stage_codes = v.codes(*col).data();
        p->stage_dict = &dict;
        p->stage_field = s[*col].name;
        p->stage_of_code.resize(dict.size());
        for (std::size_t c = 0; c < dict.size(); ++c) {
            const auto idx = stages_.lead_funnel().find(dict[static_cast<std::int32_t>(c)]);
            p->stage_of_code[c] = idx ? static_cast<std::int32_t>(*idx) : not_in_funnel;
        }
    }
    if (const auto col = s.find(field_role::purchase_timeframe)) {
        p->timeframe = v.numeric(*col).data();
        p->timeframe_field = s[*col].name;
    }
    if (const auto col = s.find(field_role::created)) p->created = v.timestamps(*col).data();
    if (v.has_events()) {
        p->events = v.all_events();
        p->offsets = v.event_offsets();
        const auto& types = v.event_types();
        std::unordered_set<std::string> inquiry, not_interest;
        for (const auto& e : rules_->inquiry_events) inquiry.insert(normalize_name(e));
        for (const auto& e : rules_->not_interest_events) not_interest.insert(normalize_name(e));
        p->type_flags.resize(types.size());
        for (std::size_t c = 0; c < types.size(); ++c) {
            const auto key = normalize_name(types[static_cast<std::int32_t>(c)]);
            p->type_flags[c] = static_cast<std::uint8_t>((inquiry.contains(key) ? inquiry_flag : 0) |
                                                         (not_interest.contains(key) ? 0 : interest_flag));
        }
    }
    if (rules_->bought_competitor) p->competitor.emplace(*rules_->bought_competitor, v);
    if (rules_->no_intent) p->no_intent.emplace(*rules_->no_intent, v);
    if (rules_->mql_score) p->mql = *rules_->mql_score;
    if (rules_->reject_after_days) p->reject_after = std::int64_t{*rules_->reject_after_days} * seconds_per_day;
    if (rules_->nurture_after_days) p->nurture_after = std::int64_t{*rules_->nurture_after_days} * seconds_per_day;
    qualifier q;
    q.program_ = std::move(p);
    return q;
}

qualification default_qualification_policy::qualifier::qualify(std::size_t row) const {
    return program_->qualify(row);
}

bool operator==(const default_qualification_policy& a, const default_qualification_policy& b) {
    return a.rules() == b.rules() && a.stages_ == b.stages_;
}

} // namespace leadscore

namespace leadscore {
// The built-in types satisfy their concepts: checked once here, not in every file that includes their headers.
static_assert(QualificationPolicy<default_qualification_policy>);

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const qualification_rules&, const qualification_rules&) = default;

} // namespace leadscore
