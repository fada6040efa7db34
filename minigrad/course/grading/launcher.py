"""Start one submission's kernel inside bubblewrap: `python launcher.py SPEC.json CONNECTION_FILE`.

The grader writes SPEC.json (bwrap's options, the seccomp filter's file, the kernel command) and a kernelspec
whose argv runs this file; jupyter_client substitutes the connection file. This file opens the filter, limits
the size of files the kernel may write, and replaces itself with bwrap, so the kernel manager's process *is*
bwrap (killing it kills the sandbox). Standard library only: it runs before anything else is imported.
"""

import json
import os
import resource
import signal
import sys


def main(argv: list[str]) -> None:
    with open(argv[1], encoding="utf-8") as file:
        spec = json.load(file)
    connection_file = argv[2]
    size = spec["file_size"]
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails with EFBIG instead of killing
    args = [spec["bwrap"], *spec["options"]]
    if spec.get("seccomp"):
        fd = os.open(spec["seccomp"], os.O_RDONLY)
        os.set_inheritable(fd, True)
        args += ["--seccomp", str(fd)]
    command = [part.replace("{connection_file}", connection_file) for part in spec["command"]]
    os.execv(args[0], [*args, "--", *command])


if __name__ == "__main__":
    main(sys.argv)
