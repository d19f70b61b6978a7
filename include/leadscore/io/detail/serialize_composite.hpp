#pragma once
// Archive descriptions of the composite scoring policies (scoring/composite.hpp): weighted sums, maxima, grids and
// calibrated policies, whose parts are scoring_policy values saved through their export keys. Internal: users
// include leadscore/io/serialize_scoring.hpp.

#include "leadscore/io/detail/archive_fields.hpp"
#include "leadscore/io/detail/serialize_logistic.hpp" // calibration_map
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/composite.hpp"

#include <boost/serialization/version.hpp>

#include <utility>
#include <vector>

BOOST_CLASS_VERSION(leadscore::component, 1)
BOOST_CLASS_VERSION(leadscore::weighted_sum_policy, 1)
BOOST_CLASS_VERSION(leadscore::max_policy, 1)
BOOST_CLASS_VERSION(leadscore::grid_axis, 1)
BOOST_CLASS_VERSION(leadscore::grid_policy, 1)
BOOST_CLASS_VERSION(leadscore::calibrated_policy, 1)

namespace leadscore::detail::archive {

template <>
struct description<component> {
    static constexpr const char* name = "component";
    static void fields(auto& v, auto& c) {
        v("name", c.name);
        v("policy", c.policy);
        v("weight", c.weight);
    }
};

template <>
struct description<weighted_sum_policy> {
    static constexpr const char* name = "weighted_sum_policy";
    static auto parts(const weighted_sum_policy& p) { return part_list(p.parts(), p.bias()); }
    static void fields(auto& v, auto& parts, auto& bias) {
        v("part", parts);
        v("bias", bias);
    }
    static weighted_sum_policy make(std::vector<component> parts, double bias) {
        return weighted_sum_policy(std::move(parts), bias);
    }
};

template <>
struct description<max_policy> {
    static constexpr const char* name = "max_policy";
    static auto parts(const max_policy& p) { return part_list(p.parts()); }
    static void fields(auto& v, auto& parts) { v("part", parts); }
    static max_policy make(std::vector<component> parts) { return max_policy(std::move(parts)); }
};

/// Labels are checked by grid_policy.
template <>
struct description<grid_axis> {
    static constexpr const char* name = "grid_axis";
    static void fields(auto& v, auto& x) {
        v("name", x.name);
        v("policy", x.policy);
        v("thresholds", x.thresholds);
        v("label", x.labels);
    }
};

template <>
struct description<grid_policy> {
    static constexpr const char* name = "grid_policy";
    static auto parts(const grid_policy& p) { return part_list(p.fit(), p.engagement(), p.values()); }
    static void fields(auto& v, auto& fit, auto& engagement, auto& values) {
        v("fit", fit);
        v("engagement", engagement);
        v("values", values);
    }
    static grid_policy make(grid_axis fit, grid_axis engagement, std::vector<double> values) {
        if (values.empty()) fail("grid_policy: no cell values"); // the constructor would fill in its defaults
        return grid_policy(std::move(fit), std::move(engagement), std::move(values));
    }
};

template <>
struct description<calibrated_policy> {
    static constexpr const char* name = "calibrated_policy";
    static auto parts(const calibrated_policy& p) { return part_list(p.raw(), p.map()); }
    static void fields(auto& v, auto& raw, auto& map) {
        v("raw", raw);
        v("map", map);
    }
    static calibrated_policy make(scoring_policy raw, calibration_map map) {
        return calibrated_policy(std::move(raw), std::move(map));
    }
};

} // namespace leadscore::detail::archive
