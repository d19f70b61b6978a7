#include "leadscore/core/extended_view.hpp"

#include "leadscore/core/error.hpp"

#include <string>
#include <utility>

namespace leadscore {

added_column added_column::numeric(std::string name, std::span<const double> values) {
    added_column c;
    c.field_ = {std::move(name), field_type::numeric, field_role::none};
    c.numbers_ = values;
    return c;
}

added_column added_column::categorical(std::string name, std::vector<std::int32_t> codes, dictionary dict) {
    added_column c;
    c.field_ = {std::move(name), field_type::categorical, field_role::none};
    c.codes_ = std::move(codes);
    c.dict_ = std::move(dict);
    return c;
}

std::size_t added_column::size() const noexcept {
    return field_.type == field_type::numeric ? numbers_.size() : codes_.size();
}

struct extended_view::parts {
    schema fields;
    std::vector<added_column> columns;
    table_view view;
};

namespace {

void check_column(const added_column& c, std::size_t rows) {
    const std::string& name = c.definition().name;
    if (c.size() != rows)
        throw definition_error("extended_view: column '" + name + "' has " + std::to_string(c.size()) +
                               " values for " + std::to_string(rows) + " rows");
}

void check_codes(const std::string& name, std::span<const std::int32_t> codes, const dictionary& dict) {
    for (std::size_t r = 0; r < codes.size(); ++r)
        if (codes[r] != missing_code && (codes[r] < 0 || static_cast<std::size_t>(codes[r]) >= dict.size()))
            throw definition_error("extended_view: column '" + name + "', row " + std::to_string(r) + ": code " +
                                   std::to_string(codes[r]) + " is not in the column's dictionary of " +
                                   std::to_string(dict.size()) + " entries");
}

} // namespace

extended_view::extended_view(const table_view& base, std::vector<added_column> columns) {
    auto p = std::make_unique<parts>();
    // A default table_view has no schema: it is a view of no fields and no rows.
    if (base.schema_ != nullptr) p->fields = base.table_schema();
    const std::size_t first_added = p->fields.size();
    for (const auto& c : columns) {
        if (p->fields.find(c.definition().name))
            throw definition_error("extended_view: the name '" + c.definition().name + "' is already a field" +
                                   (p->fields.at(c.definition().name) < first_added ? " of the view" : " added"));
        p->fields.add(c.definition());
        check_column(c, base.rows());
        if (c.definition().type == field_type::categorical) check_codes(c.definition().name, c.codes_, c.dict_);
    }
    p->columns = std::move(columns);
    // The base's bindings as they are (unbound columns stay unbound, events come along), under the wider schema.
    p->view = base;
    p->view.schema_ = &p->fields;
    p->view.columns_.resize(p->fields.size());
    for (std::size_t i = 0; i < p->columns.size(); ++i) {
        const added_column& c = p->columns[i];
        if (c.definition().type == field_type::numeric) {
            p->view.set_numeric(first_added + i, c.numbers_);
        } else {
            p->view.set_categorical(first_added + i, c.codes_, c.dict_);
        }
    }
    parts_ = std::move(p);
}

extended_view::~extended_view() = default;
extended_view::extended_view(extended_view&&) noexcept = default;
extended_view& extended_view::operator=(extended_view&&) noexcept = default;

const table_view& extended_view::view() const& {
    if (!parts_) throw definition_error("extended_view: the object was moved from and has no view");
    return parts_->view;
}

} // namespace leadscore
