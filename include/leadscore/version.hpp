#pragma once
// The one place the version is defined. CMake reads the three numbers below with a pattern that allows nothing
// else on their lines (no trailing comment).

/// version_major, for preprocessor tests.
#define LEADSCORE_VERSION_MAJOR 0
/// version_minor, for preprocessor tests.
#define LEADSCORE_VERSION_MINOR 1
/// version_patch, for preprocessor tests.
#define LEADSCORE_VERSION_PATCH 0

#define LEADSCORE_DETAIL_STR2(x) #x
#define LEADSCORE_DETAIL_STR(x) LEADSCORE_DETAIL_STR2(x)
/// version_string as a string literal.
#define LEADSCORE_VERSION_STRING                                                                   \
    LEADSCORE_DETAIL_STR(LEADSCORE_VERSION_MAJOR)                                                  \
    "." LEADSCORE_DETAIL_STR(LEADSCORE_VERSION_MINOR) "." LEADSCORE_DETAIL_STR(LEADSCORE_VERSION_PATCH)

namespace leadscore {
/// Major version: releases with the same major version are compatible; the shared library's SONAME carries it.
inline constexpr int version_major = LEADSCORE_VERSION_MAJOR;
/// Minor version, within the major one.
inline constexpr int version_minor = LEADSCORE_VERSION_MINOR;
/// Patch version, within the minor one.
inline constexpr int version_patch = LEADSCORE_VERSION_PATCH;
/// "major.minor.patch", e.g. "0.1.0".
inline constexpr const char* version_string = LEADSCORE_VERSION_STRING;
} // namespace leadscore
