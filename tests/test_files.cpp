// Files on disk: every writer replaces its file whole or not at all (a failed write keeps the old bytes, the
// permissions and a symbolic link stay), and archive files end in a checksum line that catches every single-bit
// flip, while files written before checksums (tests/data/archive) still load, with a note.

#include "leadscore/io/archive.hpp"
#include "leadscore/io/csv.hpp"
#include "leadscore/io/detail/safe_file.hpp"
#include "leadscore/io/model.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/serialize_routing.hpp"
#include "leadscore/io/serialize_scoring.hpp"
#include "leadscore/scoring/points.hpp"

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace test_files {

using namespace leadscore;
namespace fs = std::filesystem;

namespace acme_files {
// A policy type registered nowhere: saving a model that holds it fails in the middle of writing.
struct unregistered_files_policy {
    [[nodiscard]] score_scale scale() const noexcept { return score_scale::points; }
    struct scorer {
        [[nodiscard]] double score(std::size_t) const { return 1.0; }
    };
    [[nodiscard]] scorer bind(const table_view&, timestamp) const { return {}; }
    friend bool operator==(const unregistered_files_policy&, const unregistered_files_policy&) = default;
};
template <class Ar>
void serialize(Ar&, unregistered_files_policy&, unsigned) {}
} // namespace acme_files

namespace {

constexpr archive_format all_formats[] = {archive_format::text, archive_format::xml, archive_format::binary};

/// A fresh, empty directory for one test case.
fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("leadscore_test_files_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string bytes_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void put(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

std::size_t files_in(const fs::path& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

/// A model as small as a model gets: 20 points for software, bands in points.
model tiny_model() {
    points_rules rules;
    rules.fit = {{"software", condition::equals("industry", std::string("software")), 20}};
    model m;
    m.kind = "points";
    m.fields = schema({{"industry", field_type::categorical}});
    m.policy = points_policy(rules);
    m.target = {.field = "outcome", .positive = {"won"}};
    m.bands = {.warm = 10, .hot = 20};
    return m;
}

/// The archive_error message of loading a model from these bytes through the file loader's own code; "" if it loads.
std::string model_load_error(const std::string& bytes) {
    std::istringstream in(bytes, std::ios::binary);
    try {
        detail::checked_file file(in, "m.model");
        (void)detail::load_model_file(file);
    } catch (const archive_error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("files: CRC-32C gives the published check value and continues across pieces") {
    CHECK(detail::crc32c("123456789", 9) == 0xE3069283u);
    CHECK(detail::crc32c("", 0) == 0u);
    // 32 zero bytes: 0x8A9136AA (RFC 3720, B.4).
    const std::string zeros(32, '\0');
    CHECK(detail::crc32c(zeros.data(), zeros.size()) == 0x8A9136AAu);
    const std::string text = "The quick brown fox jumps over the lazy dog, twice over for length.";
    for (std::size_t cut = 0; cut <= text.size(); ++cut)
        CHECK(detail::crc32c(text.data() + cut, text.size() - cut, detail::crc32c(text.data(), cut)) ==
              detail::crc32c(text.data(), text.size()));
}

TEST_CASE("files: a replaced file keeps its permissions, a symbolic link stays, a failed write keeps the old bytes") {
    const fs::path dir = scratch("replace");
    const fs::path target = dir / "out.csv";
    const auto write = [](const fs::path& p, const std::string& text) {
        detail::atomic_file f(p);
        f.stream() << text;
        f.commit();
    };
    write(target, "first\n");
    CHECK(bytes_of(target) == "first\n");
    // New files: 0666 less the umask.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    CHECK((fs::status(target).permissions() & fs::perms::all) == static_cast<fs::perms>(0666 & ~mask));

    fs::permissions(target, static_cast<fs::perms>(0640));
    write(target, "second\n");
    CHECK(bytes_of(target) == "second\n");
    CHECK((fs::status(target).permissions() & fs::perms::all) == static_cast<fs::perms>(0640));

    // Through a link: the file it points to is replaced, the link stays a link.
    fs::create_symlink("out.csv", dir / "link.csv");
    write(dir / "link.csv", "third\n");
    CHECK(fs::is_symlink(dir / "link.csv"));
    CHECK(bytes_of(target) == "third\n");

    // Destroyed without commit (an exception while writing): the old bytes stay, no new file is left behind.
    CHECK(files_in(dir) == 2);
    try {
        detail::atomic_file f(target);
        f.stream() << "half a fi";
        throw std::runtime_error("the writer failed");
    } catch (const std::runtime_error&) {
    }
    CHECK(bytes_of(target) == "third\n");
    CHECK(files_in(dir) == 2);

    // A library writer failing in the middle: a model holding a policy type registered for no archive.
    model m = tiny_model();
    const fs::path model_file = dir / "m.model";
    save_model(model_file, m);
    const std::string good = bytes_of(model_file);
    m.policy = acme_files::unregistered_files_policy{};
    CHECK_THROWS_AS(save_model(model_file, m), definition_error);
    CHECK(bytes_of(model_file) == good);
    CHECK(files_in(dir) == 3);

    // Errors name the file and the system's reason.
    CHECK_THROWS_WITH_AS(write(dir / "no_such_dir" / "x.csv", "x"),
                         doctest::Contains("no_such_dir/x.csv: cannot write: No such file or directory"), error);
    fs::create_directory(dir / "sub");
    CHECK_THROWS_WITH_AS(write(dir / "sub", "x"), doctest::Contains("sub: cannot write: Is a directory"), error);
    // A device is written in place, never renamed over.
    write("/dev/null", "discarded");
    CHECK(fs::is_character_file("/dev/null"));
    fs::remove_all(dir);
}

TEST_CASE("files: a write past the file size limit fails naming the file, and the old file keeps its bytes") {
    const fs::path dir = scratch("limit");
    const fs::path csv = dir / "leads.csv";
    const fs::path model_file = dir / "m.model";
    write_csv_file(csv, read_csv("id,x\nL-1,1\n").table.view());
    save_model(model_file, tiny_model());
    const std::string old_csv = bytes_of(csv), old_model = bytes_of(model_file);

    // RLIMIT_FSIZE (ulimit -f) at 2 KiB, SIGXFSZ ignored so that write() fails with EFBIG; both restored after.
    rlimit before{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &before) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = before;
    small.rlim_cur = 2048;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string csv_error, model_error;
    std::string big = "id,x\n";
    for (int i = 0; i < 2000; ++i) big += "L-" + std::to_string(i) + "," + std::to_string(i) + "\n";
    try {
        write_csv_file(csv, read_csv(big).table.view());
    } catch (const error& e) {
        csv_error = e.what();
    }
    model m = tiny_model();
    points_rules rules;
    for (int i = 0; i < 100; ++i)
        rules.fit.push_back({"rule " + std::to_string(i), condition::equals("industry", "sector " + std::to_string(i)), 1});
    m.policy = points_policy(rules);
    try {
        save_model(model_file, m);
    } catch (const error& e) {
        model_error = e.what();
    }
    ::setrlimit(RLIMIT_FSIZE, &before);
    std::signal(SIGXFSZ, old_handler);

    CHECK(csv_error == csv.string() + ": cannot write: File too large");
    CHECK(model_error == model_file.string() + ": cannot write: File too large");
    CHECK(bytes_of(csv) == old_csv);
    CHECK(bytes_of(model_file) == old_model);
    CHECK(files_in(dir) == 2);
    fs::remove_all(dir);
}

TEST_CASE("files: archive files end in a checksum line over every byte before its digits") {
    const fs::path dir = scratch("trailer");
    for (const auto f : all_formats) {
        CAPTURE(to_string(f));
        const fs::path p = dir / "d.archive";
        save_archive_file(p, funnel::standard(), f);
        const std::string bytes = bytes_of(p);
        const std::string_view lead = f == archive_format::xml ? "\n<!-- leadscore checksum v1 crc32c " : "\nleadscore checksum v1 crc32c ";
        const std::string_view tail = f == archive_format::xml ? " -->\n" : "\n";
        REQUIRE(bytes.size() > lead.size() + 8 + tail.size());
        const std::size_t digits = bytes.size() - tail.size() - 8;
        CHECK(bytes.substr(digits + 8) == tail);
        CHECK(bytes.substr(digits - lead.size(), lead.size()) == lead);
        char hex[9];
        std::snprintf(hex, sizeof hex, "%08x", detail::crc32c(bytes.data(), digits));
        CHECK(bytes.substr(digits, 8) == hex);
        // The stream form of the same value is the file without its checksum line (and the blank before it).
        std::ostringstream plain(std::ios::binary);
        save_archive(plain, funnel::standard(), f);
        CHECK(bytes.substr(0, plain.str().size()) == plain.str());

        archive_file_info info;
        funnel back = funnel::standard();
        load_archive_file(p, back, f, "leadscore", &info);
        CHECK(info.checksum);
        CHECK(info.note.empty());

        // One byte changed: refused before parsing, naming the file.
        std::string damaged = bytes;
        damaged[damaged.size() / 2] ^= 0x04;
        put(p, damaged);
        CHECK_THROWS_WITH_AS(load_archive_file(p, back, f),
                             ("archive '" + p.string() + "': checksum mismatch: the file is damaged").c_str(),
                             archive_error);
        // A newer checksum format whose CRC matches: refused as newer.
        std::string newer = bytes.substr(0, digits - lead.size()) + std::string(lead).replace(lead.find("v1"), 2, "v2");
        std::snprintf(hex, sizeof hex, "%08x", detail::crc32c(newer.data(), newer.size()));
        put(p, newer + hex + std::string(tail));
        CHECK_THROWS_WITH_AS(load_archive_file(p, back, f), doctest::Contains("checksum format version 2 is newer"),
                             archive_error);
    }
    fs::remove_all(dir);
}

TEST_CASE("files: every single-bit flip of a model file is detected, in every format") {
    for (const auto f : all_formats) {
        CAPTURE(to_string(f));
        const fs::path dir = scratch("flips");
        save_model(dir / "m.model", tiny_model(), f);
        const std::string bytes = bytes_of(dir / "m.model");
        fs::remove_all(dir);
        REQUIRE(model_load_error(bytes).empty());
        std::size_t loaded = 0, unnamed = 0; // counted, not CHECKed one by one: 17,000 flips must stay fast
        std::string flipped = bytes;
        for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
            const char mask = static_cast<char>(1 << (bit % 8));
            flipped[bit / 8] ^= mask;
            const std::string m = model_load_error(flipped);
            flipped[bit / 8] ^= mask;
            if (m.empty()) {
                ++loaded;
                MESSAGE("bit " << bit % 8 << " of byte " << bit / 8 << " flipped: the model still loads");
            } else if (!m.starts_with("archive 'm.model': ")) {
                ++unnamed;
                MESSAGE(m);
            }
        }
        CHECK(loaded == 0);
        CHECK(unnamed == 0);
        CHECK(bytes.size() < 2500); // small, so the case stays fast
    }
}

TEST_CASE("files: files without a checksum load only when they parse completely, and say so") {
    const fs::path golden = fs::path(LEADSCORE_TEST_DATA) / "archive";
    // A golden model file of version 1 (written before checksums) loads, with a note naming it.
    archive_file_info info;
    const model m = load_model(golden / "model.v1.xml", &info);
    CHECK(m.policy);
    CHECK_FALSE(info.checksum);
    CHECK(info.note.find("model.v1.xml' carries no checksum") != std::string::npos);
    routing_state state;
    load_archive_file(golden / "routing_state.v1.txt", state, archive_format::text, "leadscore", &info);
    CHECK_FALSE(info.checksum);

    const fs::path dir = scratch("legacy");
    for (const char* name : {"model.v1.xml", "model.v1.txt"}) {
        CAPTURE(name);
        const std::string bytes = bytes_of(golden / name);
        // White space after the archive is fine; anything else (a checksum line damaged past recognition) is not.
        put(dir / "m.model", bytes + "\n \n");
        CHECK_NOTHROW((void)load_model(dir / "m.model"));
        for (const std::string extra : {"x", "\vleadscore checksum v1 crc32c 0123abcd\n",
                                        "\nleadscore checksum v1 crc32c 0123abcD\n", "<!-- a comment -->\n"}) {
            put(dir / "m.model", bytes + extra);
            CHECK_THROWS_WITH_AS((void)load_model(dir / "m.model"), doctest::Contains("the file is damaged"),
                                 archive_error);
        }
        // Cut short: "truncated", not Boost's "input stream error".
        put(dir / "m.model", bytes.substr(0, bytes.size() / 2));
        CHECK_THROWS_WITH_AS((void)load_model(dir / "m.model"), doctest::Contains("truncated"), archive_error);
    }
    // A checksummed model cut short loses its checksum line and is read as a legacy file: truncated.
    save_model(dir / "new.model", tiny_model(), archive_format::text);
    const std::string whole = bytes_of(dir / "new.model");
    put(dir / "new.model", whole.substr(0, whole.size() / 3));
    CHECK_THROWS_WITH_AS((void)load_model(dir / "new.model"), doctest::Contains("truncated"), archive_error);
    // A directory and an empty file say so.
    CHECK_THROWS_WITH_AS((void)load_model(dir), doctest::Contains("it is a directory"), archive_error);
    put(dir / "empty.model", "");
    CHECK_THROWS_WITH_AS((void)load_model(dir / "empty.model"), doctest::Contains("the file is empty"), archive_error);
    fs::remove_all(dir);
}

} // namespace test_files
