import os

import leadscore


def test_version_is_the_library_version():
    # CMake passes the project's version, read from include/leadscore/version.hpp.
    assert leadscore.__version__ == os.environ["LEADSCORE_VERSION"]


def test_error_hierarchy():
    assert issubclass(leadscore.InputError, leadscore.Error)
    assert issubclass(leadscore.InputError, ValueError)
    assert issubclass(leadscore.DefinitionError, leadscore.Error)
    assert issubclass(leadscore.DefinitionError, ValueError)
    assert not issubclass(leadscore.Error, ValueError)
    assert leadscore.InputError.__module__ == "leadscore"
