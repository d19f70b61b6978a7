#pragma once
// Human-editable configuration: a TOML file in which a CRM administrator sets the scoring policy (points rules, a fit
// grade, a fit × engagement grid, a calibrated score, or a weighted sum / maximum of such parts and of learned models
// referenced by file), the temperature policy and its bands, the qualification options, and the routing policy
// (round robin, capacity-weighted, or routing rules over either). examples/leadscore.toml is a commented example of
// every key.
//
// Semantics a user must know:
// - Every section is optional: without [scoring] the configuration holds no scoring policy (scoring is empty);
//   without [temperature] it holds purchase_timeframe_policy{} (the sales rule: hot now, warm within 60 days);
//   without [qualification] it holds default_qualification_policy{}; without [routing] routing is empty. A key left
//   out takes the default the policy's own struct gives it (points_rules, timeframe_rule, qualification_rules, …).
// - `kind` names a built-in policy by a word ("points", "timeframe", …; in [qualification] it is optional and its
//   word is "default"), or a policy type of your own by its export key: after
//       register_scoring_config<acme::value_at_stake>("acme.value_at_stake", read_value_at_stake);
//   `kind = "acme.value_at_stake"` builds one with read_value_at_stake from the section's other keys, in [scoring]
//   or in any part (likewise register_temperature_config, register_qualification_config, register_routing_config;
//   leadscore/io/policy_registry.hpp). The key is the one archives save the type under: one key, one type.
// - Routing targets are written "team:NAME", "rep:NAME" or "queue:NAME"; whether the names exist is checked when the
//   policy is bound to a routing state (as for rules built in code).
// - Policies are built through their public constructors, so the same validation applies as in code; the loaded
//   policies score exactly as the same policies built in code.
// - Unknown keys are errors, so that a typo is never silently ignored — in a registered type's section too (the keys
//   its reader did not read). Numbers must be finite. So are unknown event types: an engagement rule's `event` and
//   the names in [qualification]'s inquiry_events and not_interest_events must be in the event catalogue the
//   configuration is read against (config_options::events; the built-in one by default), since a rule for a type no
//   lead can have would score nothing, silently.
// - A learned model is not inlined: a part `kind = "model"` names a model file (relative to the configuration file's
//   folder), which the caller's model_loader turns into a scoring_policy.
//
// Errors: every refusal is a config_error (an input_error, so a leadscore::error) whose message names the file, the
// line and the key path: "leadscore.toml:14: scoring.fit[2].points: must be finite". Syntax errors name the line and
// column. Input is bounded (config_limits): a file larger than max_bytes, or scoring and temperature parts nested
// deeper than max_depth, are refused before any large allocation.

#include "leadscore/core/catalogue.hpp"
#include "leadscore/core/error.hpp"
#include "leadscore/core/file_path.hpp"
#include "leadscore/io/config_section.hpp"
#include "leadscore/io/policy_registry.hpp"
#include "leadscore/qualification/any_policy.hpp"
#include "leadscore/routing/any_policy.hpp"
#include "leadscore/scoring/any_policy.hpp"
#include "leadscore/temperature/any_policy.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace leadscore {

/// A learned model the configuration refers to by file.
struct model_reference {
    std::string key;              ///< the key path of the part that names it ("scoring.parts[1]")
    std::size_t line = 0;         ///< the line of its `file` key
    file_path file;               ///< as written in the configuration
    file_path resolved;           ///< relative paths taken from the configuration file's folder
};

/// Turns a referenced model file into a policy (for example by loading an archive). Exceptions derived from
/// leadscore::error are reported as a config_error naming the part's line and key; others pass through.
using model_loader = std::function<scoring_policy(const model_reference&)>;

/// Bounds on hostile input.
struct config_limits {
    std::size_t max_bytes = 1u << 20; ///< larger input is refused unread (1 MiB: configurations are hand-written)
    std::size_t max_depth = 8;        ///< scoring / temperature parts within parts
};

/// How load_config reads a configuration.
struct config_options {
    /// Needed only when the configuration has a part of kind "model"; without it such a part is a config_error.
    model_loader load_model{};
    config_limits limits{}; ///< bounds on the input's size and nesting
    /// The event types engagement rules and qualification event lists may name (compared normalized); a name not in
    /// it is a config_error. nullptr = the built-in event_catalogue. It must outlive the load_config call.
    const event_catalogue* events = nullptr;
};

/// A loaded configuration: ready policies.
struct configuration {
    /// What a file without sections gives: no scoring or routing policy, purchase_timeframe_policy{} and
    /// default_qualification_policy{}, no models. (Made in the library, so that including this header does not
    /// instantiate those two policies' type-erased forms.)
    configuration();

    /// Empty (operator bool false) when the file has no [scoring] section.
    scoring_policy scoring;
    /// purchase_timeframe_policy{} when the file has no [temperature] section.
    temperature_policy temperature;
    /// default_qualification_policy{} when the file has no [qualification] section.
    qualification_policy qualification;
    /// Empty (operator bool false) when the file has no [routing] section.
    routing_policy routing;
    /// Every model file referenced, in file order.
    std::vector<model_reference> models;
};

/// Parses TOML text. `name` is the file name used in messages, and its folder resolves model paths.
/// Throws config_error (see the header comment); never anything else for bad text, except what a model loader
/// throws outside the leadscore::error family.
[[nodiscard]] configuration load_config(std::string_view text, std::string_view name = "<memory>",
                                        const config_options& options = {});
/// Reads and parses a file; config_error names it when it cannot be read or is larger than limits.max_bytes.
[[nodiscard]] configuration load_config_file(const file_path& path, const config_options& options = {});

} // namespace leadscore
