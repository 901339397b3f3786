"""Finding files the way black does: .gitignore, excludes, hidden folders, virtualenvs, links."""

from __future__ import annotations

import os

from seq2func.discovery import discover


def names(tmp_path, *args, **kwargs):
    return sorted(
        p.path.relative_to(tmp_path).as_posix()
        for p in discover([str(tmp_path)], *args, **kwargs)
    )


def test_python_files_and_notebooks_are_found(tmp_path):
    (tmp_path / "a.py").write_text("")
    (tmp_path / "b.ipynb").write_text("{}")
    (tmp_path / "c.txt").write_text("")
    assert names(tmp_path) == ["a.py", "b.ipynb"]


def test_hidden_folders_and_virtualenvs_are_skipped(tmp_path):
    for folder in (".hidden", "venv", "env3"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.py").write_text("")
    (tmp_path / "env3" / "pyvenv.cfg").write_text("")
    assert names(tmp_path) == []


def test_nested_gitignore_applies_below_its_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("gen_*.py\n")
    (tmp_path / "sub" / "gen_a.py").write_text("")
    (tmp_path / "sub" / "keep.py").write_text("")
    (tmp_path / "gen_b.py").write_text("")
    assert names(tmp_path) == ["gen_b.py", "sub/keep.py"]


def test_exclude_globs_match_names_and_paths(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text("")
    (tmp_path / "m.py").write_text("")
    assert names(tmp_path, ("tests/",)) == ["m.py"]
    assert names(tmp_path, ("m.py",)) == ["tests/t.py"]


def test_symlink_loops_do_not_trap_the_walk(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "m.py").write_text("")
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    assert names(tmp_path) == ["a/m.py"]


def test_explicit_files_are_taken_as_given(tmp_path):
    path = tmp_path / "script"
    path.write_text("")
    assert [f.path for f in discover([str(path)])] == [path]
