"""Settings for the whole test run, and for every kernel nbval starts (kernels inherit this environment).

One BLAS thread per kernel: on two shared cores, notebooks and parallel test workers would otherwise fight
over threads (a small matmul took 25× longer under load), and the stored outputs were computed the same way by
`minigrad-course build --execute`. A fixed hash seed keeps set and dict orders in printed output stable.

Every notebook cell nbval runs is marked `slow` and `notebook`, so the fast lane for development,
`python -m pytest -m "not slow and not browser"`, runs the unit tests only.
"""

import os

import pytest

from minigrad.course.build import ONE_BLAS_THREAD

for _var, _value in ONE_BLAS_THREAD.items():
    os.environ.setdefault(_var, _value)
os.environ.setdefault("PYTHONHASHSEED", "0")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.notebook)
