// leadscore generate: a synthetic CRM data set written as CSV files.

#include "commands.hpp"
#include "output.hpp"

#include "leadscore/core/error.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/io/detail/safe_file.hpp"
#include "leadscore/io/history_csv.hpp"
#include "leadscore/sim/generator.hpp"

#include <memory>
#include <ostream>
#include <string>

namespace leadscore::cli {

namespace {

struct generate_options {
    std::size_t leads = 1000;
    std::uint64_t seed = 1;
    std::string out;
    std::string history;
    std::string events;
};

/// A file written through a large buffer and replaced whole (detail::atomic_file); every failure becomes a
/// leadscore::error naming the file and the reason.
class csv_file {
public:
    explicit csv_file(const std::string& path) : file_(path) { buffer_.reserve(buffer_size); }

    /// The line being built; call end_line() when it is complete.
    std::string& line() { return buffer_; }
    void end_line() {
        buffer_ += '\n';
        if (buffer_.size() >= buffer_size) flush();
    }
    void close() {
        flush();
        file_.commit();
    }

private:
    static constexpr std::size_t buffer_size = std::size_t{1} << 20;

    void flush() {
        file_.stream().write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        file_.check();
        buffer_.clear();
    }

    detail::atomic_file file_;
    std::string buffer_;
};

void write_history(const std::string& path, const generated_crm& crm) {
    progress_phase phase("writing " + path);
    write_history_file(path, crm.history);
    phase.done(std::to_string(crm.history.size()) + " stage entries");
}

void write_events(const std::string& path, const lead_table& table) {
    const auto id_col = table.table_schema().find(field_role::id);
    if (!id_col) throw definition_error("the generated table has no id field, so events cannot name their lead");
    const auto ids = table.codes(*id_col);
    const auto& id_dict = table.dict(*id_col);
    const auto& types = table.event_types();
    const auto& details = table.event_details();

    progress_phase phase("writing " + path);
    csv_file out(path);
    out.line() += "lead_id,time,type,detail";
    out.end_line();
    std::size_t count = 0;
    for (std::size_t row = 0; row < table.rows(); ++row) {
        const std::string_view id = ids[row] == missing_code ? std::string_view{} : id_dict[ids[row]];
        for (const auto& ev : table.events_of(row)) {
            auto& line = out.line();
            append_csv_cell(line, id);
            line += ',';
            line += format_timestamp(from_seconds(ev.time));
            line += ',';
            append_csv_cell(line, types[ev.type]);
            line += ',';
            if (ev.detail != missing_code) append_csv_cell(line, details[ev.detail]);
            out.end_line();
            ++count;
        }
    }
    out.close();
    phase.done(std::to_string(count) + " events");
}

void run_generate(const generate_options& o) {
    refuse_same_files({{"--out", o.out}, {"--history", o.history}, {"--events", o.events}}, {});
    generator_options g;
    g.leads = o.leads;
    g.seed = o.seed;
    // Events feed the leads' event counts, so they are always simulated; stages are drawn either way, so the
    // history is kept only when it is written, and one seed gives the same leads whichever files are asked for.
    g.events = true;
    g.history = !o.history.empty();

    generated_crm crm = [&] {
        progress_phase phase("generating " + std::to_string(o.leads) + " leads");
        auto result = generate_crm(g);
        phase.done();
        return result;
    }();

    {
        progress_phase phase("writing " + o.out);
        write_csv_file(o.out, crm.leads.view());
        phase.done(std::to_string(crm.leads.rows()) + " rows");
    }
    if (!o.history.empty()) write_history(o.history, crm);
    if (!o.events.empty()) write_events(o.events, crm.leads);
}

} // namespace

command add_generate_command(CLI::App& parent) {
    auto opts = std::make_shared<generate_options>();
    CLI::App* app = parent.add_subcommand("generate", "Generate a synthetic CRM data set as CSV files");
    app->footer("Leads come from every built-in source, with engagement events, stage histories and outcomes.\n"
                "The same --leads and --seed give the same files on every machine, whichever files are asked for.");
    app->add_option("--leads,-n", opts->leads, "Number of leads to generate")
        ->check(whole_number())
        ->capture_default_str();
    app->add_option("--seed,-s", opts->seed, "Random seed")->check(whole_number())->capture_default_str();
    app->add_option("--out,-o", opts->out, "Leads CSV to write (one row per lead)")->required();
    app->add_option("--history", opts->history,
                    "Also write the stage history as CSV: lead_id,stage,entered_at,value,source");
    app->add_option("--events", opts->events, "Also write the engagement events as CSV: lead_id,time,type,detail");
    return {app, [opts] { run_generate(*opts); }};
}

} // namespace leadscore::cli
