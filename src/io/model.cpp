#include "leadscore/io/model.hpp"

#include "csv_tokenizer.hpp"
#include "csv_values.hpp"

#include "leadscore/io/archive.hpp"
#include "leadscore/io/serialize_scoring.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <unordered_set>

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
    const data_contract& c = m.contract;
    if (c.delimiter != '\0' && !detail::csv::valid_delimiter(c.delimiter))
        throw definition_error("model: the delimiter (byte " + std::to_string(static_cast<unsigned char>(c.delimiter)) +
                               ") must be an ASCII character other than a quote, CR or LF");
    std::set<std::string_view> tokens;
    for (const auto& t : c.missing_tokens)
        if (!tokens.insert(t).second)
            throw definition_error("model: the missing token " + detail::csv::quote_for_message(t) + " appears twice");
    names.clear();
    for (const auto& v : c.vocabulary) {
        const auto index = m.fields.find(v.field);
        if (!index || m.fields[*index].type != field_type::categorical)
            throw definition_error("model: a vocabulary for '" + v.field + "', which is not a categorical field read");
        if (!names.insert(v.field).second)
            throw definition_error("model: the vocabulary of '" + v.field + "' appears twice");
        std::unordered_set<std::string_view> texts;
        for (const auto& t : v.texts)
            if (!texts.insert(t).second)
                throw definition_error("model: the vocabulary of '" + v.field + "' holds " +
                                       detail::csv::quote_for_message(t) + " twice");
    }
}

data_contract make_data_contract(const table_view& data, std::span<const std::size_t> rows, const schema& fields,
                                 const csv_options& read) {
    data_contract out;
    out.missing_tokens.clear();
    for (const auto& t : read.missing_tokens) // once each, as validate wants them
        if (std::find(out.missing_tokens.begin(), out.missing_tokens.end(), t) == out.missing_tokens.end())
            out.missing_tokens.push_back(t);
    out.delimiter = read.delimiter;
    const schema& s = data.table_schema();
    for (const auto& f : fields.fields()) {
        const auto col = s.find(f.name);
        if (!col || s[*col].type != f.type)
            throw definition_error("data contract: the data has no " + std::string(to_string(f.type)) + " field '" +
                                   f.name + "'");
        if (f.type != field_type::categorical) continue;
        const auto codes = data.codes(*col);
        const dictionary& dict = data.dict(*col);
        std::vector<bool> seen(dict.size(), false);
        for (const std::size_t r : rows) {
            if (r >= codes.size())
                throw definition_error("data contract: row " + std::to_string(r) + " is past the data's " +
                                       std::to_string(codes.size()) + " rows");
            if (codes[r] != missing_code) seen[static_cast<std::size_t>(codes[r])] = true;
        }
        field_vocabulary v{f.name, {}};
        for (std::size_t code = 0; code < seen.size(); ++code)
            if (seen[code]) v.texts.emplace_back(dict[static_cast<std::int32_t>(code)]);
        std::sort(v.texts.begin(), v.texts.end());
        out.vocabulary.push_back(std::move(v));
    }
    return out;
}

double unseen_values::share() const noexcept {
    return rows == 0 ? 0.0 : static_cast<double>(cells) / static_cast<double>(rows);
}

std::string unseen_values::describe() const {
    char percent[32];
    std::snprintf(percent, sizeof percent, "%.1f%%", 100.0 * share());
    std::string out = "field '" + field + "': " + std::to_string(cells) + " of " + std::to_string(rows) + " cells (" +
                      percent + ") hold texts not seen in training: ";
    for (std::size_t i = 0; i < top.size(); ++i)
        out += (i ? ", " : "") + detail::csv::quote_for_message(top[i].first) + " " + std::to_string(top[i].second);
    const std::size_t shown = [&] {
        std::size_t n = 0;
        for (const auto& [text, count] : top) n += count;
        return n;
    }();
    if (shown < cells) out += ", ...";
    return out;
}

std::vector<unseen_values> find_unseen_values(const model& m, const table_view& data, std::size_t top) {
    std::vector<unseen_values> out;
    const schema& s = data.table_schema();
    for (const auto& f : m.fields.fields()) {
        const auto known = std::find_if(m.contract.vocabulary.begin(), m.contract.vocabulary.end(),
                                        [&](const field_vocabulary& v) { return v.field == f.name; });
        if (known == m.contract.vocabulary.end()) continue;
        const auto col = s.find(f.name);
        if (!col || s[*col].type != field_type::categorical)
            throw definition_error("unseen values: the data has no categorical field '" + f.name + "'");
        // Each text is looked up once, by code; then the cells are counted by code.
        const dictionary& dict = data.dict(*col);
        const std::unordered_set<std::string_view> vocabulary(known->texts.begin(), known->texts.end());
        std::vector<std::size_t> count(dict.size(), 0);
        for (const auto code : data.codes(*col))
            if (code != missing_code) ++count[static_cast<std::size_t>(code)];
        unseen_values u{f.name, 0, data.rows(), {}};
        std::vector<std::pair<std::string_view, std::size_t>> texts;
        for (std::size_t code = 0; code < count.size(); ++code) {
            const std::string_view text = dict[static_cast<std::int32_t>(code)];
            if (count[code] == 0 || vocabulary.count(text)) continue;
            u.cells += count[code];
            texts.emplace_back(text, count[code]);
        }
        if (u.cells == 0) continue;
        const auto n = std::min(top, texts.size());
        std::partial_sort(texts.begin(), texts.begin() + static_cast<std::ptrdiff_t>(n), texts.end(),
                          [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
        for (std::size_t i = 0; i < n; ++i) u.top.emplace_back(std::string(texts[i].first), texts[i].second);
        out.push_back(std::move(u));
    }
    return out;
}

} // namespace leadscore

// Version 2 added the data contract (missing tokens, delimiter, vocabularies).
BOOST_CLASS_VERSION(leadscore::model, 2)

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
    a::save_strings(ar, "missing_token", m.contract.missing_tokens);
    const unsigned delimiter = static_cast<unsigned char>(m.contract.delimiter);
    ar << make_nvp("delimiter", delimiter);
    a::save_count(ar, m.contract.vocabulary.size());
    for (const auto& v : m.contract.vocabulary) {
        a::save_text(ar, "field", v.field);
        a::save_strings(ar, "text", v.texts);
    }
}
template <class Ar>
void load(Ar& ar, leadscore::model& m, unsigned version) {
    namespace a = leadscore::detail::archive;
    a::check_version(version, 2, "model");
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
    if (version >= 2) { // version 1 has no contract: the default one reads as version 1's readers did
        a::load_strings(ar, "missing_token", out.contract.missing_tokens);
        unsigned delimiter = 0;
        ar >> make_nvp("delimiter", delimiter);
        if (delimiter > 0x7F) a::fail("model: delimiter " + std::to_string(delimiter) + " is not an ASCII character");
        out.contract.delimiter = static_cast<char>(delimiter);
        const std::uint64_t fields = a::load_count(ar, "model: vocabulary");
        for (std::uint64_t i = 0; i < fields; ++i) {
            leadscore::field_vocabulary v;
            a::load_text(ar, "field", v.field);
            a::load_strings(ar, "text", v.texts);
            out.contract.vocabulary.push_back(std::move(v));
        }
    }
    try { // validate's messages start with "model: " already
        leadscore::validate(out);
    } catch (const leadscore::definition_error& e) {
        a::fail(e.what());
    }
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

model load_model(const file_path& path, archive_file_info* info) {
    detail::checked_file file(path);
    return detail::load_model_file(file, info);
}

model detail::load_model_file(checked_file& file, archive_file_info* info) {
    // The checksum was verified first, so a damaged first byte cannot pick another format unnoticed.
    const int first = file.stream().peek();
    const archive_format format = first == '<'                  ? archive_format::xml
                                  : (first >= '0' && first <= '9') ? archive_format::text
                                                                   : archive_format::binary;
    model m;
    load_checked_archive(file, m, format, root, info);
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
    if (options.delimiter == '\0') options.delimiter = m.contract.delimiter;
    std::vector<std::string> tokens = m.contract.missing_tokens;
    for (auto& t : options.missing_tokens)
        if (std::find(tokens.begin(), tokens.end(), t) == tokens.end()) tokens.push_back(std::move(t));
    options.missing_tokens = std::move(tokens);
    csv_result r = read_csv_file(csv, options);
    r.table = add_constant_fields(m, std::move(r.table));
    return r;
}

// Member-wise comparisons, compiled here rather than in every file that includes the header.
bool operator==(const temperature_bands&, const temperature_bands&) = default;
bool operator==(const field_vocabulary&, const field_vocabulary&) = default;
bool operator==(const data_contract&, const data_contract&) = default;

} // namespace leadscore
