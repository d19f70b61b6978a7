// leadscore.Model: model files, scoring, explanations and temperatures; the trainers' fits.

#include "bindings.hpp"
#include "table.hpp"
#include "trainers.hpp"

#include <leadscore/core/batch.hpp>
#include <leadscore/core/error.hpp>
#include <leadscore/core/extended_view.hpp>
#include <leadscore/core/progress.hpp>
#include <leadscore/io/archive.hpp>
#include <leadscore/io/model.hpp>
#include <leadscore/io/serialize_scoring.hpp>
#include <leadscore/train/frequency.hpp>
#include <leadscore/train/gbt.hpp>
#include <leadscore/train/logistic.hpp>

#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <cmath>
#include <exception>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

namespace py = pybind11;

namespace leadscore::python {
namespace {

/// The field a frequency model fills with its single stage (as `leadscore train --model naive-bayes` does).
constexpr const char* model_nb_stage_field = "(naive-bayes stage)";

struct py_model {
    std::shared_ptr<const model> m;
};

/// A Python progress callback as the library's (leadscore/core/progress.hpp). The work runs without the GIL; the
/// callback takes it. Returning False cancels; an exception also cancels and is kept, to be raised unchanged once the
/// work has stopped (rather than thrown through the library's threads).
class model_progress {
public:
    explicit model_progress(py::object fn) : fn_(std::move(fn)) {
        if (!fn_.is_none() && !PyCallable_Check(fn_.ptr()))
            throw definition_error("progress: expected a callable progress(done, total), or None");
    }
    model_progress(const model_progress&) = delete;
    model_progress& operator=(const model_progress&) = delete;

    /// The library's callback (empty without a Python one); valid while this object lives.
    [[nodiscard]] progress_callback callback() {
        if (fn_.is_none()) return {};
        return [this](std::uint64_t done, std::uint64_t total) {
            py::gil_scoped_acquire gil;
            try {
                const py::object answer = fn_(done, total);
                return answer.ptr() == Py_False ? progress_action::cancel : progress_action::proceed;
            } catch (py::error_already_set&) {
                error_ = std::current_exception();
                return progress_action::cancel;
            }
        };
    }

    /// Runs `work` without the GIL; when the callback raised, that exception instead of the cancellation.
    template <class Work>
    void run(Work&& work) {
        try {
            py::gil_scoped_release release;
            work();
        } catch (const cancelled_error&) {
            if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
            throw;
        }
    }

private:
    py::object fn_;
    std::exception_ptr error_;
};

timestamp model_as_of(const py::object& as_of) {
    if (as_of.is_none()) return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return from_seconds(as_of.cast<std::int64_t>());
}

// The table's view with the model's constant columns added (one text in every row).
extended_view model_view(const model& m, const table_view& base) {
    std::vector<added_column> added;
    for (const auto& [name, text] : m.constants) {
        dictionary d;
        d.intern(text);
        added.push_back(added_column::categorical(name, std::vector<std::int32_t>(base.rows(), 0), std::move(d)));
    }
    return extended_view(base, std::move(added));
}

// Scores a table whose int8 / int16 codes are deferred: each block of rows is widened into its thread's scratch, bound
// and scored while the codes are in cache, so the widened codes never travel to memory and back (at two threads the
// pass is limited by memory traffic). Binding per block costs microseconds against blocks of 16 Ki rows. A block's
// errors would name rows of the block: the caller scores again the table's way, which names the table's row.
void model_score_blocks(const model& m, const py_table& t, std::span<double> out, const batch_options& options) {
    batch_options blocks = options;
    blocks.block_rows = std::size_t{1} << 14; // 16 Ki rows: 64 KiB of codes a column, in L2
    detail::for_each_block(out.size(), blocks, [&](std::size_t begin, std::size_t end) {
        thread_local std::vector<std::int32_t> scratch; // kept: no allocation, no page faults block after block
        const auto v = t.block_view(begin, end, scratch);
        const auto o = out.subspan(begin, end - begin);
        if (m.constants.empty()) {
            m.policy.bind(v, options.as_of).score_batch(0, o);
        } else {
            const auto ext = model_view(m, v);
            m.policy.bind(ext.view(), options.as_of).score_batch(0, o);
        }
    });
}

// Scores every row of t into out, without the GIL.
void model_score_into(const model& m, const py_table& t, std::span<double> out, const batch_options& options) {
    if (t.deferred()) {
        try {
            model_score_blocks(m, t, out, options);
            return;
        } catch (const cancelled_error&) {
            throw; // the caller's progress callback stopped it
        } catch (const std::exception&) {
            // scored again below: the same error, naming the table's row
        }
    }
    const auto v = model_view(m, t.view());
    // The engine's blocks (as score_batch runs them), each made ready just before it is scored: the codes are checked
    // (or widened) while in cache, and the threads meet once per call instead of once per pass. Binding reads no codes
    // (scoring/policy.hpp), so it may come before they are filled.
    const auto scorer = m.policy.bind(v.view(), options.as_of);
    detail::for_each_block(out.size(), options, [&](std::size_t begin, std::size_t end) {
        t.prepare_rows(begin, end);
        scorer.score_batch(begin, out.subspan(begin, end - begin));
    });
}

py::array_t<double> model_score(const py_model& pm, const py_table& t, py::object out, unsigned threads,
                                const py::object& as_of, const py::object& progress) {
    const auto rows = t.view().rows();
    py::array_t<double> result;
    if (out.is_none()) {
        result = py::array_t<double>(static_cast<py::ssize_t>(rows));
    } else {
        if (!py::isinstance<py::array_t<double>>(out) || out.cast<py::array>().dtype().kind() != 'f')
            throw input_error(field_place("out"), "expected a numpy array of float64");
        result = out.cast<py::array_t<double>>();
        if (result.ndim() != 1 || static_cast<std::size_t>(result.shape(0)) != rows)
            throw input_error(field_place("out"), "expected a one-dimensional array of " +
                                                                   std::to_string(rows) + " elements");
        if (rows > 1 && result.strides(0) != sizeof(double))
            throw input_error(field_place("out"), "the array is not contiguous");
        if (!result.writeable()) throw input_error(field_place("out"), "the array is read-only");
    }
    const std::span<double> o(result.mutable_data(), rows);
    batch_options options;
    options.as_of = model_as_of(as_of);
    options.threads = threads;
    model_progress told(progress);
    options.progress = told.callback();
    told.run([&] { model_score_into(*pm.m, t, o, options); });
    return result;
}

// Per row its `top` factors of largest magnitude: (rows, ranks, factors, contributions, scores, unit).
py::tuple model_explain(const py_model& pm, const py_table& t, std::size_t top, const py::object& as_of) {
    const auto when = model_as_of(as_of);
    std::vector<std::int64_t> rows, ranks;
    std::vector<std::string> names;
    std::vector<double> contributions, scores;
    std::string unit;
    t.recheck();
    {
        py::gil_scoped_release release;
        const auto v = model_view(*pm.m, t.view());
        const auto scorer = pm.m->policy.bind(v.view(), when);
        for (std::size_t r = 0; r < v.rows(); ++r) {
            auto e = scorer.explain(r);
            unit = e.unit;
            std::stable_sort(e.factors.begin(), e.factors.end(), [](const factor& a, const factor& b) {
                return std::abs(a.contribution) > std::abs(b.contribution);
            });
            const auto k = std::min(top, e.factors.size());
            for (std::size_t i = 0; i < k; ++i) {
                rows.push_back(static_cast<std::int64_t>(r));
                ranks.push_back(static_cast<std::int64_t>(i + 1));
                names.push_back(std::move(e.factors[i].name));
                contributions.push_back(e.factors[i].contribution);
                scores.push_back(e.score);
            }
        }
    }
    return py::make_tuple(py::array(py::cast(rows)), py::array(py::cast(ranks)), py::cast(names),
                          py::array(py::cast(contributions)), py::array(py::cast(scores)), unit);
}

// Temperatures as codes: 0 cold, 1 warm, 2 hot, -1 none (a NaN score), as temperature_bands::band decides.
py::array_t<std::int8_t> model_temperature(const py_model& pm, const py::array_t<double, py::array::c_style |
                                                                                         py::array::forcecast>& s) {
    py::array_t<std::int8_t> out(s.size());
    auto* o = out.mutable_data();
    const auto* in = s.data();
    for (py::ssize_t i = 0; i < s.size(); ++i) {
        const auto b = pm.m->bands.band(in[i]);
        o[i] = b == "hot" ? 2 : b == "warm" ? 1 : b == "cold" ? 0 : -1;
    }
    return out;
}

py::dict model_report(const fit_report& r) {
    py::dict d;
    d["converged"] = r.converged;
    d["iterations"] = r.iterations;
    d["gradient_norm"] = r.gradient_norm;
    d["objective"] = r.objective;
    d["rows"] = r.rows;
    d["positives"] = r.positives;
    d["parameters"] = r.parameters;
    d["message"] = r.message;
    d["notes"] = r.notes;
    return d;
}

py::bytes model_to_bytes(const model& m) {
    std::ostringstream out;
    save_model(out, m, archive_format::text);
    return py::bytes(out.str());
}

py_model model_from_bytes(const py::bytes& b) {
    std::istringstream in{static_cast<std::string>(b)};
    auto m = std::make_shared<model>();
    load_model(in, *m, archive_format::text, "pickled model");
    return py_model{std::move(m)};
}

py::list model_fields_list(const schema& s) {
    py::list out;
    for (const auto& f : s.fields())
        out.append(py::make_tuple(f.name, std::string(to_string(f.type)), std::string(to_string(f.role))));
    return out;
}


} // namespace

namespace {

// A trainer's parameters from a dict; every key must be one the trainer reads.
class fit_params {
public:
    explicit fit_params(const py::dict& d) : d_(d) {}
    template <class T>
    void get(const char* key, T& into) {
        used_.insert(key);
        if (!d_.contains(key) || d_[key].is_none()) return;
        try {
            into = d_[key].cast<T>();
        } catch (const py::cast_error&) {
            throw input_error(field_place(key), "the parameter has a value of the wrong type");
        }
    }
    void finish() const {
        for (const auto& [k, v] : d_)
            if (!used_.count(k.cast<std::string>()))
                throw definition_error("unknown parameter '" + k.cast<std::string>() + "'");
    }

private:
    py::dict d_;
    std::set<std::string> used_;
};

numeric_encoding fit_numeric_encoding(const std::string& s) {
    for (auto e : {numeric_encoding::standardize, numeric_encoding::bins, numeric_encoding::standardize_and_bins})
        if (to_string(e) == s) return e;
    throw definition_error("numeric: expected standardize, bins or standardize_and_bins, got '" + s + "'");
}

logistic_trainer fit_logistic_trainer(fit_params& p) {
    logistic_trainer t;
    auto& e = t.encoding;
    auto& s = t.solver;
    std::string numeric(to_string(e.numeric));
    p.get("fields", e.fields);
    p.get("exclude", e.exclude);
    p.get("min_category_count", e.min_category_count);
    p.get("numeric", numeric);
    e.numeric = fit_numeric_encoding(numeric);
    p.get("bins", e.bins);
    p.get("missing_indicators", e.missing_indicators);
    p.get("event_counts", e.event_counts);
    p.get("event_window_days", e.event_window_days);
    p.get("l2", s.l2);
    p.get("l1", s.l1);
    p.get("positive_weight", s.positive_weight);
    p.get("negative_weight", s.negative_weight);
    p.get("balanced", s.balanced);
    p.get("max_iterations", s.max_iterations);
    p.get("tolerance", s.tolerance);
    p.get("step_tolerance", s.step_tolerance);
    p.get("threads", s.threads);
    p.get("max_features", s.max_features);
    return t;
}

gbt_trainer fit_gbt_trainer(fit_params& p) {
    gbt_trainer t;
    auto& i = t.inputs;
    auto& o = t.options;
    p.get("fields", i.fields);
    p.get("exclude", i.exclude);
    p.get("event_counts", i.event_counts);
    p.get("event_window_days", i.event_window_days);
    p.get("min_category_count", i.min_category_count);
    p.get("max_bins", i.max_bins);
    p.get("trees", o.trees);
    p.get("learning_rate", o.learning_rate);
    p.get("max_depth", o.max_depth);
    p.get("max_leaves", o.max_leaves);
    p.get("min_child_hessian", o.min_child_hessian);
    p.get("min_rows_per_leaf", o.min_rows_per_leaf);
    p.get("l2", o.l2);
    p.get("min_split_gain", o.min_split_gain);
    p.get("row_subsample", o.row_subsample);
    p.get("column_subsample", o.column_subsample);
    p.get("seed", o.seed);
    p.get("positive_weight", o.positive_weight);
    p.get("negative_weight", o.negative_weight);
    p.get("balanced", o.balanced);
    p.get("monotone", o.monotone);
    p.get("early_stopping_rounds", o.early_stopping_rounds);
    p.get("validation_share", o.validation_share);
    p.get("threads", o.threads);
    return t;
}

// Frequency tables over the given fields (default: every categorical and boolean field but the target), each row in
// the single stage "open", a constant column the model records — as `leadscore train --model naive-bayes` fits.
frequency_trainer fit_frequency_trainer(fit_params& p, const schema& s, const std::string& target) {
    frequency_trainer t;
    t.definition.stages = frequency_stages(std::vector<std::string>{"open"}, std::vector<std::string>{"won"});
    t.definition.stage_field = model_nb_stage_field;
    std::vector<std::string> fields;
    p.get("fields", fields);
    p.get("smoothing", t.definition.smoothing);
    if (fields.empty())
        for (const auto& f : s.fields())
            if (f.name != target && (f.type == field_type::categorical || f.type == field_type::boolean))
                fields.push_back(f.name);
    if (fields.empty()) throw definition_error("frequency tables need a categorical or boolean field besides the target");
    for (auto& f : fields) t.definition.variables.push_back({std::move(f), false, '\0'});
    return t;
}

// The bands `leadscore train` chooses from the share of positives among the training rows.
temperature_bands model_bands(const fit_report& r) {
    return temperature_bands::from_base_rate(r.rows ? static_cast<double>(r.positives) / static_cast<double>(r.rows) : 0);
}

template <class Trainer>
void fit_into(model& m, const Trainer& trainer, const table_view& view, const binary_target& target, timestamp as_of,
              const progress_callback& progress) {
    auto fitted = fit(trainer, view, target, as_of, progress);
    m.report = std::move(fitted.report);
    m.policy = std::move(fitted.policy);
}

// Fits a model of `kind` ("logistic", "frequency", "gbt") on every labelled row of the table: the model a file
// written by `leadscore train` holds (fields read, data contract, bands from the base rate).
py_model model_fit(const std::string& kind, const py_table& t, const binary_target& target, py::dict params,
                   const py::object& as_of, const py::object& progress) {
    fit_params p(std::move(params));
    const auto when = model_as_of(as_of);
    const auto& s = t.fields();
    auto m = std::make_shared<model>();
    m->kind = kind;
    m->target = target;
    m->target_type = s[s.at(target.field)].type;
    std::optional<logistic_trainer> logistic;
    std::optional<gbt_trainer> gbt;
    std::optional<frequency_trainer> frequency;
    if (kind == "logistic") logistic = fit_logistic_trainer(p);
    else if (kind == "gbt") gbt = fit_gbt_trainer(p);
    else if (kind == "frequency") frequency = fit_frequency_trainer(p, s, target.field);
    else throw definition_error("unknown model kind '" + kind + "' (logistic, frequency or gbt)");
    p.finish();
    if (frequency) m->constants = {{model_nb_stage_field, "open"}};
    t.recheck();
    model_progress told(progress);
    const auto callback = told.callback();
    told.run([&] {
        const auto v = model_view(*m, t.view());
        if (logistic) fit_into(*m, *logistic, v.view(), target, when, callback);
        if (gbt) fit_into(*m, *gbt, v.view(), target, when, callback);
        if (frequency) fit_into(*m, *frequency, v.view(), target, when, callback);
        m->fields = model_fields(s, m->policy);
        const auto labels = target_labels(t.view(), target);
        const auto rows = labelled_rows(labels);
        m->contract = make_data_contract(t.view(), rows, m->fields, csv_options{});
        m->bands = model_bands(m->report);
    });
    return py_model{std::move(m)};
}

} // namespace

// ---- frequency counts of partitions (leadscore.dask.fit_frequency) ----------------------------------------------

namespace {

/// What a frequency fit counted over some rows: the counter, and the data contract of those rows (their texts).
/// Counts of partitions merge into the counts of all their rows; the model made from them is the model _fit makes
/// of all the rows (the tests compare the archives byte for byte).
struct py_frequency_counts {
    frequency_counter counts;
    data_contract contract;
};

// The model's kind, target, constant stage column and the trainer, as a frequency fit of `t` sets them.
frequency_trainer frequency_setup(model& m, const py::dict& params, const schema& s, const binary_target& target) {
    fit_params p(params);
    m.kind = "frequency";
    m.target = target;
    m.target_type = s[s.at(target.field)].type;
    auto trainer = fit_frequency_trainer(p, s, target.field);
    p.finish();
    m.constants = {{model_nb_stage_field, "open"}};
    return trainer;
}

py_frequency_counts frequency_count(const py_table& t, const binary_target& target, const py::dict& params) {
    model m;
    const auto trainer = frequency_setup(m, params, t.fields(), target);
    py_frequency_counts out{frequency_counter(trainer.definition), {}};
    t.recheck();
    py::gil_scoped_release release;
    const auto v = model_view(m, t.view());
    const auto labels = target_labels(v.view(), target);
    const auto rows = labelled_rows(labels);
    out.counts.add(training_set{v.view(), labels, rows, timestamp{}, target.field});
    // The fields the policy will read depend on the definition only: an empty policy names them.
    const frequency_policy reads(frequency_tables(trainer.definition), trainer.options);
    out.contract = make_data_contract(t.view(), rows, model_fields(t.fields(), reads), csv_options{});
    return out;
}

py_model frequency_model(const py_table& t, const binary_target& target, const py::dict& params,
                         const py_frequency_counts& counts) {
    auto m = std::make_shared<model>();
    const auto trainer = frequency_setup(*m, params, t.fields(), target);
    py::gil_scoped_release release;
    auto fitted = trainer.fit(counts.counts);
    m->report = std::move(fitted.report);
    m->policy = std::move(fitted.policy);
    m->fields = model_fields(t.fields(), m->policy);
    m->contract = counts.contract;
    m->bands = model_bands(m->report);
    return py_model{std::move(m)};
}

// Both contracts list the same fields (the same definition over the same schema): their texts are united.
void frequency_merge_contracts(data_contract& into, const data_contract& other) {
    if (into.vocabulary.size() != other.vocabulary.size())
        throw definition_error("frequency counts: the parts were counted over other fields");
    for (std::size_t i = 0; i < into.vocabulary.size(); ++i) {
        auto& a = into.vocabulary[i];
        const auto& b = other.vocabulary[i];
        if (a.field != b.field) throw definition_error("frequency counts: the parts were counted over other fields");
        std::vector<std::string> both;
        std::set_union(a.texts.begin(), a.texts.end(), b.texts.begin(), b.texts.end(), std::back_inserter(both));
        a.texts = std::move(both);
    }
}

// Pickled as the tables' portable text archive, the row counts and the vocabularies.
py::tuple frequency_counts_state(const py_frequency_counts& c) {
    std::ostringstream out;
    save_archive(out, c.counts.tables(), archive_format::text);
    py::list vocabulary;
    for (const auto& v : c.contract.vocabulary) vocabulary.append(py::make_tuple(v.field, v.texts));
    return py::make_tuple(py::bytes(out.str()), c.counts.rows(), c.counts.positives(), vocabulary);
}

py_frequency_counts frequency_counts_from_state(const py::tuple& state) {
    if (state.size() != 4) throw definition_error("pickled frequency counts: expected 4 parts");
    std::istringstream in{state[0].cast<std::string>()};
    frequency_definition blank; // replaced by the archive's
    blank.stages = frequency_stages(std::vector<std::string>{"open"}, std::vector<std::string>{"won"});
    frequency_tables tables(std::move(blank));
    load_archive(in, tables, archive_format::text, "pickled frequency counts");
    py_frequency_counts c{frequency_counter(std::move(tables), state[1].cast<std::size_t>(), state[2].cast<std::size_t>()), {}};
    for (const auto& v : state[3].cast<py::list>()) {
        const auto pair = v.cast<py::tuple>();
        c.contract.vocabulary.push_back({pair[0].cast<std::string>(), pair[1].cast<std::vector<std::string>>()});
    }
    return c;
}

void bind_frequency_counts(py::module_& m) {
    py::class_<py_frequency_counts>(m, "_FrequencyCounts",
                                    "What a frequency fit counted over some rows (leadscore/train/frequency.hpp's "
                                    "frequency_counter) and their texts; parts merge exactly.")
        .def_property_readonly("rows", [](const py_frequency_counts& c) { return c.counts.rows(); })
        .def_property_readonly("positives", [](const py_frequency_counts& c) { return c.counts.positives(); })
        .def(
            "merge",
            [](const py_frequency_counts& a, const py_frequency_counts& b) {
                py_frequency_counts out = a;
                frequency_merge_contracts(out.contract, b.contract);
                out.counts.merge(b.counts);
                return out;
            },
            py::arg("other"), py::call_guard<py::gil_scoped_release>())
        .def("__eq__", [](const py_frequency_counts& a, const py_frequency_counts& b) {
            return a.counts == b.counts && a.contract == b.contract;
        })
        .def(py::pickle(&frequency_counts_state, &frequency_counts_from_state));
    m.def(
        "_frequency_count",
        [](const py_table& t, const std::string& target, std::vector<std::string> positive, const py::dict& params) {
            return frequency_count(t, binary_target{target, std::move(positive), {}}, params);
        },
        py::arg("table"), py::arg("target"), py::arg("positive"), py::arg("params"));
    m.def(
        "_frequency_model",
        [](const py_table& t, const std::string& target, std::vector<std::string> positive, const py::dict& params,
           const py_frequency_counts& counts) {
            return frequency_model(t, binary_target{target, std::move(positive), {}}, params, counts);
        },
        py::arg("table"), py::arg("target"), py::arg("positive"), py::arg("params"), py::arg("counts"));
}

} // namespace


logistic_trainer logistic_trainer_from(py::dict params) {
    fit_params p(std::move(params));
    auto t = fit_logistic_trainer(p);
    p.finish();
    return t;
}

void bind_models(py::module_& m) {
    py::class_<py_model>(m, "_Model", "The engine's side of leadscore.Model.")
        .def_static(
            "load", [](const std::string& path) { return py_model{std::make_shared<model>(load_model(path))}; },
            py::arg("path"))
        .def(
            "save",
            [](const py_model& pm, const std::string& path, const std::string& format) {
                const auto f = parse_archive_format(format);
                if (!f) throw definition_error("format: expected xml, text or binary, got '" + format + "'");
                save_model(path, *pm.m, *f);
            },
            py::arg("path"), py::arg("format") = "xml")
        .def("to_bytes", [](const py_model& pm) { return model_to_bytes(*pm.m); })
        .def_static("from_bytes", &model_from_bytes, py::arg("data"))
        .def_property_readonly("kind", [](const py_model& pm) { return pm.m->kind; })
        .def_property_readonly("fields", [](const py_model& pm) { return model_fields_list(pm.m->fields); })
        .def_property_readonly("constants", [](const py_model& pm) { return pm.m->constants; })
        .def_property_readonly("target",
                               [](const py_model& pm) {
                                   const auto& t = pm.m->target;
                                   return py::make_tuple(t.field, t.positive, t.negative,
                                                         std::string(to_string(pm.m->target_type)));
                               })
        .def_property_readonly("report", [](const py_model& pm) { return model_report(pm.m->report); })
        .def_property_readonly("bands", [](const py_model& pm) { return py::make_tuple(pm.m->bands.warm, pm.m->bands.hot); })
        .def_property_readonly("scale", [](const py_model& pm) { return std::string(to_string(pm.m->policy.scale())); })
        .def("vocabulary",
             [](const py_model& pm) {
                 py::dict d;
                 for (const auto& v : pm.m->contract.vocabulary) d[py::str(v.field)] = v.texts;
                 return d;
             })
        .def("score", &model_score, py::arg("table"), py::arg("out") = py::none(), py::arg("threads") = 0u,
             py::arg("as_of") = py::none(), py::arg("progress") = py::none())
        .def("explain", &model_explain, py::arg("table"), py::arg("top") = 3, py::arg("as_of") = py::none())
        .def("temperature", &model_temperature, py::arg("scores"));
    m.def(
        "_fit",
        [](const std::string& kind, const py_table& t, const std::string& target, std::vector<std::string> positive,
           py::dict params, const py::object& as_of, const py::object& progress) {
            return model_fit(kind, t, binary_target{target, std::move(positive), {}}, std::move(params), as_of,
                             progress);
        },
        py::arg("kind"), py::arg("table"), py::arg("target"), py::arg("positive"), py::arg("params"),
        py::arg("as_of") = py::none(), py::arg("progress") = py::none());
    bind_frequency_counts(m);
}

} // namespace leadscore::python
