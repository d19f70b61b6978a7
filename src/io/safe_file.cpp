#include "leadscore/io/detail/safe_file.hpp"

#include "leadscore/io/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string_view>
#include <vector>

namespace leadscore::detail {

namespace {

// ---- CRC-32C, slicing by 8 (tables built at compile time; bytes combined by value, so any byte order works) ----

constexpr std::uint32_t castagnoli = 0x82F63B78u; // the polynomial, reflected

// Plain arrays rather than std::array: the loop then costs no call per lookup in a Debug build.
struct crc32c_table_set {
    std::uint32_t t[8][256];
};
constexpr crc32c_table_set crc32c_tables = [] {
    crc32c_table_set s{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ castagnoli : c >> 1;
        s.t[0][i] = c;
    }
    for (std::size_t i = 0; i < 256; ++i)
        for (std::size_t k = 1; k < 8; ++k) s.t[k][i] = (s.t[k - 1][i] >> 8) ^ s.t[0][s.t[k - 1][i] & 0xffu];
    return s;
}();

// ---- The checksum line ----

// The line a checksummed archive file ends with: LEAD "leadscore checksum v" VERSION " crc32c " 8 lowercase hex digits
// TAIL. The CRC covers every byte before the digits (the archive, LEAD, the version). Recognised only exactly: a
// damaged line is not a checksum line, so the file is then read as a legacy one, which fails on the line's text.
constexpr unsigned checksum_version = 1;
struct checksum_line_form {
    std::string_view lead, tail;
};
constexpr checksum_line_form plain_checksum_line{"\n", "\n"};
constexpr checksum_line_form xml_checksum_line{"\n<!-- ", " -->\n"};
constexpr std::string_view checksum_line_words = "leadscore checksum v";
constexpr std::string_view checksum_crc_words = " crc32c ";

std::string checksum_line_head(const checksum_line_form& form) {
    return std::string(form.lead) + std::string(checksum_line_words) + std::to_string(checksum_version) +
           std::string(checksum_crc_words);
}

std::string checksum_hex8(std::uint32_t v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(8, '0');
    for (int i = 7; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = digits[v & 0xfu];
    return s;
}

/// Where the checksum line of a file's last bytes starts, its version and CRC; nullopt when `tail` does not end in one.
struct checksum_line {
    std::size_t start = 0;  // offset of LEAD within `tail`
    std::size_t digits = 0; // offset of the hex digits within `tail`
    std::uint64_t version = 0;
    std::uint32_t crc = 0;
};

std::optional<checksum_line> find_checksum_line(std::string_view tail, const checksum_line_form& form) {
    if (!tail.ends_with(form.tail) || tail.size() < form.tail.size() + 8) return std::nullopt;
    checksum_line t;
    t.digits = tail.size() - form.tail.size() - 8;
    for (std::size_t i = 0; i < 8; ++i) {
        const char c = tail[t.digits + i];
        const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) return std::nullopt;
        t.crc = (t.crc << 4) | static_cast<std::uint32_t>(v);
    }
    std::string_view head = tail.substr(0, t.digits);
    if (!head.ends_with(checksum_crc_words)) return std::nullopt;
    head.remove_suffix(checksum_crc_words.size());
    std::size_t n = 0; // version digits
    while (n < head.size() && n < 9 && head[head.size() - 1 - n] >= '0' && head[head.size() - 1 - n] <= '9') ++n;
    if (n == 0 || head[head.size() - n] == '0') return std::nullopt;
    for (std::size_t i = head.size() - n; i < head.size(); ++i) t.version = t.version * 10 + unsigned(head[i] - '0');
    head.remove_suffix(n);
    if (!head.ends_with(checksum_line_words)) return std::nullopt;
    head.remove_suffix(checksum_line_words.size());
    if (!head.ends_with(form.lead)) return std::nullopt;
    t.start = head.size() - form.lead.size();
    return t;
}

bool is_archive_space(int c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

[[noreturn]] void throw_file_write_error(const std::string& name, int err) {
    throw error(name + ": cannot write: " + std::strerror(err != 0 ? err : EIO));
}

namespace fs = std::filesystem;

/// The file a name refers to after following symbolic links (at most 40, as the kernel does); a dangling link's
/// target, so that writing creates the file it points to.
fs::path follow_symlinks(fs::path p) {
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
        std::error_code ec;
        const fs::path link = fs::read_symlink(p, ec);
        if (ec) return p;
        p = link.is_absolute() ? link : p.parent_path() / link;
    }
    return p;
}

std::atomic<unsigned> atomic_temp_counter{0};

} // namespace

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc) noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
    const auto& t = crc32c_tables.t;
    crc = ~crc;
    for (; size >= 8; size -= 8, p += 8) {
        crc ^= std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
        crc = t[7][crc & 0xffu] ^ t[6][(crc >> 8) & 0xffu] ^ t[5][(crc >> 16) & 0xffu] ^ t[4][crc >> 24] ^ t[3][p[4]] ^
              t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    }
    for (; size > 0; --size, ++p) crc = (crc >> 8) ^ t[0][(crc ^ *p) & 0xffu];
    return ~crc;
}

// ---- atomic_file ----

/// An output buffer over a file descriptor that hashes what it writes while `hashing`, and keeps the first errno.
class fd_output_buffer : public std::streambuf {
public:
    fd_output_buffer() : buffer_(std::size_t{1} << 16) { setp(buffer_.data(), buffer_.data() + buffer_.size()); }
    void attach(int fd) noexcept { fd_ = fd; }
    [[nodiscard]] int error() const noexcept { return error_; }
    [[nodiscard]] std::uint32_t crc() const noexcept { return crc_; }
    void set_hashing(bool on) noexcept { hashing_ = on; }

protected:
    int_type overflow(int_type c) override {
        if (!drain()) return traits_type::eof();
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    int sync() override { return drain() ? 0 : -1; }

private:
    bool drain() {
        const char* p = pbase();
        std::size_t n = static_cast<std::size_t>(pptr() - pbase());
        if (error_ != 0) return false;
        if (hashing_) crc_ = crc32c(p, n, crc_);
        while (n > 0) {
            const ssize_t w = ::write(fd_, p, n);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                error_ = w < 0 ? errno : EIO;
                return false;
            }
            p += w;
            n -= static_cast<std::size_t>(w);
        }
        setp(buffer_.data(), buffer_.data() + buffer_.size());
        return true;
    }

    std::vector<char> buffer_;
    int fd_ = -1;
    int error_ = 0;
    std::uint32_t crc_ = 0;
    bool hashing_ = false;
};


struct atomic_file::impl {
    std::string name;  // as given, for messages
    fs::path target;   // the file replaced (links followed)
    fs::path temp;     // the new file; empty when writing in place or once renamed
    int fd = -1;
    fd_output_buffer buffer;
    std::ostream out{&buffer};
    file_trailer trailer = file_trailer::none;
    bool prepared = false;
    std::optional<struct stat> old; // the file replaced, when there is one

    [[noreturn]] void fail(int err) const { throw_file_write_error(name, err); }

    void close_fd() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    ~impl() {
        close_fd();
        if (!temp.empty()) ::unlink(temp.c_str());
    }
};

atomic_file::atomic_file(const file_path& target, file_trailer trailer) : impl_(std::make_unique<impl>()) {
    impl& m = *impl_;
    m.name = target.string();
    m.trailer = trailer;
    struct stat st {};
    const bool exists = ::stat(m.name.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) m.fail(EISDIR);
    const bool special = m.name.starts_with("/dev/") || m.name.starts_with("/proc/");
    if (exists && (!S_ISREG(st.st_mode) || special)) {
        // A terminal, a pipe, /dev/null, /dev/stdout: nothing to keep, and nothing to rename over.
        m.fd = ::open(m.name.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (m.fd < 0) m.fail(errno);
    } else {
        if (exists) m.old = st;
        m.target = follow_symlinks(fs::path(m.name));
        const fs::path dir = m.target.parent_path();
        const std::string base = "." + m.target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-";
        const auto stamp = static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count());
        for (int attempt = 0; m.fd < 0; ++attempt) {
            const fs::path temp = dir / (base + std::to_string(stamp ^ atomic_temp_counter.fetch_add(1) * 2654435761u));
            // 0666 less the umask (and a directory's default ACL), as for any new file; an old file's mode is set
            // in prepare().
            m.fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (m.fd >= 0) m.temp = temp;
            else if (errno != EEXIST || attempt > 100) m.fail(errno);
        }
    }
    m.buffer.attach(m.fd);
    m.buffer.set_hashing(trailer != file_trailer::none);
}

atomic_file::~atomic_file() = default;

std::ostream& atomic_file::stream() noexcept { return impl_->out; }

const std::string& atomic_file::name() const noexcept { return impl_->name; }

void atomic_file::check() const {
    if (!impl_->out) impl_->fail(impl_->buffer.error());
}

void atomic_file::prepare() {
    impl& m = *impl_;
    if (m.prepared) return;
    if (m.trailer != file_trailer::none) {
        const checksum_line_form& form = m.trailer == file_trailer::xml_checksum ? xml_checksum_line : plain_checksum_line;
        m.out << checksum_line_head(form);
        m.out.flush(); // hashed up to the digits
        m.buffer.set_hashing(false);
        m.out << checksum_hex8(m.buffer.crc()) << form.tail;
    }
    m.out.flush();
    check();
    if (!m.temp.empty()) {
        if (m.old) {
            // Owner first (best effort: only root may give a file away), since a change of owner clears set-id bits.
            if ((m.old->st_uid != ::geteuid() || m.old->st_gid != ::getegid()) &&
                ::fchown(m.fd, m.old->st_uid, m.old->st_gid) != 0) {
                // kept as the writer's: the permission bits below still apply
            }
            if (::fchmod(m.fd, m.old->st_mode & 07777) != 0) m.fail(errno);
        }
        if (::fsync(m.fd) != 0) m.fail(errno); // data and mode on disk before the rename makes them the file
    }
    const int fd = m.fd;
    m.fd = -1;
    if (::close(fd) != 0 && errno != EINTR) m.fail(errno); // NFS reports some write errors only here
    m.prepared = true;
}

void atomic_file::commit() {
    prepare();
    impl& m = *impl_;
    if (m.temp.empty()) return;
    if (::rename(m.temp.c_str(), m.target.c_str()) != 0) m.fail(errno);
    m.temp.clear();
    // The rename is durable once the directory is: fsync it (EINVAL: a file system that cannot, nothing to do).
    const fs::path dir = m.target.parent_path().empty() ? fs::path(".") : m.target.parent_path();
    const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
        const int r = ::fsync(d);
        const int err = errno;
        ::close(d);
        if (r != 0 && err != EINVAL) m.fail(err);
    }
}

// ---- checked_file ----

struct checked_file::impl {
    std::unique_ptr<std::ifstream> own;
    std::istream* in = nullptr;
    std::string source;
    bool checksummed = false;
    std::uint64_t size = 0;
    std::uint64_t archive_limit = 0; // where the archive must end: the checksum line, or the end of the file

    [[noreturn]] void fail(std::string_view what) const { throw_archive_error(source, what); }

    void check() {
        in->seekg(0, std::ios::end);
        const auto end = in->tellg();
        if (!*in || end < 0) fail("cannot read the file");
        size = static_cast<std::uint64_t>(end);
        if (size == 0) fail("the file is empty");
        archive_limit = size;
        const std::uint64_t tail_size = std::min<std::uint64_t>(size, 128);
        std::string tail(static_cast<std::size_t>(tail_size), '\0');
        in->seekg(static_cast<std::streamoff>(size - tail_size));
        in->read(tail.data(), static_cast<std::streamsize>(tail.size()));
        if (!*in) fail("cannot read the file");
        std::optional<checksum_line> t = find_checksum_line(tail, plain_checksum_line);
        if (!t) t = find_checksum_line(tail, xml_checksum_line);
        if (t) {
            const std::uint64_t covered = size - tail_size + t->digits;
            in->seekg(0);
            std::array<char, 1 << 16> chunk;
            std::uint32_t crc = 0;
            for (std::uint64_t left = covered; left > 0;) {
                const auto n = static_cast<std::streamsize>(std::min<std::uint64_t>(left, chunk.size()));
                if (!in->read(chunk.data(), n)) fail("cannot read the file");
                crc = crc32c(chunk.data(), static_cast<std::size_t>(n), crc);
                left -= static_cast<std::uint64_t>(n);
            }
            if (crc != t->crc) fail("checksum mismatch: the file is damaged");
            if (t->version != checksum_version)
                fail("checksum format version " + std::to_string(t->version) + " is newer than this library's (" +
                     std::to_string(checksum_version) + ")");
            checksummed = true;
            archive_limit = size - tail_size + t->start;
        }
        in->clear();
        in->seekg(0);
    }
};

checked_file::checked_file(const file_path& path) : impl_(std::make_unique<impl>()) {
    impl& m = *impl_;
    m.source = path.string();
    std::error_code ec;
    if (fs::is_directory(fs::path(m.source), ec)) m.fail("cannot open the file: it is a directory");
    m.own = std::make_unique<std::ifstream>(m.source, std::ios::binary);
    if (!*m.own) m.fail(std::string("cannot open the file: ") + std::strerror(errno));
    m.in = m.own.get();
    m.check();
}

checked_file::checked_file(std::istream& in, std::string source) : impl_(std::make_unique<impl>()) {
    impl_->source = std::move(source);
    impl_->in = &in;
    impl_->check();
}

checked_file::~checked_file() = default;

std::istream& checked_file::stream() noexcept { return *impl_->in; }
bool checked_file::checksummed() const noexcept { return impl_->checksummed; }
const std::string& checked_file::source() const noexcept { return impl_->source; }

void checked_file::finish() {
    impl& m = *impl_;
    std::istream& in = *m.in;
    std::uint64_t at = m.size; // a reader that hit the end of the file read everything
    if (!in.eof()) {
        const auto pos = in.tellg();
        if (pos < 0) m.fail("cannot read the file");
        at = static_cast<std::uint64_t>(pos);
    }
    if (at > m.archive_limit) m.fail("the archive runs into its checksum line: the file is damaged");
    in.clear();
    for (; at < m.archive_limit; ++at)
        if (!is_archive_space(in.get()))
            m.fail(m.checksummed ? "bytes between the archive and its checksum line: the file is damaged"
                                 : "bytes after the end of the archive (a damaged checksum line?): the file is damaged");
}

std::string legacy_file_note(const checked_file& file) {
    if (file.checksummed()) return {};
    return "'" + file.source() +
           "' carries no checksum (written before leadscore checked files), so damage inside it may go unnoticed; "
           "save it again to add one";
}

} // namespace leadscore::detail
