"""Tests for the course build (minigrad/course/build.py, `minigrad-course build`) on synthetic notebooks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from minigrad.course import build as b
from minigrad.course import cli

REPO = Path(__file__).resolve().parents[1]

SCALE_ANSWER = """\
#| export core
class Scale:
    def forward(self, x):
        y = x

        ### BEGIN SOLUTION

        return math.pi * y
        ### END SOLUTION"""

SCALE_TEST = """\
assert double(2) == 4
### BEGIN HIDDEN TESTS
assert double(3) == 6
### END HIDDEN TESTS
print("ok ch01-scale")"""


def code(source: str, executed: bool = False, tags: tuple[str, ...] = (), **minigrad: object):
    cell = new_code_cell(source)
    if minigrad:
        cell.metadata["minigrad"] = dict(minigrad)
    if tags:
        cell.metadata["tags"] = list(tags)
    if executed:
        cell.execution_count = 3
        cell.outputs = [new_output("stream", name="stdout", text="something\n")]
    return cell


def write_notebook(path: Path, cells: list) -> None:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A tiny course: two chapters exporting `core` (both), `extra` (first) and `sub.deep` (second)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "minigrad" / "sub").mkdir(parents=True)
    (tmp_path / "minigrad" / "__init__.py").write_text('"""Hand-written."""\n')
    (tmp_path / "minigrad" / "sub" / "__init__.py").write_text('"""Hand-written façade."""\n')
    write_notebook(
        tmp_path / "solutions" / "01_alpha.ipynb",
        [
            new_markdown_cell("# Alpha\n### BEGIN SOLUTION is only prose here"),
            code("#| export core\nimport math\n\n\ndef double(x):\n    return 2 * x   ", executed=True),
            code(SCALE_ANSWER, role="answer", grade_id="ch01-scale", exercise="1.1 Scale.forward"),
            code(
                SCALE_TEST,
                executed=True,
                tags=("nbval-check-output",),
                role="test",
                grade_id="ch01-scale",
                points=2,
            ),
            code("#| export extra\nX = 1\n"),
            code("double(21)", executed=True),
        ],
    )
    write_notebook(
        tmp_path / "solutions" / "02_beta.ipynb",
        [code("#|export core\n\ndef triple(x):\n    return 3 * x\n\n"), code("#| export sub.deep\nZ = 3")],
    )
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def run_cli(*args: str) -> int:
    return cli.main(list(args))


# --- pure functions --------------------------------------------------------------------------------------


def test_stub_keeps_the_indentation_of_the_begin_line():
    stubbed = b.stub_source(SCALE_ANSWER, "Exercise 1.1: Scale.forward")
    assert stubbed == (
        "#| export core\n"
        "class Scale:\n"
        "    def forward(self, x):\n"
        "        y = x\n"
        "\n"
        "        # YOUR CODE HERE\n"
        '        raise NotImplementedError("Exercise 1.1: Scale.forward")'
    )
    compile(stubbed, "<stub>", "exec")


def test_stub_replaces_every_region_and_keeps_code_between_them():
    src = (
        "def f():\n    ### BEGIN SOLUTION\n    a = 1\n    ### END SOLUTION\n    b = 2\n"
        "### BEGIN SOLUTION\nc = 3\n### END SOLUTION"
    )
    assert b.stub_source(src, "E") == (
        'def f():\n    # YOUR CODE HERE\n    raise NotImplementedError("E")\n    b = 2\n'
        '# YOUR CODE HERE\nraise NotImplementedError("E")'
    )


def test_strip_hidden_tests_removes_region_and_markers():
    assert b.strip_hidden_tests(SCALE_TEST) == 'assert double(2) == 4\nprint("ok ch01-scale")'


def test_strip_solution_markers_keeps_content_without_double_blank_lines():
    assert b.strip_solution_markers(SCALE_ANSWER).split("\n")[3:] == [
        "        y = x",
        "",
        "        return math.pi * y",
    ]


def test_removing_markers_keeps_blank_line_counts_between_code():
    src = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\n\ndef g():\n    pass"
    assert b.strip_solution_markers(src) == "def f():\n    return 1\n\n\ndef g():\n    pass"
    src = "x = 1\n\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS\n\nprint('ok')"
    assert b.strip_hidden_tests(src) == "x = 1\n\nprint('ok')"
    assert b.strip_hidden_tests("### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS\n\nprint('ok')") == (
        "print('ok')"
    )
    assert b.strip_hidden_tests("x = 1\n\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n") == "x = 1"
    assert b.strip_hidden_tests("x = 1\n\n  \ny = 2\n") == "x = 1\n\n  \ny = 2\n"  # untouched


@pytest.mark.parametrize(
    ("src", "fragment"),
    [
        ("### BEGIN SOLUTION\nx = 1", "line 1: '### BEGIN SOLUTION' has no matching '### END SOLUTION'"),
        ("x = 1\n### END SOLUTION", "line 2: '### END SOLUTION' without a matching"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "line 2: '### BEGIN SOLUTION' inside"),
    ],
)
def test_unbalanced_solution_markers_are_reported_with_the_line(src: str, fragment: str):
    for function in (b.strip_solution_markers, lambda s: b.stub_source(s, "E")):
        with pytest.raises(b.MarkerError) as error:
            function(src)
        assert fragment in str(error.value)


def test_unbalanced_hidden_test_markers_are_reported():
    with pytest.raises(b.MarkerError, match="HIDDEN TESTS' has no matching"):
        b.strip_hidden_tests("### BEGIN HIDDEN TESTS\nassert True")


def test_exercise_message():
    assert b.exercise_message("2.1 Mul.backward") == "Exercise 2.1: Mul.backward"
    assert b.exercise_message("3") == "Exercise 3"


def test_export_target_requires_a_module_name():
    assert b.export_target(code("#| export tensor\nx = 1")) == "tensor"
    assert b.export_target(code("#| export nn.modules  \nx = 1")) == "nn.modules"
    assert b.export_target(code("#| exporter tensor\nx = 1")) is None
    assert b.export_target(code("x = 1\n#| export tensor")) is None
    for bad in ("#| export", "#| export nn..modules", "#| export Tensor", "#| export a b"):
        with pytest.raises(b.BuildError, match="needs a module name"):
            b.export_target(code(f"{bad}\nx = 1"))


def test_is_generated_reads_a_wrapped_header():
    header = b.module_header([f"solutions/0{i}_some_long_chapter_name.ipynb" for i in range(5)])
    assert all(len(line) <= b.LINE_LENGTH for line in header.split("\n"))
    assert len(header.split("\n")) > 1
    assert b.is_generated(header + "\n\nx = 1\n")
    assert not b.is_generated(
        '"""Hand-written."""\n# Generated from solutions/x by `minigrad-course build`\n'
    )
    assert not b.is_generated("# Generated from the data sheet\n")


# --- notebooks -------------------------------------------------------------------------------------------


def test_export_order_and_multi_notebook_header(repo: Path):
    notebooks = {
        f"solutions/{p.name}": b.read_notebook(p) for p in sorted((repo / "solutions").glob("*.ipynb"))
    }
    # chapter order comes from the notebook names, not from the mapping's order
    modules = b.export_modules(dict(reversed(list(notebooks.items()))))
    assert list(modules) == ["core", "extra", "sub.deep"]
    assert modules["core"] == (
        "# Generated from solutions/01_alpha.ipynb and solutions/02_beta.ipynb by `minigrad-course build` — "
        "edit the\n"
        "# notebooks, not this file.\n"
        "\n\n"
        "import math\n\n\ndef double(x):\n    return 2 * x\n"
        "\n\n"
        "class Scale:\n    def forward(self, x):\n        y = x\n\n        return math.pi * y\n"
        "\n\n"
        "def triple(x):\n    return 3 * x\n"
    )
    assert modules["extra"] == (
        "# Generated from solutions/01_alpha.ipynb by `minigrad-course build` — "
        "edit the notebook, not this file.\n\n\nX = 1\n"
    )


def test_export_separates_cells_as_ruff_expects():
    nb = new_notebook(
        cells=[
            code("#| export m\nimport os"),
            code("#| export m\nPATH = os.sep"),
            code("#| export m\nimport sys"),
            code("#| export m\ndef f():\n    return sys"),
        ]
    )
    module = b.export_modules({"solutions/01_m.ipynb": nb})["m"]
    assert (
        module.split("\n", 1)[1]
        == "\n\nimport os\n\nPATH = os.sep\n\n\nimport sys\n\n\ndef f():\n    return sys\n"
    )


def test_export_cell_that_is_not_python_is_reported():
    nb = new_notebook(cells=[code("#| export m\n%timeit 1")])
    with pytest.raises(b.BuildError, match=r"solutions/01_m.ipynb: cell 0 .*'m' is not valid Python"):
        b.export_modules({"solutions/01_m.ipynb": nb})


def test_make_chapter_stubs_answers_and_clears_outputs(repo: Path):
    nb = b.read_notebook(repo / "solutions" / "01_alpha.ipynb")
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    before = nbformat.writes(nb)
    chapter = b.make_chapter(nb, "solutions/01_alpha.ipynb")
    assert nbformat.writes(nb) == before, "make_chapter must not modify its input"
    assert [c.id for c in chapter.cells] == [c.id for c in nb.cells]
    assert [c.metadata for c in chapter.cells] == [c.metadata for c in nb.cells]
    assert "widgets" not in chapter.metadata
    assert chapter.cells[0].source == nb.cells[0].source  # markdown untouched
    for cell in chapter.cells[1:]:
        assert cell.outputs == [] and cell.execution_count is None
    answer, test = chapter.cells[2].source, chapter.cells[3].source
    assert "math.pi" not in answer and "SOLUTION" not in answer
    assert '        raise NotImplementedError("Exercise 1.1: Scale.forward")' in answer
    assert test == 'assert double(2) == 4\nprint("ok ch01-scale")'


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        (code("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), "role is None, not 'answer'"),
        (code("x = 1", role="answer", grade_id="g", exercise="1.1 X"), "answer cell has no"),
        (
            code("### BEGIN SOLUTION\n### END SOLUTION", role="answer", grade_id="g"),
            "needs metadata.minigrad.exercise",
        ),
        (code("### BEGIN SOLUTION\nx = 1", role="answer", grade_id="g", exercise="1.1 X"), "has no matching"),
    ],
)
def test_make_chapter_rejects_cells_that_break_the_convention(cell, fragment: str):
    nb = new_notebook(cells=[new_markdown_cell("intro"), cell])
    with pytest.raises(b.BuildError) as error:
        b.make_chapter(nb, "solutions/09_x.ipynb")
    assert f"solutions/09_x.ipynb: cell 1 (id {cell.id})" in str(error.value)
    assert fragment in str(error.value)


def widget_notebook(ids: dict[str, str]):
    """A notebook showing slider `s`, whose state refers to `layout` and `style`; `hidden` is never shown."""
    view = "application/vnd.jupyter.widget-view+json"
    output = new_output(
        "display_data", data={view: {"model_id": ids["s"]}, "text/plain": "IntSlider(value=1)"}
    )
    nb = new_notebook(cells=[new_markdown_cell("widgets"), code("slider")])
    nb.cells[0].id, nb.cells[1].id = "intro", "slider"
    nb.cells[1].outputs = [output]
    state = {
        ids["hidden"]: {"state": {"value": 0}},
        ids["s"]: {"state": {"style": f"IPY_MODEL_{ids['style']}", "layout": f"IPY_MODEL_{ids['layout']}"}},
        ids["style"]: {"state": {"handle_color": None}},
        ids["layout"]: {"state": {"width": "50%"}},
    }
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": state, "version_major": 2}
    }
    return nb


def test_canonical_widget_ids_do_not_depend_on_the_random_ids():
    names = ["s", "layout", "style", "hidden"]
    first = widget_notebook({name: f"{i:x}" * 32 for name, i in zip(names, [10, 11, 12, 13], strict=True)})
    second = widget_notebook({name: f"{i:x}" * 32 for name, i in zip(names, [15, 14, 13, 12], strict=True)})
    canonical = b.dumps_notebook(b.canonical_widget_ids(first))
    assert canonical == b.dumps_notebook(b.canonical_widget_ids(second))
    state = b.canonical_widget_ids(first).metadata.widgets["application/vnd.jupyter.widget-state+json"][
        "state"
    ]
    assert state[f"{1:032x}"]["state"] == {"layout": f"IPY_MODEL_{2:032x}", "style": f"IPY_MODEL_{3:032x}"}
    assert len(state) == 3, "a model no output shows (a finished progress bar, say) is not stored"


def test_variable_outputs_are_not_stored_and_their_widgets_are_dropped():
    nb = widget_notebook(
        {name: f"{i:x}" * 32 for name, i in zip(["s", "layout", "style", "hidden"], range(4))}
    )
    timing = code("print(time.time())\n", executed=True, tags=(b.IGNORE_OUTPUT_TAG,))
    marked = code("# NBVAL_IGNORE_OUTPUT\nprint(time.time())\n", executed=True)
    nb.cells += [timing, marked]
    nb.cells[1].metadata["tags"] = [b.IGNORE_OUTPUT_TAG]  # the cell that displays the slider
    stored = b.canonical_widget_ids(b.drop_variable_outputs(nb))
    assert [cell.outputs for cell in stored.cells[1:]] == [[], [], []]
    assert [cell.execution_count for cell in stored.cells[2:]] == [3, 3]
    assert "widgets" not in stored.metadata


# --- the build on disk -----------------------------------------------------------------------------------


def test_build_writes_modules_and_chapters_and_is_idempotent(repo: Path):
    changed = b.build(repo)
    assert sorted(p.relative_to(repo).as_posix() for p in changed) == [
        "chapters/01_alpha.ipynb",
        "chapters/02_beta.ipynb",
        "minigrad/core.py",
        "minigrad/extra.py",
        "minigrad/sub/deep.py",
    ]
    first = snapshot(repo)
    assert b.build(repo) == []
    assert snapshot(repo) == first
    chapter = (repo / "chapters" / "01_alpha.ipynb").read_text(encoding="utf-8")
    assert chapter.endswith("}\n") and not chapter.endswith("\n\n")
    assert chapter.startswith('{\n "cells": [\n  {\n')  # nbformat's writer, indent 1
    assert nbformat.read(repo / "chapters" / "01_alpha.ipynb", as_version=4).nbformat_minor >= 5


def ruff(repo: Path, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_files_pass_ruff_when_the_solutions_do(repo: Path):
    shutil.copy(
        REPO / "pyproject.toml", repo / "pyproject.toml"
    )  # the project's ruff settings, paths and all
    write_notebook(
        repo / "solutions" / "03_gamma.ipynb",
        [
            code("#| export gamma\nimport os"),
            code("#| export gamma\nPATH = os.sep"),
            code(
                "#| export gamma\ndef f(x):\n    y = x\n\n    ### BEGIN SOLUTION\n\n    return y\n"
                "    ### END SOLUTION\n\n\ndef g():\n    return 1",
                role="answer",
                grade_id="ch03-f",
                exercise="3.1 f",
            ),
            code("#| export delta\nimport sys"),
            code("#| export delta\n@print\ndef h():\n    return sys"),
        ],
    )
    ruff(repo, "format", "solutions")
    b.build(repo)
    generated = [
        "minigrad/core.py",
        "minigrad/extra.py",
        "minigrad/sub/deep.py",
        "minigrad/gamma.py",
        "chapters",
    ]
    ruff(repo, "check", *generated)
    ruff(repo, "format", "--check", "--diff", *generated)


def test_stale_generated_module_is_removed_and_hand_written_files_are_untouched(repo: Path):
    b.build(repo)
    hand_written = repo / "minigrad" / "helpers.py"
    hand_written.write_text("# Hand-written helpers.\nY = 2\n")
    nb_path = repo / "solutions" / "01_alpha.ipynb"
    nb = b.read_notebook(nb_path)
    nb.cells[4].source = "X = 1"  # no longer exported
    nbformat.write(nb, nb_path)
    (repo / "solutions" / "02_beta.ipynb").unlink()

    changed = {p.relative_to(repo).as_posix() for p in b.build(repo)}
    assert changed == {
        "minigrad/core.py",
        "minigrad/extra.py",
        "minigrad/sub/deep.py",
        "chapters/01_alpha.ipynb",
        "chapters/02_beta.ipynb",
    }
    assert not (repo / "minigrad" / "extra.py").exists()
    assert not (repo / "minigrad" / "sub" / "deep.py").exists()
    assert (repo / "minigrad" / "sub" / "__init__.py").read_text() == '"""Hand-written façade."""\n'
    assert not (repo / "chapters" / "02_beta.ipynb").exists()
    assert hand_written.read_text() == "# Hand-written helpers.\nY = 2\n"
    assert (repo / "minigrad" / "__init__.py").read_text() == '"""Hand-written."""\n'


def test_export_into_a_hand_written_module_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]):
    (repo / "minigrad" / "extra.py").write_text('"""Hand-written extra."""\n')
    assert run_cli("build", "--root", str(repo)) == 1
    assert "minigrad/extra.py is hand-written" in capsys.readouterr().err
    assert (repo / "minigrad" / "extra.py").read_text() == '"""Hand-written extra."""\n'


def test_export_into_a_subpackage_without_init_is_refused(repo: Path):
    (repo / "minigrad" / "sub" / "__init__.py").unlink()
    with pytest.raises(b.BuildError, match="'sub.deep', but minigrad/sub/__init__.py does not exist"):
        b.build(repo)


def test_export_naming_a_hand_written_package_is_refused(repo: Path):
    nb_path = repo / "solutions" / "01_alpha.ipynb"
    nb = b.read_notebook(nb_path)
    nb.cells[4].source = "#| export sub\nX = 1"
    nbformat.write(nb, nb_path)
    with pytest.raises(b.BuildError, match="'sub', but minigrad/sub/ is a hand-written package"):
        b.build(repo)


def test_check_detects_hand_edits_without_writing(repo: Path, capsys: pytest.CaptureFixture[str]):
    assert run_cli("build", "--root", str(repo)) == 0
    capsys.readouterr()
    assert run_cli("build", "--check", "--root", str(repo)) == 0
    assert capsys.readouterr().out == "up to date\n"

    module = repo / "minigrad" / "core.py"
    module.write_text(module.read_text() + "HACK = 1\n")
    chapter = repo / "chapters" / "02_beta.ipynb"
    chapter.write_text(chapter.read_text().replace("3 * x", "4 * x"))
    edited = snapshot(repo)

    assert run_cli("build", "--check", "--root", str(repo)) == 1
    captured = capsys.readouterr()
    assert captured.out.split() == ["minigrad/core.py", "chapters/02_beta.ipynb"]
    assert "run `minigrad-course build`" in captured.err
    assert snapshot(repo) == edited


def test_check_detects_a_missing_chapter(repo: Path, capsys: pytest.CaptureFixture[str]):
    b.build(repo)
    (repo / "chapters" / "01_alpha.ipynb").unlink()
    assert run_cli("build", "--check", "--root", str(repo)) == 1
    assert capsys.readouterr().out == "chapters/01_alpha.ipynb\n"


def test_unbalanced_markers_name_notebook_and_cell(repo: Path, capsys: pytest.CaptureFixture[str]):
    nb_path = repo / "solutions" / "01_alpha.ipynb"
    nb = b.read_notebook(nb_path)
    nb.cells[2].source = nb.cells[2].source.replace("### END SOLUTION", "")
    nbformat.write(nb, nb_path)
    assert run_cli("build", "--root", str(repo)) == 1
    err = capsys.readouterr().err
    assert f"solutions/01_alpha.ipynb: cell 2 (id {nb.cells[2].id})" in err
    assert "'### BEGIN SOLUTION' has no matching '### END SOLUTION'" in err
    assert not (repo / "chapters").exists(), "nothing is written when a notebook is broken"


def test_build_refuses_a_root_without_solutions(tmp_path: Path):
    with pytest.raises(b.BuildError, match="no solutions/ directory"):
        b.build(tmp_path)


def test_check_and_execute_exclude_each_other(repo: Path):
    with pytest.raises(SystemExit):
        run_cli("build", "--check", "--execute", "--root", str(repo))


def test_find_root_walks_up(repo: Path):
    nested = repo / "chapters" / "deep"
    nested.mkdir(parents=True)
    assert b.find_root(nested) == repo


def only_chapter_03(repo: Path) -> None:
    """Executing notebooks starts a kernel for each (seconds apiece): keep only the one under test."""
    for path in (repo / "solutions").glob("0[12]_*.ipynb"):
        path.unlink()


@pytest.mark.slow
def test_execute_saves_deterministic_outputs(repo: Path):
    only_chapter_03(repo)
    write_notebook(
        repo / "solutions" / "03_gamma.ipynb",
        [
            code("#| export gamma\nVALUE = 6 * 7"),
            code(
                "import ipywidgets\nfrom minigrad.gamma import VALUE\n\n"
                "print(VALUE)\nipywidgets.IntSlider(VALUE)"
            ),
        ],
    )
    changed = {p.relative_to(repo).as_posix() for p in b.build(repo, execute=True)}
    assert changed == {"solutions/03_gamma.ipynb", "minigrad/gamma.py", "chapters/03_gamma.ipynb"}
    executed = snapshot(repo)
    nb = b.read_notebook(repo / "solutions" / "03_gamma.ipynb")
    outputs = nb.cells[1].outputs
    assert outputs[0].text == "42\n"  # imported from the freshly generated module under repo/
    assert outputs[1].data["application/vnd.jupyter.widget-view+json"]["model_id"] == f"{1:032x}"
    assert "execution" not in nb.cells[1].metadata
    assert b.build(repo, execute=True) == []
    assert snapshot(repo) == executed


@pytest.mark.slow
def test_execute_runs_only_the_chapters_asked_for(repo: Path):
    before = b.read_notebook(repo / "solutions" / "01_alpha.ipynb")
    write_notebook(repo / "solutions" / "02_beta.ipynb", [code("print(6 * 7)")])
    changed = {p.relative_to(repo).as_posix() for p in b.build(repo, execute=True, chapters=["02"])}
    assert "solutions/01_alpha.ipynb" not in changed
    assert b.read_notebook(repo / "solutions" / "01_alpha.ipynb") == before
    assert b.read_notebook(repo / "solutions" / "02_beta.ipynb").cells[0].outputs[0].text == "42\n"
    with pytest.raises(b.BuildError, match="names no notebook"):
        b.build(repo, execute=True, chapters=["07"])
    assert run_cli("build", "--chapter", "02", "--root", str(repo)) == 2


def test_real_repository_is_up_to_date():
    executable = shutil.which("minigrad-course")
    assert executable, "the console script is missing: run `pip install -e .[dev]`"
    result = subprocess.run([executable, "build", "--check"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_notebook_stops_the_build_before_anything_is_executed_or_written(repo: Path):
    nb_path = repo / "solutions" / "01_alpha.ipynb"
    nb = b.read_notebook(nb_path)
    nb.cells[3].source = nb.cells[3].source.replace("### END HIDDEN TESTS", "")
    nbformat.write(nb, nb_path)
    before = snapshot(repo)
    with pytest.raises(b.BuildError, match="cell 3 .*HIDDEN TESTS' has no matching"):
        b.build(repo, execute=True)
    assert snapshot(repo) == before


@pytest.mark.slow
def test_execute_reports_the_failing_notebook(repo: Path):
    only_chapter_03(repo)
    write_notebook(repo / "solutions" / "03_gamma.ipynb", [code("raise ValueError('boom')")])
    with pytest.raises(b.BuildError, match=r"(?s)solutions/03_gamma\.ipynb: execution failed.*boom"):
        b.build(repo, execute=True)
