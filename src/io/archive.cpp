#include "leadscore/io/archive.hpp"

#include "leadscore/core/dictionary.hpp"
#include "leadscore/io/detail/archive_primitives.hpp"
#include "leadscore/io/serialize_core.hpp"
#include "leadscore/io/serialize_funnel.hpp"

#include <boost/archive/polymorphic_binary_iarchive.hpp>
#include <boost/archive/polymorphic_binary_oarchive.hpp>
#include <boost/archive/polymorphic_text_iarchive.hpp>
#include <boost/archive/polymorphic_text_oarchive.hpp>
#include <boost/archive/polymorphic_xml_iarchive.hpp>
#include <boost/archive/polymorphic_xml_oarchive.hpp>

#include <charconv>
#include <cmath>
#include <utility>

namespace leadscore {

namespace detail {

void throw_archive_error(std::string_view source, std::string_view what) {
    throw archive_error("archive '" + std::string(source) + "': " + std::string(what));
}

namespace {

// No Boost header: Boost 1.74 reads its signature text by allocating whatever length the file declares.
constexpr unsigned boost_flags = boost::archive::no_header;

std::unique_ptr<boost::archive::polymorphic_oarchive> make_output(std::ostream& out, archive_format format) {
    switch (format) {
    case archive_format::text: return std::make_unique<boost::archive::polymorphic_text_oarchive>(out, boost_flags);
    case archive_format::xml: return std::make_unique<boost::archive::polymorphic_xml_oarchive>(out, boost_flags);
    case archive_format::binary: break;
    }
    return std::make_unique<boost::archive::polymorphic_binary_oarchive>(out, boost_flags);
}

std::unique_ptr<boost::archive::polymorphic_iarchive> make_input(std::istream& in, archive_format format) {
    switch (format) {
    case archive_format::text: return std::make_unique<boost::archive::polymorphic_text_iarchive>(in, boost_flags);
    case archive_format::xml:
        // Closing tags are not compared with the expected names: Boost 1.74's comparison reads past the expected name
        // when a file's tag is longer (found by fuzz_archive). Layout and values are checked.
        return std::make_unique<boost::archive::polymorphic_xml_iarchive>(
            in, boost_flags | boost::archive::no_xml_tag_checking);
    case archive_format::binary: break;
    }
    return std::make_unique<boost::archive::polymorphic_binary_iarchive>(in, boost_flags);
}

// The archive of the innermost archive_writer or archive_reader of this thread and its format: format_of, asked for
// every text, number and array, answers for it without a dynamic_cast. (Set once the archive's magic number is read,
// so a constructor that throws leaves it as it was.)
thread_local archive_in_use in_use;

} // namespace

archive_writer::archive_writer(std::ostream& out, archive_format format)
    : ar_(make_output(out, format)), format_(format) {
    if (format_ != archive_format::xml) {
        const std::uint64_t magic = archive_magic;
        *ar_ << boost::serialization::make_nvp("leadscore_archive", magic);
    }
    outer_ = std::exchange(in_use, {ar_.get(), format_});
}

archive_writer::~archive_writer() { in_use = outer_; }

void archive_writer::finish() {
    if (format_ != archive_format::xml) {
        const std::uint64_t end = ~archive_magic; // a text archive cut inside its last number would still parse
        *ar_ << boost::serialization::make_nvp("end", end);
    }
}

archive_reader::archive_reader(std::istream& in, archive_format format)
    : ar_(make_input(in, format)), format_(format) {
    if (format_ != archive_format::xml) {
        std::uint64_t magic = 0;
        *ar_ >> boost::serialization::make_nvp("leadscore_archive", magic);
        if (magic != archive_magic) throw error("not a leadscore archive (or not of this format)");
    }
    outer_ = std::exchange(in_use, {ar_.get(), format_});
}

archive_reader::~archive_reader() { in_use = outer_; }

void archive_reader::finish() {
    if (format_ != archive_format::xml) {
        std::uint64_t end = 0;
        *ar_ >> boost::serialization::make_nvp("end", end);
        if (end != ~archive_magic) throw error("the archive is cut short or has something after the value");
    }
}

namespace archive {

void fail(const std::string& what) { throw error(what); }

archive_format format_of(const boost::archive::polymorphic_oarchive& ar) {
    if (&ar == in_use.archive) return in_use.format;
    if (dynamic_cast<const boost::archive::polymorphic_xml_oarchive*>(&ar)) return archive_format::xml;
    if (dynamic_cast<const boost::archive::polymorphic_text_oarchive*>(&ar)) return archive_format::text;
    if (dynamic_cast<const boost::archive::polymorphic_binary_oarchive*>(&ar)) return archive_format::binary;
    throw definition_error("an output archive other than Boost's polymorphic text, XML and binary archives");
}

archive_format format_of(const boost::archive::polymorphic_iarchive& ar) {
    if (&ar == in_use.archive) return in_use.format;
    if (dynamic_cast<const boost::archive::polymorphic_xml_iarchive*>(&ar)) return archive_format::xml;
    if (dynamic_cast<const boost::archive::polymorphic_text_iarchive*>(&ar)) return archive_format::text;
    if (dynamic_cast<const boost::archive::polymorphic_binary_iarchive*>(&ar)) return archive_format::binary;
    throw definition_error("an input archive other than Boost's polymorphic text, XML and binary archives");
}

std::string doubles_to_text(const double* data, std::size_t n) {
    std::string out;
    char buf[32];
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) out += ' ';
        if (std::isnan(data[i])) {
            out += "nan";
        } else {
            const auto r = std::to_chars(buf, buf + sizeof buf, data[i]); // shortest form that reads back exactly
            out.append(buf, r.ptr);
        }
    }
    return out;
}

void doubles_from_text(const std::string& text, double* out, std::size_t n, const char* name) {
    const char* p = text.data();
    const char* end = p + text.size();
    for (std::size_t i = 0; i < n; ++i) {
        while (p < end && *p == ' ') ++p;
        if (p == end) fail(std::string(name) + ": " + std::to_string(n) + " numbers expected, " + std::to_string(i) + " found");
        const auto r = std::from_chars(p, end, out[i]);
        if (r.ec != std::errc() || (r.ptr != end && *r.ptr != ' '))
            fail(std::string(name) + ": number " + std::to_string(i) + " is not a number");
        p = r.ptr;
    }
    while (p < end && *p == ' ') ++p;
    if (p != end) fail(std::string(name) + ": more than " + std::to_string(n) + " numbers");
}

void check_codes(const std::vector<std::int32_t>& codes, std::size_t size, const std::string& what) {
    for (std::size_t i = 0; i < codes.size(); ++i)
        if (codes[i] != missing_code && (codes[i] < 0 || static_cast<std::size_t>(codes[i]) >= size))
            fail(what + ": code " + std::to_string(codes[i]) + " at row " + std::to_string(i) + " is outside its " +
                 std::to_string(size) + "-entry dictionary");
}

void check_version(unsigned version, unsigned current, const char* type) {
    if (version > current)
        fail(std::string(type) + ": version " + std::to_string(version) + " is newer than this library's (" +
             std::to_string(current) + ")");
}

} // namespace archive
} // namespace detail
} // namespace leadscore

namespace leadscore {
// The archive functions of the core types (serialize_core.hpp) and the funnel types (serialize_funnel.hpp), which
// the headers declare extern.
LEADSCORE_ARCHIVE_FUNCTIONS(, dictionary);
LEADSCORE_ARCHIVE_FUNCTIONS(, schema);
LEADSCORE_ARCHIVE_FUNCTIONS(, funnel);
LEADSCORE_ARCHIVE_FUNCTIONS(, stage_history);
LEADSCORE_ARCHIVE_FUNCTIONS(, lead_table);
LEADSCORE_ARCHIVE_FUNCTIONS(, stage_counts);
LEADSCORE_ARCHIVE_FUNCTIONS(, conversion_group);
LEADSCORE_ARCHIVE_FUNCTIONS(, kpi_counts);
LEADSCORE_ARCHIVE_FUNCTIONS(, markov_chain);
LEADSCORE_ARCHIVE_FUNCTIONS(, duration_summary);
LEADSCORE_ARCHIVE_FUNCTIONS(, survival_curve);
LEADSCORE_ARCHIVE_FUNCTIONS(, incidence_curve);
LEADSCORE_ARCHIVE_FUNCTIONS(, attribution_result);
LEADSCORE_ARCHIVE_FUNCTIONS(, conversion_accumulator);
LEADSCORE_ARCHIVE_FUNCTIONS(, timing_accumulator);
LEADSCORE_ARCHIVE_FUNCTIONS(, kpi_accumulator);
LEADSCORE_ARCHIVE_FUNCTIONS(, cohort_accumulator);
LEADSCORE_ARCHIVE_FUNCTIONS(, markov_accumulator);
LEADSCORE_ARCHIVE_FUNCTIONS(, competing_risks_accumulator);
} // namespace leadscore
