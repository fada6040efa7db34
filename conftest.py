"""Settings for the whole test run, and for every kernel nbval starts (kernels inherit this environment).

The tests and the notebooks nbval runs use the reference package, not a student's exported modules in
.minigrad/: the overlay is off (set before minigrad is first imported; `minigrad-course test` sets its own
overlay, hence setdefault).

One BLAS thread per kernel: on two shared cores, notebooks and parallel test workers would otherwise fight
over threads (a small matmul took 25× longer under load), and the stored outputs were computed the same way by
`minigrad-course build --execute`. A fixed hash seed keeps set and dict orders in printed output stable.

Every notebook cell nbval runs is marked `slow` and `notebook`, so the fast lane for development,
`python -m pytest -m "not slow and not browser"`, runs the unit tests only.
"""

import os

os.environ.setdefault("MINIGRAD_OVERLAY", "off")

import pytest  # noqa: E402

from minigrad.course.build import ONE_BLAS_THREAD  # noqa: E402

for _var, _value in ONE_BLAS_THREAD.items():
    os.environ.setdefault(_var, _value)
os.environ.setdefault("PYTHONHASHSEED", "0")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.notebook)
