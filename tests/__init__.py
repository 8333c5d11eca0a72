"""The test suite, laid out as src/sparkify/ is (README, "Tests"): tests/<package>/ holds the
tests of sparkify.<package>; plugins/ the fixtures (loaded by conftest.py), support/ the helpers
tests import (`from tests.support.helpers import event`), and faults/, project/ the suites that
cut across packages."""
