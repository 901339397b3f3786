"""Converting a narrowed file gives exactly what converting the whole file gives."""

from __future__ import annotations

import pytest

from cases import all_cases
from seq2func import convert as conversion
from seq2func.analysis.narrowing import narrow

# Code with nothing to do with any model, long enough to be worth blanking.
UNRELATED = """

def summarise(records, limit=10):
    totals = {}
    for record in records[:limit]:
        key = record.get("kind", "other")
        totals[key] = totals.get(key, 0) + len(str(record))
    return totals


class Processor:
    def __init__(self, config):
        self.config = config
        self.seen = set()

    def process(self, items):
        out = []
        for item in items:
            if item not in self.seen:
                self.seen.add(item)
                out.append(str(item).strip().lower())
        return out
"""

CASES = [case for case in all_cases() if case.changes]


def whole_file(source: str):
    return conversion._convert(source, None, None, frozenset())


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_fixture_with_unrelated_code_converts_as_the_whole_file_does(case):
    source = case.source + UNRELATED
    narrowed = narrow(source)
    assert narrowed is not None and narrowed.source.count("~seq2func~") >= 2
    result = conversion.convert_source(source)
    expected = whole_file(source)
    assert result.code == expected.code
    assert result.sites == expected.sites
    assert result.code.endswith(UNRELATED)


def converted_the_narrow_way(source: str):
    """The narrowed conversion, failing the test if it fell back to the whole file."""
    narrowed = narrow(source)
    assert narrowed is not None
    result = conversion.convert_narrowed(narrowed)
    assert result is not None
    return result.code, result


def test_a_function_far_below_that_reads_the_model_is_still_seen():
    source = (
        "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
        + UNRELATED
        + "\n\ndef first_layer():\n    return model.layers[0]\n"
    )
    code, result = converted_the_narrow_way(source)
    # A function may run before or after the conversion: its `.layers[0]` cannot be rewritten.
    assert [site.skip_codes for site in result.sites] == [("S2F106",)]
    assert code == source


def test_a_name_bound_only_in_blanked_code_is_not_reused():
    source = (
        "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
        + UNRELATED.replace("out = []", "inputs = out = []")
    )
    code, _ = converted_the_narrow_way(source)
    assert "inputs_1 = keras.Input(shape=(3,))" in code


def test_a_class_named_model_in_blanked_code_blocks_a_bare_import():
    source = (
        "from keras.models import Sequential\nfrom keras.layers import Dense\n\n"
        "model = Sequential([Dense(2, input_shape=(3,))])\n"
        + UNRELATED
        + "\n\nclass Model:\n    pass\n"
    )
    _, result = converted_the_narrow_way(source)
    assert [site.skip_codes for site in result.sites] == [("S2F114",)]
    assert result.sites == whole_file(source).sites


def test_statements_between_adds_that_change_the_name_argument_are_kept():
    source = (
        'import keras\n\nname = "a"\nmodel = keras.Sequential(name=name)\nname = "b"\n'
        "model.add(keras.layers.Dense(2, input_shape=(3,)))\n" + UNRELATED
    )
    assert narrow(source).source.count('name = "b"') == 1
    assert conversion.convert_source(source).sites == whole_file(source).sites


def test_diagnostics_name_the_lines_of_the_real_file():
    source = (
        "import keras\n"
        + UNRELATED
        + "\n\nmodel = keras.Sequential([keras.layers.Dense(2)])\n"
    )
    (site,) = conversion.convert_source(source).sites
    assert source.splitlines()[site.line - 1].startswith("model = keras.Sequential")
    assert site.diagnostics[0].code == "S2F101"


def test_an_edit_inside_a_blanked_statement_is_refused():
    narrowed = narrow("import keras\n" + UNRELATED + "\nmodel = keras.Sequential()\n")
    lines = list(narrowed.lines)
    blanked = min(narrowed.elided)
    lines[blanked] = "changed\n"
    assert narrowed.splice("".join(lines)) is None


def test_a_file_with_little_to_blank_is_converted_whole():
    assert narrow("import keras\nx = 1\nmodel = keras.Sequential()\n") is None


def test_a_file_python_cannot_parse_is_left_to_the_whole_file_path():
    assert narrow("print 'hello'\nmodel = Sequential()\n" + UNRELATED) is None


SEQUENTIAL_IMPORTS = (
    "from keras.models import Sequential\nfrom keras.layers import Dense\n"
)
MODEL = "model = Sequential([Dense(2, input_shape=(3,))])\n"


def test_a_module_docstring_still_decides_where_new_imports_go():
    source = '"""Models."""\n' + SEQUENTIAL_IMPORTS + UNRELATED + "\n\n" + MODEL
    code, _ = converted_the_narrow_way(source)
    assert code == whole_file(source).code
    assert code.startswith('"""Models."""\nfrom keras.models import Model\n')


def test_unrelated_code_before_the_imports_stays_first():
    source = UNRELATED.lstrip("\n") + "\n\n" + SEQUENTIAL_IMPORTS + "\n" + MODEL
    code, _ = converted_the_narrow_way(source)
    assert code == whole_file(source).code


TEST_CLASS = """
class ModelTest:
    def setUp(self):
        self.units = 4

    def test_build(self):
        self.model = Sequential([Dense(self.units, input_shape=(3,))])

    def test_first_layer(self):
        return self.model.layers[0]
""" + "".join(
    f"\n    def test_unrelated_{n}(self):\n        values = [len(str(v)) for v in range({n})]\n        return sum(values)\n"
    for n in range(6)
)


def test_a_class_keeps_only_the_methods_linked_to_its_model():
    source = SEQUENTIAL_IMPORTS + TEST_CLASS
    narrowed = narrow(source)
    kept = "".join(
        line
        for index, line in enumerate(narrowed.lines)
        if index not in narrowed.elided
    )
    assert "def test_first_layer" in kept and "def setUp" in kept
    assert "test_unrelated_" not in kept
    code, result = converted_the_narrow_way(source)
    assert code == whole_file(source).code
    assert result.sites == whole_file(source).sites


def test_a_function_importing_sequential_itself_is_still_converted():
    source = (
        "import os\n"
        + UNRELATED
        + "\n\ndef build():\n    from keras.models import Sequential\n"
        "    from keras.layers import Dense\n\n    return Sequential([Dense(2, input_shape=(3,))])\n"
    )
    code, result = converted_the_narrow_way(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert code == whole_file(source).code


def test_a_comment_naming_sequential_in_blanked_code_still_keeps_the_import():
    # The whole-file conversion keeps an import whose name is still written
    # anywhere; narrowing must not make it bolder.
    source = (
        SEQUENTIAL_IMPORTS
        + "\n"
        + MODEL
        + UNRELATED.replace("totals = {}", "totals = {}  # grouped as in Sequential")
    )
    narrowed = narrow(source)
    assert "grouped as in Sequential" not in narrowed.source
    code, _ = converted_the_narrow_way(source)
    assert code == whole_file(source).code
    assert "import Model, Sequential" in code


def test_a_kept_class_keeps_its_init_for_the_custom_layer_rule():
    # Blanked, Window's __init__ would look absent, and input_shape would seem
    # to reach Keras's Layer.
    source = (
        "import keras\n\n\nclass Window(keras.layers.Layer):\n"
        "    def __init__(self, input_shape=None, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.window = input_shape\n\n"
        "    def call(self, x):\n        return x\n\n\n"
        "model = keras.Sequential([Window(input_shape=(3,)), keras.layers.Dense(1)])\n"
        + UNRELATED
    )
    code, result = converted_the_narrow_way(source)
    assert [site.skip_codes for site in result.sites] == [("S2F111",)]
    assert code == source
