#pragma once
// The one place the version is defined; CMake reads these three lines.

#define LEADSCORE_VERSION_MAJOR 0
#define LEADSCORE_VERSION_MINOR 1
#define LEADSCORE_VERSION_PATCH 0

#define LEADSCORE_DETAIL_STR2(x) #x
#define LEADSCORE_DETAIL_STR(x) LEADSCORE_DETAIL_STR2(x)
#define LEADSCORE_VERSION_STRING                                                                   \
    LEADSCORE_DETAIL_STR(LEADSCORE_VERSION_MAJOR)                                                  \
    "." LEADSCORE_DETAIL_STR(LEADSCORE_VERSION_MINOR) "." LEADSCORE_DETAIL_STR(LEADSCORE_VERSION_PATCH)

namespace leadscore {
inline constexpr int version_major = LEADSCORE_VERSION_MAJOR;
inline constexpr int version_minor = LEADSCORE_VERSION_MINOR;
inline constexpr int version_patch = LEADSCORE_VERSION_PATCH;
inline constexpr const char* version_string = LEADSCORE_VERSION_STRING;
} // namespace leadscore
