#pragma once
// Boost.Serialization of the temperature policies (purchase timeframe, score bands, relative bands, hysteresis,
// combinations, rating field), the type-erased temperature_policy (through stable export keys), the trend policy,
// and the qualification policy with its stage map. Include this header (and leadscore/io/archive.hpp for
// save_archive / load_archive) where these policies are written or read; the temperature and qualification headers
// themselves do not include Boost.
//
//   save_archive_file("temperature.xml", policy, archive_format::xml);     // any temperature_policy
//   temperature_policy back;
//   load_archive_file("temperature.xml", back, archive_format::xml);
//
// Format (version 1 of each type), as serialize_core.hpp and serialize_scoring.hpp write theirs: counts are uint64,
// lists of parts are read one part at a time, every double is exact in every format (NaN and infinities included),
// enums are small unsigned numbers refused above their last value, flags are 0 or 1. Loading rebuilds every policy
// through its public constructor, so a loaded policy satisfies the invariants a constructed one does: a rule the
// constructor refuses is an error naming the type and what the constructor said (load_archive turns it into
// archive_error naming the archive).
//
// temperature_policy: saved as its export key (a text) followed by the held policy; an empty temperature_policy as
// the empty key. The built-ins are registered under "leadscore.purchase_timeframe", "leadscore.score_bands",
// "leadscore.relative_bands", "leadscore.hysteresis", "leadscore.combined" and "leadscore.rating_field". A policy of
// your own is registered once, before saving or loading it:
//
//   register_temperature_policy<my_policy>("acme.my_policy");   // my_policy: default-constructible, with serialize()
//
// Saving a temperature_policy that holds an unregistered type, or loading an unknown key, is an error naming the
// type or the key. Wrappers (hysteresis, combinations) nest at most 64 levels deep in an archive.
//
// qualification_policy: the same, with default_qualification_policy under "leadscore.default_qualification" and a
// policy of your own registered with register_qualification_policy.

#include "leadscore/core/error.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/serialize_scoring.hpp" // condition, and the helpers it adds to detail::archive
#include "leadscore/qualification/any_policy.hpp"
#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/qualification/stage_map.hpp"
#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/timeframe.hpp"
#include "leadscore/temperature/trend.hpp"

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/archive/xml_iarchive.hpp>
#include <boost/archive/xml_oarchive.hpp>
#include <boost/serialization/nvp.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/version.hpp>

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

namespace leadscore {

/// Registers a temperature policy type of your own under a stable export key, so a temperature_policy holding it
/// (alone, inside hysteresis or a combination) can be saved and loaded. P needs free serialize() (or save / load)
/// functions for Boost and must be default-constructible (the overload below takes a function that makes the value
/// to load into). Register before the first save or load of P; registering the same key and type again changes
/// nothing. Throws definition_error for an empty key, a key taken by another type, or P registered under another
/// key. Keys starting with "leadscore." are the library's.
template <TemperaturePolicy P>
    requires std::default_initializable<P>
void register_temperature_policy(std::string key) {
    detail::add_any_codec<P>(detail::temperature_registry(), std::move(key), std::function<P()>([] { return P{}; }));
}
/// The same for a P without a default constructor: `blank` makes a P the archive's value replaces.
template <TemperaturePolicy P>
void register_temperature_policy(std::string key, std::function<P()> blank) {
    detail::add_any_codec<P>(detail::temperature_registry(), std::move(key), std::move(blank));
}
/// Registers P for archives and, with `read`, for the configuration under the same key (register_temperature_config).
template <TemperaturePolicy P>
    requires std::default_initializable<P>
void register_temperature_policy(std::string key, config_reader<P> read) {
    register_temperature_config<P>(key, std::move(read));
    register_temperature_policy<P>(std::move(key));
}

/// The export key a temperature_policy's held type is saved under; nullopt for an unregistered type or an empty
/// policy.
[[nodiscard]] inline std::optional<std::string> export_key(const temperature_policy& policy) {
    return detail::temperature_registry().key_of(policy);
}

/// Registers a qualification policy type of your own under a stable export key, so a qualification_policy holding it
/// can be saved and loaded; as register_temperature_policy (the same requirements, the same refusals).
template <QualificationPolicy P>
    requires std::default_initializable<P>
void register_qualification_policy(std::string key) {
    detail::add_any_codec<P>(detail::qualification_registry(), std::move(key), std::function<P()>([] { return P{}; }));
}
/// The same for a P without a default constructor: `blank` makes a P the archive's value replaces.
template <QualificationPolicy P>
void register_qualification_policy(std::string key, std::function<P()> blank) {
    detail::add_any_codec<P>(detail::qualification_registry(), std::move(key), std::move(blank));
}
/// Registers P for archives and, with `read`, for the configuration under the same key
/// (register_qualification_config).
template <QualificationPolicy P>
    requires std::default_initializable<P>
void register_qualification_policy(std::string key, config_reader<P> read) {
    register_qualification_config<P>(key, std::move(read));
    register_qualification_policy<P>(std::move(key));
}

/// The export key a qualification_policy's held type is registered under; nullopt for an unregistered type or an
/// empty policy.
[[nodiscard]] inline std::optional<std::string> export_key(const qualification_policy& policy) {
    return detail::qualification_registry().key_of(policy);
}

} // namespace leadscore

namespace leadscore::detail::archive {

/// An optional day count: a flag, then the number.
template <class Ar>
void save_optional_days(Ar& ar, const char* name, const std::optional<std::int32_t>& d) {
    save_flag(ar, "present", d.has_value());
    if (d) {
        const std::int32_t v = *d;
        ar << boost::serialization::make_nvp(name, v);
    }
}
template <class Ar>
std::optional<std::int32_t> load_optional_days(Ar& ar, const char* name) {
    if (!load_flag(ar, "present")) return std::nullopt;
    std::int32_t v = 0;
    ar >> boost::serialization::make_nvp(name, v);
    return v;
}

} // namespace leadscore::detail::archive

BOOST_CLASS_VERSION(leadscore::timeframe_rule, 1)
BOOST_CLASS_VERSION(leadscore::purchase_timeframe_policy, 1)
BOOST_CLASS_VERSION(leadscore::score_bands, 1)
BOOST_CLASS_VERSION(leadscore::score_band_policy, 1)
BOOST_CLASS_VERSION(leadscore::relative_bands, 1)
BOOST_CLASS_VERSION(leadscore::relative_band_policy, 1)
BOOST_CLASS_VERSION(leadscore::hysteresis_rule, 1)
BOOST_CLASS_VERSION(leadscore::hysteresis_policy, 1)
BOOST_CLASS_VERSION(leadscore::temperature_part, 1)
BOOST_CLASS_VERSION(leadscore::combined_temperature_policy, 1)
BOOST_CLASS_VERSION(leadscore::rating_field_rule, 1)
BOOST_CLASS_VERSION(leadscore::rating_field_policy, 1)
BOOST_CLASS_VERSION(leadscore::temperature_policy, 1)
BOOST_CLASS_VERSION(leadscore::trend_rule, 1)
BOOST_CLASS_VERSION(leadscore::trend_policy, 1)
BOOST_CLASS_VERSION(leadscore::stage_map, 1)
BOOST_CLASS_VERSION(leadscore::qualification_rules, 1)
BOOST_CLASS_VERSION(leadscore::default_qualification_policy, 1)
BOOST_CLASS_VERSION(leadscore::qualification_policy, 1)

#define LEADSCORE_TEMPERATURE_SPLIT_FREE(T)                                                                            \
    template <class Ar>                                                                                                \
    void serialize(Ar& ar, T& value, unsigned version) {                                                               \
        split_free(ar, value, version);                                                                                \
    }

namespace boost::serialization {

// ---- purchase timeframe -------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::timeframe_rule& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    const std::int32_t horizon = r.horizon_days;
    ar << make_nvp("horizon_days", horizon);
    a::save_enum(ar, "beyond", r.beyond);
    a::save_enum(ar, "when_none", r.when_none);
    a::save_text(ar, "field", r.field);
}
template <class Ar>
void load(Ar& ar, leadscore::timeframe_rule& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "timeframe_rule");
    leadscore::timeframe_rule out;
    ar >> make_nvp("horizon_days", out.horizon_days);
    out.beyond = a::load_enum(ar, "beyond", leadscore::temperature::unknown);
    out.when_none = a::load_enum(ar, "when_none", leadscore::temperature::unknown);
    a::load_text(ar, "field", out.field);
    r = std::move(out); // checked by purchase_timeframe_policy
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::timeframe_rule)

template <class Ar>
void save(Ar& ar, const leadscore::purchase_timeframe_policy& p, unsigned /*version*/) {
    ar << make_nvp("rule", p.rule());
}
template <class Ar>
void load(Ar& ar, leadscore::purchase_timeframe_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "purchase_timeframe_policy");
    leadscore::timeframe_rule rule;
    ar >> make_nvp("rule", rule);
    p = a::rebuild("purchase_timeframe_policy", [&] { return leadscore::purchase_timeframe_policy(std::move(rule)); });
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::purchase_timeframe_policy)

// ---- score bands --------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::score_bands& b, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_enum(ar, "scale", b.scale);
    a::save_double(ar, "warm", b.warm);
    a::save_double(ar, "hot", b.hot);
}
template <class Ar>
void load(Ar& ar, leadscore::score_bands& b, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "score_bands");
    b.scale = a::load_enum(ar, "scale", leadscore::score_scale::probability);
    b.warm = a::load_double(ar, "warm");
    b.hot = a::load_double(ar, "hot"); // checked by score_band_policy
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::score_bands)

template <class Ar>
void save(Ar& ar, const leadscore::score_band_policy& p, unsigned /*version*/) {
    ar << make_nvp("bands", p.bands());
}
template <class Ar>
void load(Ar& ar, leadscore::score_band_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "score_band_policy");
    leadscore::score_bands bands;
    ar >> make_nvp("bands", bands);
    p = a::rebuild("score_band_policy", [&] { return leadscore::score_band_policy(bands); });
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::score_band_policy)

template <class Ar>
void save(Ar& ar, const leadscore::relative_bands& b, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_double(ar, "hot_share", b.hot_share);
    a::save_double(ar, "warm_share", b.warm_share);
    a::save_enum(ar, "ties", b.ties);
}
template <class Ar>
void load(Ar& ar, leadscore::relative_bands& b, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "relative_bands");
    b.hot_share = a::load_double(ar, "hot_share");
    b.warm_share = a::load_double(ar, "warm_share");
    b.ties = a::load_enum(ar, "ties", leadscore::tie_rule::shared); // shares checked by relative_band_policy
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::relative_bands)

template <class Ar>
void save(Ar& ar, const leadscore::relative_band_policy& p, unsigned /*version*/) {
    ar << make_nvp("bands", p.bands());
}
template <class Ar>
void load(Ar& ar, leadscore::relative_band_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "relative_band_policy");
    leadscore::relative_bands bands;
    ar >> make_nvp("bands", bands);
    p = a::rebuild("relative_band_policy", [&] { return leadscore::relative_band_policy(bands); });
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::relative_band_policy)

// ---- rating field -------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::rating_field_rule& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "field", r.field);
    a::save_strings(ar, "hot", r.hot);
    a::save_strings(ar, "warm", r.warm);
    a::save_strings(ar, "cold", r.cold);
}
template <class Ar>
void load(Ar& ar, leadscore::rating_field_rule& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "rating_field_rule");
    leadscore::rating_field_rule out;
    a::load_text(ar, "field", out.field);
    a::load_strings(ar, "hot", out.hot);
    a::load_strings(ar, "warm", out.warm);
    a::load_strings(ar, "cold", out.cold);
    r = std::move(out); // checked by rating_field_policy
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::rating_field_rule)

template <class Ar>
void save(Ar& ar, const leadscore::rating_field_policy& p, unsigned /*version*/) {
    ar << make_nvp("rule", p.rule());
}
template <class Ar>
void load(Ar& ar, leadscore::rating_field_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "rating_field_policy");
    leadscore::rating_field_rule rule;
    ar >> make_nvp("rule", rule);
    p = a::rebuild("rating_field_policy", [&] { return leadscore::rating_field_policy(std::move(rule)); });
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::rating_field_policy)

// ---- temperature_policy: the export key, then the held policy -----------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::temperature_policy& p, unsigned /*version*/) {
    leadscore::detail::archive::save_any(ar, p, leadscore::detail::temperature_registry());
}
template <class Ar>
void load(Ar& ar, leadscore::temperature_policy& p, unsigned version) {
    leadscore::detail::archive::load_any(ar, p, version, leadscore::detail::temperature_registry());
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::temperature_policy)

// ---- hysteresis ---------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::hysteresis_rule& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_optional_double(ar, "margin", r.margin);
    const unsigned evaluations = r.evaluations;
    ar << make_nvp("evaluations", evaluations);
}
template <class Ar>
void load(Ar& ar, leadscore::hysteresis_rule& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "hysteresis_rule");
    r.margin = a::load_optional_double(ar, "margin");
    ar >> make_nvp("evaluations", r.evaluations); // checked by hysteresis_policy
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::hysteresis_rule)

template <class Ar>
void save(Ar& ar, const leadscore::hysteresis_policy& p, unsigned /*version*/) {
    ar << make_nvp("inner", p.inner()) << make_nvp("rule", p.rule());
}
template <class Ar>
void load(Ar& ar, leadscore::hysteresis_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "hysteresis_policy");
    leadscore::temperature_policy inner;
    leadscore::hysteresis_rule rule;
    ar >> make_nvp("inner", inner) >> make_nvp("rule", rule);
    p = a::rebuild("hysteresis_policy", [&] { return leadscore::hysteresis_policy(std::move(inner), rule); });
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::hysteresis_policy)

// ---- combinations -------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::temperature_part& t, unsigned /*version*/) {
    leadscore::detail::archive::save_text(ar, "name", t.name);
    ar << make_nvp("policy", t.policy);
}
template <class Ar>
void load(Ar& ar, leadscore::temperature_part& t, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "temperature_part");
    a::load_text(ar, "name", t.name);
    ar >> make_nvp("policy", t.policy); // checked by combined_temperature_policy
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::temperature_part)

template <class Ar>
void save(Ar& ar, const leadscore::combined_temperature_policy& p, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_enum(ar, "rule", p.rule());
    a::save_list(ar, "part", p.parts());
}
template <class Ar>
void load(Ar& ar, leadscore::combined_temperature_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "combined_temperature_policy");
    const auto rule = a::load_enum(ar, "rule", leadscore::combine_rule::first_defined);
    std::vector<leadscore::temperature_part> parts;
    a::load_list(ar, "part", parts);
    p = a::rebuild("combined_temperature_policy",
                   [&] { return leadscore::combined_temperature_policy(rule, std::move(parts)); });
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::combined_temperature_policy)

// ---- trend --------------------------------------------------------------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::trend_rule& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_double(ar, "min_change", r.min_change);
    a::save_double(ar, "per_days", r.per_days);
    const std::uint64_t window = r.window;
    ar << make_nvp("window", window);
}
template <class Ar>
void load(Ar& ar, leadscore::trend_rule& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "trend_rule");
    r.min_change = a::load_double(ar, "min_change");
    r.per_days = a::load_double(ar, "per_days");
    std::uint64_t window = 0;
    ar >> make_nvp("window", window);
    r.window = static_cast<std::size_t>(a::checked(window, "trend_rule: window"));
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::trend_rule)

template <class Ar>
void save(Ar& ar, const leadscore::trend_policy& p, unsigned /*version*/) {
    ar << make_nvp("rule", p.rule());
}
template <class Ar>
void load(Ar& ar, leadscore::trend_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "trend_policy");
    leadscore::trend_rule rule;
    ar >> make_nvp("rule", rule);
    p = a::rebuild("trend_policy", [&] { return leadscore::trend_policy(rule); });
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::trend_policy)

// ---- qualification ------------------------------------------------------------------------------------------------

// A stage map: its funnel, then the stage name of each class from suspect to nurture (rebuilt by name).
template <class Ar>
void save(Ar& ar, const leadscore::stage_map& m, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    ar << make_nvp("funnel", m.lead_funnel());
    for (std::size_t c = 0; c < leadscore::lifecycle_count - 1; ++c)
        a::save_text(ar, "stage", m.lead_funnel()[m.stage_of(static_cast<leadscore::lifecycle>(c))].name);
}
template <class Ar>
void load(Ar& ar, leadscore::stage_map& m, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "stage_map");
    leadscore::funnel f = leadscore::funnel::standard();
    ar >> make_nvp("funnel", f);
    std::vector<std::pair<leadscore::lifecycle, std::string>> names;
    for (std::size_t c = 0; c < leadscore::lifecycle_count - 1; ++c) {
        std::string name;
        a::load_text(ar, "stage", name);
        names.emplace_back(static_cast<leadscore::lifecycle>(c), std::move(name));
    }
    m = a::rebuild("stage_map", [&] { return leadscore::stage_map(std::move(f), names); });
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::stage_map)

template <class Ar>
void save(Ar& ar, const leadscore::qualification_rules& r, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_strings(ar, "inquiry_event", r.inquiry_events);
    a::save_strings(ar, "not_interest_event", r.not_interest_events);
    a::save_optional_double(ar, "mql_score", r.mql_score);
    a::save_flag(ar, "has_no_intent", r.no_intent.has_value());
    if (r.no_intent) ar << make_nvp("no_intent", *r.no_intent);
    a::save_flag(ar, "has_bought_competitor", r.bought_competitor.has_value());
    if (r.bought_competitor) ar << make_nvp("bought_competitor", *r.bought_competitor);
    a::save_optional_days(ar, "reject_after_days", r.reject_after_days);
    a::save_optional_days(ar, "nurture_after_days", r.nurture_after_days);
}
template <class Ar>
void load(Ar& ar, leadscore::qualification_rules& r, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "qualification_rules");
    leadscore::qualification_rules out;
    a::load_strings(ar, "inquiry_event", out.inquiry_events);
    a::load_strings(ar, "not_interest_event", out.not_interest_events);
    out.mql_score = a::load_optional_double(ar, "mql_score");
    if (a::load_flag(ar, "has_no_intent")) {
        leadscore::condition c;
        ar >> make_nvp("no_intent", c);
        out.no_intent = std::move(c);
    }
    if (a::load_flag(ar, "has_bought_competitor")) {
        leadscore::condition c;
        ar >> make_nvp("bought_competitor", c);
        out.bought_competitor = std::move(c);
    }
    out.reject_after_days = a::load_optional_days(ar, "reject_after_days");
    out.nurture_after_days = a::load_optional_days(ar, "nurture_after_days");
    r = std::move(out); // checked by default_qualification_policy
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::qualification_rules)

template <class Ar>
void save(Ar& ar, const leadscore::default_qualification_policy& p, unsigned /*version*/) {
    ar << make_nvp("rules", p.rules()) << make_nvp("stages", p.stages());
}
template <class Ar>
void load(Ar& ar, leadscore::default_qualification_policy& p, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "default_qualification_policy");
    leadscore::qualification_rules rules;
    leadscore::stage_map stages = p.stages(); // replaced by the archive's
    ar >> make_nvp("rules", rules) >> make_nvp("stages", stages);
    p = a::rebuild("default_qualification_policy",
                   [&] { return leadscore::default_qualification_policy(std::move(rules), std::move(stages)); });
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::default_qualification_policy)

// ---- qualification_policy: the export key, then the held policy ---------------------------------------------------

template <class Ar>
void save(Ar& ar, const leadscore::qualification_policy& p, unsigned /*version*/) {
    leadscore::detail::archive::save_any(ar, p, leadscore::detail::qualification_registry());
}
template <class Ar>
void load(Ar& ar, leadscore::qualification_policy& p, unsigned version) {
    leadscore::detail::archive::load_any(ar, p, version, leadscore::detail::qualification_registry());
}
LEADSCORE_TEMPERATURE_SPLIT_FREE(leadscore::qualification_policy)

} // namespace boost::serialization

#undef LEADSCORE_TEMPERATURE_SPLIT_FREE
