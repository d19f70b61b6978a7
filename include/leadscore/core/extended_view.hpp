#pragma once
// A table view with computed columns added (scores, temperatures, …), so that whatever reads fields by name — rule
// conditions, a routing rule, a priority field — can read them as it reads the CRM's own fields, without a second
// hand-built schema:
//
//     const extended_view ext(leads, {added_column::numeric("score", scores), temperature_column(ratings)});
//     const auto assignments = route_batch(router, ext.view(), state, {.priority_field = "score"});
//
// The base view's columns and the added numeric values are borrowed, as a table_view borrows; the extended schema
// and the added categorical columns are owned by the extended_view, so the one thing a hand-built view gets wrong —
// a schema that dies before its view — cannot happen as long as the view is used while its extended_view lives.

#include "leadscore/core/dictionary.hpp"
#include "leadscore/core/lead_table.hpp"
#include "leadscore/core/schema.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace leadscore {

/// One column for an extended_view: a name and its values.
class added_column {
public:
    /// A numeric column that reads `values` where they are (one per row; NaN = missing). Nothing is copied: the values
    /// must outlive the extended_view and every view taken from it.
    [[nodiscard]] static added_column numeric(std::string name, std::span<const double> values);
    /// A categorical column that the extended_view owns: codes (one per row) into `dict`, missing_code for missing.
    [[nodiscard]] static added_column categorical(std::string name, std::vector<std::int32_t> codes, dictionary dict);

    /// The field the column adds: its name, and numeric or categorical type with no role.
    [[nodiscard]] const field& definition() const noexcept { return field_; }
    /// The number of values (rows) the column has.
    [[nodiscard]] std::size_t size() const noexcept;

private:
    friend class extended_view;
    added_column() = default;

    field field_;
    std::span<const double> numbers_; // numeric: borrowed
    std::vector<std::int32_t> codes_; // categorical: owned
    dictionary dict_;
};

/// A table view's fields followed by added columns, under one schema this object owns. Move-only; moving keeps the
/// views it gave valid (the parts live on the heap).
class extended_view {
public:
    /// The base's fields (its columns and events, borrowed as they are bound there) followed by `columns`, in order.
    /// Throws definition_error when an added name is already a field of the base or is given twice, when a column does
    /// not have one value per row of the base, or when a categorical code is neither missing_code nor an entry of the
    /// column's dictionary. The base's memory — its columns and dictionaries, not its schema — must outlive this
    /// object.
    extended_view(const table_view& base, std::vector<added_column> columns);
    ~extended_view();
    /// Takes over the parts: views taken from `other` stay valid, `other` is left without a view.
    extended_view(extended_view&& other) noexcept;
    /// Takes over the parts (see the move constructor); views of this object's former parts dangle.
    extended_view& operator=(extended_view&& other) noexcept;
    extended_view(const extended_view&) = delete;
    extended_view& operator=(const extended_view&) = delete;

    /// The extended table, valid while this object lives. Not offered on a temporary, whose view would dangle; a
    /// moved-from object has no view (definition_error).
    [[nodiscard]] const table_view& view() const&;
    const table_view& view() const&& = delete;
    /// Lets an extended_view go where a table_view is taken: score_batch(policy, ext, out).
    operator const table_view&() const& { return view(); }
    operator const table_view&() const&& = delete;

    /// The base's fields, then the added ones.
    [[nodiscard]] const schema& table_schema() const { return view().table_schema(); }
    /// The base's row count; definition_error on a moved-from object.
    [[nodiscard]] std::size_t rows() const { return view().rows(); }

private:
    struct parts; // the extended schema, the added columns and the view over both
    std::unique_ptr<const parts> parts_;
};

} // namespace leadscore
