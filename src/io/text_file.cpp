#include "text_file.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/io/detail/safe_file.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

namespace leadscore::detail {

std::string long_line_reason(std::size_t max_line_bytes) {
    return "a line longer than " + std::to_string(max_line_bytes) +
           " bytes (the limit csv_limits::max_line_bytes; raise it for such a file)";
}

std::string read_text_file(const file_path& path, std::size_t max_line_bytes) {
    const std::string name = path.string();
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(name.c_str(), "rb"), &std::fclose);
    if (!file) throw input_error({name, 0, 0, {}}, std::string("cannot open the file: ") + std::strerror(errno));
    std::string data;
    std::error_code ec;
    if (const auto size = std::filesystem::file_size(std::filesystem::path(path), ec); !ec) data.reserve(static_cast<std::size_t>(size));
    std::array<char, 1 << 16> chunk;
    std::size_t line_start = 0; // of the last line read so far
    for (;;) {
        const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get());
        data.append(chunk.data(), n);
        if (const auto* lf = static_cast<const char*>(memrchr(chunk.data(), '\n', n)))
            line_start = data.size() - n + static_cast<std::size_t>(lf - chunk.data()) + 1;
        // One byte more than the limit may be the CR of a CRLF: the CSV reader checks such a line exactly.
        if (data.size() - line_start > max_line_bytes && data.size() - line_start - max_line_bytes > 1) {
            const auto line = static_cast<std::size_t>(std::count(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(line_start), '\n'));
            throw input_error({name, line + 1, max_line_bytes + 1, {}}, long_line_reason(max_line_bytes));
        }
        if (n < chunk.size()) break;
    }
    if (std::ferror(file.get()))
        throw input_error({name, 0, 0, {}}, std::string("cannot read the file: ") + std::strerror(errno));
    return data;
}

void write_text_file(const file_path& path, const std::function<void(std::ostream&)>& write) {
    atomic_file file(path);
    try {
        write(file.stream());
    } catch (...) {
        file.check(); // a write that failed: the file's reason
        throw;
    }
    file.commit();
}

} // namespace leadscore::detail
