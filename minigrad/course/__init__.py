"""Hand-written course tooling behind `minigrad-course`: the build, the chapter checks and the grader.

Nothing is imported here, so `import minigrad.course` stays cheap; import the submodule you need.
"""
