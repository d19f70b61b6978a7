// leadscore.Config: the policies of a TOML configuration (scoring, temperature, qualification, routing) over a table;
// leadscore.Router: a routing policy with the state it keeps across calls.

#include "bindings.hpp"
#include "table.hpp"

#include <leadscore/core/error.hpp>
#include <leadscore/io/archive.hpp>
#include <leadscore/io/config.hpp>
#include <leadscore/io/model.hpp>
#include <leadscore/io/routing_csv.hpp>
#include <leadscore/io/serialize_routing.hpp>
#include <leadscore/qualification/policy.hpp>
#include <leadscore/routing/policy.hpp>
#include <leadscore/temperature/engine.hpp>

#include <pybind11/stl.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <sstream>

namespace py = pybind11;

namespace leadscore::python {
namespace {

struct py_config {
    std::shared_ptr<const configuration> c;
};

batch_options config_options_at(const py::object& as_of, unsigned threads) {
    batch_options o;
    if (!as_of.is_none()) o.as_of = from_seconds(as_of.cast<std::int64_t>());
    o.threads = threads;
    return o;
}

// The scores given, checked to be one float64 per row (a copy is made by pybind11 for another dtype).
std::span<const double> config_scores(const py::object& scores, py::array_t<double>& hold, std::size_t rows) {
    if (scores.is_none()) return {};
    hold = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(scores);
    if (!hold || hold.ndim() != 1 || static_cast<std::size_t>(hold.shape(0)) != rows)
        throw input_error(field_place("scores"), "expected one number per row (" + std::to_string(rows) + ")");
    return {hold.data(), rows};
}

py_config config_load(const std::string& path) {
    config_options o;
    o.load_model = [](const model_reference& ref) { return load_model(ref.resolved).policy; };
    return py_config{std::make_shared<configuration>(load_config_file(path, o))};
}

py::array_t<double> config_score(const py_config& pc, const py_table& t, unsigned threads, const py::object& as_of) {
    if (!pc.c->scoring) throw definition_error("the configuration has no [scoring] section");
    py::array_t<double> out(static_cast<py::ssize_t>(t.view().rows()));
    const auto options = config_options_at(as_of, threads);
    const std::span<double> o(out.mutable_data(), t.view().rows());
    t.recheck(threads);
    py::gil_scoped_release release;
    pc.c->scoring.score_batch(t.view(), o, options);
    return out;
}

// (levels: 0 cold, 1 warm, 2 hot, 3 unknown; reason indices; the reasons' texts)
py::tuple config_rate(const py_config& pc, const py_table& t, const py::object& scores, const py::object& scale,
                      unsigned threads, const py::object& as_of) {
    const auto rows = t.view().rows();
    py::array_t<double> hold;
    rating_input in{t.view(), config_scores(scores, hold, rows), std::nullopt};
    if (!scale.is_none()) in.scale = scale.cast<std::string>() == "points" ? score_scale::points : score_scale::probability;
    std::vector<rating> ratings(rows);
    const auto options = config_options_at(as_of, threads);
    t.recheck(threads);
    {
        py::gil_scoped_release release;
        pc.c->temperature.rate_batch(in, std::span<rating>(ratings), options);
    }
    py::array_t<std::int8_t> levels(static_cast<py::ssize_t>(rows));
    py::array_t<std::int32_t> reasons(static_cast<py::ssize_t>(rows));
    for (std::size_t r = 0; r < rows; ++r) {
        levels.mutable_data()[r] = static_cast<std::int8_t>(ratings[r].level);
        reasons.mutable_data()[r] = ratings[r].reason;
    }
    return py::make_tuple(levels, reasons, pc.c->temperature.reasons());
}

// (stage indices, -1 = none; lifecycle classes; reason indices; the funnel's stage names; the lifecycle names; the
// reasons' texts)
py::tuple config_qualify(const py_config& pc, const py_table& t, const py::object& scores,
                         const py::object& temperatures, unsigned threads, const py::object& as_of) {
    const auto rows = t.view().rows();
    py::array_t<double> hold;
    std::vector<rating> ratings;
    if (!temperatures.is_none()) {
        const auto levels = py::array_t<std::int8_t, py::array::c_style | py::array::forcecast>::ensure(temperatures);
        if (!levels || levels.ndim() != 1 || static_cast<std::size_t>(levels.shape(0)) != rows)
            throw input_error(field_place("temperatures"), "expected one level per row (" + std::to_string(rows) + ")");
        ratings.resize(rows);
        for (std::size_t r = 0; r < rows; ++r) ratings[r].level = static_cast<temperature>(levels.data()[r]);
    }
    const qualification_input in{t.view(), config_scores(scores, hold, rows), ratings};
    std::vector<qualification> q(rows);
    const auto options = config_options_at(as_of, threads);
    t.recheck(threads);
    {
        py::gil_scoped_release release;
        pc.c->qualification.qualify_batch(in, std::span<qualification>(q), options);
    }
    py::array_t<std::int32_t> stages(static_cast<py::ssize_t>(rows)), reasons(static_cast<py::ssize_t>(rows));
    py::array_t<std::int8_t> classes(static_cast<py::ssize_t>(rows));
    for (std::size_t r = 0; r < rows; ++r) {
        stages.mutable_data()[r] = q[r].stage;
        classes.mutable_data()[r] = static_cast<std::int8_t>(q[r].category);
        reasons.mutable_data()[r] = q[r].reason;
    }
    std::vector<std::string> names, lifecycles;
    for (const auto& s : pc.c->qualification.stages().lead_funnel().stages()) names.push_back(s.name);
    for (std::size_t c = 0; c < lifecycle_count; ++c) lifecycles.emplace_back(to_string(static_cast<lifecycle>(c)));
    return py::make_tuple(stages, classes, reasons, names, lifecycles, pc.c->qualification.reasons());
}

/// A routing policy with the state it keeps between calls, and the rows routed so far (leads without an id are
/// numbered on from the previous call, as one call on the concatenated leads numbers them).
struct py_router {
    /// One call at a time changes the state (calls run without the GIL); a copy has its own.
    struct lock {
        std::mutex m;
        lock() = default;
        lock(const lock&) {}
        lock& operator=(const lock&) { return *this; }
    };
    routing_policy policy;
    routing_state state;
    std::uint64_t rows = 0;
    mutable lock busy{};
};

// Routes every row with the router's state (left unchanged when anything throws): per row (lead id, rep, team or
// queue, reason), as route_audit gives them.
py::tuple router_route(py_router& r, const py_table& t, const std::string& priority, const std::string& id_field,
                       const py::object& as_of) {
    routing_options options;
    if (!as_of.is_none()) options.as_of = from_seconds(as_of.cast<std::int64_t>());
    options.priority_field = priority;
    std::vector<audit_record> audit;
    t.recheck();
    {
        py::gil_scoped_release release;
        const std::lock_guard hold(r.busy.m);
        // The id field is checked before the state changes (route_batch leaves it unchanged when it throws).
        const auto has_id = detail::find_id_column(t.view(), id_field).second;
        const auto decisions = route_batch(r.policy, t.view(), r.state, options);
        audit = route_audit(t.view(), decisions, r.state, r.policy, id_field);
        if (!has_id)
            for (std::size_t i = 0; i < audit.size(); ++i) audit[i].lead = std::to_string(r.rows + i + 1);
        r.rows += audit.size();
    }
    std::vector<std::string> leads, reps, teams, reasons;
    for (auto& a : audit) {
        leads.push_back(std::move(a.lead));
        reps.push_back(std::move(a.rep));
        teams.push_back(std::move(a.team));
        reasons.push_back(std::move(a.reason));
    }
    return py::make_tuple(leads, reps, teams, reasons);
}

py_router config_router(const py_config& pc, const std::string& reps_csv) {
    if (!pc.c->routing) throw definition_error("the configuration has no [routing] section");
    return py_router{pc.c->routing, read_reps_csv(reps_csv, "reps"), 0, {}};
}

template <class T>
std::string router_archive(const T& value) {
    std::ostringstream out;
    save_archive(out, value, archive_format::text);
    return out.str();
}

// (policy archive, state archive, rows): the portable text archives a pickled Router travels as.
py::tuple router_to_parts(const py_router& r) {
    const std::lock_guard hold(r.busy.m);
    return py::make_tuple(py::bytes(router_archive(r.policy)), py::bytes(router_archive(r.state)), r.rows);
}

py_router router_from_parts(const py::bytes& policy, const py::bytes& state, std::uint64_t rows) {
    py_router r{routing_policy(), routing_state(), rows, {}};
    std::istringstream p{std::string(policy)}, s{std::string(state)};
    load_archive(p, r.policy, archive_format::text, "pickled routing policy");
    load_archive(s, r.state, archive_format::text, "pickled routing state");
    return r;
}

// Every rep's load at a time: (rep, team, available, assigned, last_24h, daily_quota, remaining) columns.
py::dict router_loads(const py_router& r, const py::object& as_of) {
    const auto at = as_of.is_none() ? std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())
                                    : from_seconds(as_of.cast<std::int64_t>());
    py::list rep, team, available, assigned, last_24h, quota, remaining;
    const std::lock_guard hold(r.busy.m);
    for (const auto& l : loads(r.state, at)) {
        rep.append(l.rep), team.append(l.team), available.append(l.available), assigned.append(l.assigned);
        last_24h.append(l.last_24h);
        quota.append(l.daily_quota ? py::object(py::int_(*l.daily_quota)) : py::object(py::none()));
        remaining.append(l.remaining ? py::object(py::int_(*l.remaining)) : py::object(py::none()));
    }
    py::dict d;
    d["rep"] = rep, d["team"] = team, d["available"] = available, d["assigned"] = assigned, d["last_24h"] = last_24h;
    d["daily_quota"] = quota, d["remaining"] = remaining;
    return d;
}

// The routing policy over a fresh state of the reps in `reps_csv` (the text of a reps file).
py::tuple config_route(const py_config& pc, const py_table& t, const std::string& reps_csv, const std::string& priority,
                       const std::string& id_field, const py::object& as_of) {
    auto r = config_router(pc, reps_csv);
    return router_route(r, t, priority, id_field, as_of);
}

void bind_router(py::module_& m) {
    py::class_<py_router>(m, "_Router", "The engine's side of leadscore.Router.")
        .def(py::init(&config_router), py::arg("config"), py::arg("reps_csv"))
        .def("route", &router_route, py::arg("table"), py::arg("priority") = "", py::arg("id_field") = "",
             py::arg("as_of") = py::none())
        .def("loads", &router_loads, py::arg("as_of") = py::none())
        .def("reset_quotas", [](py_router& r) {
            const std::lock_guard hold(r.busy.m);
            reset_quotas(r.state);
        })
        .def_property_readonly("rows", [](const py_router& r) { return r.rows; })
        .def_property_readonly("last_run", [](const py_router& r) { return r.state.last_run; })
        .def("_to_parts", &router_to_parts)
        .def_static("_from_parts", &router_from_parts, py::arg("policy"), py::arg("state"), py::arg("rows"))
        .def("__eq__", [](const py_router& a, const py_router& b) {
            return a.rows == b.rows && a.state == b.state && router_archive(a.policy) == router_archive(b.policy);
        }, py::is_operator())
        .def("__copy__", [](const py_router& r) { return py_router(r); })
        .def("__deepcopy__", [](const py_router& r, py::dict) { return py_router(r); }, py::arg("memo"));
}

} // namespace

void bind_policies(py::module_& m) {
    py::class_<py_config>(m, "_Config", "The engine's side of leadscore.Config.")
        .def(py::init([] { return py_config{std::make_shared<configuration>()}; }))
        .def_static("load", &config_load, py::arg("path"))
        .def_static(
            "from_text", [](const std::string& text) { return py_config{std::make_shared<configuration>(load_config(text))}; },
            py::arg("text"))
        .def_property_readonly("has_scoring", [](const py_config& pc) { return static_cast<bool>(pc.c->scoring); })
        .def_property_readonly("has_routing", [](const py_config& pc) { return static_cast<bool>(pc.c->routing); })
        .def("route", &config_route, py::arg("table"), py::arg("reps_csv"), py::arg("priority") = "",
             py::arg("id_field") = "", py::arg("as_of") = py::none())
        .def("score", &config_score, py::arg("table"), py::arg("threads") = 0u, py::arg("as_of") = py::none())
        .def("rate", &config_rate, py::arg("table"), py::arg("scores"), py::arg("scale"), py::arg("threads") = 0u,
             py::arg("as_of") = py::none())
        .def("qualify", &config_qualify, py::arg("table"), py::arg("scores"), py::arg("temperatures"),
             py::arg("threads") = 0u,
             py::arg("as_of") = py::none());
    bind_router(m);
}

} // namespace leadscore::python
