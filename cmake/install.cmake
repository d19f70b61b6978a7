# Install rules and the CMake package, so a consumer writes
#   find_package(leadscore CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE leadscore::leadscore)
# the same spelling that add_subdirectory and FetchContent give (through the ALIAS target). The database part, when
# built (LEADSCORE_SQL), is the component sql: find_package(leadscore CONFIG REQUIRED COMPONENTS sql) gives
# leadscore::sql, its own export set so that consumers of the core alone need no SQLite or libpq.
include(CMakePackageConfigHelpers)

set(LEADSCORE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/leadscore"
    CACHE STRING "Where leadscore's CMake package files are installed, relative to the prefix")
mark_as_advanced(LEADSCORE_INSTALL_CMAKEDIR)

install(TARGETS leadscore
  EXPORT leadscore-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

if(TARGET leadscore_sql)
  install(TARGETS leadscore_sql
    EXPORT leadscore-sql-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT leadscore-sql-targets
    NAMESPACE leadscore::
    FILE leadscore-sqlTargets.cmake
    DESTINATION ${LEADSCORE_INSTALL_CMAKEDIR})
  export(EXPORT leadscore-sql-targets
    NAMESPACE leadscore::
    FILE "${PROJECT_BINARY_DIR}/leadscore-sqlTargets.cmake")
  set(_ls_exclude_sql_headers)
else()
  # Without the target its header would declare functions no installed library defines.
  set(_ls_exclude_sql_headers PATTERN "sql" EXCLUDE)
endif()

# Every header, detail/ ones included: public headers include them.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/leadscore"
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp" ${_ls_exclude_sql_headers})

install(EXPORT leadscore-targets
  NAMESPACE leadscore::
  FILE leadscoreTargets.cmake
  DESTINATION ${LEADSCORE_INSTALL_CMAKEDIR})

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/leadscoreConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/leadscoreConfig.cmake"
  INSTALL_DESTINATION ${LEADSCORE_INSTALL_CMAKEDIR})
# 0.x releases follow the same rule as later ones: a new major version may break consumers.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/leadscoreConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)

install(FILES
  "${PROJECT_BINARY_DIR}/leadscoreConfig.cmake"
  "${PROJECT_BINARY_DIR}/leadscoreConfigVersion.cmake"
  DESTINATION ${LEADSCORE_INSTALL_CMAKEDIR})

# The build tree is a usable package too: -Dleadscore_DIR=<build dir> finds it without installing.
export(EXPORT leadscore-targets
  NAMESPACE leadscore::
  FILE "${PROJECT_BINARY_DIR}/leadscoreTargets.cmake")
