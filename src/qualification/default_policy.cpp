#include "leadscore/qualification/default_policy.hpp"

#include "../temperature/common.hpp"

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

namespace leadscore {

namespace {

constexpr std::int64_t seconds_per_day = 86400;
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
};

qualification qualification_program::qualify(std::size_t row) const {
    using reason = default_qualification_policy::reason_code;
    // ---- the current stage
    std::int32_t current = -1;
    if (stage_codes != nullptr) {
        const std::int32_t code = stage_codes[row];
        if (code != missing_code) {
            if (code < 0 || static_cast<std::size_t>(code) >= stage_of_code.size())
                throw input_error(field_place(stage_field), "row " + std::to_string(row) + ": code " +
                                                                std::to_string(code) + " is not in the field's dictionary");
            current = stage_of_code[static_cast<std::size_t>(code)];
            if (current == not_in_funnel) {
                std::string known;
                for (const auto& s : stages.lead_funnel().stages()) known += (known.empty() ? "" : ", ") + s.name;
                throw input_error(field_place(stage_field), "row " + std::to_string(row) + ": stage '" +
                                                                std::string((*stage_dict)[code]) +
                                                                "' is not a stage of the funnel (stages: " + known + ")");
            }
        }
    }
    const bool has_current = current >= 0;
    const lifecycle cc = has_current ? stages.class_of(static_cast<std::size_t>(current)) : lifecycle::suspect;
    if (has_current && cc == lifecycle::beyond) return {current, cc, reason::past};

    // ---- signals
    const temperature t = temperatures[row].level;
    if (static_cast<std::uint8_t>(t) > static_cast<std::uint8_t>(temperature::unknown))
        throw input_error(field_place("temperature"), "row " + std::to_string(row) + ": level code " +
                                                          std::to_string(static_cast<unsigned>(t)) +
                                                          " is not a temperature");
    bool stated = false;
    if (timeframe != nullptr) {
        const double d = timeframe[row];
        if (d < 0)
            throw input_error(field_place(timeframe_field), "row " + std::to_string(row) + ": purchase timeframe of " +
                                                                format_shortest(d) + " days (a timeframe is 0 or more days)");
        stated = !std::isnan(d);
    }
    const double score = scores.empty() ? std::numeric_limits<double>::quiet_NaN() : scores[row];
    const bool score_qualifies = score >= mql; // false when either is NaN
    bool interested = false;
    std::int64_t last_interest = std::numeric_limits<std::int64_t>::min();
    std::int64_t last_inquiry = std::numeric_limits<std::int64_t>::min();
    if (!offsets.empty()) {
        for (std::uint64_t j = offsets[row]; j < offsets[row + 1]; ++j) {
            const auto& e = events[j];
            if (e.time > as_of) break; // sorted by time: later events do not exist yet
            if (e.type < 0 || static_cast<std::size_t>(e.type) >= type_flags.size())
                throw input_error(field_place(event_field), "row " + std::to_string(row) + ": event type code " +
                                                                std::to_string(e.type) + " is not in the dictionary");
            const auto f = type_flags[static_cast<std::size_t>(e.type)];
            if ((f & interest_flag) != 0) {
                interested = true;
                last_interest = e.time;
            }
            if ((f & inquiry_flag) != 0) last_inquiry = e.time;
        }
    }
    const bool open_current = has_current && is_open_class(cc);
    const bool showed_interest = interested || stated || (open_current && cc >= lifecycle::lead);

    // ---- the proposal
    lifecycle p = lifecycle::suspect;
    std::uint16_t why = reason::no_interest;
    const auto aged = [&](std::int64_t since, std::int64_t limit) {
        return limit >= 0 && since != std::numeric_limits<std::int64_t>::min() && as_of - since >= limit;
    };
    std::int64_t last_activity = last_interest;
    if (created != nullptr && created[row] != missing_time) last_activity = std::max(last_activity, created[row]);
    if (competitor && competitor->matches(row)) {
        p = lifecycle::nurture, why = reason::competitor;
    } else if (no_intent && no_intent->matches(row)) {
        p = lifecycle::rejected, why = reason::no_intent;
    } else if (t == temperature::hot) {
        p = lifecycle::sql, why = reason::buys_now;
    } else if (t == temperature::warm) {
        p = lifecycle::mql, why = reason::warm_interest;
    } else if (score_qualifies) {
        p = lifecycle::mql, why = reason::score_interest;
    } else if (t == temperature::cold && !stated && (!has_current || (open_current && cc <= lifecycle::lead)) &&
               aged(last_inquiry, reject_after)) {
        p = lifecycle::rejected, why = reason::inquiry_only;
    } else if (t == temperature::cold && showed_interest && aged(last_activity, nurture_after)) {
        p = lifecycle::nurture, why = reason::cold_for_long;
    } else if (showed_interest) {
        p = lifecycle::lead, why = reason::interest;
    }

    // ---- the move from the current stage
    const auto to = [&](lifecycle c, std::uint16_t r) {
        const auto s = stages.stage_of(c);
        return qualification{static_cast<std::int32_t>(s), stages.class_of(s), r};
    };
    const auto keep = [&](std::uint16_t r) { return qualification{current, cc, r}; };
    if (!has_current) return to(p, why);
    const bool side = !is_open_class(p);
    if (open_current) {
        if (side || p > cc) return to(p, why);
        return p == cc ? keep(why) : keep(reason::no_step_back);
    }
    // rejected or nurture: parked until intent shows again, or an explicit condition moves it to the other side class
    if (why == reason::buys_now || why == reason::warm_interest || why == reason::score_interest) return to(p, why);
    if (p != cc && (why == reason::competitor || why == reason::no_intent)) return to(p, why);
    return p == cc ? keep(why) : keep(reason::parked);
}

} // namespace detail

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

} // namespace leadscore
