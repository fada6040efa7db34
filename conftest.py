"""Settings for every kernel nbval starts (kernels inherit this process's environment).

One BLAS thread per kernel: on two shared cores, notebooks and parallel test workers would otherwise fight
over threads (a small matmul took 25× longer under load), and the stored outputs were computed the same way by
`minigrad-course build --execute`. A fixed hash seed keeps set and dict orders in printed output stable.
"""

import os

from minigrad.course.build import ONE_BLAS_THREAD

for _var, _value in ONE_BLAS_THREAD.items():
    os.environ.setdefault(_var, _value)
os.environ.setdefault("PYTHONHASHSEED", "0")
