"""The grader behind `minigrad-course grade` and `check` (COURSE.md §6), one small module per step.

- notebook.py: rebuild a submission from the solution (answer cells only) and note anything unusual;
- scan.py: read answer cells without running them (flags for the instructor);
- overlay.py: the graded chapter's modules as stubs, so importing the reference earns nothing;
- sandbox.py, launcher.py: bubblewrap, the seccomp filter and the kernel's view of the machine;
- run.py: pytest + nbval + plugin.py in their own folder and process group, limits, clean-up;
- plugin.py: the pytest plugin (kernel start, JUnit properties, watchdog, the guard);
- guard.py: runs inside the kernel, restores what answer cells may have changed before each check;
- report.py, scoring.py: the JUnit report, and scores with a status that never contradicts them;
- feedback.py, gradebook.py: safe feedback, the CSV, roster, Canvas, summary and histogram;
- grader.py, commands.py: grading a class, the self-check, and the command line.

Nothing is imported here: guard.py runs inside every graded kernel and must stay light.
"""
