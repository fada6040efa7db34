"""Feedback that is safe to send as is: capped, Markdown-escaped, and never quoting a hidden test.

Every message a student sees passes through `Secrets.clean` (anything that quotes the code of a hidden test is
withheld: an answer can read the test that calls it, e.g. through its caller's frame, and raise it as an
error) and `cap` (long arrays are shortened in the middle, the hint after the last ' — ' is always kept).
In the Markdown file, table cells are escaped and whole messages sit in fenced blocks longer than any run of
backticks inside them, so nothing a student's code prints can become a link, an image or HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from minigrad.course.grading.scoring import Result, points_text

MESSAGE_LIMIT = 1000  # characters of one message in feedback and in `check`
HINT_LIMIT = 400  # a hint longer than this is capped like the rest
HINT_SEPARATOR = " — "  # checks.py puts the hint after the last one
WITHHELD = "a hidden check failed; its text is not shown (the message quoted the grader's hidden tests)"
_NORMALISE_RE = re.compile(r"[\s'\"\\]+")
_STRING_LINE_RE = re.compile(r"""^[rRbBuUfF]{0,2}(['"]).*\1[,)]*$""")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def _normalise(text: str) -> str:
    """Whitespace, quotes and backslashes removed: a quote survives JSON escaping and reformatting."""
    return _NORMALISE_RE.sub("", text)


class Secrets:
    """Fingerprints of the hidden tests: each line of code in them that the student copy does not show.

    Lines that are only a string literal (a check's message, continued on its own line) are not secret: the
    message is meant for the student. Short lines (`try:`, `)`) are too common to be evidence.
    """

    MIN_LENGTH = 12

    def __init__(self, hidden_lines: Iterable[str], visible_text: str = "") -> None:
        visible = _normalise(visible_text)
        fingerprints = set()
        for line in hidden_lines:
            stripped = line.strip()
            if not stripped or _STRING_LINE_RE.match(stripped):
                continue
            normal = _normalise(stripped)
            if len(normal) >= self.MIN_LENGTH and normal not in visible:
                fingerprints.add(normal)
        self.fingerprints = sorted(fingerprints, key=len, reverse=True)

    def leaks(self, text: str) -> bool:
        normal = _normalise(text)
        return "###BEGINHIDDENTESTS" in normal or any(f in normal for f in self.fingerprints)

    def clean(self, text: str) -> str:
        return WITHHELD if self.leaks(text) else text


def cap(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """At most `limit` characters; a long message loses its middle, never its hint (after the last ' — ')."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head, separator, hint = text.rpartition(HINT_SEPARATOR)
    if not separator or len(hint) > HINT_LIMIT:
        head, hint = text, ""
    keep = max(40, limit - len(hint) - len(separator) - 30)
    shortened = (
        f"{head[: keep - keep // 4].rstrip()} … [{len(head) - keep} characters cut] … {head[-(keep // 4) :]}"
    )
    return f"{shortened}{separator}{hint}" if hint else shortened


def escape(text: str) -> str:
    """Text for one Markdown table cell or heading: special characters escaped, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def fenced(text: str) -> str:
    """A fenced code block that shows `text` verbatim, whatever backticks it contains."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def student_note(result: Result) -> str | None:
    """What the student should know about the run itself (never the instructor's flags)."""
    return None if result.problem == "ok" else result.problem


def feedback_markdown(result: Result, solution_name: str, secrets: Secrets | None = None) -> str:
    """The student's feedback: a table of checks, then each failed check's whole message."""
    secrets = secrets or Secrets([])

    def safe(text: str) -> str:
        return cap(secrets.clean(text))

    lines = [
        f"# Feedback for {escape(result.submission)}: {escape(solution_name)}",
        "",
        f"**Score: {points_text(result.score)} / {points_text(result.max_score)}**",
        "",
    ]
    note = student_note(result)
    if note:
        lines += [f"Note: {escape(safe(note))}", ""]
    if result.notes:
        lines += ["About your notebook:", ""] + [f"- {escape(n)}" for n in result.notes] + [""]
    lines += ["| check | exercise | result | points | message |", "|---|---|---|---|---|"]
    for r in result.checks:
        summary = escape(cap(secrets.clean(r.message).split("\n", 1)[0], 200)) if r.message else ""
        lines.append(
            f"| `{r.check.grade_id}` | {escape(r.check.label)} | {'pass' if r.passed else 'FAIL'} "
            f"| {points_text(r.earned)} / {points_text(r.check.points)} | {summary} |"
        )
    failed = [r for r in result.checks if not r.passed and r.message]
    if failed:
        lines += ["", "## What went wrong"]
        for r in failed:
            lines += ["", f"### {escape(r.check.label)} (`{r.check.grade_id}`)", "", fenced(safe(r.message))]
    return "\n".join(lines) + "\n"
