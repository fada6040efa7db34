"""Settings for every kernel nbval starts (kernels inherit this process's environment).

One BLAS thread per kernel: on two shared cores, notebooks and parallel test workers would otherwise fight
over threads (a small matmul took 25× longer under load), and the stored outputs were computed the same way by
`minigrad-course build --execute`. A fixed hash seed keeps set and dict orders in printed output stable.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("PYTHONHASHSEED", "0")
