"""The probe imports the project's own modules from the folder its program runs from."""

from __future__ import annotations

import sys

from seq2func.verify.local_imports import LocalImports, import_folders


def test_a_script_imports_from_its_folder_and_a_package_module_from_above_the_package(
    tmp_path,
):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("")
    assert import_folders(str(tmp_path / "train.py")) == [str(tmp_path)]
    assert import_folders(str(tmp_path / "pkg" / "sub" / "a_test.py")) == [
        str(tmp_path)
    ]
    assert import_folders(None) == []


def test_the_projects_modules_are_importable_in_the_job_and_forgotten_after(tmp_path):
    (tmp_path / "s2f_local_helper.py").write_text("WIDTH = 4\n")
    path_before = list(sys.path)
    with LocalImports(str(tmp_path / "train.py")):
        import s2f_local_helper  # noqa: F401  (what the user's code imports)

        assert sys.modules["s2f_local_helper"].WIDTH == 4
    assert "s2f_local_helper" not in sys.modules
    assert sys.path == path_before
