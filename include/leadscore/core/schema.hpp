#pragma once
// The typed fields a CRM's leads carry, and the roles the library knows them by.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace leadscore {

/// How a field's values are stored.
enum class field_type : std::uint8_t {
    numeric,     ///< double, NaN when missing
    categorical, ///< dictionary-encoded text
    boolean,     ///< true / false
    timestamp    ///< seconds since the epoch (see time.hpp)
};
/// The type's name as files and configurations spell it: "numeric", "categorical", "boolean", "timestamp".
[[nodiscard]] std::string_view to_string(field_type t) noexcept;
/// The type of a name spelled as to_string spells it (exact match); nullopt for anything else.
[[nodiscard]] std::optional<field_type> parse_field_type(std::string_view s) noexcept;

/// What a field means to the library. Each role is held by at most one field.
enum class field_role : std::uint8_t {
    none,               ///< an ordinary attribute
    id,                 ///< categorical: the lead's key in the CRM
    party,              ///< categorical: "individual" or "organization"
    name,               ///< categorical: contact name
    email,              ///< categorical
    phone,              ///< categorical
    company,            ///< categorical
    job_title,          ///< categorical
    source,             ///< categorical: a source name (see source_catalogue)
    stage,              ///< categorical: a stage name of the lead's funnel
    purchase_timeframe, ///< numeric: days until the lead decides (0 = needs it now); missing = none stated
    team,               ///< categorical: the sales team that owns the lead
    owner,              ///< categorical: the sales rep who owns the lead
    created,            ///< timestamp: when the lead was captured
    expected_value,     ///< numeric: expected deal value
    outcome,            ///< categorical or boolean: the known result, for training
};
/// The role's name as files and configurations spell it: the enumerator's name ("none", "id", …, "outcome").
[[nodiscard]] std::string_view to_string(field_role r) noexcept;
/// The role of a name spelled as to_string spells it (exact match); nullopt for anything else.
[[nodiscard]] std::optional<field_role> parse_field_role(std::string_view s) noexcept;
/// Whether a field of type t may hold role r (for example `created` must be a timestamp).
[[nodiscard]] bool role_accepts(field_role r, field_type t) noexcept;

/// One typed field of a schema.
struct field {
    std::string name;                      ///< unique within the schema, compared exactly
    field_type type = field_type::numeric; ///< how the values are stored
    field_role role = field_role::none;    ///< what the field means to the library
    /// Equal when every field is equal.
    friend bool operator==(const field&, const field&) = default;
};

/// An ordered list of fields with unique, non-empty names; each role held at most once, by a field of a fitting type.
class schema {
public:
    /// No fields.
    schema() = default;
    /// Throws definition_error when a field is invalid (see add).
    explicit schema(std::vector<field> fields);

    /// Appends a field and returns its index. Throws definition_error on an empty or repeated name, a role
    /// already held, or a role the type cannot hold.
    std::size_t add(field f);

    /// The lead roles under their default names ("id", "party", "name", "email", "phone", "company",
    /// "job_title", "source", "stage", "purchase_timeframe", "team", "owner", "created", "expected_value"),
    /// followed by the given attribute fields.
    [[nodiscard]] static schema for_leads(std::span<const field> attributes = {});

    /// Every field, in order; a position here is a column index.
    [[nodiscard]] std::span<const field> fields() const noexcept { return fields_; }
    /// Number of fields.
    [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
    /// The field at an index; throws std::out_of_range past the end.
    [[nodiscard]] const field& operator[](std::size_t i) const { return fields_.at(i); }

    /// Index of a field by exact name.
    [[nodiscard]] std::optional<std::size_t> find(std::string_view name) const;
    /// Index of the field holding a role.
    [[nodiscard]] std::optional<std::size_t> find(field_role role) const noexcept;
    /// Like find(name); an unknown name throws definition_error naming it.
    [[nodiscard]] std::size_t at(std::string_view name) const;

    /// Equal when both hold the same fields in the same order.
    friend bool operator==(const schema& a, const schema& b) { return a.fields_ == b.fields_; }

private:
    struct name_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::vector<field> fields_;
    std::unordered_map<std::string, std::size_t, name_hash, std::equal_to<>> by_name_;
};

} // namespace leadscore
