#include "connections.hpp"

#include <unordered_map>

namespace leadscore::sql {

std::string source::describe() const {
    const std::string filter = since ? " since " + format_timestamp(since->from, false) + " by \"" + since->column + "\"" : "";
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

std::unique_ptr<database> open_database(std::string_view url) {
    if (url.starts_with("sqlite:")) {
        std::string path(url.substr(7));
        if (path.starts_with("//")) path = path.substr(2); // sqlite://file.db
        if (path.empty()) throw error("database URL '" + std::string(url) + "' names no SQLite file");
        return detail::open_sqlite(path, "sqlite:" + path);
    }
    return detail::open_postgres(std::string(url), redact(url));
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
        (!batch.temperatures.empty() && batch.temperatures.size() != n))
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
    "lead_id TEXT PRIMARY KEY NOT NULL, score REAL, probability REAL, temperature TEXT, model_id TEXT, scored_at TEXT",
    "lead_id text PRIMARY KEY, score double precision, probability double precision, temperature text, model_id "
    "text, scored_at timestamptz"};

const keyed_table_kind assignments_kind{
    "assignments", assignment_columns,
    "lead_id TEXT PRIMARY KEY NOT NULL, rep TEXT, team TEXT, reason TEXT, routed_at TEXT",
    "lead_id text PRIMARY KEY, rep text, team text, reason text, routed_at timestamptz"};

std::string column_list(const keyed_table_kind& kind) {
    std::string out;
    for (const auto c : kind.columns) out += (out.empty() ? "" : ", ") + std::string(c);
    return out;
}

} // namespace detail

} // namespace leadscore::sql
