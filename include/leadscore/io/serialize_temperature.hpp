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
// archive_error naming the archive). Each type's fields are listed once (leadscore/io/detail/archive_fields.hpp
// explains the form); the same list saves and loads.
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

#include "leadscore/io/archive.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/io/detail/archive_fields.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/serialize_scoring.hpp" // condition, and the serialize_any helpers
#include "leadscore/qualification/any_policy.hpp"
#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/qualification/stage_map.hpp"
#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/combine.hpp"
#include "leadscore/temperature/hysteresis.hpp"
#include "leadscore/temperature/timeframe.hpp"
#include "leadscore/temperature/trend.hpp"

#include <boost/serialization/nvp.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/version.hpp>

#include <array>
#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
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

namespace leadscore::detail::archive {

template <>
struct enum_range<temperature> {
    static constexpr auto last = temperature::unknown;
};
template <>
struct enum_range<score_scale> {
    static constexpr auto last = score_scale::probability;
};
template <>
struct enum_range<tie_rule> {
    static constexpr auto last = tie_rule::shared;
};
template <>
struct enum_range<combine_rule> {
    static constexpr auto last = combine_rule::first_defined;
};

// ---- the rules: checked by their policies, when those are rebuilt -------------------------------------------------

template <>
struct description<timeframe_rule> {
    static constexpr const char* name = "timeframe_rule";
    static void fields(auto& v, auto& r) {
        v("horizon_days", r.horizon_days);
        v("beyond", r.beyond);
        v("when_none", r.when_none);
        v("field", r.field);
    }
};

template <>
struct description<score_bands> {
    static constexpr const char* name = "score_bands";
    static void fields(auto& v, auto& b) {
        v("scale", b.scale);
        v("warm", b.warm);
        v("hot", b.hot);
    }
};

template <>
struct description<relative_bands> {
    static constexpr const char* name = "relative_bands";
    static void fields(auto& v, auto& b) {
        v("hot_share", b.hot_share);
        v("warm_share", b.warm_share);
        v("ties", b.ties);
    }
};

template <>
struct description<rating_field_rule> {
    static constexpr const char* name = "rating_field_rule";
    static void fields(auto& v, auto& r) {
        v("field", r.field);
        v("hot", r.hot);
        v("warm", r.warm);
        v("cold", r.cold);
    }
};

template <>
struct description<hysteresis_rule> {
    static constexpr const char* name = "hysteresis_rule";
    static void fields(auto& v, auto& r) {
        v("margin", r.margin);
        v("evaluations", r.evaluations);
    }
};

template <>
struct description<temperature_part> {
    static constexpr const char* name = "temperature_part";
    static void fields(auto& v, auto& t) {
        v("name", t.name);
        v("policy", t.policy);
    }
};

template <>
struct description<trend_rule> {
    static constexpr const char* name = "trend_rule";
    static void fields(auto& v, auto& r) {
        v("min_change", r.min_change);
        v("per_days", r.per_days);
        v("window", bounded(r.window));
    }
};

// ---- the policies: their rules (and inner policies), rebuilt through the constructors ---------------------------

template <>
struct description<purchase_timeframe_policy> {
    static constexpr const char* name = "purchase_timeframe_policy";
    static auto parts(const purchase_timeframe_policy& p) { return part_list(p.rule()); }
    static void fields(auto& v, auto& rule) { v("rule", rule); }
    static purchase_timeframe_policy make(timeframe_rule rule) { return purchase_timeframe_policy(std::move(rule)); }
};

template <>
struct description<score_band_policy> {
    static constexpr const char* name = "score_band_policy";
    static auto parts(const score_band_policy& p) { return part_list(p.bands()); }
    static void fields(auto& v, auto& bands) { v("bands", bands); }
    static score_band_policy make(score_bands bands) { return score_band_policy(bands); }
};

template <>
struct description<relative_band_policy> {
    static constexpr const char* name = "relative_band_policy";
    static auto parts(const relative_band_policy& p) { return part_list(p.bands()); }
    static void fields(auto& v, auto& bands) { v("bands", bands); }
    static relative_band_policy make(relative_bands bands) { return relative_band_policy(bands); }
};

template <>
struct description<rating_field_policy> {
    static constexpr const char* name = "rating_field_policy";
    static auto parts(const rating_field_policy& p) { return part_list(p.rule()); }
    static void fields(auto& v, auto& rule) { v("rule", rule); }
    static rating_field_policy make(rating_field_rule rule) { return rating_field_policy(std::move(rule)); }
};

template <>
struct description<hysteresis_policy> {
    static constexpr const char* name = "hysteresis_policy";
    static auto parts(const hysteresis_policy& p) { return part_list(p.inner(), p.rule()); }
    static void fields(auto& v, auto& inner, auto& rule) {
        v("inner", inner);
        v("rule", rule);
    }
    static hysteresis_policy make(temperature_policy inner, hysteresis_rule rule) {
        return hysteresis_policy(std::move(inner), rule);
    }
};

template <>
struct description<combined_temperature_policy> {
    static constexpr const char* name = "combined_temperature_policy";
    static auto parts(const combined_temperature_policy& p) { return part_list(p.rule(), p.parts()); }
    static void fields(auto& v, auto& rule, auto& parts) {
        v("rule", rule);
        v("part", parts);
    }
    static combined_temperature_policy make(combine_rule rule, std::vector<temperature_part> parts) {
        return combined_temperature_policy(rule, std::move(parts));
    }
};

template <>
struct description<trend_policy> {
    static constexpr const char* name = "trend_policy";
    static auto parts(const trend_policy& p) { return part_list(p.rule()); }
    static void fields(auto& v, auto& rule) { v("rule", rule); }
    static trend_policy make(trend_rule rule) { return trend_policy(rule); }
};

// ---- qualification ------------------------------------------------------------------------------------------------

/// Its funnel, then the stage name of each class from suspect to nurture (rebuilt by name).
template <>
struct description<stage_map> {
    static constexpr const char* name = "stage_map";
    using stage_names = std::array<std::string, lifecycle_count - 1>;
    static auto parts(const stage_map& m) {
        stage_names names;
        for (std::size_t c = 0; c < names.size(); ++c)
            names[c] = m.lead_funnel()[m.stage_of(static_cast<lifecycle>(c))].name;
        return part_list(m.lead_funnel(), std::move(names));
    }
    static void fields(auto& v, auto& funnel, auto& names) {
        v("funnel", funnel);
        v("stage", names);
    }
    static stage_map make(funnel f, stage_names names) {
        std::vector<std::pair<lifecycle, std::string>> by_class;
        for (std::size_t c = 0; c < names.size(); ++c)
            by_class.emplace_back(static_cast<lifecycle>(c), std::move(names[c]));
        return stage_map(std::move(f), by_class);
    }
};

/// Checked by default_qualification_policy.
template <>
struct description<qualification_rules> {
    static constexpr const char* name = "qualification_rules";
    static void fields(auto& v, auto& r) {
        v("inquiry_event", r.inquiry_events);
        v("not_interest_event", r.not_interest_events);
        v("mql_score", r.mql_score);
        v("no_intent", flagged("has_no_intent", r.no_intent));
        v("bought_competitor", flagged("has_bought_competitor", r.bought_competitor));
        v("reject_after_days", r.reject_after_days);
        v("nurture_after_days", r.nurture_after_days);
    }
};

template <>
struct description<default_qualification_policy> {
    static constexpr const char* name = "default_qualification_policy";
    static auto parts(const default_qualification_policy& p) { return part_list(p.rules(), p.stages()); }
    static void fields(auto& v, auto& rules, auto& stages) {
        v("rules", rules);
        v("stages", stages);
    }
    static default_qualification_policy make(qualification_rules rules, stage_map stages) {
        return default_qualification_policy(std::move(rules), std::move(stages));
    }
};

} // namespace leadscore::detail::archive

// The type-erased temperature_policy is saved through its registry: save, load, and the serialize that splits them.
#define LEADSCORE_TEMPERATURE_SPLIT_FREE(T)                                                                            \
    template <class Ar>                                                                                                \
    void serialize(Ar& ar, T& value, unsigned version) {                                                               \
        split_free(ar, value, version);                                                                                \
    }

namespace boost::serialization {

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

// Declarations of instantiations the library compiles (not documented API):
/// @cond
namespace leadscore {
// Compiled once, in the library (see LEADSCORE_ARCHIVE_FUNCTIONS).
LEADSCORE_ARCHIVE_FUNCTIONS(extern, temperature_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, purchase_timeframe_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, score_band_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, relative_band_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, hysteresis_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, combined_temperature_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, rating_field_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, trend_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, qualification_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, default_qualification_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, stage_map);
} // namespace leadscore
/// @endcond
