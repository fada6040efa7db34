"""The grader's public face for the other course tools (`minigrad-course export` runs the self-check).

The grader itself lives in minigrad/course/grading/, one small module per step (see its __init__.py).
"""

from minigrad.course.grading.grader import Options, grade, self_check
from minigrad.course.grading.run import Limits
from minigrad.course.grading.scoring import CheckResult, Result

__all__ = ["CheckResult", "Limits", "Options", "Result", "grade", "self_check"]
