"""The command line, run as a user runs it: options, exit statuses, bad input, atomic writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from seq2func import cli, files

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "fixtures" / "bad_input"

CONVERTIBLE = "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.Dense(1)])\n"
SKIPPED = "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(4)])\n"
PLAIN = "print('no models here')\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(CONVERTIBLE)
    (tmp_path / "pkg" / "unbuilt.py").write_text(SKIPPED)
    (tmp_path / "pkg" / "plain.py").write_text(PLAIN)
    return tmp_path


def run_cli(*args, cwd=None, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "seq2func", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
    )


def test_convert_rewrites_files_in_place_and_exits_0(project):
    assert cli.main(["convert", str(project), "-q"]) == 0
    assert "keras.Model(inputs=inputs" in (project / "pkg" / "model.py").read_text()
    assert (project / "pkg" / "unbuilt.py").read_text() == SKIPPED
    assert (project / "pkg" / "plain.py").read_text() == PLAIN


def test_check_writes_nothing_and_exits_1_when_something_would_change(project, capsys):
    assert cli.main(["convert", str(project), "--check"]) == 1
    assert (project / "pkg" / "model.py").read_text() == CONVERTIBLE
    assert "would convert" in capsys.readouterr().err


def test_check_exits_0_when_nothing_would_change(project):
    (project / "pkg" / "model.py").write_text(PLAIN)
    assert cli.main(["convert", str(project), "--check", "-q"]) == 0


def test_diff_prints_a_unified_diff_and_writes_nothing(project, capsys):
    assert cli.main(["convert", str(project), "--diff", "-q"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("--- a/") and "+inputs = keras.Input(shape=(3,))" in out
    assert (project / "pkg" / "model.py").read_text() == CONVERTIBLE


def test_stdin_is_converted_to_stdout():
    result = run_cli("convert", "-", stdin=CONVERTIBLE)
    assert result.returncode == 0
    assert result.stdout.startswith("import keras\n\ninputs = keras.Input(shape=(3,))")


def test_json_lists_every_file_and_site(project, capsys):
    assert cli.main(["convert", str(project), "--json", "--check", "-q"]) == 1
    record = json.loads(capsys.readouterr().out)
    by_name = {Path(f["path"]).name: f for f in record["files"]}
    assert by_name["model.py"]["status"] == "changed"
    assert by_name["unbuilt.py"]["sites"][0]["diagnostics"][0]["code"] == "S2F101"
    assert record["summary"]["converted"] == 1 and record["summary"]["skipped"] == 1


def test_summary_counts_files_sites_and_skips_by_code(project, capsys):
    cli.main(["convert", str(project), "--check"])
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("3 files scanned, 2 with models, 1 changed, 0 failed")
    assert "1 converted, 1 skipped (S2F101: 1)" in line


def test_verbose_adds_hints(project, capsys):
    cli.main(["convert", str(project), "--check", "-v"])
    assert "hint: Add keras.Input" in capsys.readouterr().err


def test_quiet_prints_no_summary(project, capsys):
    cli.main(["convert", str(project), "--check", "-q"])
    assert capsys.readouterr().err == ""


def test_help_shows_an_example_for_each_command():
    assert "examples:" in run_cli("convert", "--help").stdout
    assert "examples:" in run_cli("verify", "--help").stdout


def test_usage_error_exits_2():
    assert run_cli("convert").returncode == 2
    assert run_cli("convert", ".", "--diff", "--check").returncode == 2


@pytest.mark.parametrize(
    "name, code",
    [
        ("python2_print.py", "S2F001"),
        ("latin1_without_cookie.py", "S2F002"),
        ("binary_blob.py", "S2F003"),
    ],
)
def test_bad_input_is_reported_with_path_and_reason_and_the_rest_still_runs(
    project, name, code, capsys
):
    shutil.copy(BAD / name, project / "pkg" / name)
    assert cli.main(["convert", str(project)]) == 2
    err = capsys.readouterr().err
    assert f"{name}: {code} " in err
    assert "keras.Model(" in (project / "pkg" / "model.py").read_text()
    assert (project / "pkg" / name).read_bytes() == (BAD / name).read_bytes()


def test_unreadable_file_is_reported_and_the_rest_still_runs(
    project, monkeypatch, capsys
):
    target = project / "pkg" / "locked.py"
    target.write_text(CONVERTIBLE)
    real = files.Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(files.Path, "read_bytes", read_bytes)
    assert cli.main(["convert", str(project), "-j", "1"]) == 2
    assert "locked.py: S2F004 cannot read: Permission denied" in capsys.readouterr().err
    assert "keras.Model(" in (project / "pkg" / "model.py").read_text()


def test_missing_path_is_reported_and_exits_2(project, capsys):
    assert cli.main(["convert", str(project), str(project / "gone.py"), "-q"]) == 2
    assert "gone.py: S2F004" in capsys.readouterr().err


def test_a_file_that_vanishes_mid_run_is_reported(project, monkeypatch, capsys):
    real = cli.discover

    def vanishing(*args, **kwargs):
        for found in real(*args, **kwargs):
            if found.path.name == "model.py":
                found.path.unlink()
            yield found

    monkeypatch.setattr(cli, "discover", vanishing)
    assert cli.main(["convert", str(project), "-j", "1"]) == 2
    assert (
        "model.py: S2F004 cannot read: the file no longer exists"
        in capsys.readouterr().err
    )


def test_interrupted_write_leaves_the_original_and_no_temporary_file(
    project, monkeypatch
):
    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        cli.main(["convert", str(project), "-q", "-j", "1"])
    assert (project / "pkg" / "model.py").read_text() == CONVERTIBLE
    assert sorted(p.name for p in (project / "pkg").iterdir()) == [
        "model.py",
        "plain.py",
        "unbuilt.py",
    ]


def test_write_keeps_the_file_mode(project):
    path = project / "pkg" / "model.py"
    os.chmod(path, 0o754)
    cli.main(["convert", str(project), "-q"])
    assert (path.stat().st_mode & 0o777) == 0o754


def test_crlf_and_encoding_survive_a_write(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(
        ("# -*- coding: latin-1 -*-\n# caf\xe9\n" + CONVERTIBLE)
        .replace("\n", "\r\n")
        .encode("latin-1")
    )
    assert cli.main(["convert", str(path), "-q"]) == 0
    data = path.read_bytes()
    assert (
        b"# caf\xe9\r\n" in data
        and b"keras.Model(" in data
        and b"\n" not in data.replace(b"\r\n", b"")
    )


def test_serial_and_parallel_runs_give_identical_results(tmp_path):
    for i in range(12):
        (tmp_path / f"m{i:02}.py").write_text(CONVERTIBLE if i % 2 else SKIPPED)
    serial = run_cli("convert", tmp_path, "--check", "--json", "-j", "1", "--no-cache")
    parallel = run_cli(
        "convert", tmp_path, "--check", "--json", "-j", "2", "--no-cache"
    )
    assert serial.returncode == parallel.returncode == 1
    assert serial.stdout == parallel.stdout


def test_gitignore_and_exclude_are_honoured(project):
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("pkg/model.py\n")
    (project / "pkg" / "other.py").write_text(CONVERTIBLE)
    (project / "pkg" / "skipme.py").write_text(CONVERTIBLE)
    assert cli.main(["convert", str(project), "-q", "--exclude", "skipme.py"]) == 0
    assert (project / "pkg" / "model.py").read_text() == CONVERTIBLE
    assert (project / "pkg" / "skipme.py").read_text() == CONVERTIBLE
    assert "keras.Model(" in (project / "pkg" / "other.py").read_text()


def test_pyproject_settings_exclude_files(project):
    (project / "pyproject.toml").write_text(
        '[tool.seq2func]\nexclude = ["pkg/model.py"]\n'
    )
    assert cli.main(["convert", str(project), "-q"]) == 0
    assert (project / "pkg" / "model.py").read_text() == CONVERTIBLE


def test_second_run_changes_nothing(project):
    cli.main(["convert", str(project), "-q"])
    assert cli.main(["convert", str(project), "--check", "-q"]) == 0


def test_check_reports_the_files_and_sites_that_convert_then_changes(tmp_path, capsys):
    cases = ROOT / "fixtures" / "cases"
    tree = tmp_path / "cases"
    shutil.copytree(cases, tree)
    assert (
        cli.main(["convert", str(tree), "--check", "--json", "--no-cache", "-j", "1"])
        == 1
    )
    checked = json.loads(capsys.readouterr().out)
    before = {p.name: p.read_bytes() for p in tree.iterdir()}
    assert cli.main(["convert", str(tree), "--json", "--no-cache", "-j", "1"]) == 0
    converted = json.loads(capsys.readouterr().out)
    assert checked["files"] == converted["files"]
    changed = {
        Path(f["path"]).name for f in checked["files"] if f["status"] == "changed"
    }
    assert changed == {
        p.name for p in tree.iterdir() if p.read_bytes() != before[p.name]
    }


@pytest.mark.framework
def test_verify_json_says_which_keras_ran_each_site(tmp_path, capsys):
    pytest.importorskip("tensorflow")
    pytest.importorskip("tf_keras")
    path = tmp_path / "legacy.py"
    path.write_text(
        "import keras\n\n"
        "model = keras.Sequential()\n"
        "model.add(keras.layers.Dense(4, batch_input_shape=(8, 3)))\n"
        "model.add(keras.layers.Dense(1))\n"
    )
    assert cli.main(["verify", str(path), "--json", "-q", "-j", "1"]) == 0
    (record,) = json.loads(capsys.readouterr().out)["files"][0]["verification"]
    assert record["status"] == "equivalent"
    assert record["keras"] == "2" and record["keras_version"].startswith("2.")
    assert "batch_input_shape" in record["keras_reason"]
    assert (
        cli.main(["verify", str(path), "--json", "-q", "-j", "1", "--keras", "3"]) == 1
    )
    (record,) = json.loads(capsys.readouterr().out)["files"][0]["verification"]
    assert (record["status"], record["keras"]) == ("unverifiable", "3")
