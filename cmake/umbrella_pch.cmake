# A precompiled umbrella header for the small programs of leadscore's own build: the documentation's programs, the
# examples and train_reference. Most of them include leadscore/leadscore.hpp, which takes a second or two to parse
# and a few tenths of a second to load precompiled: parsed once into a precompiled header, it is paid once per set of
# compile flags instead of once per program.
#
# A precompiled header is valid only for programs compiled with the flags it was built with, so each set of flags has
# a host target of its own (compiled only when a program uses it), given the same options as its programs.
# A program uses it only when its source includes leadscore/leadscore.hpp itself: the precompiled header then holds
# nothing the program's own text does not include, and a program that misses an include still fails to compile, as it
# would for a user who copies it. Used only in leadscore's top-level build (never by its users);
# -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON turns it off.

# leadscore_umbrella_pch(<host>): the host target that precompiles the umbrella header with the flags of a program
# linking leadscore::leadscore; give it the same compile options as its programs.
function(leadscore_umbrella_pch host)
  set(source "${CMAKE_CURRENT_BINARY_DIR}/${host}.cpp")
  file(CONFIGURE OUTPUT "${source}" CONTENT "// The host of a precompiled header (cmake/umbrella_pch.cmake).\n")
  add_library(${host} OBJECT EXCLUDE_FROM_ALL "${source}")
  target_link_libraries(${host} PRIVATE leadscore::leadscore)
  target_precompile_headers(${host} PRIVATE <leadscore/leadscore.hpp>)
endfunction()

# leadscore_reuse_umbrella_pch(<host> <target>...): each target that is a program of one source file including
# leadscore/leadscore.hpp loads the host's precompiled header; the others are left as they are.
function(leadscore_reuse_umbrella_pch host)
  foreach(target IN LISTS ARGN)
    get_target_property(sources ${target} SOURCES)
    list(LENGTH sources count)
    if(NOT count EQUAL 1)
      continue()
    endif()
    get_target_property(dir ${target} SOURCE_DIR)
    cmake_path(ABSOLUTE_PATH sources BASE_DIRECTORY "${dir}" OUTPUT_VARIABLE source)
    file(STRINGS "${source}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]leadscore/leadscore[.]hpp[>\"]")
    if(includes)
      target_precompile_headers(${target} REUSE_FROM ${host})
    endif()
  endforeach()
endfunction()
