#include "text_file.hpp"

#include "leadscore/core/error.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <system_error>

namespace leadscore::detail {

std::string read_text_file(const file_path& path) {
    const std::string name = path.string();
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(name.c_str(), "rb"), &std::fclose);
    if (!file) throw input_error({name, 0, 0, {}}, std::string("cannot open the file: ") + std::strerror(errno));
    std::string data;
    std::error_code ec;
    if (const auto size = std::filesystem::file_size(std::filesystem::path(path), ec); !ec) data.reserve(static_cast<std::size_t>(size));
    std::array<char, 1 << 16> chunk;
    for (;;) {
        const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get());
        data.append(chunk.data(), n);
        if (n < chunk.size()) break;
    }
    if (std::ferror(file.get()))
        throw input_error({name, 0, 0, {}}, std::string("cannot read the file: ") + std::strerror(errno));
    return data;
}

void write_text_file(const file_path& path, const std::function<void(std::ostream&)>& write) {
    std::ofstream out(path.string(), std::ios::binary | std::ios::trunc);
    if (!out) throw error(path.string() + ": cannot open the file for writing: " + std::strerror(errno));
    write(out);
    out.flush();
    if (!out) throw error(path.string() + ": writing failed");
}

} // namespace leadscore::detail
