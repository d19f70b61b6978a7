// Preprocessed by the ctest case layers.umbrella_light (tests/CMakeLists.txt): the header dependencies of a
// program that includes only the umbrella header must not reach the heavy libraries it keeps out.
#include "leadscore/leadscore.hpp"
