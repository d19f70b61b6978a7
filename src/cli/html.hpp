#pragma once
// A self-contained HTML page for reports: headings, text, tables and inline SVG charts — no script, no style sheet
// or font from the network. The page is well-formed XML (XHTML syntax), so a test can parse it with any XML parser.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::cli {

/// Text with &, <, >, " and ' escaped for HTML content and attributes.
[[nodiscard]] std::string escape_html(std::string_view text);

class html_page {
public:
    explicit html_page(std::string title);

    /// A section heading (h2) and its id for the page's table of contents.
    void heading(std::string_view text, std::string_view id);
    /// A paragraph of plain text.
    void paragraph(std::string_view text);

    /// A table: a header row and rows of cells; columns after the first are right-aligned (numbers).
    /// `id` names the table (the test reads tables by id).
    void table(std::string_view id, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows);

    /// One bar of a bar chart: its label, its length (≥ 0; NaN draws no bar) and the text shown at its end.
    struct bar {
        std::string label;
        double value = 0;
        std::string text;
    };
    /// Horizontal bars, the longest bar as wide as the chart (all bars zero: no bar drawn).
    void bar_chart(std::string_view caption, const std::vector<bar>& bars);

    /// One series of a line chart over [0, 1] × [0, 1]: points in order, drawn as a line with markers.
    struct series {
        std::string name;
        std::vector<std::pair<double, double>> points;
        bool dashed = false;
    };
    /// A square chart with both axes from 0 to 1 (shares or probabilities), a grid, axis titles and a legend.
    void unit_chart(std::string_view caption, std::string_view x_title, std::string_view y_title,
                    const std::vector<series>& lines);

    /// Writes the whole page.
    void write(std::ostream& out) const;

private:
    std::string title_;
    std::vector<std::pair<std::string, std::string>> contents_; ///< (id, heading) for the table of contents
    std::string body_;
};

} // namespace leadscore::cli
