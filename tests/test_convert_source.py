"""The library entry point: what convert_source promises beyond the fixture cases."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import seq2func
from seq2func import ConversionError

MLP = textwrap.dedent("""\
    import keras

    model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.Dense(1)])
    """)


def test_source_without_sequential_is_returned_untouched():
    source = "import keras\nprint('no models here')\n"
    result = seq2func.convert_source(source)
    assert result.code == source
    assert not result.changed
    assert result.sites == ()


def test_result_reports_changed_and_the_site():
    result = seq2func.convert_source(MLP, path="mlp.py")
    assert result.changed
    (site,) = result.sites
    assert (site.target, site.scope, site.status, site.line) == (
        "model",
        "<module>",
        "converted",
        3,
    )
    assert site.path == "mlp.py"


def test_syntax_error_raises_conversion_error_naming_the_file():
    with pytest.raises(ConversionError) as caught:
        seq2func.convert_source("print 'python 2'\nSequential\n", path="old.py")
    assert caught.value.code == "S2F001"
    assert "old.py" in str(caught.value)


def test_crlf_line_endings_are_kept_everywhere():
    source = MLP.replace("\n", "\r\n") + "print(model)\r\n"
    code = seq2func.convert_source(source).code
    assert "\r\n" in code
    assert "\n" not in code.replace("\r\n", "")


def test_tab_indented_function_keeps_its_tabs():
    source = (
        "import keras\n\n"
        "def build():\n"
        "\tmodel = keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])\n"
        "\treturn model\n"
    )
    code = seq2func.convert_source(source).code
    body = [line for line in code.splitlines() if line.startswith(("\t", " "))]
    assert body and all(line.startswith("\t") for line in body)
    assert "\tinputs = keras.Input(shape=(3,))" in code


def test_encoding_cookie_and_non_ascii_text_are_kept():
    source = "# -*- coding: utf-8 -*-\n# modèle très simple\n" + MLP
    code = seq2func.convert_source(source).code
    assert code.startswith("# -*- coding: utf-8 -*-\n# modèle très simple\n")


def test_untouched_lines_keep_their_formatting():
    source = MLP + "x_train = [ 1,2 ,3 ]   # odd spacing stays\n"
    code = seq2func.convert_source(source).code
    assert code.endswith("x_train = [ 1,2 ,3 ]   # odd spacing stays\n")


def test_line_length_argument_is_honoured():
    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(4, activation='relu', input_shape=(3,),"
        " kernel_initializer='zeros', bias_initializer='zeros')])\n"
    )
    wide = seq2func.convert_source(source, line_length=200).code
    narrow = seq2func.convert_source(source, line_length=40).code
    assert max(len(line) for line in wide.splitlines()) > 88
    assert max(len(line) for line in narrow.splitlines()) <= 40


def test_project_black_line_length_is_read_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 120\n")
    path = tmp_path / "pkg" / "model.py"
    path.parent.mkdir()
    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(4, activation='relu', input_shape=(3,),"
        " kernel_initializer='zeros', bias_initializer='zeros')])\n"
    )
    code = seq2func.convert_source(source, path=str(path)).code
    long_line = [line for line in code.splitlines() if "kernel_initializer" in line]
    assert len(long_line) == 1 and 88 < len(long_line[0]) <= 120


def test_skip_string_normalization_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.black]\nskip-string-normalization = true\n"
    )
    path = tmp_path / "model.py"
    source = "import keras\nmodel = keras.Sequential([keras.layers.Dense(4, activation='relu', input_shape=(3,))])\n"
    code = seq2func.convert_source(source, path=str(path)).code
    assert "activation='relu'" in code


def test_diagnostics_name_the_model_and_the_line():
    source = "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(4)])\n"
    (diagnostic,) = seq2func.convert_source(source, path="m.py").diagnostics
    assert diagnostic.code == "S2F101"
    assert "model" in diagnostic.message and "line 3" in diagnostic.message
    assert diagnostic.hint
    assert diagnostic.format().startswith("m.py:3:")


def test_converting_never_imports_the_framework():
    script = textwrap.dedent(f"""
        import sys, seq2func
        seq2func.convert_source({MLP!r})
        loaded = [m for m in ("tensorflow", "keras", "jax", "torch") if m in sys.modules]
        print(",".join(loaded))
        """)
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert output == ""


def test_syntax_error_says_what_python_says_and_where():
    with pytest.raises(ConversionError) as caught:
        seq2func.convert_source("import keras\nprint 'Sequential'\n", path="old.py")
    assert "cannot parse: Missing parentheses in call to 'print'" in caught.value.reason
    assert caught.value.reason.endswith("(line 2, column 1)")
    assert caught.value.line == 2


CALLED_ON_DATA = textwrap.dedent("""\
    import keras
    import tensorflow as tf

    model = keras.Sequential([keras.layers.Dense(1, input_shape=(1,))])
    x = tf.constant([[5.0]])
    print(model(x))


    def head(y):
        x = keras.layers.Dense(1)(y)
        return x
    """)


def test_a_model_called_on_data_converts_once_whatever_another_scope_binds():
    """Issue 12: `x = layer(y)` in another scope made `model(x)` a layer call (S2F117)."""
    once = seq2func.convert_source(CALLED_ON_DATA)
    assert [s.status for s in once.sites] == ["converted"]
    twice = seq2func.convert_source(once.code)
    assert not twice.changed and twice.code == once.code


def test_a_rewrite_that_would_not_compile_leaves_the_file_alone(monkeypatch):
    import libcst as cst

    from seq2func import convert

    rewrite = convert.rewrite_module

    def broken(*args, **kwargs):
        # Stands in for a bug of ours: a statement only a function may hold.
        module = rewrite(*args, **kwargs)
        stray = cst.SimpleStatementLine([cst.Return(cst.Name("inputs"))])
        return module.with_changes(body=[*module.body, stray])

    monkeypatch.setattr(convert, "rewrite_module", broken)
    result = seq2func.convert_source(MLP, path="mlp.py")
    assert result.code == MLP and not result.changed
    assert result.sites[0].skip_codes == ("S2F199",)
    assert "'return' outside function" in result.sites[0].diagnostics[0].message


def test_a_statement_the_file_could_not_compile_already_is_not_blamed_on_the_rewrite():
    # A notebook may await at top level; the rewrite does not touch that line.
    source = MLP + "await asyncio.sleep(0)\n"
    result = seq2func.convert_source(source, path="cell.py")
    assert result.changed and result.sites[0].status == "converted"
    assert result.code.endswith("await asyncio.sleep(0)\n")


def test_a_comment_after_form_feeds_stays_with_its_layer():
    # A form feed ends no line for Python or LibCST (str.splitlines would).
    source = (
        "import keras\n\x0c\x0c\x0c\n"
        "model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,)),  # hidden\n"
        "    keras.layers.Dense(1)])\n"
    )
    assert "# hidden" in seq2func.convert_source(source).code


@pytest.mark.parametrize(
    "source",
    [
        "model = ( # kept\n    Sequential([Dense(2, input_shape=(3,)), Dense(1)]))\n",
        "model = Sequential(layers=( # kept\n    [Dense(2, input_shape=(3,)), Dense(1)]))\n",
        "model = Sequential()\n( # kept\nmodel.add(Dense(2, input_shape=(3,))))\n"
        "model.add(Dense(1))\n",
    ],
    ids=["around-the-call", "around-the-layers", "around-an-add"],
)
def test_a_comment_in_the_parentheses_around_a_site_is_kept(source):
    header = "from keras import Sequential\nfrom keras.layers import Dense\n"
    result = seq2func.convert_source(header + source)
    assert result.changed and "# kept" in result.code
