#pragma once
// A self-contained HTML page for reports: a summary, headings, text, tables and inline SVG charts — no script, no
// style sheet or font from the network. The page is well-formed XML (XHTML syntax), so a test can parse it with any
// XML parser. Every id on the page is unique (ids asked for twice get a suffix), every table has a caption and every
// chart an accessible name (aria-label and an SVG <title>), its numbers also in a table.

#include <iosfwd>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore::cli {

/// Text with &, <, >, " and ' escaped for HTML content and attributes.
[[nodiscard]] std::string escape_html(std::string_view text);

class html_page {
public:
    /// A page titled `title`; `made` is a line under the title (what it was made from, and when).
    html_page(std::string title, std::string made);

    /// One key figure of the summary: a short name, its value, and a note saying what it counts. `key` names it
    /// for programs (the data-fact attribute).
    struct fact {
        std::string key;
        std::string name;
        std::string value;
        std::string note;
    };
    /// The summary at the top of the page: the key figures in a grid, under the heading "Summary".
    void summary(const std::vector<fact>& facts);

    /// A section heading (h2) listed in the page's table of contents; returns its id (`id`, made unique).
    std::string heading(std::string_view text, std::string_view id);
    /// A paragraph of plain text.
    void paragraph(std::string_view text);

    /// A table with a caption: a header row and rows of cells; columns after the first are right-aligned (numbers).
    /// `id` names the table (made unique; the tests read tables by id).
    void table(std::string_view id, std::string_view caption, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows);

    /// One bar of a bar chart: its label, its length (≥ 0; NaN draws no bar) and the text shown at its end.
    struct bar {
        std::string label;
        double value = 0;
        std::string text;
    };
    /// Horizontal bars, the longest bar as wide as the chart (all bars zero: no bar drawn); `caption` is also the
    /// chart's accessible name.
    void bar_chart(std::string_view id, std::string_view caption, const std::vector<bar>& bars);

    /// One series of a line chart over [0, 1] × [0, 1]: points in order, drawn as a line with markers.
    struct series {
        std::string name;
        std::vector<std::pair<double, double>> points;
        bool dashed = false;
    };
    /// A square chart with both axes from 0 to 1 (shares or probabilities), a grid, axis titles and a legend.
    void unit_chart(std::string_view id, std::string_view caption, std::string_view x_title, std::string_view y_title,
                    const std::vector<series>& lines);

    /// Writes the whole page.
    void write(std::ostream& out) const;

private:
    /// `base` reduced to letters, digits, '-' and '_' (starting with a letter), with "-2", "-3", … when taken.
    std::string claim_id(std::string_view base);
    void open_figure(const std::string& id, std::string_view caption, double width, double height);
    void close_figure(std::string_view caption);

    std::string title_;
    std::string made_;
    std::set<std::string, std::less<>> ids_;
    std::vector<std::pair<std::string, std::string>> contents_; ///< (id, heading) for the table of contents
    std::string body_;
};

} // namespace leadscore::cli
