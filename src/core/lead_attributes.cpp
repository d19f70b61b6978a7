#include "leadscore/core/lead_attributes.hpp"

#include "leadscore/core/catalogue.hpp"

namespace leadscore {

const lead_attribute* lead_attributes::find(std::string_view name) const noexcept {
    try {
        const auto key = normalize_name(name);
        for (const auto& c : columns)
            if (normalize_name(c.name) == key) return &c;
    } catch (...) { // normalize_name allocates; out of memory reads as "not found"
    }
    return nullptr;
}

} // namespace leadscore
