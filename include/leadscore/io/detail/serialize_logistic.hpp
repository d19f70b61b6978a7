#pragma once
// Archive descriptions of the feature encoder, logistic models and policies (scoring/encoder.hpp,
// scoring/logistic.hpp) and of calibration maps (scoring/calibration.hpp). Internal: users include
// leadscore/io/serialize_scoring.hpp.

#include "leadscore/io/detail/archive_fields.hpp"
#include "leadscore/scoring/calibration.hpp"
#include "leadscore/scoring/encoder.hpp"
#include "leadscore/scoring/logistic.hpp"

#include <boost/serialization/version.hpp>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

BOOST_CLASS_VERSION(leadscore::feature_encoder, 1)
BOOST_CLASS_VERSION(leadscore::logistic_model, 1)
BOOST_CLASS_VERSION(leadscore::logistic_policy, 1)
BOOST_CLASS_VERSION(leadscore::calibration_map, 1)

namespace leadscore::detail::archive {

template <>
struct enum_range<unknown_category> {
    static constexpr auto last = unknown_category::error;
};
template <>
struct enum_range<calibration_map::kind> {
    static constexpr auto last = calibration_map::kind::piecewise_linear;
};

/// A feature specification: its kind (the index in feature_spec: 0 numeric, 1 binned, 2 categorical, 3 boolean,
/// 4 recency, 5 frequency), then its fields; the encoder validates them all when it is rebuilt.
template <>
struct variant_form<feature_spec> {
    static void fields(auto& v, auto& s) {
        using S = std::remove_cvref_t<decltype(s)>;
        if constexpr (std::is_same_v<S, numeric_feature>) {
            v("field", s.field);
            v("center", s.center);
            v("scale", s.scale);
            v("impute", s.impute);
            v("missing_indicator", s.missing_indicator);
        } else if constexpr (std::is_same_v<S, binned_feature>) {
            v("field", s.field);
            v("cuts", s.cuts);
            v("missing_indicator", s.missing_indicator);
        } else if constexpr (std::is_same_v<S, categorical_feature>) {
            v("field", s.field);
            v("entry", s.vocabulary);
            v("unknown", s.unknown);
            v("missing_feature", s.missing_feature);
        } else if constexpr (std::is_same_v<S, boolean_feature>) {
            v("field", s.field);
            v("impute", s.impute);
            v("missing_indicator", s.missing_indicator);
        } else if constexpr (std::is_same_v<S, recency_feature>) {
            v("event_type", s.event_types);
            v("cap_days", s.cap_days);
            v("none_indicator", s.none_indicator);
            v("center", s.center);
            v("scale", s.scale);
        } else {
            static_assert(std::is_same_v<S, frequency_feature>);
            v("event_type", s.event_types);
            v("window_days", s.window_days);
            v("log1p", s.log1p);
            v("center", s.center);
            v("scale", s.scale);
        }
    }
    static std::string unknown_kind(unsigned kind, std::size_t record) {
        return "feature_encoder: specification " + std::to_string(record + 1) + " of unknown kind " +
               std::to_string(kind);
    }
};

template <>
struct description<feature_encoder> {
    static constexpr const char* name = "feature_encoder";
    static auto parts(const feature_encoder& e) { return part_list(e.specs()); }
    static void fields(auto& v, auto& specs) { v(records(specs)); }
    static feature_encoder make(std::vector<feature_spec> specs) { return feature_encoder(std::move(specs)); }
};

/// Checked by logistic_policy (one finite weight per feature).
template <>
struct description<logistic_model> {
    static constexpr const char* name = "logistic_model";
    static void fields(auto& v, auto& m) {
        v("encoder", m.encoder);
        v("weights", m.weights);
        v("intercept", m.intercept);
    }
};

template <>
struct description<logistic_policy> {
    static constexpr const char* name = "logistic_policy";
    static auto parts(const logistic_policy& p) { return part_list(p.model()); }
    static void fields(auto& v, auto& model) { v("model", model); }
    static logistic_policy make(logistic_model model) { return logistic_policy(std::move(model)); }
};

/// Its kind, the logistic coefficients and the knots; a map is rebuilt by kind, and must hold only what that kind
/// has (a piecewise-linear map keeps the identity's coefficients).
template <>
struct description<calibration_map> {
    static constexpr const char* name = "calibration_map";
    static auto parts(const calibration_map& m) {
        return part_list(m.type(), m.a(), m.b(), m.knots_x(), m.knots_y());
    }
    static void fields(auto& v, auto& kind, auto& a, auto& b, auto& knots_x, auto& knots_y) {
        v("kind", kind);
        v("a", a);
        v("b", b);
        v("knots_x", knots_x);
        v("knots_y", knots_y);
    }
    static calibration_map make(calibration_map::kind kind, double a, double b, std::vector<double> knots_x,
                                std::vector<double> knots_y) {
        if (kind == calibration_map::kind::logistic) {
            if (!knots_x.empty() || !knots_y.empty()) fail("calibration_map: a logistic map with knots");
            return calibration_map::logistic(a, b);
        }
        auto m = calibration_map::piecewise_linear(std::move(knots_x), std::move(knots_y));
        if (m.a() != a || m.b() != b) fail("calibration_map: a piecewise-linear map with logistic coefficients");
        return m;
    }
};

} // namespace leadscore::detail::archive
