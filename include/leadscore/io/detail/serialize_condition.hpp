#pragma once
// The archive description of a condition (scoring/condition.hpp): the scoring, qualification and routing rules all
// hold conditions. Internal: users include leadscore/io/serialize_scoring.hpp.

#include "leadscore/core/lead.hpp"
#include "leadscore/io/detail/archive_fields.hpp"
#include "leadscore/scoring/condition.hpp"

#include <boost/serialization/version.hpp>

#include <string>
#include <type_traits>

BOOST_CLASS_VERSION(leadscore::condition, 1)

namespace leadscore::detail::archive {

template <>
struct enum_range<condition_test> {
    static constexpr auto last = condition_test::is_missing;
};

/// A condition literal: its kind (0 number, 1 text, 2 flag, 3 time), then the value under the kind's name.
template <>
struct variant_form<attribute_value> {
    static void fields(auto& v, auto& x) {
        using X = std::remove_cvref_t<decltype(x)>;
        if constexpr (std::is_same_v<X, double>) v("number", x);
        else if constexpr (std::is_same_v<X, std::string>) v("text", x);
        else if constexpr (std::is_same_v<X, bool>) v("flag", x);
        else v("time", x);
    }
    static std::string unknown_kind(unsigned kind, std::size_t /*record*/) {
        return "condition: unknown literal kind " + std::to_string(kind);
    }
};

template <>
struct description<condition> {
    static constexpr const char* name = "condition";
    static void fields(auto& v, auto& c) {
        v("field", c.field);
        v("test", c.test);
        v("values", records(c.values));
        v("low", flagged("has_low", c.low));
        v("high", flagged("has_high", c.high));
        v("low_inclusive", c.low_inclusive);
        v("high_inclusive", c.high_inclusive);
        v("negate", c.negate);
        v("case_sensitive", c.case_sensitive);
    }
    static void check(const condition& c) { validate(c); }
};

} // namespace leadscore::detail::archive
