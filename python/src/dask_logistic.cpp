// The engine's side of leadscore.dask.fit_logistic: per partition, the encoder's statistics and the Newton sums; on
// the client, the merged statistics' encoder and the Newton driver, which calls back into Python for the sums.
// Statistics travel as plain tuples (numbers, numpy arrays and lists of texts: exact under pickle).

#include "bindings.hpp"
#include "table.hpp"
#include "trainers.hpp"

#include <leadscore/core/error.hpp>
#include <leadscore/io/archive.hpp>
#include <leadscore/io/model.hpp>
#include <leadscore/io/serialize_scoring.hpp>
#include <leadscore/train/encoder.hpp>
#include <leadscore/train/logistic_solver.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <sstream>

namespace py = pybind11;

namespace leadscore::python {
namespace {

py::tuple dask_state_of(const encoder_statistics& s) {
    py::list fields;
    for (const auto& f : s.fields()) {
        py::array_t<double> values(static_cast<py::ssize_t>(f.values.size()));
        std::copy(f.values.begin(), f.values.end(), values.mutable_data());
        py::array_t<std::uint64_t> counts(static_cast<py::ssize_t>(f.counts.size()));
        std::copy(f.counts.begin(), f.counts.end(), counts.mutable_data());
        fields.append(py::make_tuple(f.name, static_cast<int>(f.type), f.rows, f.present, f.mean, f.squares, f.trues,
                                     values, py::cast(f.texts), counts));
    }
    return py::tuple(fields);
}

std::vector<field_statistics> dask_fields_of(const py::tuple& state) {
    std::vector<field_statistics> out;
    for (const auto& item : state) {
        const auto t = item.cast<py::tuple>();
        if (t.size() != 10) throw definition_error("learn encoder: statistics of a field are not a tuple of 10");
        field_statistics f;
        f.name = t[0].cast<std::string>();
        const int type = t[1].cast<int>();
        if (type < 0 || type > static_cast<int>(field_type::timestamp))
            throw definition_error("learn encoder: statistics of field '" + f.name + "' of an unknown type");
        f.type = static_cast<field_type>(type);
        f.rows = t[2].cast<std::uint64_t>();
        f.present = t[3].cast<std::uint64_t>();
        f.mean = t[4].cast<double>();
        f.squares = t[5].cast<double>();
        f.trues = t[6].cast<std::uint64_t>();
        const auto values = t[7].cast<py::array_t<double, py::array::c_style | py::array::forcecast>>();
        f.values.assign(values.data(), values.data() + values.size());
        f.texts = t[8].cast<std::vector<std::string>>();
        const auto counts = t[9].cast<py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>>();
        f.counts.assign(counts.data(), counts.data() + counts.size());
        out.push_back(std::move(f));
    }
    return out;
}

/// The statistics of the options in `params`, for the fields of `t`'s schema, with `states` merged in order.
encoder_statistics dask_statistics(const py_table& t, const std::string& target, const py::dict& params,
                                   std::int64_t as_of, const py::list& states) {
    const auto trainer = logistic_trainer_from(params);
    encoder_statistics s(t.fields(), trainer.encoding, from_seconds(as_of), target);
    for (const auto& state : states) s.merge(dask_fields_of(state.cast<py::tuple>()));
    return s;
}

// A partition's statistics and label counts: (state, rows, positives).
py::tuple dask_part_statistics(const py_table& t, const std::string& target, std::vector<std::string> positive,
                               const py::dict& params, std::int64_t as_of) {
    auto s = dask_statistics(t, target, params, as_of, py::list());
    std::size_t rows = 0, positives = 0;
    t.recheck();
    {
        py::gil_scoped_release release;
        const auto labels = target_labels(t.view(), binary_target{target, std::move(positive), {}});
        const auto labelled = labelled_rows(labels);
        s.add(t.view(), labelled);
        rows = labelled.size();
        for (const auto r : labelled) positives += labels[r] == 1 ? 1 : 0;
    }
    return py::make_tuple(dask_state_of(s), rows, positives);
}

std::string dask_encoder_archive(const feature_encoder& e) {
    std::ostringstream out;
    save_archive(out, logistic_model{e, std::vector<double>(e.width(), 0.0), 0.0}, archive_format::text);
    return out.str();
}

feature_encoder dask_encoder_from(const py::bytes& archive) {
    std::istringstream in{std::string(archive)};
    logistic_model m;
    load_archive(in, m, archive_format::text, "the fit's encoder");
    return std::move(m.encoder);
}

// The learned encoder, checked as logistic_trainer::fit checks it, and the class weights: (archive, notes, width,
// positive weight, negative weight).
py::tuple dask_encoder(const py_table& meta, const std::string& target, const py::dict& params, std::int64_t as_of,
                       const py::tuple& state, std::size_t rows, std::size_t positives) {
    py::list states;
    states.append(state);
    const auto s = dask_statistics(meta, target, params, as_of, states);
    const auto trainer = logistic_trainer_from(params);
    auto learned = s.finish();
    const auto& enc = learned.encoder;
    if (enc.width() == 0) {
        std::string why;
        for (const auto& n : learned.notes) why += "; " + n;
        throw definition_error("logistic fit: no feature to learn from (every field was left out" + why + ")");
    }
    if (enc.width() > trainer.solver.max_features)
        throw definition_error("logistic fit: " + std::to_string(enc.width()) + " features, more than max_features (" +
                               std::to_string(trainer.solver.max_features) +
                               "; raise min_category_count or exclude a wide field)");
    if (positives == 0 || positives >= rows)
        throw definition_error("logistic fit: the " + std::to_string(rows) + " training rows hold no " +
                               (positives == 0 ? "positive" : "negative") + " label; a model needs both classes");
    const auto w = logistic_class_weights::of(trainer.solver, rows, positives);
    return py::make_tuple(py::bytes(dask_encoder_archive(enc)), learned.notes, enc.width(), w.positive, w.negative);
}

py::array_t<double> dask_array(const std::vector<double>& v) {
    py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

// A partition's sums at θ: (loss, gradient or None, Hessian (width+1)² row-major or None).
py::tuple dask_part_sums(const py_table& t, const std::string& target, std::vector<std::string> positive,
                         const py::bytes& encoder, const py::array_t<double, py::array::c_style | py::array::forcecast>& theta,
                         double positive_weight, double negative_weight, bool full, std::int64_t as_of) {
    const auto enc = dask_encoder_from(encoder);
    const std::vector<double> th(theta.data(), theta.data() + theta.size());
    logistic_sums s;
    t.recheck();
    {
        py::gil_scoped_release release;
        const auto labels = target_labels(t.view(), binary_target{target, std::move(positive), {}});
        const auto labelled = labelled_rows(labels);
        const auto bound = enc.bind(t.view(), from_seconds(as_of));
        const logistic_rows rows(bound, labelled, labels, {positive_weight, negative_weight}, 1);
        s = rows.sums(th, full ? logistic_request::loss_gradient_hessian : logistic_request::loss);
    }
    if (!full) return py::make_tuple(s.loss, py::none(), py::none());
    return py::make_tuple(s.loss, dask_array(s.gradient), dask_array(s.hessian));
}

// Newton's method on the client: `oracle(theta, full)` returns (loss, gradient, Hessian) summed over the partitions.
// The driver runs without the GIL and takes it for each call back. Returns the model as a text archive.
py::bytes dask_fit(const py_table& meta, const std::string& target, std::vector<std::string> positive,
                   const py::dict& params, std::int64_t as_of, const py::tuple& state, std::size_t rows,
                   std::size_t positives, const py::function& oracle) {
    py::list states;
    states.append(state);
    const auto s = dask_statistics(meta, target, params, as_of, states);
    const auto trainer = logistic_trainer_from(params);
    auto learned = s.finish();
    const std::size_t width = learned.encoder.width(), dim = width + 1;
    const logistic_oracle ask = [&](std::span<const double> theta, logistic_request what) {
        py::gil_scoped_acquire acquire;
        const auto r = oracle(dask_array(std::vector<double>(theta.begin(), theta.end())),
                              what == logistic_request::loss_gradient_hessian).cast<py::tuple>();
        logistic_sums out;
        out.loss = r[0].cast<double>();
        if (what == logistic_request::loss) return out;
        const auto g = r[1].cast<py::array_t<double, py::array::c_style | py::array::forcecast>>();
        const auto h = r[2].cast<py::array_t<double, py::array::c_style | py::array::forcecast>>();
        out.gradient.assign(g.data(), g.data() + g.size());
        out.hessian.assign(h.data(), h.data() + h.size());
        return out;
    };
    auto m = std::make_shared<model>();
    std::vector<double> theta;
    {
        py::gil_scoped_release release;
        m->report = solve_logistic(ask, {.width = width, .rows = rows, .positives = positives}, trainer.solver, theta);
    }
    m->report.notes = learned.notes;
    const auto& st = meta.fields();
    m->kind = "logistic";
    m->target = binary_target{target, std::move(positive), {}};
    m->target_type = st[st.at(target)].type;
    m->policy = logistic_policy(logistic_model{std::move(learned.encoder),
                                               std::vector<double>(theta.begin(), theta.begin() + static_cast<std::ptrdiff_t>(width)),
                                               theta[dim - 1]});
    m->fields = model_fields(st, m->policy);
    // The data contract's vocabulary: the present texts of each categorical field read, as the statistics hold them.
    for (const auto& f : m->fields.fields())
        if (f.type == field_type::categorical)
            for (const auto& fs : s.fields())
                if (fs.name == f.name && fs.type == field_type::categorical) m->contract.vocabulary.push_back({f.name, fs.texts});
    m->bands = temperature_bands::from_base_rate(static_cast<double>(positives) / static_cast<double>(rows));
    std::ostringstream out;
    save_model(out, *m, archive_format::text);
    return py::bytes(out.str());
}

// States merged in order into one: a node of the reduction tree.
py::tuple dask_merge_states(const py_table& meta, const std::string& target, const py::dict& params, std::int64_t as_of,
                            const py::list& states) {
    return dask_state_of(dask_statistics(meta, target, params, as_of, states));
}

// A logistic model's parts, to compare fits: (feature names, weights, intercept, specs as tuples).
py::tuple dask_logistic_parts(const py::bytes& model_archive) {
    std::istringstream in{std::string(model_archive)};
    model m;
    load_model(in, m, archive_format::text, "a model");
    const auto* p = m.policy.target<logistic_policy>();
    if (!p) throw definition_error("the model is not a logistic regression");
    py::list specs;
    for (const auto& spec : p->encoder().specs()) {
        if (const auto* n = std::get_if<numeric_feature>(&spec))
            specs.append(py::make_tuple("numeric", n->field, n->center, n->scale, n->impute, n->missing_indicator));
        else if (const auto* b = std::get_if<binned_feature>(&spec))
            specs.append(py::make_tuple("bins", b->field, b->cuts, b->missing_indicator));
        else if (const auto* c = std::get_if<categorical_feature>(&spec))
            specs.append(py::make_tuple("categorical", c->field, c->vocabulary, std::string(to_string(c->unknown)),
                                        c->missing_feature));
        else if (const auto* f = std::get_if<boolean_feature>(&spec))
            specs.append(py::make_tuple("boolean", f->field, f->impute, f->missing_indicator));
        else specs.append(py::make_tuple("other", spec_name(spec)));
    }
    return py::make_tuple(p->encoder().names(), dask_array(p->weights()), p->intercept(), specs);
}

} // namespace

void bind_dask_logistic(py::module_& m) {
    m.def("_logistic_part_statistics", &dask_part_statistics, py::arg("table"), py::arg("target"), py::arg("positive"),
          py::arg("params"), py::arg("as_of"));
    m.def("_logistic_merge_statistics", &dask_merge_states, py::arg("meta"), py::arg("target"), py::arg("params"),
          py::arg("as_of"), py::arg("states"));
    m.def("_logistic_encoder", &dask_encoder, py::arg("meta"), py::arg("target"), py::arg("params"), py::arg("as_of"),
          py::arg("state"), py::arg("rows"), py::arg("positives"));
    m.def("_logistic_part_sums", &dask_part_sums, py::arg("table"), py::arg("target"), py::arg("positive"),
          py::arg("encoder"), py::arg("theta"), py::arg("positive_weight"), py::arg("negative_weight"), py::arg("full"),
          py::arg("as_of"));
    m.def("_logistic_fit", &dask_fit, py::arg("meta"), py::arg("target"), py::arg("positive"), py::arg("params"),
          py::arg("as_of"), py::arg("state"), py::arg("rows"), py::arg("positives"), py::arg("oracle"));
    m.def("_logistic_parts", &dask_logistic_parts, py::arg("model"));
}

} // namespace leadscore::python
