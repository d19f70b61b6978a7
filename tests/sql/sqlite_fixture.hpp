#pragma once
// The SQLite database file each test case works on, set up through SQLite's own API (independent of the code under
// test). Shared by the SQLite test files.

#include "leadscore/sql/database.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace leadscore_sql_test {

/// A database file that goes with the case; `exec` runs setup SQL through SQLite directly.
struct sqlite_fixture {
    std::filesystem::path path;
    sqlite_fixture() {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("leadscore_sql_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + ".db");
        std::filesystem::remove(path);
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        sqlite3_close(db);
    }
    ~sqlite_fixture() { std::filesystem::remove(path); }
    [[nodiscard]] std::string url() const { return "sqlite:" + path.string(); }
    [[nodiscard]] std::unique_ptr<leadscore::sql::database> open() const { return leadscore::sql::open_database(url()); }
    void exec(const std::string& sql) const {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        char* message = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
        const std::string why = message ? message : "";
        sqlite3_free(message);
        sqlite3_close(db);
        REQUIRE_MESSAGE(rc == SQLITE_OK, why);
    }
    /// The first column of every row of a query, as text ("NULL" for NULL).
    [[nodiscard]] std::vector<std::string> column(const std::string& sql) const {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        sqlite3_stmt* s = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
        std::vector<std::string> out;
        while (sqlite3_step(s) == SQLITE_ROW)
            out.emplace_back(sqlite3_column_type(s, 0) == SQLITE_NULL
                                 ? "NULL"
                                 : reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
        sqlite3_finalize(s);
        sqlite3_close(db);
        return out;
    }
};

} // namespace leadscore_sql_test
