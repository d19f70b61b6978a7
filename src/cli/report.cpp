// leadscore report: one self-contained HTML page, for a manager to open. From a model and data with known outcomes:
// the model's metrics, lift, gains, calibration, temperature bands and largest effects. From a stage history or a
// deal snapshot: the funnel and conversion by source (or by the snapshot's columns). Either or both; a summary of the
// key figures on top.

#include "commands.hpp"
#include "database.hpp"
#include "history_db.hpp"
#include "html.hpp"
#include "model_data.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/core/time.hpp"
#include "leadscore/evaluate/metrics.hpp"
#include "leadscore/funnel/conversion.hpp"
#include "leadscore/funnel/history.hpp"
#include "leadscore/funnel/kpi.hpp"
#include "leadscore/funnel/timing.hpp"
#include "leadscore/io/detail/safe_file.hpp"
#include "leadscore/io/history_csv.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/scoring/logistic.hpp"
#include "leadscore/scoring/trees.hpp"
#include "leadscore/version.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace leadscore::cli {

namespace {

struct report_options {
    std::string model_file;
    data_options data;
    std::string target;
    std::string positive;
    std::vector<std::string> negative;
    std::string history;
    std::string snapshot;
    std::string funnel_file;
    std::vector<std::string> by;
    std::string start_stage;
    snapshot_options snap;
    std::string out;
    std::size_t max_rows = 15;
    std::size_t top_effects = 10;
    db_options db; ///< --db with --table or --query instead of --data
    std::string history_query; ///< --history-query: the history from --db instead of --history
    std::string snapshot_query; ///< --snapshot-query: the snapshot from --db instead of --snapshot
};

std::string percent(double share) { return std::isnan(share) ? "-" : fixed(100.0 * share, 1) + "%"; }

/// The file's name without its directories: a report travels, the reader's disk is not the writer's.
std::string report_file_name(const std::string& path) {
    const std::string name = std::filesystem::path(path).filename().string();
    return name.empty() ? path : name;
}

/// What the funnel side was read from: the file's name, or the database and the query (password removed).
std::string funnel_input_name(const report_options& o) {
    if (!o.history_query.empty()) return db_history_name(o.db.url, o.history_query);
    if (!o.snapshot_query.empty()) return db_history_name(o.db.url, o.snapshot_query);
    return report_file_name(o.snapshot.empty() ? o.history : o.snapshot);
}

/// The --db options the model's data is read with: none when --db serves --history-query or --snapshot-query alone.
db_options model_db(const report_options& o) {
    db_options d = o.db;
    if (d.table.empty() && d.query.empty() && (!o.history_query.empty() || !o.snapshot_query.empty())) d.url.clear();
    return d;
}

/// What the model was measured on: the data file's name, or the database's table or query (password removed).
std::string measured_data_name(const report_options& o) {
    return model_db(o).active() ? db_source_name(o.db) : report_file_name(o.data.file);
}

/// When the page was made: SOURCE_DATE_EPOCH (seconds since 1970, the reproducible-builds.org convention) when set,
/// so the same inputs give the same bytes; else the clock.
timestamp report_time() {
    const char* env = std::getenv("SOURCE_DATE_EPOCH");
    if (env == nullptr || *env == '\0')
        return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const std::string_view text(env);
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    // Up to the year 9999: a date the page can print.
    if (ec != std::errc{} || end != text.data() + text.size() || seconds < 0 || seconds > 253402300799)
        throw error("report: SOURCE_DATE_EPOCH '" + std::string(text) +
                    "' is not a number of seconds since 1970-01-01 (0 to 253402300799)");
    return timestamp{std::chrono::seconds{seconds}};
}

std::string format_made(timestamp t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{t - day};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d UTC", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
    return buf;
}

/// A count shown as a whole number; a fractional one (ties split across a bin boundary) with one decimal.
std::string count_text(double v) {
    if (std::isnan(v)) return "-";
    const double whole = std::round(v);
    return std::abs(v - whole) < 1e-9 ? std::to_string(static_cast<long long>(whole)) : fixed(v, 1);
}

// ---- the funnel side ----------------------------------------------------------------------------------------------

/// What the page shows of a stage history or a snapshot.
struct funnel_figures {
    std::string file;                       ///< its name (no directories)
    conversion_accumulator conversion;      ///< all leads
    std::vector<std::pair<lead_key, conversion_accumulator>> breakdowns;
    std::optional<kpi_counts> closed;       ///< won and lost deals (none without a dated entry)
    std::vector<std::size_t> undated;       ///< snapshot entries without a date, per stage
};

/// The open stage whose entrants least often go on (the funnel's weakest step); nullopt when none was entered.
std::optional<std::size_t> weakest_step(const conversion_accumulator& conv) {
    const funnel& f = conv.stages();
    const auto all = conv.total();
    std::optional<std::size_t> weakest;
    for (std::size_t s = 0; s < f.size(); ++s) {
        if (f[s].kind != stage_kind::open || all.stages[s].entered == 0) continue;
        if (!weakest || all.stages[s].conversion_rate() < all.stages[*weakest].conversion_rate()) weakest = s;
    }
    return weakest;
}

funnel_figures compute_funnel_figures(const report_options& o, const history_import& h, const funnel& stages) {
    const journeys j(h.history, stages);
    funnel_figures f{funnel_input_name(o), compute_conversion(j), {}, {}, h.undated};
    std::vector<std::string> by = o.by;
    if (by.empty() && o.snapshot.empty() && o.snapshot_query.empty()) by.emplace_back("source");
    if (by.empty()) // a snapshot: its sales_agent and product columns when it has them, as `funnel` does
        for (const char* name : {"sales_agent", "product"})
            if (h.attributes.find(name) != nullptr) by.emplace_back(name);
    for (const auto& name : by) {
        lead_key key = make_key(j, h.attributes, name);
        auto conv = compute_conversion(j, &key);
        f.breakdowns.emplace_back(std::move(key), std::move(conv));
    }
    if (const auto as_of = latest_entry(h.history)) {
        kpi_accumulator k(stages, *as_of);
        k.add(j);
        f.closed = k.total();
    }
    return f;
}

void funnel_section(html_page& page, const funnel_figures& ff) {
    const funnel& f = ff.conversion.stages();
    const auto all = ff.conversion.total();
    page.heading("Funnel", "funnel");
    page.paragraph(std::to_string(all.leads) + " leads in " + ff.file + ", " + std::to_string(all.won_leads) +
                   " won (" + percent(all.overall_conversion()) +
                   "). Bars: leads that entered each stage; conversion = went on to a later open stage or won.");
    std::string undated;
    for (std::size_t s = 0; s < ff.undated.size() && s < f.size(); ++s)
        if (ff.undated[s] != 0) undated += (undated.empty() ? "" : ", ") + f[s].name + " " + std::to_string(ff.undated[s]);
    if (!undated.empty())
        page.paragraph("Stage entries the snapshot gives no date for (" + undated +
                       ") count here, as the stages the deals passed through.");
    std::vector<html_page::bar> bars;
    std::vector<std::vector<std::string>> rows;
    for (std::size_t s = 0; s < f.size(); ++s) {
        const auto& c = all.stages[s];
        const bool open = f[s].kind == stage_kind::open;
        bars.push_back({f[s].name, static_cast<double>(c.entered),
                        std::to_string(c.entered) + " (" + percent(all.reached(s, f.entry())) + ")"});
        rows.push_back({f[s].name, std::string(to_string(f[s].kind)), std::to_string(c.entered),
                        percent(all.reached(s, f.entry())), open ? std::to_string(c.converted) : "-",
                        open ? percent(c.conversion_rate()) : "-", percent(c.win_rate())});
    }
    page.bar_chart("funnel-chart", "Leads entering each stage (share of the first stage's entrants)", bars);
    page.table("funnel-table", "Stage conversion: leads that entered each stage, went on, and won",
               {"stage", "kind", "entered", "reached", "converted", "conversion", "P(win)"}, rows);
}

void breakdown_section(html_page& page, const lead_key& key, const conversion_accumulator& conv, std::size_t max_rows) {
    const std::string id = page.heading("Conversion by " + key.name, "by-" + key.name);
    struct line {
        std::string label;
        conversion_group g;
    };
    std::vector<line> lines;
    for (const auto& [label, g] : conv.groups()) lines.push_back({label, g});
    std::stable_sort(lines.begin(), lines.end(), [](const line& a, const line& b) { return a.g.leads > b.g.leads; });
    const std::size_t shown = max_rows == 0 ? lines.size() : std::min(max_rows, lines.size());
    page.paragraph((key.name == "source" ? "Each lead's first source; the " : "The ") + std::to_string(shown) +
                   " largest of " + std::to_string(lines.size()) + " groups. Bars: won leads / leads.");
    lines.resize(shown);
    std::stable_sort(lines.begin(), lines.end(), [](const line& a, const line& b) {
        return a.g.overall_conversion() > b.g.overall_conversion();
    });
    std::vector<html_page::bar> bars;
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : lines) {
        bars.push_back({l.label, l.g.overall_conversion(), percent(l.g.overall_conversion())});
        rows.push_back({l.label, std::to_string(l.g.leads), std::to_string(l.g.won_leads),
                        percent(l.g.overall_conversion())});
    }
    page.bar_chart(id + "-chart", "Overall conversion by " + key.name, bars);
    page.table(id + "-table", "Leads, won leads and conversion by " + key.name, {key.name, "leads", "won", "conversion"},
               rows);
}

// ---- the model side -----------------------------------------------------------------------------------------------

void model_section(html_page& page, const report_options& o, const model_measurement& measured) {
    const model& m = measured.m;
    const evaluation_report& e = measured.report;
    page.heading("Model", "model");
    page.paragraph("Model file " + report_file_name(o.model_file) + " (" + m.kind + ", " +
                   std::to_string(m.report.parameters) + " parameters, trained on " + std::to_string(m.report.rows) +
                   " rows), scored on " + measured_data_name(o) + ": " + std::to_string(measured.rows) +
                   " rows, " + std::to_string(e.rows) + " with a known outcome, " + std::to_string(e.unscored) +
                   " not computable.");
    page.table("metrics-table", "How well the model ranks and predicts the known outcomes", {"metric", "value"},
               {{"rows evaluated", std::to_string(e.rows)},
                {"positives", std::to_string(e.positives)},
                {"base rate", percent(e.base_rate)},
                {"ROC AUC", fixed(e.roc_auc)},
                {"average precision", fixed(e.average_precision)},
                {"log loss", fixed(e.log_loss)},
                {"Brier score", fixed(e.brier_score)},
                {"top-decile lift", fixed(e.gains.empty() ? NAN : e.gains.front().lift, 2)}});
}

void gains_section(html_page& page, const evaluation_report& e) {
    page.heading("Lift and gains", "gains");
    page.paragraph("Leads ranked by score, best first, in ten equal groups: lift = the group's conversion over the "
                   "base rate; cumulative gain = the share of all positives found down to the group. Leads with equal "
                   "scores on both sides of a group boundary are shared between the groups, so a count of positives "
                   "can end in .5.");
    html_page::series gains{"model", {{0.0, 0.0}}, false};
    std::vector<html_page::bar> lift_bars;
    std::vector<std::vector<std::string>> gain_rows;
    for (std::size_t k = 0; k < e.gains.size(); ++k) {
        const auto& g = e.gains[k];
        gains.points.emplace_back(g.depth, g.cumulative_gain);
        lift_bars.push_back({"decile " + std::to_string(k + 1), g.lift, fixed(g.lift, 2)});
        gain_rows.push_back({std::to_string(k + 1), std::to_string(g.rows), count_text(g.positives), percent(g.rate),
                             fixed(g.lift, 2), percent(g.cumulative_gain)});
    }
    page.unit_chart("gains-chart", "Cumulative gains", "share of leads contacted", "share of positives found",
                    {gains, {"random order", {{0.0, 0.0}, {1.0, 1.0}}, true}});
    page.bar_chart("lift-chart", "Lift by decile", lift_bars);
    page.table("gains-table", "Conversion and lift by score decile, best first",
               {"decile", "rows", "positives", "conversion", "lift", "cumulative gain"}, gain_rows);
}

void calibration_section(html_page& page, const evaluation_report& e) {
    page.heading("Calibration", "calibration");
    if (e.reliability.bins.empty()) {
        page.paragraph("The model's scores are points, not probabilities: no calibration to show.");
        return;
    }
    page.paragraph("Predicted against observed conversion in ten score bins; a calibrated model lies on the "
                   "diagonal. Expected calibration error " +
                   fixed(e.reliability.expected_calibration_error) + ", largest " +
                   fixed(e.reliability.max_calibration_error) + ".");
    html_page::series cal{"model", {}, false};
    std::vector<std::vector<std::string>> rows;
    for (std::size_t k = 0; k < e.reliability.bins.size(); ++k) {
        const auto& b = e.reliability.bins[k];
        if (b.rows > 0) cal.points.emplace_back(b.mean_score, b.observed_rate);
        const bool last = k + 1 == e.reliability.bins.size();
        rows.push_back({"[" + fixed(b.lower, 1) + ", " + fixed(b.upper, 1) + (last ? "]" : ")"), std::to_string(b.rows),
                        std::to_string(b.positives), fixed(b.mean_score), fixed(b.observed_rate)});
    }
    page.unit_chart("calibration-chart", "Reliability", "mean predicted probability", "observed conversion",
                    {cal, {"perfect calibration", {{0.0, 0.0}, {1.0, 1.0}}, true}});
    page.table("calibration-table", "Predicted and observed conversion by score bin",
               {"scores", "rows", "positives", "mean score", "observed"}, rows);
}

void temperature_section(html_page& page, const model_measurement& measured) {
    const model& m = measured.m;
    page.heading("Temperature", "temperature");
    page.paragraph("The model's bands: hot at or above " + fixed(m.bands.hot) + ", warm at or above " +
                   fixed(m.bands.warm) + ", cold below; conversion among the rows with a known outcome.");
    const band_conversion c = conversion_by_temperature(m, measured.scores, measured.labels);
    std::vector<html_page::bar> temp_bars;
    std::vector<std::vector<std::string>> temp_rows;
    const double all = static_cast<double>(std::max<std::size_t>(1, measured.scores.size()));
    for (auto it = c.bands.rbegin(); it != c.bands.rend(); ++it) {
        const double share = static_cast<double>(it->rows) / all;
        temp_bars.push_back({it->band, static_cast<double>(it->rows), std::to_string(it->rows) + " (" + percent(share) + ")"});
        temp_rows.push_back({it->band, std::to_string(it->rows), percent(share), std::to_string(it->labelled),
                             std::to_string(it->positives), percent(it->rate)});
    }
    page.bar_chart("temperature-chart", "Leads by temperature", temp_bars);
    page.table("temperature-table", "Leads and conversion by temperature band",
               {"band", "leads", "share", "labelled", "positives", "conversion"}, temp_rows);
}

/// Indices of `size` values, largest `key` first (ties in input order), at most `top`.
template <class Key>
std::vector<std::size_t> largest_first(std::size_t size, std::size_t top, Key key) {
    std::vector<std::size_t> order(size);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
    order.resize(std::min(top, order.size()));
    return order;
}

void effects_section(html_page& page, const model& m, std::size_t top) {
    page.heading("Largest effects", "effects");
    std::vector<html_page::bar> bars;
    std::vector<std::vector<std::string>> rows;
    if (const auto* l = m.policy.target<logistic_policy>()) {
        const auto& names = l->encoder().names();
        const auto& w = l->weights();
        page.paragraph("Logistic regression weights (log-odds per unit of the encoded feature; numeric features are "
                       "standardized), largest first: a positive weight raises the score, a negative one lowers it.");
        for (const auto i : largest_first(w.size(), top, [&](std::size_t k) { return std::abs(w[k]); })) {
            bars.push_back({names[i], std::abs(w[i]), (w[i] < 0 ? "lowers " : "raises ") + fixed(w[i], 3)});
            rows.push_back({names[i], fixed(w[i]), w[i] < 0 ? "lowers" : "raises"});
        }
        page.bar_chart("effects-chart", "Size of the largest weights", bars);
        page.table("effects-table", "The model's largest weights", {"feature", "weight", "score"}, rows);
    } else if (const auto* t = m.policy.target<tree_ensemble_policy>()) {
        const auto imp = importance(t->model());
        double total = 0;
        for (const auto& i : imp) total += i.gain;
        page.paragraph("Inputs of the trees by gain (the loss reduction of the splits on the input), largest first.");
        for (const auto i : largest_first(imp.size(), top, [&](std::size_t k) { return imp[k].gain; })) {
            bars.push_back({imp[i].input, imp[i].gain, format_percent(imp[i].gain, total)});
            rows.push_back({imp[i].input, format_percent(imp[i].gain, total), std::to_string(imp[i].splits)});
        }
        page.bar_chart("effects-chart", "Share of the trees' gain by input", bars);
        page.table("effects-table", "The trees' most important inputs", {"input", "share of gain", "splits"}, rows);
    } else {
        page.paragraph("Effects are listed for logistic and tree models; 'leadscore show' describes this " + m.kind +
                       " model.");
    }
}

// ---- the page -----------------------------------------------------------------------------------------------------

std::vector<html_page::fact> summary_facts(const funnel_figures* ff, const model_measurement* mm) {
    std::vector<html_page::fact> facts;
    if (ff != nullptr) {
        const auto all = ff->conversion.total();
        facts.push_back({"leads", "Leads", std::to_string(all.leads),
                         std::to_string(all.won_leads) + " won (" + percent(all.overall_conversion()) + ") in " + ff->file});
        if (ff->closed)
            facts.push_back({"win-rate", "Win rate", percent(ff->closed->win_rate()),
                             "of closed deals: " + std::to_string(ff->closed->won) + " won, " +
                                 std::to_string(ff->closed->lost) + " closed without a win"});
    } else {
        const auto& e = mm->report;
        facts.push_back({"leads", "Leads", std::to_string(mm->rows), std::to_string(e.rows) + " with a known outcome"});
        const std::string positive = mm->target.positive.empty() ? "true" : mm->target.positive.front();
        facts.push_back({"win-rate", "Win rate", percent(e.base_rate),
                         mm->target.field + " = " + positive + " in " + std::to_string(e.positives) + " of " +
                             std::to_string(e.rows)});
    }
    if (mm != nullptr) {
        const auto& e = mm->report;
        facts.push_back({"auc", "Model ROC AUC", fixed(e.roc_auc), "0.5 = a random order, 1 = a perfect one"});
        if (!e.gains.empty() && !std::isnan(e.gains.front().lift))
            facts.push_back({"top-tenth", "Top tenth by score", fixed(e.gains.front().lift, 2) + "\u00d7",
                             "converts at " + percent(e.gains.front().rate) + ", against " + percent(e.base_rate) +
                                 " for all with a known outcome"});
    }
    if (ff != nullptr)
        if (const auto s = weakest_step(ff->conversion)) {
            const auto c = ff->conversion.total().stages[*s]; // a copy: total() returns a temporary
            facts.push_back({"weakest-step", "Weakest funnel step", ff->conversion.stages()[*s].name,
                             percent(c.conversion_rate()) + " of " + std::to_string(c.entered) + " went on"});
        }
    return facts;
}

std::string page_title(const report_options& o, const model_measurement* mm) {
    if (mm == nullptr) return "leadscore report: funnel of " + funnel_input_name(o);
    const std::string positive = mm->target.positive.empty() ? std::string("true") : mm->target.positive.front();
    return "leadscore report: " + (mm->m.kind.empty() ? std::string("model") : mm->m.kind) + " model, " +
           mm->target.field + " = " + positive;
}

std::string made_line(const report_options& o) {
    std::vector<std::string> files;
    for (const auto* f : {&o.model_file, &o.data.file, &o.history, &o.snapshot})
        if (!f->empty()) files.push_back(f == &o.data.file ? measured_data_name(o) : report_file_name(*f));
    if (model_db(o).active()) files.insert(files.begin() + 1, measured_data_name(o));
    if (!o.history_query.empty() || !o.snapshot_query.empty()) files.push_back(funnel_input_name(o));
    std::string from;
    for (std::size_t i = 0; i < files.size(); ++i)
        from += (i == 0 ? "" : i + 1 == files.size() ? " and " : ", ") + files[i];
    return "Made " + format_made(report_time()) + " by leadscore " + version_string + " from " + from + ".";
}

history_import read_report_history(const report_options& o, const funnel& stages) {
    progress_phase phase("reading " + funnel_input_name(o));
    history_import h;
    if (!o.history_query.empty()) {
        h = read_db_history(o.db.url, o.history_query, stages, {}, o.db.time_zone);
    } else if (!o.snapshot.empty() || !o.snapshot_query.empty()) {
        auto s = o.snap;
        if (!o.start_stage.empty()) s.start_stage = o.start_stage;
        h = read_snapshot_input(o.snapshot, o.db.url, o.snapshot_query, stages, s, o.db.time_zone);
    } else {
        h = read_history_file(o.history, stages);
    }
    phase.done(std::to_string(h.rows_read) + " rows");
    return h;
}

void run_report(const report_options& o) {
    // The options ensure at least one of a model and a funnel, and data (or --db) only with a model.
    if (!o.model_file.empty()) check_data_source(o.data.file, model_db(o));
    const bool with_model = !o.model_file.empty();
    const bool with_funnel =
        !o.history.empty() || !o.snapshot.empty() || !o.history_query.empty() || !o.snapshot_query.empty();
    refuse_same_files({{"--out", o.out}}, {{"--model", o.model_file},
                                           {"--data", o.data.file},
                                           {"--history", o.history},
                                           {"--snapshot", o.snapshot},
                                           {"--funnel", o.funnel_file}});
    const std::string made = made_line(o); // a bad SOURCE_DATE_EPOCH is refused before any work
    std::optional<model_measurement> measured;
    if (with_model) measured = measure_model(o.model_file, o.data, o.target, o.positive, o.negative, model_db(o));
    std::optional<funnel_figures> figures;
    if (with_funnel) {
        const funnel stages = !o.funnel_file.empty() ? read_funnel_file(o.funnel_file)
                              : o.snapshot.empty() && o.snapshot_query.empty() ? funnel::standard()
                                                     : snapshot_funnel();
        figures = compute_funnel_figures(o, read_report_history(o, stages), stages);
    }
    const model_measurement* mm = measured ? &*measured : nullptr;
    const funnel_figures* ff = figures ? &*figures : nullptr;

    html_page page(page_title(o, mm), made);
    page.summary(summary_facts(ff, mm));
    if (mm != nullptr) model_section(page, o, *mm);
    if (ff != nullptr) {
        funnel_section(page, *ff);
        for (const auto& [key, conv] : ff->breakdowns) breakdown_section(page, key, conv, o.max_rows);
    }
    if (mm != nullptr) {
        gains_section(page, mm->report);
        calibration_section(page, mm->report);
        temperature_section(page, *mm);
        effects_section(page, mm->m, o.top_effects);
    }
    detail::atomic_file file(o.out);
    page.write(file.stream());
    file.commit();
    std::cout << "wrote " << o.out << '\n';
}

void add_report_input_options(CLI::App& app, report_options& o) {
    // A model (with the data to measure it on), a history or a snapshot, or a model and one of the two.
    CLI::Option_group* inputs = app.add_option_group("inputs", "What to report on: a model, a funnel, or both");
    CLI::Option* model_opt = inputs->add_option("--model,-m", o.model_file, "Model file written by 'leadscore train'");
    CLI::Option* history = inputs->add_option(
        "--history", o.history, "Stage history CSV (lead_id,stage,entered_at[,value][,source][,more columns])");
    CLI::Option* snapshot = inputs->add_option("--snapshot", o.snapshot,
                                               "Deal snapshot CSV, one row per deal (as 'leadscore funnel' reads it)");
    inputs->require_option(1, 2);
    history->excludes(snapshot);
    add_data_options(app, o.data);
    add_events_options(app, o.data.events);
    CLI::Option* data = app.get_option("--data");
    data->required(false)->description("CSV file of leads with known outcomes, to measure --model on (or --db)");
    data->needs(model_opt);
    add_db_options(app, o.db, false);
    for (const char* name : {"--table", "--query"}) app.get_option(name)->needs(model_opt);
    CLI::Option* history_query = add_history_query_option(*inputs, o.history_query, app.get_option("--db"));
    history_query->excludes(history)->excludes(snapshot);
    add_snapshot_query_option(*inputs, o.snapshot_query, app.get_option("--db"))
        ->excludes(history)
        ->excludes(snapshot)
        ->excludes(history_query);
    // A model needs data to be measured on: --data or --db; --db serves a model or a query of the funnel side; the
    // snapshot's columns need a snapshot (usage errors, as an option's needs would be).
    app.parse_complete_callback([&o, &app] {
        if (!o.model_file.empty() && o.data.file.empty() && o.db.url.empty())
            throw CLI::RequiresError("--model", "--data");
        if (!o.db.url.empty() && o.model_file.empty() && o.history_query.empty() && o.snapshot_query.empty())
            throw CLI::RequiresError("--db", "--model, --history-query or --snapshot-query");
        if (!o.snapshot.empty() || !o.snapshot_query.empty()) return;
        for (const char* name :
             {"--start-stage", "--id-column", "--stage-column", "--start-column", "--close-column", "--value-column"})
            if (app.get_option(name)->count() != 0) throw CLI::RequiresError(name, "--snapshot or --snapshot-query");
    });
    app.add_option("--target", o.target, "The column holding the outcome (default: the model's target)")->needs(model_opt);
    app.add_option("--positive", o.positive, "The target value that counts as a success (default: the model's)")
        ->needs(model_opt);
    add_negative_option(app, o.negative, "the model's, for its own target, else every value but the positive one");
    app.get_option("--negative")->needs(model_opt);
    app.add_option("--funnel", o.funnel_file,
                   "Funnel CSV 'stage,kind' in order (default: the standard funnel, or prospecting,engaging,won,lost "
                   "for a snapshot)");
    app.add_option("--by", o.by,
                   "Conversion breakdown, repeatable: source, last_source, cohort, quarter, year or an attribute column "
                   "(default: source; sales_agent and product for a snapshot)")
        ->delimiter(',');
    // Snapshot options, checked once parsed: they need --snapshot or --snapshot-query.
    app.add_option("--start-stage", o.start_stage, "Snapshot: the stage its start date enters (default: engaging)");
    app.add_option("--id-column", o.snap.id_column, "Snapshot: deal id column")->capture_default_str();
    app.add_option("--stage-column", o.snap.stage_column, "Snapshot: stage column")->capture_default_str();
    app.add_option("--start-column", o.snap.start_column, "Snapshot: start date column")->capture_default_str();
    app.add_option("--close-column", o.snap.close_column, "Snapshot: close date column")->capture_default_str();
    app.add_option("--value-column", o.snap.value_column, "Snapshot: deal value column ('' = none)")
        ->capture_default_str();
}

} // namespace

command add_report_command(CLI::App& parent) {
    auto opts = std::make_shared<report_options>();
    CLI::App* app = parent.add_subcommand("report", "Write an HTML report: a model's lift, calibration and bands, a funnel");
    app->footer(
        "Writes one self-contained HTML page (inline SVG charts, no script, nothing fetched from the network)\n"
        "with a summary of the key figures on top. With --model and --data: the model's metrics, lift and\n"
        "cumulative gains by decile, calibration, temperature bands and largest effects. With --history or\n"
        "--snapshot: the funnel and conversion by source (a snapshot: by sales_agent and product). Give either\n"
        "or both. Every chart has its numbers in a table next to it. The page says when it was made: set\n"
        "SOURCE_DATE_EPOCH (seconds since 1970) for a fixed date and the same bytes from the same inputs.");
    add_report_input_options(*app, *opts);
    app->add_option("--max-rows,--max-sources", opts->max_rows, "Rows per breakdown, largest groups first (0 = all)")
        ->check(whole_number())
        ->capture_default_str();
    app->add_option("--top", opts->top_effects, "Effects listed, largest first")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    app->add_option("--out,-o", opts->out, "The HTML file to write")->required();
    return {app, [opts] { run_report(*opts); }};
}

} // namespace leadscore::cli
