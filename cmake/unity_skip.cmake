# Sources whose file-local helpers share a name with another source's: compiled on their own when CMAKE_UNITY_BUILD
# is ON (cmake/quickstart.sh turns it on for every build).
set_source_files_properties(
  ${PROJECT_SOURCE_DIR}/src/core/schema.cpp
  ${PROJECT_SOURCE_DIR}/src/funnel/attribution.cpp
  ${PROJECT_SOURCE_DIR}/src/funnel/conversion.cpp
  ${PROJECT_SOURCE_DIR}/src/funnel/forecast.cpp
  ${PROJECT_SOURCE_DIR}/src/funnel/kpi.cpp
  ${PROJECT_SOURCE_DIR}/src/funnel/markov.cpp
  ${PROJECT_SOURCE_DIR}/src/io/serialize_scoring.cpp
  ${PROJECT_SOURCE_DIR}/src/qualification/default_policy.cpp
  ${PROJECT_SOURCE_DIR}/src/qualification/stage_map.cpp
  ${PROJECT_SOURCE_DIR}/src/scoring/encoder.cpp
  ${PROJECT_SOURCE_DIR}/src/scoring/points.cpp
  ${PROJECT_SOURCE_DIR}/src/temperature/combine.cpp
  ${PROJECT_SOURCE_DIR}/src/train/encoder.cpp
  PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
