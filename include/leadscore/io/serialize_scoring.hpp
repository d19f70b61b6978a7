#pragma once
// Boost.Serialization of the scoring policies and their parts: conditions, points rules and decay, grade profiles,
// the feature encoder, logistic models, calibration maps, frequency tables, tree ensembles, composites, the type-erased
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
// enums are small unsigned numbers refused above their last value, flags are 0 or 1. Each type's fields are listed
// once, by policy family, in leadscore/io/detail/serialize_{condition,points,logistic,frequency,trees,composite,
// training}.hpp (internal headers this one includes).
//
// Loading rebuilds every policy through its public constructor, so a loaded policy satisfies the same invariants
// as a constructed one: a rule set, profile, encoder, model, map, definition or table the constructor refuses is an
// error naming the type and what the constructor said (load_archive turns it into archive_error naming the
// archive).
//
// scoring_policy: saved as its export key (a text) followed by the held policy; an empty scoring_policy as the
// empty key. The built-ins are registered under "leadscore.points", "leadscore.grade", "leadscore.logistic",
// "leadscore.frequency", "leadscore.trees", "leadscore.weighted_sum", "leadscore.max", "leadscore.grid" and
// "leadscore.calibrated".
// A policy type of your own is registered once, before saving or loading it:
//
//   register_scoring_policy<my_policy>("acme.my_policy");   // my_policy: default-constructible, with serialize()
//
// Saving a scoring_policy that holds an unregistered type, or loading an unknown key, is an error naming the type
// or the key. Composites nest at most 64 levels deep in an archive (a deeper one is refused, so a hostile archive
// cannot exhaust the stack).

#include "leadscore/io/archive.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/io/detail/serialize_composite.hpp"
#include "leadscore/io/detail/serialize_condition.hpp"
#include "leadscore/io/detail/serialize_frequency.hpp"
#include "leadscore/io/detail/serialize_logistic.hpp"
#include "leadscore/io/detail/serialize_points.hpp"
#include "leadscore/io/detail/serialize_training.hpp"
#include "leadscore/io/detail/serialize_trees.hpp"
#include "leadscore/io/serialize_any.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/scoring/any_policy.hpp"

#include <boost/serialization/nvp.hpp>
#include <boost/serialization/split_free.hpp>
#include <boost/serialization/version.hpp>

#include <concepts>
#include <functional>
#include <optional>
#include <string>
#include <utility>

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

BOOST_CLASS_VERSION(leadscore::scoring_policy, 1)

// The type-erased scoring_policy is saved through its registry: save, load, and the serialize that splits them.
#define LEADSCORE_SPLIT_FREE(T)                                                                                        \
    template <class Ar>                                                                                                \
    void serialize(Ar& ar, T& value, unsigned version) {                                                               \
        split_free(ar, value, version);                                                                                \
    }

namespace boost::serialization {

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

} // namespace boost::serialization

#undef LEADSCORE_SPLIT_FREE

// Declarations of instantiations the library compiles (not documented API):
/// @cond
namespace leadscore {
// Compiled once, in the library (see LEADSCORE_ARCHIVE_FUNCTIONS).
LEADSCORE_ARCHIVE_FUNCTIONS(extern, condition);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, scoring_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, points_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, grade_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, logistic_model);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, logistic_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, frequency_tables);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, frequency_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, tree_ensemble);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, tree_ensemble_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, weighted_sum_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, max_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, grid_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, calibration_map);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, calibrated_policy);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, calibration_fit);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, learned_encoder);
LEADSCORE_ARCHIVE_FUNCTIONS(extern, fit_report);
} // namespace leadscore
/// @endcond
