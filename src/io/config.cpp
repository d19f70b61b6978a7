// The TOML configuration loader: bounds the input, hands each top-level section to its reader
// (config_scoring.cpp, config_temperature.cpp, config_routing.cpp), and keeps configuration keys of registered
// policy types apart from the words of the built-in ones.

#include "config_reader.hpp"

#include "leadscore/qualification/default_policy.hpp"
#include "leadscore/temperature/timeframe.hpp"

#include <algorithm>
#include <fstream>
#include <span>
#include <string>

namespace leadscore {

namespace detail {

void check_config_key(std::string_view section, const std::string& key, const std::string& call) {
    std::span<const std::string_view> words;
    if (section == "scoring") words = scoring_words;
    else if (section == "temperature") words = temperature_words;
    else if (section == "qualification") words = qualification_words;
    else if (section == "routing") words = routing_words;
    if (std::find(words.begin(), words.end(), key) != words.end())
        throw definition_error(call + ": '" + key + "' names a built-in policy in [" + std::string(section) +
                               "]; register under a key of your own (\"acme." + key + "\")");
}

} // namespace detail

configuration::configuration()
    : temperature(purchase_timeframe_policy{}), qualification(default_qualification_policy{}) {}

configuration load_config(std::string_view text, std::string_view name, const config_options& options) {
    detail::config_context ctx;
    ctx.file = std::string(name);
    ctx.folder = std::filesystem::path(std::string(name)).parent_path();
    ctx.options = &options;
    if (text.size() > options.limits.max_bytes)
        throw config_error(source_location{ctx.file, 0, 0, {}}, "",
                           "larger than " + std::to_string(options.limits.max_bytes) + " bytes");
    configuration out;
    ctx.models = &out.models;
    detail::config_access::read_document(text, ctx, [&](const config_section& top) {
        if (auto s = top.section("scoring")) out.scoring = detail::read_scoring(*s, 0);
        if (auto s = top.section("temperature")) out.temperature = detail::read_temperature(*s, 0);
        if (auto s = top.section("qualification")) out.qualification = detail::read_qualification(*s);
        if (auto s = top.section("routing")) out.routing = detail::read_routing(*s);
        detail::config_access::finish(top);
    });
    return out;
}

configuration load_config_file(const file_path& path, const config_options& options) {
    const std::string name = path.string();
    std::ifstream in(name, std::ios::binary);
    if (!in) throw config_error(source_location{name, 0, 0, {}}, "", "cannot open the file");
    // Read at most max_bytes + 1 bytes: a larger file is refused without reading it all.
    std::string text(options.limits.max_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) throw config_error(source_location{name, 0, 0, {}}, "", "cannot read the file");
    text.resize(static_cast<std::size_t>(in.gcount()));
    return load_config(text, name, options);
}

} // namespace leadscore
