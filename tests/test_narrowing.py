"""Converting a narrowed file gives exactly what converting the whole file gives."""

from __future__ import annotations

import pytest

from cases import all_cases
from seq2func import convert as conversion
from seq2func.narrowing import narrow

# Code with nothing to do with any model, long enough to be worth blanking.
UNRELATED = '''

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
'''

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
    result = conversion._convert(narrowed.source, None, None, frozenset(), narrowed.names)
    code = narrowed.splice(result.code)
    assert code is not None
    return code, result


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
    source = "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n" + UNRELATED.replace(
        "out = []", "inputs = out = []"
    )
    code, _ = converted_the_narrow_way(source)
    assert "inputs_1 = keras.Input(shape=(3,))" in code


def test_a_class_named_model_in_blanked_code_blocks_a_bare_import():
    source = (
        "from keras.models import Sequential\nfrom keras.layers import Dense\n\n"
        "model = Sequential([Dense(2, input_shape=(3,))])\n" + UNRELATED + "\n\nclass Model:\n    pass\n"
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
    source = "import keras\n" + UNRELATED + "\n\nmodel = keras.Sequential([keras.layers.Dense(2)])\n"
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
