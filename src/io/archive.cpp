#include "leadscore/io/archive.hpp"

#include "leadscore/core/dictionary.hpp"
#include "leadscore/io/detail/archive_primitives.hpp"

#include <charconv>
#include <cmath>

namespace leadscore {

namespace detail {

void throw_archive_error(std::string_view source, std::string_view what) {
    throw archive_error("archive '" + std::string(source) + "': " + std::string(what));
}

namespace archive {

void fail(const std::string& what) { throw error(what); }

std::string doubles_to_text(const double* data, std::size_t n) {
    std::string out;
    char buf[32];
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) out += ' ';
        if (std::isnan(data[i])) {
            out += "nan";
        } else {
            const auto r = std::to_chars(buf, buf + sizeof buf, data[i]); // shortest form that reads back exactly
            out.append(buf, r.ptr);
        }
    }
    return out;
}

void doubles_from_text(const std::string& text, double* out, std::size_t n, const char* name) {
    const char* p = text.data();
    const char* end = p + text.size();
    for (std::size_t i = 0; i < n; ++i) {
        while (p < end && *p == ' ') ++p;
        if (p == end) fail(std::string(name) + ": " + std::to_string(n) + " numbers expected, " + std::to_string(i) + " found");
        const auto r = std::from_chars(p, end, out[i]);
        if (r.ec != std::errc() || (r.ptr != end && *r.ptr != ' '))
            fail(std::string(name) + ": number " + std::to_string(i) + " is not a number");
        p = r.ptr;
    }
    while (p < end && *p == ' ') ++p;
    if (p != end) fail(std::string(name) + ": more than " + std::to_string(n) + " numbers");
}

void check_codes(const std::vector<std::int32_t>& codes, std::size_t size, const std::string& what) {
    for (std::size_t i = 0; i < codes.size(); ++i)
        if (codes[i] != missing_code && (codes[i] < 0 || static_cast<std::size_t>(codes[i]) >= size))
            fail(what + ": code " + std::to_string(codes[i]) + " at row " + std::to_string(i) + " is outside its " +
                 std::to_string(size) + "-entry dictionary");
}

void check_version(unsigned version, unsigned current, const char* type) {
    if (version > current)
        fail(std::string(type) + ": version " + std::to_string(version) + " is newer than this library's (" +
             std::to_string(current) + ")");
}

} // namespace archive
} // namespace detail
} // namespace leadscore
