#pragma once
// Internal: buffered CSV output, shared by the writers of leads and stage histories.

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

namespace leadscore::detail::csv {

/// Lines built in a buffer and written to the stream in chunks of about 64 KiB.
class writer {
public:
    writer(std::ostream& out, char delimiter) : out_(out), delimiter_(delimiter) { buffer_.reserve(chunk + 1024); }

    /// A text cell, quoted when it holds the delimiter, a quote, CR or LF (or when `quote` asks for it).
    void text(std::string_view s, bool quote = false) {
        quote = quote || std::any_of(s.begin(), s.end(), [d = delimiter_](char c) {
                    return c == d || c == '"' || c == '\r' || c == '\n';
                });
        if (!quote) {
            buffer_.append(s);
            return;
        }
        buffer_.push_back('"');
        for (const char c : s) {
            if (c == '"') buffer_.push_back('"');
            buffer_.push_back(c);
        }
        buffer_.push_back('"');
    }
    void raw(std::string_view s) { buffer_.append(s); }
    void put(char c) { buffer_.push_back(c); }
    void end_line() {
        buffer_.push_back('\n');
        if (buffer_.size() >= chunk) flush();
    }
    void flush() {
        out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        buffer_.clear();
    }

private:
    static constexpr std::size_t chunk = std::size_t{1} << 16; // flushed when a line ends past it
    std::ostream& out_;
    char delimiter_;
    std::string buffer_;
};

} // namespace leadscore::detail::csv
