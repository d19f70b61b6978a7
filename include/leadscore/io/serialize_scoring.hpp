#pragma once
// Boost.Serialization of the scoring policies and their parts: conditions, points rules and decay, grade profiles,
// the feature encoder, logistic models, calibration maps, frequency tables, composites, the type-erased
// scoring_policy (through stable export keys), and what training adds (fit_report, learned_encoder,
// calibration_fit). Include this header (and leadscore/io/archive.hpp for save_archive / load_archive) where
// policies are written or read; the scoring headers themselves do not include Boost.
//
//   save_archive_file("model.xml", policy, archive_format::xml);            // a points_policy, a logistic_policy, …
//   scoring_policy any;                                                     // or any policy, by its export key
//   load_archive_file("model.xml", any, archive_format::xml);
//
// Format (version 1 of each type), in the style of serialize_core.hpp: counts are uint64, lists of parts are read
// one part at a time (a huge declared count fails at the end of the data), numeric vectors (weights, cut points,
// knots, frequency counts) are chunked arrays, every double is exact (NaN and infinities included) in every format,
// enums are small unsigned numbers refused above their last value, flags are 0 or 1.
//
// Loading rebuilds every policy through its public constructor, so a loaded policy satisfies the same invariants
// as a constructed one: a rule set, profile, encoder, model, map, definition or table the constructor refuses is an
// error naming the type and what the constructor said (load_archive turns it into archive_error naming the
// archive).
//
// scoring_policy: saved as its export key (a text) followed by the held policy; an empty scoring_policy as the
// empty key. The built-ins are registered under "leadscore.points", "leadscore.grade", "leadscore.logistic",
// "leadscore.frequency", "leadscore.weighted_sum", "leadscore.max", "leadscore.grid" and "leadscore.calibrated".
// A policy type of your own is registered once, before saving or loading it:
//
//   register_scoring_policy<my_policy>("acme.my_policy");   // my_policy: default-constructible, with serialize()
//
// Saving a scoring_policy that holds an unregistered type, or loading an unknown key, is an error naming the type
// or the key. Composites nest at most 64 levels deep in an archive (a deeper one is refused, so a hostile archive
// cannot exhaust the stack).

#include "leadscore/core/error.hpp"
#include "leadscore/io/serialize_any.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/calibration.hpp"
#include "leadscore/scoring/composite.hpp"
#include "leadscore/scoring/condition.hpp"
#include "leadscore/scoring/encoder.hpp"
#include "leadscore/scoring/frequency.hpp"
#include "leadscore/scoring/grade.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/train/calibration.hpp"
#include "leadscore/train/encoder.hpp"
#include "leadscore/train/fit.hpp"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/archive/xml_iarchive.hpp>
#include <boost/archive/xml_oarchive.hpp>
#include <boost/serialization/nvp.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/version.hpp>

#include <bit>
#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

namespace leadscore {

/// Registers a policy type of your own under a stable export key, so a scoring_policy holding it (alone, or as a
/// part of a composite) can be saved and loaded. P needs free serialize() (or save / load) functions for Boost and
/// must be default-constructible (the overload below takes a function that makes the value to load into).
/// Register before the first save or load of P; registering the same key and type again changes nothing. Throws
/// definition_error for an empty key, a key taken by another type, or P registered under another key. Keys
/// starting with "leadscore." are the library's.
template <ScoringPolicy P>
    requires std::default_initializable<P>
void register_scoring_policy(std::string key) {
    detail::add_any_codec<P>(detail::scoring_registry(), std::move(key), std::function<P()>([] { return P{}; }));
}
/// The same for a P without a default constructor: `blank` makes a P the archive's value replaces.
template <ScoringPolicy P>
void register_scoring_policy(std::string key, std::function<P()> blank) {
    detail::add_any_codec<P>(detail::scoring_registry(), std::move(key), std::move(blank));
}
/// Registers P for archives and, with `read`, for the configuration under the same key (register_scoring_config).
template <ScoringPolicy P>
    requires std::default_initializable<P>
void register_scoring_policy(std::string key, config_reader<P> read) {
    register_scoring_config<P>(key, std::move(read));
    register_scoring_policy<P>(std::move(key));
}

/// The export key a scoring_policy's held type is saved under; nullopt for an unregistered type or an empty policy.
[[nodiscard]] inline std::optional<std::string> export_key(const scoring_policy& policy) {
    return detail::scoring_registry().key_of(policy);
}

} // namespace leadscore

namespace leadscore::detail::archive {

/// One double, exact in every format (as save_array holds them, without a count).
template <class Ar>
void save_double(Ar& ar, const char* name, double x) {
    if constexpr (is_xml<Ar>) {
        const std::string text = doubles_to_text(&x, 1);
        ar << boost::serialization::make_nvp(name, text);
    } else if constexpr (is_text<Ar>) {
        const auto bits = std::bit_cast<std::uint64_t>(x);
        ar << boost::serialization::make_nvp(name, bits);
    } else {
        ar << boost::serialization::make_nvp(name, x);
    }
}
template <class Ar>
double load_double(Ar& ar, const char* name) {
    double x = 0;
    if constexpr (is_xml<Ar>) {
        std::string text;
        ar >> boost::serialization::make_nvp(name, text);
        doubles_from_text(text, &x, 1, name);
    } else if constexpr (is_text<Ar>) {
        std::uint64_t bits = 0;
        ar >> boost::serialization::make_nvp(name, bits);
        x = std::bit_cast<double>(bits);
    } else {
        ar >> boost::serialization::make_nvp(name, x);
    }
    return x;
}

/// A flag as 0 or 1; anything else is refused on load.
template <class Ar>
void save_flag(Ar& ar, const char* name, bool b) {
    const unsigned v = b ? 1 : 0;
    ar << boost::serialization::make_nvp(name, v);
}
template <class Ar>
bool load_flag(Ar& ar, const char* name) {
    unsigned v = 0;
    ar >> boost::serialization::make_nvp(name, v);
    if (v > 1) fail(std::string(name) + ": a flag other than 0 or 1 (" + std::to_string(v) + ")");
    return v == 1;
}

template <class Ar>
void save_optional_double(Ar& ar, const char* name, const std::optional<double>& x) {
    save_flag(ar, "present", x.has_value());
    if (x) save_double(ar, name, *x);
}
template <class Ar>
std::optional<double> load_optional_double(Ar& ar, const char* name) {
    if (!load_flag(ar, "present")) return std::nullopt;
    return load_double(ar, name);
}

template <class Ar>
void save_optional_text(Ar& ar, const char* name, const std::optional<std::string>& s) {
    save_flag(ar, "present", s.has_value());
    if (s) save_text(ar, name, *s);
}
template <class Ar>
std::optional<std::string> load_optional_text(Ar& ar, const char* name) {
    if (!load_flag(ar, "present")) return std::nullopt;
    std::string s;
    load_text(ar, name, s);
    return s;
}

/// A list of texts: a count, then each text (read one at a time).
template <class Ar>
void save_strings(Ar& ar, const char* name, const std::vector<std::string>& texts) {
    save_count(ar, texts.size());
    for (const auto& t : texts) save_text(ar, name, t);
}
template <class Ar>
void load_strings(Ar& ar, const char* name, std::vector<std::string>& texts) {
    const std::uint64_t n = load_count(ar, name);
    texts.clear();
    for (std::uint64_t i = 0; i < n; ++i) {
        std::string t;
        load_text(ar, name, t);
        texts.push_back(std::move(t));
    }
}

/// A list of values of a serializable type: a count, then each value as the element `name`, read one at a time
/// into a copy of `blank`.
template <class Ar, class T>
void save_list(Ar& ar, const char* name, const std::vector<T>& items) {
    save_count(ar, items.size());
    for (const auto& x : items) ar << boost::serialization::make_nvp(name, x);
}
template <class Ar, class T>
void load_list(Ar& ar, const char* name, std::vector<T>& items, const T& blank = T{}) {
    const std::uint64_t n = load_count(ar, name);
    items.clear();
    for (std::uint64_t i = 0; i < n; ++i) {
        T x = blank;
        ar >> boost::serialization::make_nvp(name, x);
        items.push_back(std::move(x));
    }
}

/// A condition literal: its kind (0 number, 1 text, 2 flag, 3 time) and value.
template <class Ar>
void save_attribute(Ar& ar, const attribute_value& v) {
    const unsigned kind = static_cast<unsigned>(v.index());
    ar << boost::serialization::make_nvp("kind", kind);
    if (const auto* d = std::get_if<double>(&v)) save_double(ar, "number", *d);
    else if (const auto* s = std::get_if<std::string>(&v)) save_text(ar, "text", *s);
    else if (const auto* b = std::get_if<bool>(&v)) save_flag(ar, "flag", *b);
    else {
        const std::int64_t t = to_seconds(std::get<timestamp>(v));
        ar << boost::serialization::make_nvp("time", t);
    }
}
template <class Ar>
attribute_value load_attribute(Ar& ar) {
    unsigned kind = 0;
    ar >> boost::serialization::make_nvp("kind", kind);
    switch (kind) {
    case 0: return load_double(ar, "number");
    case 1: {
        std::string s;
        load_text(ar, "text", s);
        return s;
    }
    case 2: return load_flag(ar, "flag");
    case 3: {
        std::int64_t t = 0;
        ar >> boost::serialization::make_nvp("time", t);
        return from_seconds(t);
    }
    default: fail("condition: unknown literal kind " + std::to_string(kind));
    }
}

/// Builds a value through its constructor; a refusal becomes an error naming the type.
template <class F>
auto rebuild(const char* type, F&& make) {
    try {
        return make();
    } catch (const definition_error& e) {
        fail(std::string(type) + ": " + e.what());
    }
}

} // namespace leadscore::detail::archive

BOOST_CLASS_VERSION(leadscore::condition, 1)
BOOST_CLASS_VERSION(leadscore::decay_rule, 1)
BOOST_CLASS_VERSION(leadscore::points_group, 1)
BOOST_CLASS_VERSION(leadscore::fit_rule, 1)
BOOST_CLASS_VERSION(leadscore::engagement_rule, 1)
BOOST_CLASS_VERSION(leadscore::points_rules, 1)
BOOST_CLASS_VERSION(leadscore::points_policy, 1)
BOOST_CLASS_VERSION(leadscore::grade_criterion, 1)
BOOST_CLASS_VERSION(leadscore::grade_profile, 1)
BOOST_CLASS_VERSION(leadscore::grade_policy, 1)
BOOST_CLASS_VERSION(leadscore::feature_encoder, 1)
BOOST_CLASS_VERSION(leadscore::logistic_model, 1)
BOOST_CLASS_VERSION(leadscore::logistic_policy, 1)
BOOST_CLASS_VERSION(leadscore::calibration_map, 1)
BOOST_CLASS_VERSION(leadscore::frequency_stage, 1)
BOOST_CLASS_VERSION(leadscore::frequency_variable, 1)
BOOST_CLASS_VERSION(leadscore::frequency_definition, 1)
BOOST_CLASS_VERSION(leadscore::frequency_tables, 1)
BOOST_CLASS_VERSION(leadscore::frequency_options, 1)
BOOST_CLASS_VERSION(leadscore::frequency_policy, 1)
BOOST_CLASS_VERSION(leadscore::component, 1)
BOOST_CLASS_VERSION(leadscore::weighted_sum_policy, 1)
BOOST_CLASS_VERSION(leadscore::max_policy, 1)
BOOST_CLASS_VERSION(leadscore::grid_axis, 1)
BOOST_CLASS_VERSION(leadscore::grid_policy, 1)
BOOST_CLASS_VERSION(leadscore::calibrated_policy, 1)
BOOST_CLASS_VERSION(leadscore::scoring_policy, 1)
BOOST_CLASS_VERSION(leadscore::fit_report, 1)
BOOST_CLASS_VERSION(leadscore::learned_encoder, 1)
BOOST_CLASS_VERSION(leadscore::calibration_fit, 1)

// Each type: save, load (validating), and the serialize that splits them.
#define LEADSCORE_SPLIT_FREE(T)                                                                                        \
    template <class Ar>                                                                                                \
    void serialize(Ar& ar, T& value, unsigned version) {                                                               \
        split_free(ar, value, version);                                                                                \
    }

namespace boost::serialization {

// ---- condition ----------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::condition& c, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "field", c.field);
    a::save_enum(ar, "test", c.test);
    a::save_count(ar, c.values.size());
    for (const auto& v : c.values) a::save_attribute(ar, v);
    a::save_flag(ar, "has_low", c.low.has_value());
    if (c.low) a::save_attribute(ar, *c.low);
    a::save_flag(ar, "has_high", c.high.has_value());
    if (c.high) a::save_attribute(ar, *c.high);
    a::save_flag(ar, "low_inclusive", c.low_inclusive);
    a::save_flag(ar, "high_inclusive", c.high_inclusive);
    a::save_flag(ar, "negate", c.negate);
    a::save_flag(ar, "case_sensitive", c.case_sensitive);
}
template <class Ar>
void load(Ar& ar, leadscore::condition& c, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "condition");
    leadscore::condition out;
    a::load_text(ar, "field", out.field);
    out.test = a::load_enum(ar, "test", leadscore::condition_test::is_missing);
    const std::uint64_t n = a::load_count(ar, "condition: values");
    for (std::uint64_t i = 0; i < n; ++i) out.values.push_back(a::load_attribute(ar));
    if (a::load_flag(ar, "has_low")) out.low = a::load_attribute(ar);
    if (a::load_flag(ar, "has_high")) out.high = a::load_attribute(ar);
    out.low_inclusive = a::load_flag(ar, "low_inclusive");
    out.high_inclusive = a::load_flag(ar, "high_inclusive");
    out.negate = a::load_flag(ar, "negate");
    out.case_sensitive = a::load_flag(ar, "case_sensitive");
    a::rebuild("condition", [&] { leadscore::validate(out); return 0; });
    c = std::move(out);
}
LEADSCORE_SPLIT_FREE(leadscore::condition)

// ---- points rules -------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::decay_rule& d, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_enum(ar, "kind", d.kind);
    a::save_double(ar, "days", d.days);
    a::save_double(ar, "percent", d.percent);
}
template <class Ar>
void load(Ar& ar, leadscore::decay_rule& d, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "decay_rule");
    d.kind = a::load_enum(ar, "kind", leadscore::decay_kind::window);
    d.days = a::load_double(ar, "days");
    d.percent = a::load_double(ar, "percent"); // checked with the rule set (points_policy)
}
LEADSCORE_SPLIT_FREE(leadscore::decay_rule)

template <class Ar>
void save(Ar& ar, const leadscore::points_group& g, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "name", g.name);
    ar << make_nvp("decay", g.decay);
    a::save_optional_double(ar, "cap", g.cap);
    a::save_optional_double(ar, "floor", g.floor);
}
template <class Ar>
void load(Ar& ar, leadscore::points_group& g, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "points_group");
    a::load_text(ar, "name", g.name);
    ar >> make_nvp("decay", g.decay);
    g.cap = a::load_optional_double(ar, "cap");
    g.floor = a::load_optional_double(ar, "floor");
}
LEADSCORE_SPLIT_FREE(leadscore::points_group)

template <class Ar>
void save(Ar& ar, const leadscore::fit_rule& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "name", r.name);
    ar << make_nvp("when", r.when);
    a::save_double(ar, "points", r.points);
    a::save_text(ar, "group", r.group);
}
template <class Ar>
void load(Ar& ar, leadscore::fit_rule& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "fit_rule");
    a::load_text(ar, "name", r.name);
    ar >> make_nvp("when", r.when);
    r.points = a::load_double(ar, "points");
    a::load_text(ar, "group", r.group);
}
LEADSCORE_SPLIT_FREE(leadscore::fit_rule)

template <class Ar>
void save(Ar& ar, const leadscore::engagement_rule& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "name", r.name);
    a::save_text(ar, "event_type", r.event_type);
    a::save_enum(ar, "detail_filter", r.detail_filter);
    a::save_text(ar, "detail_text", r.detail_text);
    a::save_flag(ar, "detail_case_sensitive", r.detail_case_sensitive);
    a::save_double(ar, "points", r.points);
    a::save_enum(ar, "counts", r.counts);
    a::save_optional_double(ar, "cap", r.cap);
    a::save_text(ar, "group", r.group);
}
template <class Ar>
void load(Ar& ar, leadscore::engagement_rule& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "engagement_rule");
    a::load_text(ar, "name", r.name);
    a::load_text(ar, "event_type", r.event_type);
    r.detail_filter = a::load_enum(ar, "detail_filter", leadscore::detail_test::contains);
    a::load_text(ar, "detail_text", r.detail_text);
    r.detail_case_sensitive = a::load_flag(ar, "detail_case_sensitive");
    r.points = a::load_double(ar, "points");
    r.counts = a::load_enum(ar, "counts", leadscore::occurrence::first_only);
    r.cap = a::load_optional_double(ar, "cap");
    a::load_text(ar, "group", r.group);
}
LEADSCORE_SPLIT_FREE(leadscore::engagement_rule)

template <class Ar>
void save(Ar& ar, const leadscore::points_rules& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_list(ar, "group", r.groups);
    a::save_list(ar, "fit_rule", r.fit);
    a::save_list(ar, "engagement_rule", r.engagement);
    a::save_optional_double(ar, "total_cap", r.total_cap);
    a::save_optional_double(ar, "total_floor", r.total_floor);
}
template <class Ar>
void load(Ar& ar, leadscore::points_rules& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "points_rules");
    a::load_list(ar, "group", r.groups);
    a::load_list(ar, "fit_rule", r.fit);
    a::load_list(ar, "engagement_rule", r.engagement);
    r.total_cap = a::load_optional_double(ar, "total_cap");
    r.total_floor = a::load_optional_double(ar, "total_floor");
}
LEADSCORE_SPLIT_FREE(leadscore::points_rules)

template <class Ar>
void save(Ar& ar, const leadscore::points_policy& p, unsigned /*version*/) {
    ar << make_nvp("rules", p.rules());
}
template <class Ar>
void load(Ar& ar, leadscore::points_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "points_policy");
    leadscore::points_rules rules;
    ar >> make_nvp("rules", rules);
    p = a::rebuild("points_policy", [&] { return leadscore::points_policy(std::move(rules)); });
}
LEADSCORE_SPLIT_FREE(leadscore::points_policy)

// ---- grade --------------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::grade_criterion& c, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "name", c.name);
    ar << make_nvp("when", c.when);
    const std::int32_t thirds = c.thirds;
    ar << make_nvp("thirds", thirds);
}
template <class Ar>
void load(Ar& ar, leadscore::grade_criterion& c, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "grade_criterion");
    a::load_text(ar, "name", c.name);
    ar >> make_nvp("when", c.when);
    std::int32_t thirds = 0;
    ar >> make_nvp("thirds", thirds);
    c.thirds = thirds; // range checked by grade_policy
}
LEADSCORE_SPLIT_FREE(leadscore::grade_criterion)

template <class Ar>
void save(Ar& ar, const leadscore::grade_profile& p, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "name", p.name);
    a::save_enum(ar, "start", p.start);
    a::save_list(ar, "criterion", p.criteria);
}
template <class Ar>
void load(Ar& ar, leadscore::grade_profile& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "grade_profile");
    a::load_text(ar, "name", p.name);
    p.start = a::load_enum(ar, "start", leadscore::letter_grade::a_plus);
    a::load_list(ar, "criterion", p.criteria);
}
LEADSCORE_SPLIT_FREE(leadscore::grade_profile)

template <class Ar>
void save(Ar& ar, const leadscore::grade_policy& p, unsigned /*version*/) {
    ar << make_nvp("profile", p.profile());
}
template <class Ar>
void load(Ar& ar, leadscore::grade_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "grade_policy");
    leadscore::grade_profile profile;
    ar >> make_nvp("profile", profile);
    p = a::rebuild("grade_policy", [&] { return leadscore::grade_policy(std::move(profile)); });
}
LEADSCORE_SPLIT_FREE(leadscore::grade_policy)

// ---- feature encoder and logistic model ---------------------------------------------------------------------------
// A specification is its kind (the index in feature_spec: 0 numeric, 1 binned, 2 categorical, 3 boolean, 4 recency,
// 5 frequency) and its fields; the encoder validates them all when it is rebuilt.

template <class Ar>
void save(Ar& ar, const leadscore::feature_encoder& e, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_count(ar, e.specs().size());
    for (const auto& spec : e.specs()) {
        const unsigned kind = static_cast<unsigned>(spec.index());
        ar << make_nvp("kind", kind);
        std::visit(
            [&](const auto& s) {
                using S = std::decay_t<decltype(s)>;
                if constexpr (std::is_same_v<S, leadscore::numeric_feature>) {
                    a::save_text(ar, "field", s.field);
                    a::save_double(ar, "center", s.center);
                    a::save_double(ar, "scale", s.scale);
                    a::save_double(ar, "impute", s.impute);
                    a::save_flag(ar, "missing_indicator", s.missing_indicator);
                } else if constexpr (std::is_same_v<S, leadscore::binned_feature>) {
                    a::save_text(ar, "field", s.field);
                    a::save_array(ar, "cuts", s.cuts);
                    a::save_flag(ar, "missing_indicator", s.missing_indicator);
                } else if constexpr (std::is_same_v<S, leadscore::categorical_feature>) {
                    a::save_text(ar, "field", s.field);
                    a::save_strings(ar, "entry", s.vocabulary);
                    a::save_enum(ar, "unknown", s.unknown);
                    a::save_flag(ar, "missing_feature", s.missing_feature);
                } else if constexpr (std::is_same_v<S, leadscore::boolean_feature>) {
                    a::save_text(ar, "field", s.field);
                    a::save_double(ar, "impute", s.impute);
                    a::save_flag(ar, "missing_indicator", s.missing_indicator);
                } else if constexpr (std::is_same_v<S, leadscore::recency_feature>) {
                    a::save_strings(ar, "event_type", s.event_types);
                    a::save_double(ar, "cap_days", s.cap_days);
                    a::save_flag(ar, "none_indicator", s.none_indicator);
                    a::save_double(ar, "center", s.center);
                    a::save_double(ar, "scale", s.scale);
                } else {
                    a::save_strings(ar, "event_type", s.event_types);
                    a::save_double(ar, "window_days", s.window_days);
                    a::save_flag(ar, "log1p", s.log1p);
                    a::save_double(ar, "center", s.center);
                    a::save_double(ar, "scale", s.scale);
                }
            },
            spec);
    }
}
template <class Ar>
void load(Ar& ar, leadscore::feature_encoder& e, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "feature_encoder");
    const std::uint64_t n = a::load_count(ar, "feature_encoder");
    std::vector<leadscore::feature_spec> specs;
    for (std::uint64_t i = 0; i < n; ++i) {
        unsigned kind = 0;
        ar >> make_nvp("kind", kind);
        switch (kind) {
        case 0: {
            leadscore::numeric_feature s;
            a::load_text(ar, "field", s.field);
            s.center = a::load_double(ar, "center");
            s.scale = a::load_double(ar, "scale");
            s.impute = a::load_double(ar, "impute");
            s.missing_indicator = a::load_flag(ar, "missing_indicator");
            specs.emplace_back(std::move(s));
            break;
        }
        case 1: {
            leadscore::binned_feature s;
            a::load_text(ar, "field", s.field);
            a::load_array(ar, "cuts", s.cuts);
            s.missing_indicator = a::load_flag(ar, "missing_indicator");
            specs.emplace_back(std::move(s));
            break;
        }
        case 2: {
            leadscore::categorical_feature s;
            a::load_text(ar, "field", s.field);
            a::load_strings(ar, "entry", s.vocabulary);
            s.unknown = a::load_enum(ar, "unknown", leadscore::unknown_category::error);
            s.missing_feature = a::load_flag(ar, "missing_feature");
            specs.emplace_back(std::move(s));
            break;
        }
        case 3: {
            leadscore::boolean_feature s;
            a::load_text(ar, "field", s.field);
            s.impute = a::load_double(ar, "impute");
            s.missing_indicator = a::load_flag(ar, "missing_indicator");
            specs.emplace_back(std::move(s));
            break;
        }
        case 4: {
            leadscore::recency_feature s;
            a::load_strings(ar, "event_type", s.event_types);
            s.cap_days = a::load_double(ar, "cap_days");
            s.none_indicator = a::load_flag(ar, "none_indicator");
            s.center = a::load_double(ar, "center");
            s.scale = a::load_double(ar, "scale");
            specs.emplace_back(std::move(s));
            break;
        }
        case 5: {
            leadscore::frequency_feature s;
            a::load_strings(ar, "event_type", s.event_types);
            s.window_days = a::load_double(ar, "window_days");
            s.log1p = a::load_flag(ar, "log1p");
            s.center = a::load_double(ar, "center");
            s.scale = a::load_double(ar, "scale");
            specs.emplace_back(std::move(s));
            break;
        }
        default: a::fail("feature_encoder: specification " + std::to_string(i + 1) + " of unknown kind " + std::to_string(kind));
        }
    }
    e = a::rebuild("feature_encoder", [&] { return leadscore::feature_encoder(std::move(specs)); });
}
LEADSCORE_SPLIT_FREE(leadscore::feature_encoder)

template <class Ar>
void save(Ar& ar, const leadscore::logistic_model& m, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    ar << make_nvp("encoder", m.encoder);
    a::save_array(ar, "weights", m.weights.data(), static_cast<std::uint64_t>(m.weights.size()));
    a::save_double(ar, "intercept", m.intercept);
}
template <class Ar>
void load(Ar& ar, leadscore::logistic_model& m, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "logistic_model");
    leadscore::logistic_model out;
    ar >> make_nvp("encoder", out.encoder);
    std::vector<double> w;
    a::load_array(ar, "weights", w);
    out.weights = std::move(w);
    out.intercept = a::load_double(ar, "intercept");
    m = std::move(out); // checked by logistic_policy (one finite weight per feature)
}
LEADSCORE_SPLIT_FREE(leadscore::logistic_model)

template <class Ar>
void save(Ar& ar, const leadscore::logistic_policy& p, unsigned /*version*/) {
    ar << make_nvp("model", p.model());
}
template <class Ar>
void load(Ar& ar, leadscore::logistic_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "logistic_policy");
    leadscore::logistic_model m;
    ar >> make_nvp("model", m);
    p = a::rebuild("logistic_policy", [&] { return leadscore::logistic_policy(std::move(m)); });
}
LEADSCORE_SPLIT_FREE(leadscore::logistic_policy)

// ---- calibration map ----------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::calibration_map& m, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_enum(ar, "kind", m.type());
    a::save_double(ar, "a", m.a());
    a::save_double(ar, "b", m.b());
    a::save_array(ar, "knots_x", m.knots_x());
    a::save_array(ar, "knots_y", m.knots_y());
}
template <class Ar>
void load(Ar& ar, leadscore::calibration_map& m, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "calibration_map");
    const auto kind = a::load_enum(ar, "kind", leadscore::calibration_map::kind::piecewise_linear);
    const double pa = a::load_double(ar, "a");
    const double pb = a::load_double(ar, "b");
    std::vector<double> x, y;
    a::load_array(ar, "knots_x", x);
    a::load_array(ar, "knots_y", y);
    if (kind == leadscore::calibration_map::kind::logistic) {
        if (!x.empty() || !y.empty()) a::fail("calibration_map: a logistic map with knots");
        m = a::rebuild("calibration_map", [&] { return leadscore::calibration_map::logistic(pa, pb); });
    } else {
        m = a::rebuild("calibration_map",
                       [&] { return leadscore::calibration_map::piecewise_linear(std::move(x), std::move(y)); });
        if (m.a() != pa || m.b() != pb) // a piecewise map keeps the identity's coefficients
            a::fail("calibration_map: a piecewise-linear map with logistic coefficients");
    }
}
LEADSCORE_SPLIT_FREE(leadscore::calibration_map)

// ---- frequency tables ---------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::frequency_stage& s, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "name", s.name);
    a::save_enum(ar, "kind", s.kind);
    const std::int32_t sequence = s.sequence;
    ar << make_nvp("sequence", sequence);
    a::save_strings(ar, "team", s.teams);
}
template <class Ar>
void load(Ar& ar, leadscore::frequency_stage& s, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "frequency_stage");
    a::load_text(ar, "name", s.name);
    s.kind = a::load_enum(ar, "kind", leadscore::stage_kind::nurture);
    ar >> make_nvp("sequence", s.sequence);
    a::load_strings(ar, "team", s.teams);
}
LEADSCORE_SPLIT_FREE(leadscore::frequency_stage)

template <class Ar>
void save(Ar& ar, const leadscore::frequency_variable& v, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "field", v.field);
    a::save_flag(ar, "unset_is_value", v.unset_is_value);
    const unsigned separator = static_cast<unsigned char>(v.separator);
    ar << make_nvp("separator", separator);
}
template <class Ar>
void load(Ar& ar, leadscore::frequency_variable& v, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "frequency_variable");
    a::load_text(ar, "field", v.field);
    v.unset_is_value = a::load_flag(ar, "unset_is_value");
    unsigned separator = 0;
    ar >> make_nvp("separator", separator);
    if (separator > 255) a::fail("frequency_variable: separator " + std::to_string(separator) + " is not a byte");
    v.separator = static_cast<char>(static_cast<unsigned char>(separator));
}
LEADSCORE_SPLIT_FREE(leadscore::frequency_variable)

template <class Ar>
void save(Ar& ar, const leadscore::frequency_definition& d, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_list(ar, "stage", d.stages);
    a::save_list(ar, "variable", d.variables);
    a::save_double(ar, "smoothing", d.smoothing);
    a::save_text(ar, "stage_field", d.stage_field);
    a::save_text(ar, "team_field", d.team_field);
    a::save_text(ar, "outcome_field", d.outcome_field);
    a::save_text(ar, "lost_stage_field", d.lost_stage_field);
    a::save_text(ar, "id_field", d.id_field);
}
template <class Ar>
void load(Ar& ar, leadscore::frequency_definition& d, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "frequency_definition");
    a::load_list(ar, "stage", d.stages);
    a::load_list(ar, "variable", d.variables);
    d.smoothing = a::load_double(ar, "smoothing");
    a::load_text(ar, "stage_field", d.stage_field);
    a::load_text(ar, "team_field", d.team_field);
    a::load_text(ar, "outcome_field", d.outcome_field);
    a::load_text(ar, "lost_stage_field", d.lost_stage_field);
    a::load_text(ar, "id_field", d.id_field);
}
LEADSCORE_SPLIT_FREE(leadscore::frequency_definition)

// The rows as frequency_tables::rows() lists them: per row its team, variable and value (each may be absent), and
// the counts as three chunked arrays (won, lost, leads).
template <class Ar>
void save(Ar& ar, const leadscore::frequency_tables& t, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    ar << make_nvp("definition", t.definition());
    const auto rows = t.rows();
    a::save_count(ar, rows.size());
    std::vector<std::int64_t> won, lost, leads;
    for (const auto& r : rows) {
        a::save_optional_text(ar, "team", r.team);
        a::save_optional_text(ar, "variable", r.variable);
        a::save_optional_text(ar, "value", r.value);
        won.push_back(r.counts.won);
        lost.push_back(r.counts.lost);
        leads.push_back(r.leads);
    }
    a::save_array(ar, "won", won);
    a::save_array(ar, "lost", lost);
    a::save_array(ar, "leads", leads);
}
template <class Ar>
void load(Ar& ar, leadscore::frequency_tables& t, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "frequency_tables");
    leadscore::frequency_definition d;
    ar >> make_nvp("definition", d);
    const std::uint64_t n = a::load_count(ar, "frequency_tables: rows");
    std::vector<leadscore::frequency_row> rows;
    for (std::uint64_t i = 0; i < n; ++i) {
        leadscore::frequency_row r;
        r.team = a::load_optional_text(ar, "team");
        r.variable = a::load_optional_text(ar, "variable");
        r.value = a::load_optional_text(ar, "value");
        rows.push_back(std::move(r));
    }
    std::vector<std::int64_t> won, lost, leads;
    a::load_array(ar, "won", won);
    a::load_array(ar, "lost", lost);
    a::load_array(ar, "leads", leads);
    if (won.size() != n || lost.size() != n || leads.size() != n)
        a::fail("frequency_tables: " + std::to_string(n) + " rows but " + std::to_string(won.size()) + " won, " +
                std::to_string(lost.size()) + " lost and " + std::to_string(leads.size()) + " lead counts");
    for (std::size_t i = 0; i < rows.size(); ++i) {
        rows[i].counts = {won[i], lost[i]};
        rows[i].leads = leads[i];
    }
    t = a::rebuild("frequency_tables", [&] { return leadscore::frequency_tables(std::move(d), rows); });
}
LEADSCORE_SPLIT_FREE(leadscore::frequency_tables)

template <class Ar>
void save(Ar& ar, const leadscore::frequency_options& o, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_double(ar, "minimum_support", o.minimum_support);
    a::save_flag(ar, "pooled_fallback", o.pooled_fallback);
    a::save_flag(ar, "some_variables", o.variables.has_value());
    if (o.variables) a::save_strings(ar, "variable", *o.variables);
}
template <class Ar>
void load(Ar& ar, leadscore::frequency_options& o, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "frequency_options");
    o.minimum_support = a::load_double(ar, "minimum_support");
    o.pooled_fallback = a::load_flag(ar, "pooled_fallback");
    o.variables.reset();
    if (a::load_flag(ar, "some_variables")) {
        std::vector<std::string> v;
        a::load_strings(ar, "variable", v);
        o.variables = std::move(v);
    }
}
LEADSCORE_SPLIT_FREE(leadscore::frequency_options)

template <class Ar>
void save(Ar& ar, const leadscore::frequency_policy& p, unsigned /*version*/) {
    ar << make_nvp("tables", p.tables()) << make_nvp("options", p.options());
}
template <class Ar>
void load(Ar& ar, leadscore::frequency_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "frequency_policy");
    leadscore::frequency_tables tables = p.tables(); // replaced by the archive's
    leadscore::frequency_options options;
    ar >> make_nvp("tables", tables) >> make_nvp("options", options);
    p = a::rebuild("frequency_policy", [&] { return leadscore::frequency_policy(std::move(tables), options); });
}
LEADSCORE_SPLIT_FREE(leadscore::frequency_policy)

// ---- scoring_policy: the export key, then the held policy ---------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::scoring_policy& p, unsigned /*version*/) {
    leadscore::detail::archive::save_any(ar, p, leadscore::detail::scoring_registry());
}
template <class Ar>
void load(Ar& ar, leadscore::scoring_policy& p, unsigned version) {
    leadscore::detail::archive::load_any(ar, p, version, leadscore::detail::scoring_registry());
}
LEADSCORE_SPLIT_FREE(leadscore::scoring_policy)

// ---- composites ---------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::component& c, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "name", c.name);
    ar << make_nvp("policy", c.policy);
    a::save_double(ar, "weight", c.weight);
}
template <class Ar>
void load(Ar& ar, leadscore::component& c, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "component");
    a::load_text(ar, "name", c.name);
    ar >> make_nvp("policy", c.policy);
    c.weight = a::load_double(ar, "weight");
}
LEADSCORE_SPLIT_FREE(leadscore::component)

template <class Ar>
void save(Ar& ar, const leadscore::weighted_sum_policy& p, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_list(ar, "part", p.parts());
    a::save_double(ar, "bias", p.bias());
}
template <class Ar>
void load(Ar& ar, leadscore::weighted_sum_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "weighted_sum_policy");
    std::vector<leadscore::component> parts;
    a::load_list(ar, "part", parts);
    const double bias = a::load_double(ar, "bias");
    p = a::rebuild("weighted_sum_policy", [&] { return leadscore::weighted_sum_policy(std::move(parts), bias); });
}
LEADSCORE_SPLIT_FREE(leadscore::weighted_sum_policy)

template <class Ar>
void save(Ar& ar, const leadscore::max_policy& p, unsigned /*version*/) {
    leadscore::detail::archive::save_list(ar, "part", p.parts());
}
template <class Ar>
void load(Ar& ar, leadscore::max_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "max_policy");
    std::vector<leadscore::component> parts;
    a::load_list(ar, "part", parts);
    p = a::rebuild("max_policy", [&] { return leadscore::max_policy(std::move(parts)); });
}
LEADSCORE_SPLIT_FREE(leadscore::max_policy)

template <class Ar>
void save(Ar& ar, const leadscore::grid_axis& x, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "name", x.name);
    ar << make_nvp("policy", x.policy);
    a::save_array(ar, "thresholds", x.thresholds);
    a::save_strings(ar, "label", x.labels);
}
template <class Ar>
void load(Ar& ar, leadscore::grid_axis& x, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "grid_axis");
    a::load_text(ar, "name", x.name);
    ar >> make_nvp("policy", x.policy);
    a::load_array(ar, "thresholds", x.thresholds);
    a::load_strings(ar, "label", x.labels); // checked by grid_policy
}
LEADSCORE_SPLIT_FREE(leadscore::grid_axis)

template <class Ar>
void save(Ar& ar, const leadscore::grid_policy& p, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    ar << make_nvp("fit", p.fit()) << make_nvp("engagement", p.engagement());
    a::save_array(ar, "values", p.values());
}
template <class Ar>
void load(Ar& ar, leadscore::grid_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "grid_policy");
    leadscore::grid_axis fit, engagement;
    ar >> make_nvp("fit", fit) >> make_nvp("engagement", engagement);
    std::vector<double> values;
    a::load_array(ar, "values", values);
    if (values.empty()) a::fail("grid_policy: no cell values");
    p = a::rebuild("grid_policy",
                   [&] { return leadscore::grid_policy(std::move(fit), std::move(engagement), std::move(values)); });
}
LEADSCORE_SPLIT_FREE(leadscore::grid_policy)

template <class Ar>
void save(Ar& ar, const leadscore::calibrated_policy& p, unsigned /*version*/) {
    ar << make_nvp("raw", p.raw()) << make_nvp("map", p.map());
}
template <class Ar>
void load(Ar& ar, leadscore::calibrated_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "calibrated_policy");
    leadscore::scoring_policy raw;
    leadscore::calibration_map map;
    ar >> make_nvp("raw", raw) >> make_nvp("map", map);
    p = a::rebuild("calibrated_policy", [&] { return leadscore::calibrated_policy(std::move(raw), std::move(map)); });
}
LEADSCORE_SPLIT_FREE(leadscore::calibrated_policy)

// ---- what training reports ----------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::fit_report& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_flag(ar, "converged", r.converged);
    const std::uint64_t iterations = r.iterations, rows = r.rows, positives = r.positives, parameters = r.parameters;
    ar << make_nvp("iterations", iterations);
    a::save_double(ar, "gradient_norm", r.gradient_norm);
    a::save_double(ar, "objective", r.objective);
    ar << make_nvp("rows", rows) << make_nvp("positives", positives) << make_nvp("parameters", parameters);
    a::save_text(ar, "message", r.message);
    a::save_strings(ar, "note", r.notes);
}
template <class Ar>
void load(Ar& ar, leadscore::fit_report& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "fit_report");
    leadscore::fit_report out;
    out.converged = a::load_flag(ar, "converged");
    std::uint64_t iterations = 0, rows = 0, positives = 0, parameters = 0;
    ar >> make_nvp("iterations", iterations);
    out.gradient_norm = a::load_double(ar, "gradient_norm");
    out.objective = a::load_double(ar, "objective");
    ar >> make_nvp("rows", rows) >> make_nvp("positives", positives) >> make_nvp("parameters", parameters);
    if (positives > rows) a::fail("fit_report: more positives than rows");
    out.iterations = static_cast<std::size_t>(iterations);
    out.rows = static_cast<std::size_t>(rows);
    out.positives = static_cast<std::size_t>(positives);
    out.parameters = static_cast<std::size_t>(parameters);
    a::load_text(ar, "message", out.message);
    a::load_strings(ar, "note", out.notes);
    r = std::move(out);
}
LEADSCORE_SPLIT_FREE(leadscore::fit_report)

template <class Ar>
void save(Ar& ar, const leadscore::learned_encoder& e, unsigned /*version*/) {
    ar << make_nvp("encoder", e.encoder);
    leadscore::detail::archive::save_strings(ar, "note", e.notes);
}
template <class Ar>
void load(Ar& ar, leadscore::learned_encoder& e, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "learned_encoder");
    leadscore::learned_encoder out;
    ar >> make_nvp("encoder", out.encoder);
    a::load_strings(ar, "note", out.notes);
    e = std::move(out);
}
LEADSCORE_SPLIT_FREE(leadscore::learned_encoder)

template <class Ar>
void save(Ar& ar, const leadscore::calibration_fit& f, unsigned /*version*/) {
    ar << make_nvp("map", f.map) << make_nvp("report", f.report);
}
template <class Ar>
void load(Ar& ar, leadscore::calibration_fit& f, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "calibration_fit");
    leadscore::calibration_fit out;
    ar >> make_nvp("map", out.map) >> make_nvp("report", out.report);
    f = std::move(out);
}
LEADSCORE_SPLIT_FREE(leadscore::calibration_fit)

} // namespace boost::serialization

#undef LEADSCORE_SPLIT_FREE
