#pragma once
// One exception family for everything the library refuses. Messages name the place.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace leadscore {

/// Base of every exception leadscore throws on bad input or misuse.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Where in an input something went wrong. Empty / zero members are unknown and left out of messages.
struct source_location {
    std::string file;      ///< file name or a label such as "<memory>"
    std::size_t line = 0;  ///< 1-based physical line
    std::size_t column = 0; ///< 1-based byte column within the line
    std::string field;     ///< column / field name, when known

    /// "file:line:column (field 'x')" with unknown parts left out.
    [[nodiscard]] std::string to_string() const;
};

/// Malformed input: a CSV cell, an archive, a configuration entry. what() starts with the place.
class input_error : public error {
public:
    /// what() is the place (where.to_string()), ": " and the reason; only the reason when the place is unknown.
    input_error(source_location where, const std::string& reason);
    /// The place, for callers that report it their own way.
    [[nodiscard]] const source_location& where() const noexcept { return where_; }
    /// The message without the place.
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

private:
    source_location where_;
    std::string reason_;
};

/// A definition the library cannot accept: a funnel without a won stage, a schema with two fields of one name.
class definition_error : public error {
public:
    using error::error;
};

} // namespace leadscore
