"""The import edits agree with LibCST's AddImportsVisitor and RemoveImportsVisitor."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from seq2func.writing.imports import add_from_imports, remove_from_imports

LAYOUTS = {
    "no imports": "model = 1\n",
    "docstring only": '"""Doc."""\nmodel = 1\n',
    "docstring and comment": '"""Doc."""\n# build it\nmodel = 1\n',
    "merge": "from keras.layers import Dense, Dropout\nmodel = 1\n",
    "merge parenthesized": "from keras.layers import (\n    Dense,\n    Dropout,\n)\n\nmodel = 1\n",
    "already there": "from keras.layers import Dense, Input\nfrom keras.models import Model\n",
    "aliased": "from keras.layers import Input as I\nx = I\n",
    "star": "from keras.layers import *\nfrom keras.models import Sequential\n",
    "module import": "import keras\n\n\nmodel = keras.Sequential()\n",
    "future": "from __future__ import annotations\nimport keras\nmodel = 1\n",
    "two per line": "import os; import sys\nfrom keras.layers import Dense\n",
    "relative": "from .layers import Dense\nfrom keras.models import Sequential\n",
    "crlf": "from keras.layers import Dense\r\n\r\nmodel = 1\r\n",
    "later import": "import os\nx = 1\nfrom keras.layers import Dense\n",
    "comment after block": "from keras.layers import Dense\n# models\nmodel = 1\n",
}
WANTED = [
    [("keras.layers", "Input"), ("keras.models", "Model")],
    [("keras", "Input"), ("keras", "Model")],
    [("tensorflow.keras.layers", "Input")],
]


def _libcst_add(code: str, wanted) -> str:
    context = CodemodContext()
    for module, name in wanted:
        AddImportsVisitor.add_needed_import(context, module, name)
    return AddImportsVisitor(context).transform_module(cst.parse_module(code)).code


@pytest.mark.parametrize(
    "wanted", WANTED, ids=lambda w: ",".join(f"{m}.{n}" for m, n in w)
)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_adding_imports_matches_libcst(layout, wanted):
    code = LAYOUTS[layout]
    assert add_from_imports(cst.parse_module(code), wanted).code == _libcst_add(
        code, wanted
    )


REMOVALS = {
    "alone": (
        "from keras.models import Sequential\n",
        ("keras.models", "Sequential", None),
    ),
    "first of two": (
        "from keras.models import Sequential, load_model\n",
        ("keras.models", "Sequential", None),
    ),
    "last of two": (
        "from keras.models import load_model, Sequential\n",
        ("keras.models", "Sequential", None),
    ),
    "parenthesized": (
        "from keras.models import (\n    Sequential,  # the old way\n    load_model,\n)\n",
        ("keras.models", "Sequential", None),
    ),
    "parenthesized last": (
        "from keras.models import (\n    load_model,\n    Sequential,\n)\n",
        ("keras.models", "Sequential", None),
    ),
    "aliased": (
        "from keras.models import Sequential as S, Model\n",
        ("keras.models", "Sequential", "S"),
    ),
    "alias differs": (
        "from keras.models import Sequential as S\n",
        ("keras.models", "Sequential", None),
    ),
    "with comment above": (
        "import os\n# keras\nfrom keras.layers import InputLayer\nx = 1\n",
        ("keras.layers", "InputLayer", None),
    ),
    "other module": (
        "from tensorflow.keras.models import Sequential\n",
        ("keras.models", "Sequential", None),
    ),
}


def _libcst_remove(code: str, removal) -> str:
    context = CodemodContext()
    RemoveImportsVisitor.remove_unused_import(context, *removal)
    return RemoveImportsVisitor(context).transform_module(cst.parse_module(code)).code


@pytest.mark.parametrize("case", sorted(REMOVALS))
def test_removing_imports_matches_libcst(case):
    code, removal = REMOVALS[case]
    assert remove_from_imports(
        cst.parse_module(code), [removal], check_uses=True
    ).code == _libcst_remove(code, removal)


def test_a_name_still_used_keeps_its_import():
    code = "from keras.models import Sequential\n\nmodel = Sequential()\n"
    kept = remove_from_imports(
        cst.parse_module(code), [("keras.models", "Sequential", None)], check_uses=True
    )
    assert kept.code == code
