"""`seq2func trace` as a process runner: exit status, every child Python, invisibility.

These run real processes with a stand-in `keras` (see `trace_helpers`), so
they take seconds; `test_trace_keras.py` runs the same machinery on Keras.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap

import pytest
from trace_helpers import ROOT, builds, run_plain, run_trace, write_fake_keras

MODEL_SCRIPT = """\
import keras

model = keras.Sequential([])
print(model.predict([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
"""


@pytest.fixture
def fake(tmp_path):
    return write_fake_keras(tmp_path / "site")


def _write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_the_exit_status_is_passed_through(tmp_path):
    _write(tmp_path, "fails.py", "import sys\nprint('out')\nsys.exit(3)\n")
    result = run_trace(
        [sys.executable, "fails.py"], cwd=tmp_path, traces=tmp_path / "t.sqlite"
    )
    assert result.returncode == 3
    assert result.stdout == "out\n"
    assert (tmp_path / "t.sqlite").exists()


def test_a_missing_command_exits_127(tmp_path):
    result = run_trace(
        ["no-such-command-s2f"], cwd=tmp_path, traces=tmp_path / "t.sqlite"
    )
    assert result.returncode == 127
    assert "command not found" in result.stderr


def test_a_python_file_runs_with_the_python_running_seq2func(tmp_path, fake):
    _write(tmp_path, "train.py", MODEL_SCRIPT)
    result = run_trace(
        ["train.py"], cwd=tmp_path, traces=tmp_path / "t.sqlite", extra_env=fake.env()
    )
    assert result.returncode == 0, result.stderr
    assert [b["call"] for b in builds(tmp_path / "t.sqlite")] == ["predict"]


def test_the_default_store_is_beside_pyproject(tmp_path, fake):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "scripts").mkdir()
    _write(tmp_path / "scripts", "train.py", MODEL_SCRIPT)
    result = run_trace(
        [sys.executable, "train.py"], cwd=tmp_path / "scripts", extra_env=fake.env()
    )
    assert result.returncode == 0, result.stderr
    assert len(builds(tmp_path / ".seq2func" / "traces.sqlite")) == 1
    assert (tmp_path / ".seq2func" / ".gitignore").exists()


PROBE = """\
import json, sys
ours = sorted(m for m in sys.modules if m.startswith("_seq2func_trace"))
with open("ours.json", "w") as file:
    json.dump(ours, file)
json.dump(
    {
        "modules": sorted(
            m for m in sys.modules if m not in ours and ("keras" in m or "sqlite" in m)
        ),
        "path": sys.path,
        "sitecustomize": getattr(sys.modules.get("sitecustomize"), "__file__", None),
    },
    sys.stdout,
)
print()
print("to stderr", file=sys.stderr)
"""


def test_a_program_that_never_imports_keras_sees_no_difference(tmp_path):
    _write(tmp_path, "probe.py", PROBE)
    plain = run_plain([sys.executable, "probe.py"], cwd=tmp_path)
    traced = run_trace(
        [sys.executable, "probe.py"],
        cwd=tmp_path,
        traces=tmp_path / "t.sqlite",
        options=["-q"],
    )
    assert traced.returncode == plain.returncode == 0
    assert traced.stdout == plain.stdout
    assert traced.stderr == plain.stderr == "to stderr\n"
    assert '"modules": []' in traced.stdout
    # Only the start-up hook is loaded: the recorder waits for an import of Keras.
    assert json.loads((tmp_path / "ours.json").read_text()) == [
        "_seq2func_trace",
        "_seq2func_trace.hooks",
        "_seq2func_trace.startup",
    ]


def test_a_sitecustomize_of_the_project_still_runs(tmp_path):
    custom = tmp_path / "custom"
    custom.mkdir()
    _write(custom, "sitecustomize.py", "import sys\nsys.project_customized = True\n")
    _write(
        tmp_path,
        "probe.py",
        "import sys, sitecustomize\nprint(sys.project_customized, sitecustomize.__file__)\n",
    )
    env = {"PYTHONPATH": str(custom) + os.pathsep + str(ROOT)}
    traced = run_trace(
        [sys.executable, "probe.py"],
        cwd=tmp_path,
        traces=tmp_path / "t.sqlite",
        extra_env=env,
        options=["-q"],
    )
    plain = run_plain([sys.executable, "probe.py"], cwd=tmp_path, extra_env=env)
    assert traced.stdout == plain.stdout == f"True {custom / 'sitecustomize.py'}\n"


def test_program_output_is_unchanged_when_it_builds_models(tmp_path, fake):
    script = _write(
        tmp_path,
        "train.py",
        MODEL_SCRIPT + "import sys\nprint('done', file=sys.stderr)\n",
    )
    traced = run_trace(
        [sys.executable, script],
        cwd=tmp_path,
        traces=tmp_path / "t.sqlite",
        extra_env=fake.env(),
        options=["-q"],
    )
    plain = run_plain([sys.executable, script], cwd=tmp_path, extra_env=fake.env())
    assert (traced.returncode, traced.stdout, traced.stderr) == (
        plain.returncode,
        plain.stdout,
        plain.stderr,
    )
    assert len(builds(tmp_path / "t.sqlite")) == 1


CHILDREN = """\
import multiprocessing
import subprocess
import sys

import keras


def work(n):
    model = keras.Sequential([])
    model([[1.0] * n])
    return n


if __name__ == "__main__":
    subprocess.run([sys.executable, "child.py"], check=True)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        print(pool.map(work, [4, 4]))
    if hasattr(multiprocessing, "get_all_start_methods") and "fork" in multiprocessing.get_all_start_methods():
        process = multiprocessing.get_context("fork").Process(target=work, args=(4,))
        process.start()
        process.join()
"""


def test_every_child_python_records(tmp_path, fake):
    _write(tmp_path, "child.py", MODEL_SCRIPT)
    _write(tmp_path, "parent.py", CHILDREN)
    result = run_trace(
        [sys.executable, "parent.py"],
        cwd=tmp_path,
        traces=tmp_path / "t.sqlite",
        extra_env=fake.env(),
    )
    assert result.returncode == 0, result.stderr
    rows = builds(tmp_path / "t.sqlite")
    by_file = {}
    for row in rows:
        by_file.setdefault(row["path"].rsplit("/", 1)[-1], set()).add(row["pid"])
    assert len(by_file["child.py"]) == 1
    forked = 1 if "fork" in __import__("multiprocessing").get_all_start_methods() else 0
    assert len(rows) == 1 + 2 + forked
    assert len({row["run"] for row in rows}) == 1
    assert "seq2func trace: 4 build(s) of 2 site(s)" in result.stderr or forked == 0


def test_records_made_before_a_failure_are_kept(tmp_path, fake):
    _write(
        tmp_path, "crash.py", MODEL_SCRIPT + "raise RuntimeError('after the build')\n"
    )
    result = run_trace(
        [sys.executable, "crash.py"],
        cwd=tmp_path,
        traces=tmp_path / "t.sqlite",
        extra_env=fake.env(),
    )
    assert result.returncode == 1
    assert "RuntimeError: after the build" in result.stderr
    assert len(builds(tmp_path / "t.sqlite")) == 1


def test_two_traced_processes_write_at_once(tmp_path, fake):
    _write(
        tmp_path,
        "many.py",
        """\
        import keras
        for _ in range(60):
            keras.Sequential([])([[1.0, 2.0]])
        """,
    )
    _write(
        tmp_path,
        "both.py",
        """\
        import subprocess, sys
        children = [subprocess.Popen([sys.executable, "many.py"]) for _ in range(2)]
        sys.exit(max(child.wait() for child in children))
        """,
    )
    result = run_trace(
        [sys.executable, "both.py"],
        cwd=tmp_path,
        traces=tmp_path / "t.sqlite",
        extra_env=fake.env(),
    )
    assert result.returncode == 0, result.stderr
    rows = builds(tmp_path / "t.sqlite")
    assert len(rows) == 120
    assert len({row["pid"] for row in rows}) == 2


def test_an_error_inside_the_recorder_is_reported_once_and_the_program_goes_on(
    tmp_path, fake
):
    sequential = fake.folder / "keras" / "src" / "models" / "sequential.py"
    sequential.write_text(
        sequential.read_text()
        + "\n\nSequential.name = property(lambda self: 1 / 0, lambda self, v: None)\n"
    )
    _write(
        tmp_path,
        "train.py",
        """\
        import keras
        for _ in range(3):
            print(keras.Sequential([])([[1.0, 2.0]]))
        """,
    )
    result = run_trace(
        [sys.executable, "train.py"],
        cwd=tmp_path,
        traces=tmp_path / "t.sqlite",
        extra_env=fake.env(),
        options=["-q"],
    )
    assert result.returncode == 0
    assert result.stdout == "[3.0]\n" * 3
    assert result.stderr.count("seq2func trace: recording stopped") == 1
    assert "ZeroDivisionError" in result.stderr


def test_a_model_made_inside_keras_is_not_a_site(tmp_path, fake):
    (fake.folder / "keras" / "src" / "models" / "cloning.py").write_text(
        "from keras.src.models.sequential import Sequential\n\n"
        "def clone(model):\n    return Sequential([])\n"
    )
    _write(
        tmp_path,
        "train.py",
        """\
        import keras
        from keras.src.models.cloning import clone
        model = keras.Sequential([])
        copy = clone(model)
        copy([[1.0]])
        model([[1.0, 2.0]])
        """,
    )
    result = run_trace(
        [sys.executable, "train.py"],
        cwd=tmp_path,
        traces=tmp_path / "t.sqlite",
        extra_env=fake.env(),
    )
    assert result.returncode == 0, result.stderr
    assert [
        (b["line"], b["leaves"][0]["shape"]) for b in builds(tmp_path / "t.sqlite")
    ] == [(3, [1, 2])]
