// The run-time (type-erased) policies of the four kinds — scoring_policy, temperature_policy, qualification_policy,
// routing_policy — share one pattern: the same empty state and its error, target and target_type, copies that share
// the held policy, and a batch call that runs the held policy's own batch form. Then qualification_policy on its
// own: it qualifies a generated CRM as the policy it holds, and round-trips through archives by export key, with a
// golden archive of version 1.

#include "leadscore/io/archive.hpp"
#include "leadscore/io/serialize_routing.hpp"
#include "leadscore/io/serialize_scoring.hpp"
#include "leadscore/io/serialize_temperature.hpp"
#include "leadscore/qualification/any_policy.hpp"
#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/routing/any_policy.hpp"
#include "leadscore/routing/round_robin.hpp"
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/scoring/engine.hpp"
#include "leadscore/scoring/points.hpp"
#include "leadscore/sim/generator.hpp"
#include "leadscore/temperature/any_policy.hpp"
#include "leadscore/temperature/bands.hpp"
#include "leadscore/temperature/engine.hpp"
#include "leadscore/temperature/timeframe.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace test_any_policy {

using namespace leadscore;

namespace {

const generated_crm& crm() {
    static const generated_crm c = generate_crm({.leads = 1500, .seed = 5, .follow_up_days = 30});
    return c;
}

/// Scores, temperatures and the input a qualification policy reads, over the generated CRM.
struct qualification_data {
    table_view view = crm().leads.view();
    batch_options options{.as_of = crm().horizon, .threads = 2};
    std::vector<double> scores;
    std::vector<rating> temperatures;
    qualification_data() {
        points_rules r;
        r.fit = {{"", condition::at_least("employees", 200.0), 35, "fit"}};
        scores = score_batch(points_policy(r), view, options);
        temperatures = rate_batch(score_band_policy(score_bands{score_scale::points, 20, 30}),
                                  rating_input{view, scores, score_scale::points}, options);
    }
    [[nodiscard]] qualification_input input() const { return {view, scores, temperatures}; }
};

// ---- a policy of each kind whose batch form marks what it writes, so a test sees which form ran ---------------------

constexpr double batch_mark = 1000;

struct marking_scoring {
    [[nodiscard]] score_scale scale() const { return score_scale::points; }
    struct scorer {
        [[nodiscard]] double score(std::size_t row) const { return static_cast<double>(row); }
        void score_batch(std::size_t first, std::span<double> out) const {
            for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(first + i) + batch_mark;
        }
    };
    [[nodiscard]] scorer bind(const table_view&, timestamp) const { return {}; }
};

struct marking_temperature {
    [[nodiscard]] std::vector<std::string> reasons() const { return {"one", "batch"}; }
    struct rater {
        [[nodiscard]] rating rate(std::size_t, double) const { return {temperature::cold, 0, 0}; }
        void rate_batch(std::size_t, std::span<const double>, std::span<rating> out) const {
            for (auto& r : out) r = {temperature::hot, 0, 1};
        }
    };
    [[nodiscard]] rater bind(const rating_input&, const batch_options&) const { return {}; }
};

/// Its stage map comes by value (the wrapper keeps a copy to hand out by reference).
struct marking_qualification {
    [[nodiscard]] stage_map stages() const { return stage_map::by_kind_and_order(funnel::standard()); }
    [[nodiscard]] std::vector<std::string> reasons() const { return {"one", "batch"}; }
    struct qualifier {
        [[nodiscard]] qualification qualify(std::size_t) const { return {0, lifecycle::suspect, 0}; }
        void qualify_batch(std::size_t, std::span<qualification> out) const {
            for (auto& q : out) q = {3, lifecycle::sql, 1};
        }
    };
    [[nodiscard]] qualifier bind(const qualification_input&, const batch_options&) const { return {}; }
};

template <class Any>
void check_empty(const Any& empty, const std::string& kind) {
    CHECK_FALSE(empty);
    CHECK(empty.target_type() == typeid(void));
    CHECK(empty.template target<int>() == nullptr);
    CHECK(Any(empty).target_type() == typeid(void)); // a copy of an empty one is empty
    static_assert(std::is_nothrow_copy_constructible_v<Any> && std::is_nothrow_move_constructible_v<Any>);
    static_assert(std::is_nothrow_copy_assignable_v<Any>);
    (void)kind;
}

/// A copy holds the same policy object; the original keeps it after the copy is reassigned.
template <class Any, class P>
void check_sharing(const Any& held) {
    const P* p = held.template target<P>();
    REQUIRE(p != nullptr);
    CHECK(held.target_type() == typeid(P));
    Any copy = held;
    CHECK(copy.template target<P>() == p);
    copy = Any();
    CHECK_FALSE(copy);
    CHECK(held.template target<P>() == p);
    Any moved = std::move(copy = held);
    CHECK(moved.template target<P>() == p);
}

std::string kind_error(const auto& call) {
    try {
        call();
    } catch (const definition_error& e) {
        return e.what();
    }
    return "";
}

template <class T>
std::string saved(const T& value, archive_format f) {
    std::ostringstream out(std::ios::binary);
    save_archive(out, value, f);
    return out.str();
}

template <class T>
void load_from(const std::string& bytes, T& into, archive_format f) {
    std::istringstream in(bytes, std::ios::binary);
    load_archive(in, into, f, "test.archive");
}

/// A default policy on a CRM's own funnel with every rule set, text that needs escaping, and day limits at their
/// boundaries: the value the golden archive holds.
default_qualification_policy golden_qualification() {
    const funnel f({{"Visitor", stage_kind::open},
                    {"Contact", stage_kind::open},
                    {"Sales ready", stage_kind::open},
                    {"Won", stage_kind::won},
                    {"Lost", stage_kind::lost},
                    {"Parked", stage_kind::nurture}});
    const stage_map map(f, {{lifecycle::suspect, "Visitor"},
                            {lifecycle::lead, "Contact"},
                            {lifecycle::mql, "Contact"},
                            {lifecycle::sql, "Sales ready"},
                            {lifecycle::rejected, "Lost"},
                            {lifecycle::nurture, "Parked"}});
    qualification_rules r;
    r.inquiry_events = {"form_submitted", "asked <price> & \"terms\""};
    r.not_interest_events = {"unsubscribed"};
    r.mql_score = 42.125;
    r.no_intent = condition::equals("intent", std::string("none"));
    r.reject_after_days = 0;
    r.nurture_after_days = 36500;
    return default_qualification_policy(r, map);
}

/// A qualification policy of a user's own, registered for archives below.
struct acme_threshold {
    double mql = 10;
    [[nodiscard]] const stage_map& stages() const {
        static const stage_map m = stage_map::by_kind_and_order(funnel::standard());
        return m;
    }
    [[nodiscard]] std::vector<std::string> reasons() const { return {"at or above", "below"}; }
    struct qualifier {
        std::span<const double> scores;
        double mql;
        [[nodiscard]] qualification qualify(std::size_t row) const {
            if (scores[row] >= mql) return {2, lifecycle::mql, 0};
            return {1, lifecycle::lead, 1};
        }
    };
    [[nodiscard]] qualifier bind(const qualification_input& in, const batch_options&) const { return {in.scores, mql}; }
};
template <class Ar>
void serialize(Ar& ar, acme_threshold& p, unsigned /*version*/) {
    ar& boost::serialization::make_nvp("mql", p.mql);
}

} // namespace

TEST_CASE("type-erased policies: one pattern for the four kinds") {
    check_empty(scoring_policy(), "scoring_policy");
    check_empty(temperature_policy(), "temperature_policy");
    check_empty(qualification_policy(), "qualification_policy");
    check_empty(routing_policy(), "routing_policy");

    // An empty one names its kind when used.
    const qualification_data d;
    CHECK(kind_error([&] { (void)scoring_policy().bind(d.view, crm().horizon); }) ==
          "scoring_policy: empty (no policy was given)");
    CHECK(kind_error([&] { (void)temperature_policy().reasons(); }) ==
          "temperature_policy: empty (no policy was given)");
    CHECK(kind_error([&] { (void)qualification_policy().stages(); }) ==
          "qualification_policy: empty (no policy was given)");
    CHECK(kind_error([&] { (void)routing_policy().priority_field(); }) ==
          "routing_policy: empty (no policy was given)");
    std::vector<qualification> q(d.view.rows());
    CHECK(kind_error([&] { qualify_batch(qualification_policy(), d.input(), q, d.options); }) ==
          "qualification_policy: empty (no policy was given)");

    // Copies share the held policy.
    check_sharing<scoring_policy, marking_scoring>(marking_scoring{});
    check_sharing<temperature_policy, marking_temperature>(marking_temperature{});
    check_sharing<qualification_policy, marking_qualification>(marking_qualification{});
    check_sharing<routing_policy, round_robin_policy>(round_robin_policy{});
    CHECK(scoring_policy(marking_scoring{}).target<points_policy>() == nullptr);
}

TEST_CASE("type-erased policies: the batch call runs the held policy's batch form, the bound form its row form") {
    const qualification_data d;
    const auto n = d.view.rows();
    const scoring_policy s = marking_scoring{};
    const auto scores = score_batch(s, d.view, d.options);
    CHECK(scores[0] == batch_mark);
    CHECK(scores[n - 1] == static_cast<double>(n - 1) + batch_mark);
    CHECK(s.bind(d.view, crm().horizon).score(7) == 7.0);

    const temperature_policy t = marking_temperature{};
    const auto ratings = rate_batch(t, rating_input{d.view, d.scores, std::nullopt}, d.options);
    CHECK(count_temperatures(ratings)[2] == n);
    CHECK(t.bind(rating_input{d.view, d.scores, std::nullopt}, d.options).rate(0, 1.0).level == temperature::cold);

    const qualification_policy q = marking_qualification{};
    const auto places = qualify_batch(q, d.input(), d.options);
    CHECK(count_lifecycle(places)[static_cast<std::size_t>(lifecycle::sql)] == n);
    const auto qualifier = q.bind(d.input(), d.options);
    CHECK(qualifier.qualify(0) == qualification{0, lifecycle::suspect, 0});
    std::vector<qualification> block(5);
    qualifier.qualify_batch(10, block);
    CHECK(block[4] == qualification{3, lifecycle::sql, 1});
    // The stage map given by value is kept: the same reference each time, equal to the policy's.
    CHECK(&q.stages() == &q.stages());
    CHECK(q.stages() == marking_qualification{}.stages());
    CHECK(q.reasons() == std::vector<std::string>{"one", "batch"});
}

TEST_CASE("qualification_policy: qualifies a generated CRM as the policy it holds, for any thread count") {
    const qualification_data d;
    qualification_rules r;
    r.mql_score = 30;
    r.reject_after_days = 14;
    const default_qualification_policy direct(r);
    const qualification_policy erased = direct;
    REQUIRE(erased.target<default_qualification_policy>() != nullptr);
    CHECK(*erased.target<default_qualification_policy>() == direct);
    CHECK(erased.stages() == direct.stages());
    CHECK(erased.reasons() == direct.reasons());
    const auto expected = qualify_batch(direct, d.input(), d.options);
    const auto counts = count_lifecycle(expected);
    CHECK(counts[static_cast<std::size_t>(lifecycle::lead)] > 0);
    CHECK(counts[static_cast<std::size_t>(lifecycle::mql)] > 0);
    for (const unsigned threads : {1U, 2U, 3U}) {
        CAPTURE(threads);
        const batch_options o{.as_of = crm().horizon, .threads = threads, .block_rows = 97};
        CHECK(qualify_batch(erased, d.input(), o) == expected);
    }
    const auto one = erased.bind(d.input(), d.options);
    for (std::size_t row = 0; row < expected.size(); row += 41) CHECK(one.qualify(row) == expected[row]);
}

TEST_CASE("qualification_policy archives: export keys, user registration, round trips") {
    register_qualification_policy<acme_threshold>("acme.threshold");
    register_qualification_policy<acme_threshold>("acme.threshold"); // again: nothing changes
    CHECK(export_key(qualification_policy(default_qualification_policy())) == "leadscore.default_qualification");
    CHECK(export_key(qualification_policy(acme_threshold{})) == "acme.threshold");
    CHECK_FALSE(export_key(qualification_policy()));
    CHECK_THROWS_WITH_AS(register_qualification_policy<acme_threshold>("acme.other"),
                         doctest::Contains("registered under the key 'acme.threshold'"), definition_error);

    const qualification_data d;
    for (const auto f : {archive_format::text, archive_format::xml, archive_format::binary}) {
        CAPTURE(to_string(f));
        qualification_policy back = acme_threshold{}; // replaced
        load_from(saved(qualification_policy(golden_qualification()), f), back, f);
        REQUIRE(back.target<default_qualification_policy>() != nullptr);
        CHECK(*back.target<default_qualification_policy>() == golden_qualification());

        load_from(saved(qualification_policy(acme_threshold{12.5}), f), back, f);
        REQUIRE(back.target<acme_threshold>() != nullptr);
        CHECK(back.target<acme_threshold>()->mql == 12.5);
        CHECK(qualify_batch(back, d.input(), d.options) == qualify_batch(acme_threshold{12.5}, d.input(), d.options));

        load_from(saved(qualification_policy(), f), back, f);
        CHECK_FALSE(back);
    }
    // An unknown key names itself and the archive.
    std::string text = saved(qualification_policy(acme_threshold{}), archive_format::xml);
    text.replace(text.find("acme.threshold"), 14, "acme.threshols");
    qualification_policy back;
    try {
        load_from(text, back, archive_format::xml);
        FAIL("loaded");
    } catch (const archive_error& e) {
        CHECK(std::string(e.what()).find("archive 'test.archive'") == 0);
        CHECK(std::string(e.what()).find("unknown export key 'acme.threshols'") != std::string::npos);
    }
}

TEST_CASE("qualification_policy archives: the golden archive of version 1 still loads") {
    // Written once by this test with LEADSCORE_WRITE_GOLDEN set (only files that do not exist yet), then kept: a
    // change to the format that cannot read them fails here.
    const bool write = std::getenv("LEADSCORE_WRITE_GOLDEN") != nullptr;
    for (const auto f : {archive_format::text, archive_format::xml}) {
        const auto path = std::filesystem::path(LEADSCORE_TEST_DATA) / "archive" /
                          (std::string("any_qualification_policy.v1") + (f == archive_format::xml ? ".xml" : ".txt"));
        CAPTURE(path.string());
        if (write && !std::filesystem::exists(path))
            save_archive_file(path, qualification_policy(golden_qualification()), f); // never overwrites
        REQUIRE(std::filesystem::exists(path));
        qualification_policy loaded;
        load_archive_file(path, loaded, f);
        CHECK(export_key(loaded) == "leadscore.default_qualification");
        REQUIRE(loaded.target<default_qualification_policy>() != nullptr);
        const auto& p = *loaded.target<default_qualification_policy>();
        CHECK(p == golden_qualification());
        CHECK(p.rules().inquiry_events[1] == "asked <price> & \"terms\"");
        CHECK(p.rules().nurture_after_days == 36500);
        CHECK(p.stages().lead_funnel().size() == 6);
    }
}

} // namespace test_any_policy
