#include "connections.hpp"

#include <unordered_map>

namespace leadscore::sql {

std::string source::describe() const {
    const std::string filter = since ? " since " + to_string(since->from) + " by \"" + since->column + "\"" : "";
    if (!table.empty()) return "table \"" + table + "\"" + filter;
    std::string q(detail::trimmed_query(query));
    for (auto& ch : q)
        if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    if (q.size() > 60) q = q.substr(0, 57) + "...";
    return "query \"" + q + "\"" + filter;
}

namespace {

/// Replaces the value after each "password=" (a key=value string or a URL query parameter) up to the next blank or
/// '&' (or the closing quote of a quoted value).
void redact_password_keys(std::string& s) {
    static constexpr std::string_view key = "password=";
    for (std::size_t at = s.find(key); at != std::string::npos; at = s.find(key, at + 1)) {
        const std::size_t from = at + key.size();
        std::size_t to = from;
        if (to < s.size() && s[to] == '\'') {
            for (++to; to < s.size() && s[to] != '\''; ++to)
                if (s[to] == '\\') ++to;
            to = std::min(to + 1, s.size());
        } else {
            while (to < s.size() && s[to] != ' ' && s[to] != '&') ++to;
        }
        s.replace(from, to - from, "***");
    }
}

} // namespace

std::string redact(std::string_view url) {
    std::string s(url);
    // postgresql://user:password@host: the password is between the first ':' after the scheme and the last '@'
    // before the path.
    if (const auto scheme = s.find("://"); scheme != std::string::npos) {
        const std::size_t begin = scheme + 3;
        const std::size_t path = s.find_first_of("/?", begin);
        const std::size_t end = path == std::string::npos ? s.size() : path;
        const std::size_t at = s.rfind('@', end);
        if (at != std::string::npos && at >= begin) {
            const std::size_t colon = s.find(':', begin);
            if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
        }
    }
    redact_password_keys(s);
    return s;
}

std::unique_ptr<database> open_database(std::string_view url, const open_options& options) {
    if (url.starts_with("sqlite:")) {
        std::string path(url.substr(7));
        if (path.starts_with("//")) path = path.substr(2); // sqlite://file.db
        if (path.empty()) throw error("database URL '" + std::string(url) + "' names no SQLite file");
        return detail::open_sqlite(path, "sqlite:" + path, options);
    }
    return detail::open_postgres(std::string(url), redact(url), options);
}

std::string_view to_string(watermark_kind k) noexcept {
    switch (k) {
    case watermark_kind::timestamp: return "timestamp";
    case watermark_kind::integer: return "integer";
    case watermark_kind::text: return "text";
    }
    return "timestamp";
}

watermark_kind kind_of(const watermark_value& v) noexcept {
    return v.index() == 0 ? watermark_kind::timestamp : v.index() == 1 ? watermark_kind::integer : watermark_kind::text;
}

std::string to_string(const watermark_value& v) {
    if (const auto* t = std::get_if<timestamp>(&v)) return format_timestamp(*t, false);
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    return "'" + std::get<std::string>(v) + "'";
}

namespace detail {

std::string_view trimmed_query(std::string_view query) noexcept {
    while (!query.empty() && (query.back() == ';' || query.back() == ' ' || query.back() == '\n' ||
                              query.back() == '\t' || query.back() == '\r'))
        query.remove_suffix(1);
    return query;
}

namespace {

/// Throws error (before anything is written) for an empty or repeated lead id of a batch of `what`.
void check_lead_ids(const std::string& where, std::span<const std::string_view> ids, std::string_view what) {
    std::unordered_map<std::string_view, std::size_t> first_row;
    first_row.reserve(ids.size());
    const std::string things(what);
    for (std::size_t r = 0; r < ids.size(); ++r) {
        if (ids[r].empty())
            throw error(where + "row " + std::to_string(r + 1) + " of the " + things + " to write has no lead id; " +
                        "nothing was written");
        const auto [it, added] = first_row.emplace(ids[r], r);
        if (!added)
            throw error(where + "lead id '" + std::string(ids[r]) + "' appears twice in the " + things + " to " +
                        "write (rows " + std::to_string(it->second + 1) + " and " + std::to_string(r + 1) +
                        "); nothing was written");
    }
}

} // namespace

void check_scores(const std::string& db, std::string_view table, const scores_batch& batch) {
    const std::size_t n = batch.lead_ids.size();
    const std::string where = db + ", table \"" + std::string(table) + "\": ";
    if (batch.scores.size() != n || (!batch.probabilities.empty() && batch.probabilities.size() != n) ||
        (!batch.temperatures.empty() && batch.temperatures.size() != n) ||
        (!batch.qualifications.empty() && batch.qualifications.size() != n))
        throw error(where + "the scores to write have columns of different lengths");
    check_lead_ids(where, batch.lead_ids, "scores");
}

void check_assignments(const std::string& db, std::string_view table, const assignments_batch& batch) {
    const std::size_t n = batch.lead_ids.size();
    const std::string where = db + ", table \"" + std::string(table) + "\": ";
    if (batch.reps.size() != n || batch.teams.size() != n || batch.reasons.size() != n)
        throw error(where + "the assignments to write have columns of different lengths");
    check_lead_ids(where, batch.lead_ids, "assignments");
}

const keyed_table_kind scores_kind{
    "scores", score_columns,
    "lead_id TEXT PRIMARY KEY NOT NULL, score REAL, probability REAL, temperature TEXT, model_id TEXT, scored_at TEXT, "
    "qualification TEXT",
    "lead_id text PRIMARY KEY, score double precision, probability double precision, temperature text, model_id "
    "text, scored_at timestamptz, qualification text",
    qualification_column};

const keyed_table_kind assignments_kind{
    "assignments", assignment_columns,
    "lead_id TEXT PRIMARY KEY NOT NULL, rep TEXT, team TEXT, reason TEXT, routed_at TEXT",
    "lead_id text PRIMARY KEY, rep text, team text, reason text, routed_at timestamptz", ""};

std::string column_list(const keyed_table_kind& kind, bool with_optional) {
    std::string out;
    for (const auto c : kind.columns) out += (out.empty() ? "" : ", ") + std::string(c);
    if (with_optional && !kind.optional_column.empty()) out += ", " + std::string(kind.optional_column);
    return out;
}

void require_optional_column(const std::string& where, std::string_view table, const keyed_table_kind& kind,
                             bool has_it, bool needed, std::string_view type) {
    if (has_it || !needed) return;
    const std::string column(kind.optional_column);
    throw error(where + ": the " + std::string(kind.what) + " table has no column '" + column + "' for the " + column +
                " classes; add it (ALTER TABLE \"" + std::string(table) + "\" ADD COLUMN " + column + " " +
                std::string(type) + ") or write without them. leadscore does not change a table it did not create; "
                "nothing was written");
}

} // namespace detail

} // namespace leadscore::sql
