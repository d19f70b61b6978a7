#pragma once
// The name of a file, as the functions that read or write files take it.
//
// Why not std::filesystem::path: <filesystem> (with <locale> and <codecvt> behind it) is one of the heaviest standard
// headers, and every program that includes leadscore/leadscore.hpp would pay for it while compiling. file_path is
// built implicitly from a std::filesystem::path, a std::string, a std::string_view or a C string, so callers pass
// whichever they hold; it converts back explicitly (`std::filesystem::path(p)`).

#include <string>
#include <string_view>
#include <utility>

namespace leadscore {

namespace detail {
// A type with the interface of std::filesystem::path (recognised without including <filesystem>).
template <class P>
concept PathLike = requires(const P& p) {
    typename P::string_type;
    p.native();
    p.string();
    p.parent_path();
};
} // namespace detail

/// A file name: the text of a path in the native narrow encoding (what std::filesystem::path::string() gives).
class file_path {
public:
    /// An empty name.
    file_path() = default;
    /// The name as written.
    file_path(const char* name) : name_(name) {}
    /// The name as written.
    file_path(std::string name) noexcept : name_(std::move(name)) {}
    /// The name as written.
    file_path(std::string_view name) : name_(name) {}
    /// The path's text (std::filesystem::path::string()).
    template <detail::PathLike P>
    file_path(const P& path) : name_(path.string()) {}

    /// The path type built from the name, typically `std::filesystem::path(p)`.
    template <detail::PathLike P>
    explicit operator P() const {
        return P(name_);
    }

    /// The name as text.
    [[nodiscard]] const std::string& string() const noexcept { return name_; }
    /// The name as a null-terminated string.
    [[nodiscard]] const char* c_str() const noexcept { return name_.c_str(); }

    /// Equal when the texts are equal (no normalization: "a//b" and "a/b" differ).
    friend bool operator==(const file_path& a, const file_path& b) noexcept { return a.name_ == b.name_; }

private:
    std::string name_;
};

} // namespace leadscore
