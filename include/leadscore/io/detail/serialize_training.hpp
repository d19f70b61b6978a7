#pragma once
// Archive descriptions of what training reports (train/fit.hpp, train/encoder.hpp, train/calibration.hpp).
// Internal: users include leadscore/io/serialize_scoring.hpp.

#include "leadscore/io/detail/archive_fields.hpp"
#include "leadscore/io/detail/serialize_logistic.hpp" // feature_encoder, calibration_map
#include "leadscore/train/calibration.hpp"
#include "leadscore/train/encoder.hpp"
#include "leadscore/train/fit.hpp"

#include <boost/serialization/version.hpp>

BOOST_CLASS_VERSION(leadscore::fit_report, 1)
BOOST_CLASS_VERSION(leadscore::learned_encoder, 1)
BOOST_CLASS_VERSION(leadscore::calibration_fit, 1)

namespace leadscore::detail::archive {

template <>
struct description<fit_report> {
    static constexpr const char* name = "fit_report";
    static void fields(auto& v, auto& r) {
        v("converged", r.converged);
        v("iterations", r.iterations);
        v("gradient_norm", r.gradient_norm);
        v("objective", r.objective);
        v("rows", r.rows);
        v("positives", r.positives);
        v("parameters", r.parameters);
        v("message", r.message);
        v("note", r.notes);
    }
    static void check(const fit_report& r) {
        if (r.positives > r.rows) fail("fit_report: more positives than rows");
    }
};

template <>
struct description<learned_encoder> {
    static constexpr const char* name = "learned_encoder";
    static void fields(auto& v, auto& e) {
        v("encoder", e.encoder);
        v("note", e.notes);
    }
};

template <>
struct description<calibration_fit> {
    static constexpr const char* name = "calibration_fit";
    static void fields(auto& v, auto& f) {
        v("map", f.map);
        v("report", f.report);
    }
};

} // namespace leadscore::detail::archive
