#include "output.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <system_error>

#include "leadscore/core/error.hpp"

#include <CLI/CLI.hpp>

namespace leadscore::cli {

std::string check_whole_number(const std::string& text) {
    std::uint64_t value = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || res.ec != std::errc{} || res.ptr != text.data() + text.size())
        return "expected a whole number from 0 to 18446744073709551615, got '" + text + "'";
    return {};
}

std::string format_number(double v) {
    if (std::isnan(v)) return "nan";
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

std::string format_percent(double part, double whole) {
    if (whole == 0) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * part / whole);
    return buf;
}

std::string format_seconds(double seconds) {
    char buf[32];
    if (seconds < 1.0)
        std::snprintf(buf, sizeof buf, "%.0f ms", seconds * 1000.0);
    else
        std::snprintf(buf, sizeof buf, "%.1f s", seconds);
    return buf;
}

void append_csv_cell(std::string& line, std::string_view cell, char delimiter) {
    const bool quote = cell.find_first_of(std::string{delimiter, '"', '\r', '\n'}) != std::string_view::npos;
    if (!quote) {
        line += cell;
        return;
    }
    line += '"';
    for (const char c : cell) {
        if (c == '"') line += '"';
        line += c;
    }
    line += '"';
}

text_table::text_table(std::vector<column> columns) : columns_(std::move(columns)) {}

void text_table::add_row(std::vector<std::string> cells) {
    if (cells.size() > columns_.size()) throw std::invalid_argument("text_table: more cells than columns");
    cells.resize(columns_.size());
    rows_.push_back(std::move(cells));
}

namespace {
// Display width: counts UTF-8 code points, not bytes, so labels with accents still line up.
std::size_t display_width(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
} // namespace

void text_table::print(std::ostream& out, std::size_t indent, bool header) const {
    std::vector<std::size_t> width(columns_.size());
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        width[c] = header ? display_width(columns_[c].header) : 0;
        for (const auto& row : rows_) width[c] = std::max(width[c], display_width(row[c]));
    }
    const std::string margin(indent, ' ');
    auto print_line = [&](const auto& cell_of) {
        std::string line = margin;
        for (std::size_t c = 0; c < columns_.size(); ++c) {
            const std::string_view cell = cell_of(c);
            const std::string pad(width[c] - display_width(cell), ' ');
            if (c > 0) line += "  ";
            if (columns_[c].alignment == align::right) {
                line += pad;
                line += cell;
            } else {
                line += cell;
                if (c + 1 < columns_.size()) line += pad; // no trailing blanks
            }
        }
        out << line << '\n';
    };
    if (header) {
        print_line([&](std::size_t c) -> std::string_view { return columns_[c].header; });
        std::string rule = margin;
        for (std::size_t c = 0; c < columns_.size(); ++c) {
            if (c > 0) rule += "  ";
            rule.append(width[c], '-');
        }
        out << rule << '\n';
    }
    for (const auto& row : rows_) print_line([&](std::size_t c) -> std::string_view { return row[c]; });
}

namespace {
progress_mode chosen_progress_mode = progress_mode::terminal;

bool stderr_is_terminal() noexcept {
    static const bool terminal = ::isatty(STDERR_FILENO) == 1;
    return terminal;
}

/// "about 12 s left", "about 3 min left".
std::string time_left_text(double seconds) {
    char buf[48];
    if (seconds < 90)
        std::snprintf(buf, sizeof buf, "about %.0f s left", std::max(1.0, seconds));
    else
        std::snprintf(buf, sizeof buf, "about %.0f min left", seconds / 60);
    return buf;
}
} // namespace

void add_progress_options(CLI::App& app) {
    auto* quiet = app.add_flag_callback("--quiet,-q", [] { chosen_progress_mode = progress_mode::never; },
                                        "Show no progress on stderr (notes and errors still show)");
    app.add_flag_callback("--progress", [] { chosen_progress_mode = progress_mode::always; },
                          "Show progress (percentage, time left) on stderr even when it is not a terminal, one line "
                          "per tenth of the work, for logs")
        ->excludes(quiet);
}

progress_mode current_progress_mode() noexcept { return chosen_progress_mode; }

bool progress_enabled() noexcept {
    switch (chosen_progress_mode) {
    case progress_mode::never: return false;
    case progress_mode::always: return true;
    case progress_mode::terminal: break;
    }
    return stderr_is_terminal();
}

progress_phase::progress_phase(std::string_view what) : what_(what), start_(std::chrono::steady_clock::now()) {
    if (!progress_enabled()) return;
    shown_ = true;
    live_ = stderr_is_terminal();
    if (live_) {
        std::cerr << what_ << "... " << std::flush;
        width_ = what_.size() + 4;
    } else {
        std::cerr << "leadscore: " << what_ << "..." << std::endl;
    }
}

progress_phase::~progress_phase() {
    if (!shown_ || finished_) return;
    std::string line = live_ ? "\r" + what_ + "... failed" : "leadscore: " + what_ + ": failed";
    if (live_ && line.size() - 1 < width_) line.append(width_ - (line.size() - 1), ' '); // blank the percentage
    std::cerr << line << std::endl;
}

double progress_phase::elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void progress_phase::done(std::string_view note) {
    if (finished_) return;
    finished_ = true;
    if (!shown_) return;
    std::string line = live_ ? "\r" + what_ + "... " : "leadscore: " + what_ + ": ";
    if (!note.empty()) line.append(note).append(", ");
    line += "done in " + format_seconds(elapsed());
    if (live_ && line.size() - 1 < width_) line.append(width_ - (line.size() - 1), ' ');
    std::cerr << line << std::endl;
}

progress_callback progress_phase::callback() {
    if (!shown_) return {};
    return [this](std::uint64_t done, std::uint64_t total) {
        show(total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total)));
        return progress_action::proceed;
    };
}

void progress_phase::show(double fraction) {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = elapsed();
    const int tenth = static_cast<int>(fraction * 10);
    if (live_ ? now - last_shown_ < std::chrono::milliseconds(100) : tenth <= last_tenth_ || tenth >= 10) return;
    last_shown_ = now;
    last_tenth_ = tenth;
    char percent[16];
    std::snprintf(percent, sizeof percent, "%.0f%%", 100 * (live_ ? fraction : tenth / 10.0));
    std::string text = percent;
    // The time left from the pace so far, once there is a pace to go by.
    if (fraction >= 0.02 && fraction < 1 && seconds >= 0.5) text += ", " + time_left_text(seconds * (1 - fraction) / fraction);
    if (!live_) {
        std::cerr << "leadscore: " << what_ << ": " << text << std::endl;
        return;
    }
    std::string line = "\r" + what_ + "... " + text;
    const std::size_t width = line.size() - 1;
    if (width < width_) line.append(width_ - width, ' ');
    width_ = std::max(width_, width);
    std::cerr << line << std::flush;
}

void print_file_note(const std::string& note) {
    if (note.empty()) return;
    std::cout.flush();
    std::cerr << "leadscore: note: " << note << '\n';
}

namespace {
bool same_file_on_disk(std::string_view a, std::string_view b) {
    namespace fs = std::filesystem;
    std::error_code ec1, ec2;
    const fs::path pa(a), pb(b);
    if (fs::exists(pa, ec1) && fs::exists(pb, ec2)) {
        const bool same = fs::equivalent(pa, pb, ec1);
        return !ec1 && same;
    }
    const fs::path ca = fs::weakly_canonical(fs::absolute(pa, ec1), ec1);
    const fs::path cb = fs::weakly_canonical(fs::absolute(pb, ec2), ec2);
    return !ec1 && !ec2 && ca == cb;
}
} // namespace

void refuse_same_files(std::initializer_list<file_option> outputs, std::initializer_list<file_option> inputs) {
    const auto refuse = [](const file_option& out, const file_option& other) {
        throw error(std::string(out.option) + " '" + std::string(out.file) + "' is the same file as " +
                    std::string(other.option) + " '" + std::string(other.file) + "': refused, nothing was written");
    };
    for (auto o = outputs.begin(); o != outputs.end(); ++o) {
        if (o->file.empty()) continue;
        for (const auto& in : inputs)
            if (!in.file.empty() && same_file_on_disk(o->file, in.file)) refuse(*o, in);
        for (auto later = o + 1; later != outputs.end(); ++later)
            if (!later->file.empty() && same_file_on_disk(o->file, later->file)) refuse(*o, *later);
    }
}

} // namespace leadscore::cli
