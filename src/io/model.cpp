#include "leadscore/io/model.hpp"

#include "leadscore/io/archive.hpp"
#include "leadscore/io/serialize_scoring.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

namespace leadscore {

temperature_bands temperature_bands::from_base_rate(double b) {
    if (!(b > 0 && b < 1))
        throw definition_error("temperature bands: the base rate " + detail::format_shortest(b) +
                               " is not inside (0, 1)");
    return {b, 3 * b / (1 + 2 * b)};
}

std::string_view temperature_bands::band(double score) const noexcept {
    if (std::isnan(score)) return "";
    if (score >= hot) return "hot";
    if (score >= warm) return "warm";
    return "cold";
}

void validate(const model& m) {
    if (!m.policy) throw definition_error("model: no scoring policy");
    if (!std::isfinite(m.bands.warm) || !std::isfinite(m.bands.hot) || m.bands.warm > m.bands.hot)
        throw definition_error("model: temperature bands warm " + detail::format_shortest(m.bands.warm) + ", hot " +
                               detail::format_shortest(m.bands.hot) + " must be finite with warm <= hot");
    if (m.target.field.empty()) throw definition_error("model: no target field");
    if (m.target_type != field_type::categorical && m.target_type != field_type::boolean)
        throw definition_error("model: the target '" + m.target.field + "' must be categorical or boolean");
    std::set<std::string, std::less<>> names;
    for (const auto& [name, text] : m.constants) {
        if (name.empty()) throw definition_error("model: a constant field without a name");
        if (m.fields.find(name)) throw definition_error("model: constant field '" + name + "' is also a field read");
        if (!names.insert(name).second) throw definition_error("model: constant field '" + name + "' appears twice");
    }
}

} // namespace leadscore

BOOST_CLASS_VERSION(leadscore::model, 1)

namespace boost::serialization {

template <class Ar>
void save(Ar& ar, const leadscore::model& m, unsigned /*version*/) {
    namespace a = leadscore::detail::archive;
    a::save_text(ar, "kind", m.kind);
    ar << make_nvp("fields", m.fields);
    a::save_text(ar, "target", m.target.field);
    a::save_strings(ar, "positive", m.target.positive);
    a::save_strings(ar, "negative", m.target.negative);
    a::save_enum(ar, "target_type", m.target_type);
    ar << make_nvp("scoring_policy", m.policy);
    ar << make_nvp("report", m.report);
    a::save_double(ar, "warm", m.bands.warm);
    a::save_double(ar, "hot", m.bands.hot);
    a::save_count(ar, m.constants.size());
    for (const auto& [name, text] : m.constants) {
        a::save_text(ar, "name", name);
        a::save_text(ar, "text", text);
    }
}
template <class Ar>
void load(Ar& ar, leadscore::model& m, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 1, "model");
    leadscore::model out;
    a::load_text(ar, "kind", out.kind);
    ar >> make_nvp("fields", out.fields);
    a::load_text(ar, "target", out.target.field);
    a::load_strings(ar, "positive", out.target.positive);
    a::load_strings(ar, "negative", out.target.negative);
    out.target_type = a::load_enum(ar, "target_type", leadscore::field_type::timestamp);
    ar >> make_nvp("scoring_policy", out.policy);
    ar >> make_nvp("report", out.report);
    out.bands.warm = a::load_double(ar, "warm");
    out.bands.hot = a::load_double(ar, "hot");
    const std::uint64_t n = a::load_count(ar, "model: constants");
    for (std::uint64_t i = 0; i < n; ++i) {
        std::string name, text;
        a::load_text(ar, "name", name);
        a::load_text(ar, "text", text);
        out.constants.emplace_back(std::move(name), std::move(text));
    }
    a::rebuild("model", [&] { leadscore::validate(out); return 0; });
    m = std::move(out);
}
template <class Ar>
void serialize(Ar& ar, leadscore::model& m, unsigned version) {
    split_free(ar, m, version);
}

} // namespace boost::serialization

namespace leadscore {

namespace {
constexpr const char* root = "leadscore_model";
}

void save_model(std::ostream& out, const model& m, archive_format format) {
    validate(m);
    save_archive(out, m, format, root);
}

void load_model(std::istream& in, model& into, archive_format format, std::string_view source) {
    load_archive(in, into, format, source, root);
}

void save_model(const file_path& path, const model& m, archive_format format) {
    validate(m);
    save_archive_file(path, m, format, root);
}

model load_model(const file_path& path) {
    std::ifstream in(path.string(), std::ios::binary);
    if (!in) detail::throw_archive_error(path.string(), "cannot open the file");
    const int first = in.peek();
    if (first == std::char_traits<char>::eof()) detail::throw_archive_error(path.string(), "the file is empty");
    const archive_format format = first == '<'                  ? archive_format::xml
                                  : (first >= '0' && first <= '9') ? archive_format::text
                                                                   : archive_format::binary;
    model m;
    load_archive(in, m, format, path.string(), root);
    return m;
}

lead_table add_constant_fields(const model& m, lead_table table) {
    if (m.constants.empty()) return table;
    schema s = table.table_schema();
    const std::size_t old = s.size();
    for (const auto& [name, text] : m.constants) {
        if (s.find(name)) throw definition_error("model: the data already has the constant field '" + name + "'");
        s.add({name, field_type::categorical, field_role::none});
    }
    lead_table out(s);
    const std::size_t rows = table.rows();
    for (std::size_t c = 0; c < old; ++c) out.column(c) = std::move(table.column(c));
    for (std::size_t k = 0; k < m.constants.size(); ++k) {
        auto& col = std::get<categorical_column>(out.column(old + k));
        col.dict.intern(m.constants[k].second);
        col.codes.assign(rows, 0);
    }
    out.event_offsets() = std::move(table.event_offsets());
    out.events() = std::move(table.events());
    out.event_types() = std::move(table.event_types());
    out.event_details() = std::move(table.event_details());
    out.finish_rows();
    return out;
}

csv_result read_model_data(const model& m, const file_path& csv, csv_options options,
                           std::span<const field> extra) {
    schema s = m.fields;
    for (const auto& f : extra)
        if (!s.find(f.name)) s.add({f.name, f.type, field_role::none});
    options.fields = std::move(s);
    options.ignore_extra_columns = true;
    csv_result r = read_csv_file(csv, options);
    r.table = add_constant_fields(m, std::move(r.table));
    return r;
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const temperature_bands&, const temperature_bands&) = default;

} // namespace leadscore
