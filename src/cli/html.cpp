#include "html.hpp"

#include "output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace leadscore::cli {

namespace {

// Chart colours: a blue for data, grey for references.
constexpr const char* ink = "#1f5fa8";
constexpr const char* palette[] = {"#1f5fa8", "#d9822b", "#3a9d5d", "#b03a48"};

std::string px(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::size_t html_code_points(std::string_view text) {
    std::size_t n = 0;
    for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80; // not a continuation byte
    return n;
}

/// The first `max` code points of `text`, the last of them an ellipsis when it is longer.
std::string html_shorten_label(std::string_view text, std::size_t max) {
    if (html_code_points(text) <= max || max == 0) return std::string(text);
    std::size_t kept = 0, end = 0;
    while (end < text.size()) {
        if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80 && kept++ == max - 1) break;
        ++end;
    }
    return std::string(text.substr(0, end)) + "\u2026";
}

} // namespace

std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

html_page::html_page(std::string title, std::string made) : title_(std::move(title)), made_(std::move(made)) {
    ids_.insert("contents"); // the table of contents
}

std::string html_page::claim_id(std::string_view base) {
    std::string id;
    for (const char c : base) {
        const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (word || c == '-') id += c;
        else if (!id.empty() && id.back() != '-') id += '-'; // spaces and other signs: one hyphen
    }
    if (id.empty() || !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z'))) id.insert(0, "s-");
    std::string unique = id;
    for (int n = 2; ids_.count(unique) != 0; ++n) unique = id + "-" + std::to_string(n);
    ids_.insert(unique);
    return unique;
}

void html_page::summary(const std::vector<fact>& facts) {
    heading("Summary", "summary");
    body_ += "<dl class=\"summary\">\n";
    for (const auto& f : facts) {
        body_ += "<div data-fact=\"" + escape_html(f.key) + "\"><dt>" + escape_html(f.name) +
                 "</dt><dd><span class=\"value\">" + escape_html(f.value) + "</span>";
        if (!f.note.empty()) body_ += " <span class=\"note\">" + escape_html(f.note) + "</span>";
        body_ += "</dd></div>\n";
    }
    body_ += "</dl>\n";
}

std::string html_page::heading(std::string_view text, std::string_view id) {
    std::string unique = claim_id(id);
    contents_.emplace_back(unique, std::string(text));
    body_ += "<h2 id=\"" + unique + "\">" + escape_html(text) + "</h2>\n";
    return unique;
}

void html_page::paragraph(std::string_view text) { body_ += "<p>" + escape_html(text) + "</p>\n"; }

void html_page::table(std::string_view id, std::string_view caption, const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows) {
    // A box that scrolls sideways when the table is wider than a narrow window, so the page itself does not; a
    // labelled region that takes the keyboard focus, so it can be scrolled without a mouse.
    const std::string table_id = claim_id(id), caption_id = claim_id(table_id + "-caption");
    body_ += "<div class=\"wide\" role=\"region\" aria-labelledby=\"" + caption_id + "\" tabindex=\"0\">\n<table id=\"" +
             table_id + "\">\n<caption id=\"" + caption_id + "\">" + escape_html(caption) + "</caption>\n<thead><tr>";
    for (std::size_t c = 0; c < header.size(); ++c)
        body_ += (c == 0 ? "<th scope=\"col\">" : "<th scope=\"col\" class=\"n\">") + escape_html(header[c]) + "</th>";
    body_ += "</tr></thead>\n<tbody>\n";
    for (const auto& row : rows) {
        body_ += "<tr>";
        for (std::size_t c = 0; c < row.size(); ++c)
            body_ += (c == 0 ? "<th scope=\"row\">" : "<td class=\"n\">") + escape_html(row[c]) +
                     (c == 0 ? "</th>" : "</td>");
        body_ += "</tr>\n";
    }
    body_ += "</tbody>\n</table>\n</div>\n";
}

void html_page::open_figure(const std::string& id, std::string_view caption, double width, double height) {
    // The caption names the chart twice: aria-label for screen readers, <title> for SVG tools and tooltips.
    body_ += "<figure id=\"" + id + "\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"" +
             escape_html(caption) + "\" width=\"" + px(width) + "\" height=\"" + px(height) + "\" viewBox=\"0 0 " +
             px(width) + " " + px(height) + "\">\n<title>" + escape_html(caption) + "</title>\n";
}

void html_page::close_figure(std::string_view caption) {
    body_ += "</svg><figcaption>" + escape_html(caption) + "</figcaption></figure>\n";
}

void html_page::bar_chart(std::string_view id, std::string_view caption, const std::vector<bar>& bars) {
    // Room for the labels at about 7.2 px a character of 12 px type, 80 to 260 px; a longer label is shortened (the
    // bar's title keeps it whole).
    constexpr double char_w = 7.2, bar_w = 380, text_w = 110, row_h = 22;
    std::size_t label_chars = 0;
    double longest = 0;
    for (const auto& b : bars) {
        label_chars = std::max(label_chars, html_code_points(b.label));
        if (std::isfinite(b.value)) longest = std::max(longest, b.value);
    }
    const double label_w = std::clamp(char_w * static_cast<double>(label_chars) + 12, 80.0, 260.0);
    const auto max_chars = static_cast<std::size_t>((label_w - 12) / char_w);
    const double width = label_w + bar_w + text_w, height = row_h * static_cast<double>(bars.size()) + 8;
    open_figure(claim_id(id), caption, width, height);
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const auto& b = bars[i];
        const double y = 4 + row_h * static_cast<double>(i);
        const double w = longest > 0 && std::isfinite(b.value) && b.value > 0 ? bar_w * b.value / longest : 0;
        body_ += "<text x=\"" + px(label_w - 6) + "\" y=\"" + px(y + 15) + "\" text-anchor=\"end\">" +
                 escape_html(html_shorten_label(b.label, max_chars)) + "</text>";
        body_ += "<rect x=\"" + px(label_w) + "\" y=\"" + px(y + 3) + "\" width=\"" + px(w) + "\" height=\"" +
                 px(row_h - 6) + "\" fill=\"" + ink + "\"><title>" + escape_html(b.label + ": " + b.text) +
                 "</title></rect>";
        body_ += "<text x=\"" + px(label_w + w + 6) + "\" y=\"" + px(y + 15) + "\">" + escape_html(b.text) +
                 "</text>\n";
    }
    close_figure(caption);
}

void html_page::unit_chart(std::string_view id, std::string_view caption, std::string_view x_title,
                           std::string_view y_title, const std::vector<series>& lines) {
    constexpr double left = 50, top = 10, side = 300, bottom = 45, legend_w = 190;
    const double width = left + side + 20 + legend_w, height = top + side + bottom;
    const auto X = [&](double x) { return left + side * std::clamp(x, 0.0, 1.0); };
    const auto Y = [&](double y) { return top + side * (1 - std::clamp(y, 0.0, 1.0)); };
    open_figure(claim_id(id), caption, width, height);
    for (int k = 0; k <= 10; k += 2) { // grid and tick labels every 0.2
        const double v = k / 10.0;
        body_ += "<line x1=\"" + px(X(v)) + "\" y1=\"" + px(Y(0)) + "\" x2=\"" + px(X(v)) + "\" y2=\"" + px(Y(1)) +
                 "\" stroke=\"#ddd\"/><line x1=\"" + px(X(0)) + "\" y1=\"" + px(Y(v)) + "\" x2=\"" + px(X(1)) +
                 "\" y2=\"" + px(Y(v)) + "\" stroke=\"#ddd\"/>";
        body_ += "<text x=\"" + px(X(v)) + "\" y=\"" + px(Y(0) + 16) + "\" text-anchor=\"middle\">" + format_number(v) +
                 "</text><text x=\"" + px(X(0) - 6) + "\" y=\"" + px(Y(v) + 4) + "\" text-anchor=\"end\">" +
                 format_number(v) + "</text>\n";
    }
    body_ += "<text x=\"" + px(X(0.5)) + "\" y=\"" + px(Y(0) + 36) + "\" text-anchor=\"middle\">" +
             escape_html(x_title) + "</text>";
    body_ += "<text transform=\"rotate(-90)\" x=\"" + px(-Y(0.5)) + "\" y=\"14\" text-anchor=\"middle\">" +
             escape_html(y_title) + "</text>\n";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& s = lines[i];
        const std::string colour = s.dashed ? "#888" : palette[i % std::size(palette)];
        std::string points;
        for (const auto& [x, y] : s.points)
            if (std::isfinite(x) && std::isfinite(y)) points += px(X(x)) + "," + px(Y(y)) + " ";
        body_ += "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\"" +
                 (s.dashed ? " stroke-dasharray=\"5,4\"" : "") + " points=\"" + points + "\"/>";
        if (!s.dashed)
            for (const auto& [x, y] : s.points)
                if (std::isfinite(x) && std::isfinite(y))
                    body_ += "<circle cx=\"" + px(X(x)) + "\" cy=\"" + px(Y(y)) + "\" r=\"3\" fill=\"" + colour +
                             "\"><title>" + escape_html(s.name + ": " + format_number(x) + ", " + format_number(y)) +
                             "</title></circle>";
        const double ly = top + 16 + 20 * static_cast<double>(i);
        body_ += "<line x1=\"" + px(left + side + 20) + "\" y1=\"" + px(ly - 4) + "\" x2=\"" + px(left + side + 44) +
                 "\" y2=\"" + px(ly - 4) + "\" stroke=\"" + colour + "\" stroke-width=\"2\"" +
                 (s.dashed ? " stroke-dasharray=\"5,4\"" : "") + "/><text x=\"" + px(left + side + 50) + "\" y=\"" +
                 px(ly) + "\">" + escape_html(s.name) + "</text>\n";
    }
    close_figure(caption);
}

void html_page::write(std::ostream& out) const {
    out << "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
           "<meta charset=\"utf-8\"/>\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
           "<meta name=\"generator\" content=\"leadscore\"/>\n<title>"
        << escape_html(title_)
        << "</title>\n<style>\n"
           // Margins on every screen (padding: the auto margins vanish on a window narrower than max-width) and on
           // paper; charts shrink to the window rather than overflow it.
           "body{font-family:system-ui,sans-serif;margin:0 auto;padding:1.5em 2.5em 3em;max-width:80em;color:#222;"
           "line-height:1.4}\n"
           "@page{margin:2cm}@media print{body{padding:0}figure,table,dl{break-inside:avoid}}\n"
           "h1{font-size:1.6em;margin-bottom:0.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}\n"
           ".made{color:#555;margin-top:0}\n"
           "dl.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(14em,1fr));gap:0.8em;margin:1em 0}\n"
           "dl.summary div{border:1px solid #ddd;border-radius:4px;padding:0.5em 0.8em}\n"
           "dl.summary dt{color:#555;font-size:0.9em}dl.summary dd{margin:0}\n"
           ".value{font-size:1.5em;font-weight:600;font-variant-numeric:tabular-nums}.note{display:block;color:#555;"
           "font-size:0.85em}\n"
           "table{border-collapse:collapse}\n"
           ".wide{display:inline-block;max-width:100%;overflow-x:auto;vertical-align:top;margin:0.5em 0 1em}\n"
           "caption{text-align:left;color:#555;font-size:0.9em;padding-bottom:0.3em}\n"
           "th,td{padding:2px 10px;border-bottom:1px solid #eee}th{font-weight:normal}thead th{font-weight:600}\n"
           "th{text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}\n"
           "svg{max-width:100%;height:auto}svg text{font-size:12px;fill:#222}figcaption{color:#555;font-size:0.9em}\n"
           "figure{margin:0.5em 2em 1em 0;display:inline-block;vertical-align:top;max-width:100%}\n"           "@media (max-width:40em){body{padding:1em}th,td{padding:2px 6px}figure{margin-right:0}}\n"
           "</style>\n</head>\n<body>\n<header>\n<h1>"
        << escape_html(title_) << "</h1>\n<p class=\"made\">" << escape_html(made_)
        << "</p>\n</header>\n<nav id=\"contents\" aria-label=\"Contents\">\n<ul>\n";
    for (const auto& [id, text] : contents_)
        out << "<li><a href=\"#" << escape_html(id) << "\">" << escape_html(text) << "</a></li>\n";
    out << "</ul>\n</nav>\n<main>\n" << body_ << "</main>\n</body>\n</html>\n";
}

} // namespace leadscore::cli
