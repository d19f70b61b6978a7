// Funnel analytics: funnels, stage histories built from columns the Python side prepared (codes and labels), and the
// six mergeable accumulators with their archives. The DataFrames are made in leadscore/funnel.py from the plain
// columns returned here; every number comes from the library.

#include "bindings.hpp"

#include <leadscore/core/error.hpp>
#include <leadscore/core/funnel.hpp>
#include <leadscore/core/time.hpp>
#include <leadscore/funnel/competing_risks.hpp>
#include <leadscore/funnel/conversion.hpp>
#include <leadscore/funnel/history.hpp>
#include <leadscore/funnel/kpi.hpp>
#include <leadscore/funnel/markov.hpp>
#include <leadscore/funnel/timing.hpp>
#include <leadscore/io/serialize_funnel.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace py = pybind11;

namespace leadscore::python {
namespace {

using int_array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
using double_array = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// A stage history with its funnel, per-lead attributes and journeys (which borrow the other two: not movable).
struct funnel_history {
    leadscore::funnel stages;
    stage_history history;
    lead_attributes attributes;
    std::unique_ptr<journeys> paths;

    explicit funnel_history(leadscore::funnel f) : stages(std::move(f)) {}
    funnel_history(const funnel_history&) = delete;
    funnel_history& operator=(const funnel_history&) = delete;
};

/// The names of the columns, for messages.
struct history_columns {
    std::string lead, stage, time, value, source;
};

std::string funnel_row_place(const std::string& column, std::size_t row) {
    return "column '" + column + "', row " + std::to_string(row);
}

/// Per-row codes (-1 = missing) of `codes` mapped through `labels` into a dictionary.
std::vector<std::int32_t> funnel_intern_codes(dictionary& dict, const std::vector<std::string>& labels,
                                              const int_array& codes, const std::string& column, bool required) {
    std::vector<std::int32_t> map(labels.size());
    for (std::size_t k = 0; k < labels.size(); ++k) map[k] = dict.intern(labels[k]);
    auto c = codes.unchecked<1>();
    std::vector<std::int32_t> out(static_cast<std::size_t>(c.shape(0)));
    for (std::size_t i = 0; i < out.size(); ++i) {
        const std::int64_t k = c(static_cast<py::ssize_t>(i));
        if (k < 0) {
            if (required) throw input_error({}, funnel_row_place(column, i) + ": a missing value");
            out[i] = missing_code;
        } else if (static_cast<std::size_t>(k) >= labels.size()) {
            throw input_error({}, funnel_row_place(column, i) + ": code " + std::to_string(k) + " outside its labels");
        } else {
            out[i] = map[static_cast<std::size_t>(k)];
        }
    }
    return out;
}

/// Entries of one lead with the same stage and time (a duplicate, as the event-log reader refuses it).
void funnel_check_duplicates(const funnel_history& h, const history_columns& cols) {
    const auto& j = *h.paths;
    const auto time = j.time_at();
    const auto stage = j.stage_at();
    const auto order = j.order();
    const auto offsets = j.offsets();
    for (std::size_t l = 0; l < j.leads(); ++l) {
        for (std::size_t p = offsets[l]; p < offsets[l + 1]; ++p) {
            // Equal times are adjacent in journey order: scan the run of p's time.
            for (std::size_t q = p + 1; q < offsets[l + 1] && time[q] == time[p]; ++q) {
                if (stage[q] != stage[p]) continue;
                throw input_error({}, "rows " + std::to_string(order[p]) + " and " + std::to_string(order[q]) +
                                  ": lead '" + std::string(h.history.lead_ids[static_cast<std::int32_t>(l)]) +
                                  "' enters stage '" + h.stages[stage[p]].name + "' twice at " +
                                  format_timestamp(from_seconds(time[p]), false) + " (a duplicate; columns '" +
                                  cols.lead + "', '" + cols.stage + "', '" + cols.time + "')");
            }
        }
    }
}

/// One per-lead attribute from per-row codes: every row of a lead must carry the same value.
lead_attribute funnel_attribute(const std::string& name, const std::vector<std::string>& labels, const int_array& codes,
                                const stage_history& h) {
    lead_attribute a{name, {}, std::vector<std::int32_t>(h.lead_ids.size(), missing_code)};
    std::vector<std::int64_t> row_of(h.lead_ids.size(), -1); // the row that set each lead's value
    const auto values = funnel_intern_codes(a.values, labels, codes, name, false);
    if (values.size() != h.size()) throw input_error({}, "column '" + name + "': length differs from the history's");
    for (std::size_t i = 0; i < values.size(); ++i) {
        const auto lead = static_cast<std::size_t>(h.lead[i]);
        if (row_of[lead] < 0) {
            row_of[lead] = static_cast<std::int64_t>(i);
            a.codes[lead] = values[i];
        } else if (a.codes[lead] != values[i]) {
            auto text = [&](std::int32_t c) { return c == missing_code ? std::string("(missing)") : "'" + std::string(a.values[c]) + "'"; };
            throw input_error({}, funnel_row_place(name, i) + ": lead '" + std::string(h.lead_ids[h.lead[i]]) + "' has " +
                              text(values[i]) + " here and " + text(a.codes[lead]) + " on row " +
                              std::to_string(row_of[lead]) + " (an attribute is one value per lead)");
        }
    }
    return a;
}

using label_list = std::vector<std::string>;
using attribute_input = std::tuple<std::string, int_array, label_list>;

/// The history of columns prepared by leadscore/funnel.py (see history_from_pandas there).
std::unique_ptr<funnel_history> make_funnel_history(const leadscore::funnel& f, const history_columns& cols,
                                                    const int_array& lead, const label_list& lead_labels,
                                                    const int_array& stage, const label_list& stage_labels,
                                                    const int_array& seconds, std::optional<double_array> value,
                                                    std::optional<int_array> source, const label_list& source_labels,
                                                    const std::vector<attribute_input>& attributes) {
    auto out = std::make_unique<funnel_history>(f);
    auto& h = out->history;
    const auto n = static_cast<std::size_t>(lead.shape(0));
    auto same_length = [&](py::ssize_t len, const std::string& column) {
        if (static_cast<std::size_t>(len) != n)
            throw input_error({}, "column '" + column + "': " + std::to_string(len) + " rows, not " + std::to_string(n));
    };
    same_length(stage.shape(0), cols.stage);
    same_length(seconds.shape(0), cols.time);
    h.lead = funnel_intern_codes(h.lead_ids, lead_labels, lead, cols.lead, true);
    // Stage codes are funnel indices, as read_history makes them.
    for (const auto& s : out->stages.stages()) h.stages.intern(s.name);
    label_list resolved;
    for (std::size_t k = 0; k < stage_labels.size(); ++k) {
        const auto s = out->stages.find(stage_labels[k]);
        if (!s) {
            const auto c = stage.unchecked<1>();
            std::size_t row = 0;
            while (row + 1 < n && c(static_cast<py::ssize_t>(row)) != static_cast<std::int64_t>(k)) ++row;
            std::string names;
            for (const auto& st : out->stages.stages()) names += (names.empty() ? "" : ", ") + st.name;
            throw input_error({}, funnel_row_place(cols.stage, row) + ": stage '" + stage_labels[k] +
                              "' is not in the funnel (" + names + ")");
        }
        resolved.push_back(out->stages[*s].name);
    }
    h.stage = funnel_intern_codes(h.stages, resolved, stage, cols.stage, true);
    auto t = seconds.unchecked<1>();
    h.entered.assign(t.data(0), t.data(0) + n);
    h.value.assign(n, std::nan(""));
    if (value) {
        same_length(value->shape(0), cols.value);
        auto v = value->unchecked<1>();
        for (std::size_t i = 0; i < n; ++i) {
            const double x = v(static_cast<py::ssize_t>(i));
            if (std::isinf(x) || x < 0)
                throw input_error({}, funnel_row_place(cols.value, i) + ": a value that is " +
                                  (x < 0 ? "negative" : "infinite") + " (" + std::to_string(x) + ")");
            h.value[i] = x;
        }
    }
    if (source) {
        same_length(source->shape(0), cols.source);
        h.source = funnel_intern_codes(h.sources, source_labels, *source, cols.source, false);
    } else {
        h.source.assign(n, missing_code);
    }
    for (const auto& [name, codes, labels] : attributes) out->attributes.columns.push_back(funnel_attribute(name, labels, codes, h));
    try {
        out->paths = std::make_unique<journeys>(h, out->stages);
    } catch (const definition_error& e) { // a lead won and lost at once: the data's fault
        throw input_error({}, "columns '" + cols.lead + "', '" + cols.stage + "', '" + cols.time + "': " + e.what());
    }
    funnel_check_duplicates(*out, cols);
    return out;
}

// ---- archives -----------------------------------------------------------------------------------------------------

archive_format funnel_archive_format(const std::string& name) {
    const auto f = parse_archive_format(name);
    if (!f) throw definition_error("archive format '" + name + "': expected text, xml or binary");
    return *f;
}

template <class T>
py::bytes funnel_to_bytes(const T& value, const std::string& format) {
    std::ostringstream out;
    {
        py::gil_scoped_release unlocked;
        save_archive(out, value, funnel_archive_format(format));
    }
    return py::bytes(out.str());
}

template <class T>
void funnel_from_bytes(T& into, const py::bytes& data, const std::string& format) {
    std::istringstream in{std::string(data)};
    py::gil_scoped_release unlocked;
    load_archive(in, into, funnel_archive_format(format), "pickled " + std::string(detail::archive::description<T>::name));
}

/// to_bytes / _from_bytes / __eq__ and merge, shared by the accumulator classes.
template <class T, class Class, class Blank>
void funnel_accumulator_common(Class& cls, Blank blank) {
    cls.def("merge", [](T& self, const T& other) { self.merge(other); }, py::arg("other"),
            py::call_guard<py::gil_scoped_release>(),
            "Adds another accumulator's counts (same funnel and options; leads must not be in both).")
        .def("to_bytes", &funnel_to_bytes<T>, py::arg("format") = "text",
             "The accumulator as a Boost archive: 'text' (portable), 'xml' or 'binary' (same build only).")
        .def_static("_from_bytes", [blank](const py::bytes& data, const std::string& format) {
            T value = blank();
            funnel_from_bytes(value, data, format);
            return value;
        }, py::arg("data"), py::arg("format") = "text")
        .def("__eq__", [](const T& a, const T& b) { return a == b; }, py::is_operator())
        .def("__copy__", [](const T& a) { return T(a); })
        .def("__deepcopy__", [](const T& a, py::dict) { return T(a); }, py::arg("memo"));
}

// ---- plain columns of results (leadscore/funnel.py makes them DataFrames) --------------------------------------------

py::dict funnel_stage_columns(const leadscore::funnel& f, const conversion_group& g) {
    py::list stage, kind, entered, converted, in_window, dropped, stayed, won, rate, closed_rate, window_rate, drop_off,
        win_rate, reached;
    for (std::size_t s = 0; s < f.size(); ++s) {
        const auto& c = s < g.stages.size() ? g.stages[s] : stage_counts{};
        stage.append(f[s].name);
        kind.append(std::string(to_string(f[s].kind)));
        entered.append(c.entered);
        converted.append(c.converted);
        in_window.append(c.converted_in_window);
        dropped.append(c.dropped);
        stayed.append(c.stayed);
        won.append(c.won);
        rate.append(c.conversion_rate());
        closed_rate.append(c.closed_conversion_rate());
        window_rate.append(c.window_conversion_rate());
        drop_off.append(c.drop_off_rate());
        win_rate.append(c.win_rate());
        reached.append(g.stages.empty() ? std::nan("") : g.reached(s, f.entry()));
    }
    py::dict d;
    d["stage"] = stage, d["kind"] = kind, d["entered"] = entered, d["reached"] = reached, d["converted"] = converted;
    d["conversion_rate"] = rate, d["closed_conversion_rate"] = closed_rate, d["converted_in_window"] = in_window;
    d["window_conversion_rate"] = window_rate, d["dropped"] = dropped, d["drop_off_rate"] = drop_off;
    d["stayed"] = stayed, d["won"] = won, d["win_rate"] = win_rate;
    return d;
}

py::dict funnel_summary_row(const duration_sample& d) {
    const auto s = d.summary();
    const auto km = d.survival();
    const auto median = km.median();
    py::dict r;
    r["closed"] = s.count, r["censored"] = static_cast<std::uint64_t>(d.censored.size()), r["unknown"] = d.unknown;
    r["mean"] = s.mean, r["min"] = s.min, r["p10"] = s.p10, r["p25"] = s.p25, r["median"] = s.median;
    r["p75"] = s.p75, r["p90"] = s.p90, r["max"] = s.max;
    r["km_median"] = median ? py::object(py::int_(*median)) : py::object(py::none());
    const auto p75 = km.quantile(0.75);
    r["km_p75"] = p75 ? py::object(py::int_(*p75)) : py::object(py::none());
    return r;
}

py::dict funnel_survival_columns(const duration_sample& d) {
    const auto km = d.survival();
    py::list time, at_risk, events, survival;
    for (const auto& s : km.steps) {
        time.append(s.time), at_risk.append(s.at_risk), events.append(s.events), survival.append(s.survival);
    }
    py::dict r;
    r["time"] = time, r["at_risk"] = at_risk, r["events"] = events, r["survival"] = survival;
    return r;
}

py::dict funnel_kpi_row(const kpi_counts& k) {
    py::dict r;
    r["new_leads"] = k.new_leads, r["new_leads_won"] = k.new_leads_won, r["won"] = k.won, r["lost"] = k.lost;
    r["revenue_cents"] = k.revenue_cents, r["won_with_value"] = k.won_with_value;
    r["cycle_seconds"] = k.cycle_seconds, r["cycle_count"] = k.cycle_count;
    r["open_opportunities"] = k.open_opportunities, r["revenue"] = k.revenue(), r["average_deal"] = k.average_deal();
    r["win_rate"] = k.win_rate(), r["lead_conversion"] = k.lead_conversion(), r["cycle_days"] = k.cycle_days();
    r["velocity"] = k.velocity();
    return r;
}

/// A breakdown key of a history by name (nullopt: none).
std::optional<lead_key> funnel_key(const funnel_history& h, const std::optional<std::string>& name) {
    if (!name) return std::nullopt;
    return make_key(*h.paths, h.attributes, *name);
}

timestamp funnel_as_of(std::int64_t seconds) { return from_seconds(seconds); }

period funnel_period(const std::string& name) {
    const auto p = parse_period(name);
    if (!p) throw definition_error("period '" + name + "': expected month, quarter or year");
    return *p;
}

void bind_funnel_stages(py::module_& m) {
    using stage_list = std::vector<std::pair<std::string, std::string>>;
    auto make = [](const stage_list& stages) {
        std::vector<stage> out;
        for (const auto& [name, kind] : stages) {
            const auto k = parse_stage_kind(kind);
            if (!k) throw definition_error("stage '" + name + "': unknown kind '" + kind +
                                           "' (open, won, lost, rejected, nurture)");
            out.push_back({name, *k});
        }
        return leadscore::funnel(std::move(out));
    };
    auto stages_of = [](const leadscore::funnel& f) {
        stage_list out;
        for (const auto& s : f.stages()) out.emplace_back(s.name, std::string(to_string(s.kind)));
        return out;
    };
    py::class_<leadscore::funnel>(m, "Funnel", "The ordered stages of a sales funnel (leadscore/core/funnel.hpp).")
        .def(py::init(make), py::arg("stages"),
             "Stages in order as (name, kind) pairs, kind one of open, won, lost, rejected, nurture. Raises "
             "DefinitionError without an open or a won stage, or for a repeated name.")
        .def_static("standard", &leadscore::funnel::standard, py::return_value_policy::copy,
                    "suspect → lead → mql → sql → opportunity → won, with lost, rejected and nurture.")
        .def_property_readonly("stages", stages_of, "The (name, kind) pairs in funnel order.")
        .def("__len__", &leadscore::funnel::size)
        .def("__eq__", [](const leadscore::funnel& a, const leadscore::funnel& b) { return a == b; }, py::is_operator())
        .def("__repr__", [stages_of](const leadscore::funnel& f) {
            std::string out = "Funnel([";
            for (const auto& [name, kind] : stages_of(f)) out += (out.size() > 8 ? ", ('" : "('") + name + "', '" + kind + "')";
            return out + "])";
        })
        .def(py::pickle([stages_of](const leadscore::funnel& f) { return py::make_tuple(stages_of(f)); },
                        [make](const py::tuple& t) { return make(t[0].cast<stage_list>()); }));

    py::class_<funnel_history>(m, "_History", "A stage history grouped into journeys (see leadscore.History).")
        .def_static("_from_columns",
            [](const leadscore::funnel& f, const std::vector<std::string>& names, const int_array& lead,
               const label_list& lead_labels, const int_array& stage, const label_list& stage_labels,
               const int_array& seconds, std::optional<double_array> value, std::optional<int_array> source,
               const label_list& source_labels, const std::vector<attribute_input>& attributes) {
                if (names.size() != 5) throw definition_error("_from_columns: five column names expected");
                const history_columns cols{names[0], names[1], names[2], names[3], names[4]};
                return make_funnel_history(f, cols, lead, lead_labels, stage, stage_labels, seconds, std::move(value),
                                           std::move(source), source_labels, attributes);
            })
        .def_property_readonly("leads", [](const funnel_history& h) { return h.paths->leads(); })
        .def_property_readonly("entries", [](const funnel_history& h) { return h.history.size(); })
        .def_property_readonly("funnel", [](const funnel_history& h) { return h.stages; })
        .def_property_readonly("attribute_names", [](const funnel_history& h) {
            std::vector<std::string> out;
            for (const auto& a : h.attributes.columns) out.push_back(a.name);
            return out;
        })
        .def_property_readonly("latest_entry", [](const funnel_history& h) -> std::optional<std::int64_t> {
            const auto t = latest_entry(h.history);
            if (!t) return std::nullopt;
            return to_seconds(*t);
        });
}

void bind_funnel_conversion(py::module_& m) {
    py::class_<conversion_accumulator> cls(m, "_Conversion");
    cls.def(py::init([](const leadscore::funnel& f, std::optional<std::int64_t> window) {
               conversion_options o;
               if (window) {
                   if (*window < 0) throw definition_error("window: a negative duration");
                   o.window = std::chrono::seconds(*window);
               }
               return conversion_accumulator(f, o);
           }), py::arg("funnel"), py::arg("window_seconds") = py::none())
        .def("add", [](conversion_accumulator& a, const funnel_history& h, const std::optional<std::string>& by) {
            py::gil_scoped_release unlocked;
            const auto key = funnel_key(h, by);
            a.add(*h.paths, key ? &*key : nullptr);
        }, py::arg("history"), py::arg("by") = py::none())
        .def("total", [](const conversion_accumulator& a) {
            const auto t = a.total();
            return py::make_tuple(t.leads, t.won_leads, funnel_stage_columns(a.stages(), t));
        })
        .def("groups", [](const conversion_accumulator& a) {
            py::list out;
            for (const auto& [label, g] : a.groups())
                out.append(py::make_tuple(label, g.leads, g.won_leads, g.overall_conversion(),
                                          funnel_stage_columns(a.stages(), g)));
            return out;
        })
        .def_property_readonly("funnel", &conversion_accumulator::stages)
        .def_property_readonly("window_seconds", [](const conversion_accumulator& a) -> std::optional<std::int64_t> {
            if (!a.options().window) return std::nullopt;
            return a.options().window->count();
        });
    funnel_accumulator_common<conversion_accumulator>(cls, [] { return conversion_accumulator(leadscore::funnel::standard()); });
}

void bind_funnel_timing(py::module_& m) {
    auto sample = [](const timing_accumulator& a, const std::string& which, const std::optional<std::string>& stage)
        -> const duration_sample& {
        if (which == "in_stage") {
            if (!stage) throw definition_error("timing: in_stage needs a stage");
            return a.in_stage(a.stages().at(*stage));
        }
        if (which == "to_close") return a.to_close();
        if (which == "to_won") return a.to_won();
        throw definition_error("timing: '" + which + "': expected in_stage, to_close or to_won");
    };
    py::class_<timing_accumulator> cls(m, "_Timing");
    cls.def(py::init([](const leadscore::funnel& f, std::int64_t as_of) { return timing_accumulator(f, funnel_as_of(as_of)); }),
            py::arg("funnel"), py::arg("as_of_seconds"))
        .def("add", [](timing_accumulator& a, const funnel_history& h) { a.add(*h.paths); }, py::arg("history"),
             py::call_guard<py::gil_scoped_release>())
        .def("summary", [sample](const timing_accumulator& a, const std::string& which, const std::optional<std::string>& stage) {
            return funnel_summary_row(sample(a, which, stage));
        }, py::arg("which"), py::arg("stage") = py::none())
        .def("survival", [sample](const timing_accumulator& a, const std::string& which, const std::optional<std::string>& stage) {
            return funnel_survival_columns(sample(a, which, stage));
        }, py::arg("which"), py::arg("stage") = py::none())
        .def_property_readonly("funnel", &timing_accumulator::stages)
        .def_property_readonly("as_of_seconds", [](const timing_accumulator& a) { return to_seconds(a.as_of()); });
    funnel_accumulator_common<timing_accumulator>(cls, [] { return timing_accumulator(leadscore::funnel::standard(), from_seconds(0)); });
}

void bind_funnel_kpi(py::module_& m) {
    py::class_<kpi_accumulator> cls(m, "_Kpi");
    cls.def(py::init([](const leadscore::funnel& f, std::int64_t as_of, const std::string& by, const std::string& opportunity) {
               return kpi_accumulator(f, funnel_as_of(as_of), kpi_options{funnel_period(by), opportunity, 0});
           }), py::arg("funnel"), py::arg("as_of_seconds"), py::arg("period") = "month", py::arg("opportunity_stage") = "")
        .def("add", [](kpi_accumulator& a, const funnel_history& h, const std::optional<std::string>& by,
                       const std::optional<std::string>& customer) {
            py::gil_scoped_release unlocked;
            const auto key = funnel_key(h, by);
            const auto cust = funnel_key(h, customer);
            a.add(*h.paths, key ? &*key : nullptr, cust ? &*cust : nullptr);
        }, py::arg("history"), py::arg("by") = py::none(), py::arg("customer") = py::none())
        .def("cells", [](const kpi_accumulator& a) {
            py::list out;
            for (const auto& [key, k] : a.cells()) out.append(py::make_tuple(a.period_name(key.first), key.second, funnel_kpi_row(k)));
            return out;
        })
        .def("by_period", [](const kpi_accumulator& a) {
            py::list out;
            for (const auto& [p, k] : a.by_period()) out.append(py::make_tuple(a.period_name(p), funnel_kpi_row(k)));
            return out;
        })
        .def("by_label", [](const kpi_accumulator& a) {
            py::list out;
            for (const auto& [label, k] : a.by_label()) out.append(py::make_tuple(label, funnel_kpi_row(k)));
            return out;
        })
        .def("total", [](const kpi_accumulator& a) { return funnel_kpi_row(a.total()); })
        .def("retention", [](const kpi_accumulator& a) {
            const auto r = a.customer_retention();
            return py::make_tuple(r.customers, r.repeat, r.rate());
        })
        .def("wins_by_customer", [](const kpi_accumulator& a) {
            std::map<std::string, std::uint64_t> out(a.wins_by_customer().begin(), a.wins_by_customer().end());
            return out;
        })
        .def_property_readonly("as_of_seconds", [](const kpi_accumulator& a) { return to_seconds(a.as_of()); })
        .def_property_readonly("period", [](const kpi_accumulator& a) { return std::string(to_string(a.options().by)); });
    funnel_accumulator_common<kpi_accumulator>(cls, [] { return kpi_accumulator(leadscore::funnel::standard(), from_seconds(0)); });
}

void bind_funnel_cohorts(py::module_& m) {
    py::class_<cohort_accumulator> cls(m, "_Cohorts");
    cls.def(py::init([](const std::string& by, std::int64_t as_of) { return cohort_accumulator(funnel_period(by), funnel_as_of(as_of)); }),
            py::arg("period"), py::arg("as_of_seconds"))
        .def("add", [](cohort_accumulator& a, const funnel_history& h) { a.add(*h.paths); }, py::arg("history"),
             py::call_guard<py::gil_scoped_release>())
        .def("rows", [](const cohort_accumulator& a) {
            py::list out;
            for (const auto& [p, c] : a.cohorts()) {
                const auto age = a.observed_age(p);
                std::vector<double> share;
                for (std::int64_t x = 0; x <= age; ++x) share.push_back(c.converted_by(static_cast<std::size_t>(x)));
                out.append(py::make_tuple(period_label(p, a.by()), c.leads, c.won_undated, age, c.won_at_age, share));
            }
            return out;
        })
        .def_property_readonly("undated_leads", &cohort_accumulator::undated_leads)
        .def_property_readonly("period", [](const cohort_accumulator& a) { return std::string(to_string(a.by())); });
    funnel_accumulator_common<cohort_accumulator>(cls, [] { return cohort_accumulator(period::month, from_seconds(0)); });
}

void bind_funnel_markov(py::module_& m) {
    py::class_<markov_accumulator> cls(m, "_Markov");
    cls.def(py::init([](const leadscore::funnel& f, bool keep, std::optional<std::int64_t> lost_after,
                        std::optional<std::int64_t> as_of) {
               markov_options o{keep, 0, std::nullopt, std::nullopt};
               if (lost_after) o.open_as_lost_after = std::chrono::seconds(*lost_after);
               if (as_of) o.as_of = funnel_as_of(*as_of);
               return markov_accumulator(f, o);
           }), py::arg("funnel"), py::arg("keep_stays") = true, py::arg("open_as_lost_after_seconds") = py::none(),
           py::arg("as_of_seconds") = py::none())
        .def("add", [](markov_accumulator& a, const funnel_history& h) { a.add(*h.paths); }, py::arg("history"),
             py::call_guard<py::gil_scoped_release>())
        .def("counts", [](const markov_accumulator& a) {
            const auto n = a.stages().size();
            std::vector<std::vector<std::uint64_t>> transitions(n, std::vector<std::uint64_t>(n));
            py::dict per_stage;
            std::vector<std::uint64_t> starts, open, imputed, undated, stay_count;
            std::vector<std::int64_t> stay_seconds;
            for (std::size_t s = 0; s < n; ++s) {
                for (std::size_t t = 0; t < n; ++t) transitions[s][t] = a.transitions(s, t);
                starts.push_back(a.starts(s)), open.push_back(a.open_at_end(s)), imputed.push_back(a.imputed_losses(s));
                undated.push_back(a.undated_exits(s));
                stay_count.push_back(a.stay_count(s)), stay_seconds.push_back(a.stay_seconds(s));
            }
            per_stage["starts"] = starts, per_stage["open_at_end"] = open, per_stage["imputed_losses"] = imputed;
            per_stage["undated_exits"] = undated;
            per_stage["stay_count"] = stay_count, per_stage["stay_seconds"] = stay_seconds;
            return py::make_tuple(transitions, per_stage);
        })
        .def("chain", [](const markov_accumulator& a) {
            const markov_chain chain(a);
            const auto& p = chain.transitions();
            std::vector<std::vector<double>> rows(p.rows());
            for (std::size_t r = 0; r < p.rows(); ++r) rows[r].assign(p.row(r).begin(), p.row(r).end());
            py::list outlook_rows;
            for (const auto& o : outlook(chain))
                outlook_rows.append(py::make_tuple(o.name, std::string(to_string(o.status)), o.exits, o.win_probability,
                                                   o.expected_steps, o.expected_days, o.mean_stay_days));
            return py::make_tuple(rows, outlook_rows);
        })
        .def_property_readonly("leads", &markov_accumulator::leads)
        .def_property_readonly("funnel", &markov_accumulator::stages);
    funnel_accumulator_common<markov_accumulator>(cls, [] { return markov_accumulator(leadscore::funnel::standard()); });
}

// ---- competing risks ------------------------------------------------------------------------------------------------

/// The times of one label of the key (nullopt: every group together).
competing_sample funnel_competing_sample(const competing_risks_accumulator& a, const std::optional<std::string>& label) {
    if (!label) return a.total();
    const auto it = a.groups().find(*label);
    if (it == a.groups().end()) throw definition_error("competing risks: no group labelled '" + *label + "'");
    return it->second;
}

py::dict funnel_competing_counts(const competing_sample& s) {
    const auto c = s.incidence();
    py::dict r;
    r["won"] = c.won, r["lost"] = c.lost, r["censored"] = c.censored, r["unknown"] = s.unknown;
    r["follow_up"] = c.follow_up;
    return r;
}

/// The steps of the curves with the 95 % intervals of incidence_confidence.
py::dict funnel_competing_curve(const competing_sample& s) {
    const auto c = s.incidence();
    std::vector<std::int64_t> time;
    std::vector<std::uint64_t> at_risk, won, lost;
    std::vector<double> survival, fw, fl, vw, vl, wlow, whigh, llow, lhigh;
    for (const auto& st : c.steps) {
        time.push_back(st.time), at_risk.push_back(st.at_risk), won.push_back(st.won), lost.push_back(st.lost);
        survival.push_back(st.survival), fw.push_back(st.won_incidence), fl.push_back(st.lost_incidence);
        vw.push_back(st.won_variance), vl.push_back(st.lost_variance);
        const auto w = incidence_confidence(st.won_incidence, st.won_variance);
        const auto l = incidence_confidence(st.lost_incidence, st.lost_variance);
        wlow.push_back(w.low), whigh.push_back(w.high), llow.push_back(l.low), lhigh.push_back(l.high);
    }
    py::dict r;
    r["time"] = time, r["at_risk"] = at_risk, r["won"] = won, r["lost"] = lost, r["survival"] = survival;
    r["won_incidence"] = fw, r["won_low"] = wlow, r["won_high"] = whigh, r["won_variance"] = vw;
    r["lost_incidence"] = fl, r["lost_low"] = llow, r["lost_high"] = lhigh, r["lost_variance"] = vl;
    return r;
}

/// The curves at the given times (seconds since first touch): NaN where nothing was observed (observed_at false).
py::dict funnel_competing_at(const competing_sample& s, const std::vector<std::int64_t>& times) {
    const auto c = s.incidence();
    const double nan = std::nan("");
    std::vector<bool> observed;
    std::vector<double> survival, fw, fl, vw, vl, wlow, whigh, llow, lhigh;
    for (const auto t : times) {
        const bool seen = c.observed_at(t);
        const auto p = c.at(t);
        const auto w = incidence_confidence(p.won_incidence, p.won_variance);
        const auto l = incidence_confidence(p.lost_incidence, p.lost_variance);
        const auto put = [seen, nan](std::vector<double>& v, double x) { v.push_back(seen ? x : nan); };
        observed.push_back(seen), put(survival, p.survival), put(fw, p.won_incidence), put(fl, p.lost_incidence);
        put(vw, p.won_variance), put(vl, p.lost_variance), put(wlow, w.low), put(whigh, w.high);
        put(llow, l.low), put(lhigh, l.high);
    }
    py::dict r;
    r["time"] = times, r["observed"] = observed, r["survival"] = survival;
    r["won_incidence"] = fw, r["won_low"] = wlow, r["won_high"] = whigh, r["won_variance"] = vw;
    r["lost_incidence"] = fl, r["lost_low"] = llow, r["lost_high"] = lhigh, r["lost_variance"] = vl;
    return r;
}

void bind_funnel_competing(py::module_& m) {
    using label = std::optional<std::string>;
    py::class_<competing_risks_accumulator> cls(m, "_CompetingRisks",
                                                "Times to close by cause (leadscore/funnel/competing_risks.hpp).");
    cls.def(py::init([](const leadscore::funnel& f, std::int64_t as_of) {
               return competing_risks_accumulator(f, funnel_as_of(as_of));
           }), py::arg("funnel"), py::arg("as_of_seconds"))
        .def("add", [](competing_risks_accumulator& a, const funnel_history& h, const label& by) {
            py::gil_scoped_release unlocked;
            const auto key = funnel_key(h, by);
            a.add(*h.paths, key ? &*key : nullptr);
        }, py::arg("history"), py::arg("by") = py::none(), "Adds every lead of the history, grouped by the key `by`.")
        .def("labels", [](const competing_risks_accumulator& a) {
            std::vector<std::string> out;
            for (const auto& [l, g] : a.groups()) out.push_back(l);
            return out;
        }, "The labels of the key, ascending.")
        .def("counts", [](const competing_risks_accumulator& a, const label& l) {
            return funnel_competing_counts(funnel_competing_sample(a, l));
        }, py::arg("label") = py::none(), "won, lost, censored, unknown and follow_up of a label (None: all).")
        .def("curve", [](const competing_risks_accumulator& a, const label& l) {
            return funnel_competing_curve(funnel_competing_sample(a, l));
        }, py::arg("label") = py::none(), "The Aalen-Johansen steps of a label (None: all), as columns.")
        .def("at", [](const competing_risks_accumulator& a, const std::vector<std::int64_t>& times, const label& l) {
            return funnel_competing_at(funnel_competing_sample(a, l), times);
        }, py::arg("times"), py::arg("label") = py::none(), "The curves at times (seconds), as columns.")
        .def_property_readonly("funnel", &competing_risks_accumulator::stages)
        .def_property_readonly("as_of_seconds", [](const competing_risks_accumulator& a) { return to_seconds(a.as_of()); });
    funnel_accumulator_common<competing_risks_accumulator>(
        cls, [] { return competing_risks_accumulator(leadscore::funnel::standard(), from_seconds(0)); });
}

} // namespace

void bind_funnel(py::module_& m) {
    bind_funnel_stages(m);
    bind_funnel_conversion(m);
    bind_funnel_timing(m);
    bind_funnel_kpi(m);
    bind_funnel_cohorts(m);
    bind_funnel_markov(m);
    bind_funnel_competing(m);
}

} // namespace leadscore::python
