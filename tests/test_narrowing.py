"""Converting a narrowed file gives exactly what converting the whole file gives."""

from __future__ import annotations

import pytest

from cases import all_cases
from seq2func import convert as conversion
from seq2func.analysis.narrowing import narrow
from seq2func.writing.import_fixes import module_code

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


# What the checks of a site read, one rule each: every one must survive narrowing.
PADDING = "".join(
    f"\ndef helper_{n}(values):\n    return [v * {n} for v in values]\n"
    for n in range(4)
)
KERAS_MODEL = "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"


def same_both_ways(source: str):
    """The narrowed conversion equals the whole file's; returns it and the narrowed source."""
    code, result = converted_the_narrow_way(source)
    expected = whole_file(source)
    assert code == expected.code
    assert result.sites == expected.sites
    return result, narrow(source).source


def test_a_use_no_check_reads_leaves_its_arguments_out():
    source = (
        KERAS_MODEL
        + PADDING
        + "log = make_logger(verbose=True)\n"
        + "model.summary(print_fn=log)\n"
    )
    result, narrowed = same_both_ways(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert "make_logger" not in narrowed and "model.summary" not in narrowed


def test_the_data_a_model_is_first_built_on_is_kept_back_to_its_assignments():
    source = (
        "import keras\nimport numpy as np\n\n"
        "raw = np.ones((60, 28, 28))\n"
        + PADDING
        + "x_train = raw.reshape((60, 784)).astype('float32') / 255\n"
        + "model = keras.Sequential([keras.layers.Dense(2)])\n"
        + "history = model.fit(x_train, epochs=2)\n"
    )
    result, narrowed = same_both_ways(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert "raw = np.ones" in narrowed and "model.fit" in narrowed


def test_a_use_before_a_later_add_is_kept():
    source = (
        "import keras\n\nmodel = keras.Sequential()\n"
        "model.add(keras.layers.Dense(2, input_shape=(3,)))\n"
        + PADDING
        + "n = model.count_params()\nmodel.add(keras.layers.Dense(1))\n"
    )
    result, narrowed = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F104",)]
    assert "model.count_params()" in narrowed


def test_a_summary_before_a_later_add_shows_the_layers_so_far_both_ways():
    source = (
        "import keras\n\nmodel = keras.Sequential()\n"
        "model.add(keras.layers.Dense(2, input_shape=(3,)))\n"
        + PADDING
        + "model.summary()\nmodel.add(keras.layers.Dense(1))\n"
    )
    result, _ = same_both_ways(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert "keras.Model(inputs, x).summary()\n" in result.code


def test_a_use_before_a_later_build_is_kept():
    source = (
        "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(2)])\n"
        + PADDING
        + "model.summary()\nmodel.build((None, 3))\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F104",)]


def test_a_use_after_the_name_is_bound_again_is_left_out():
    source = (
        KERAS_MODEL
        + "model.summary()\nmodel = keras.Sequential([keras.Input(shape=(3,))])\n"
        + PADDING
        + "model.add(keras.layers.Dense(2))\n"
    )
    _, narrowed = same_both_ways(source)
    assert "model.summary()" not in narrowed


def test_an_alias_taken_after_fit_is_followed():
    source = (
        KERAS_MODEL
        + "model.fit(X, y)\n"
        + PADDING
        + "other = model\nfirst = other.layers[0]\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F106",)]


def test_a_loop_over_models_is_followed():
    source = (
        KERAS_MODEL
        + PADDING
        + "for each in [model]:\n    each.fit(X)\nprint(each.layers[0])\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F106",)]


def test_a_container_holding_the_model_is_followed():
    source = (
        KERAS_MODEL
        + PADDING
        + 'models = {"a": model}\nmodels["a"].fit(X)\nlayer = models["a"].layers[0]\n'
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F106",)]


def test_a_model_saved_and_read_back_under_another_name_is_followed():
    source = (
        KERAS_MODEL
        + 'model.save("m.keras")\n'
        + PADDING
        + 'restored = keras.models.load_model("m.keras")\nfirst = restored.layers[0]\n'
    )
    # The file comes back Functional: its read shifts as the model's own.
    result, _ = same_both_ways(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert "first = restored.layers[1]\n" in result.code


def test_a_function_the_model_is_passed_to_is_read():
    source = (
        KERAS_MODEL
        + "\ndef grow(m):\n    m.add(keras.layers.Dense(1))\n"
        + PADDING
        + "grow(model)\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F105",)]


def test_an_input_variable_bound_far_above_is_resolved():
    source = (
        "import keras\n\ninputs = keras.Input(shape=(3,))\n"
        + PADDING
        + "X = load()\nmodel = keras.Sequential([inputs, keras.layers.Dense(2)])\n"
        + "model.fit(X)\n"
    )
    result, narrowed = same_both_ways(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert "inputs = keras.Input" in narrowed


def test_an_input_variable_bound_twice_is_seen_twice():
    source = (
        "import keras\n\ninputs = keras.Input(shape=(3,))\n"
        + PADDING
        + "model = keras.Sequential([inputs, keras.layers.Dense(2)])\n"
        + "inputs = keras.Input(shape=(4,))\n"
    )
    same_both_ways(source)


def test_what_the_model_is_called_on_is_looked_up_everywhere():
    source = (
        "import keras\n\nx = keras.Input(shape=(3,))\n"
        + PADDING
        + KERAS_MODEL.split("\n", 2)[2]
        + "y = model(x)\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F117",)]


def test_a_name_bound_in_another_function_is_not_what_the_model_is_called_on():
    """Issue 12: only the binding that reaches the call counts."""
    source = (
        KERAS_MODEL
        + "y = model(x)\n"
        + PADDING
        + "\ndef symbolic():\n    x = keras.Input(shape=(3,))\n    return x\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [()]


def test_a_build_shape_stored_to_in_a_function_between_is_seen():
    source = (
        "import keras\n\nshape = (None, 3)\nmodel = keras.Sequential()\n"
        "model.add(keras.layers.Dense(2))\n"
        + PADDING
        + "\ndef reshape():\n    shape = 4\n    return shape\n\nmodel.build(shape)\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F101",)]


def test_a_name_argument_rebound_in_a_loop_before_the_last_add_is_seen():
    source = (
        'import keras\n\nlabel = "a"\nmodel = keras.Sequential(name=label)\n'
        "model.add(keras.layers.Dense(2, input_shape=(3,)))\n"
        + PADDING
        + 'for label in ["b"]:\n    pass\nmodel.add(keras.layers.Dense(1))\n'
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F109",)]


def test_an_alias_of_keras_is_resolved_where_it_is_bound():
    source = (
        "import tensorflow as tf\n\nkeras = tf.keras\n"
        + PADDING
        + "model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
    )
    result, narrowed = same_both_ways(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert "keras = tf.keras" in narrowed


def test_a_strict_marker_first_still_decides_where_new_imports_go():
    source = (
        "__strict__ = True\nimport keras\n"
        + PADDING
        + "\nmodel = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
        "from keras.models import Sequential\n"
        "other = Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
    )
    code, _ = converted_the_narrow_way(source)
    assert code == whole_file(source).code
    assert code.startswith("__strict__ = True\nimport keras\n")


def test_blanked_statements_in_a_row_become_one_placeholder():
    source = (
        KERAS_MODEL
        + "# one\nx = 1\n\n# two\ny = 2\n# Sequential, said a comment\nz = 3\n"
        + PADDING
    )
    narrowed = narrow(source)
    statements = [
        line for line in narrowed.lines if not line.startswith((" ", "~", "#", "\n"))
    ]
    # x and y share one; the comment naming Sequential stays in sight between.
    assert statements[-2:] == ['"""~seq2func~2\n', '"""~seq2func~4\n']
    # Still one mark per blanked statement: x, y, z and the four helpers.
    assert narrowed.source.count("~seq2func~") == 7
    assert "# Sequential, said a comment" in narrowed.source
    assert "# two" not in narrowed.source
    same_both_ways(source)


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


def test_a_weightless_model_called_in_functional_code_is_judged_on_the_whole_file():
    """S2F221 reads every later call of the outer model's graph, kept or not:
    the narrowed file hands over to the whole file."""
    source = (
        "import keras\n\n"
        "augment = keras.Sequential([keras.layers.RandomFlip(input_shape=(8, 8, 3))])\n"
        "base = keras.applications.MobileNetV2(input_shape=(8, 8, 3), weights=None)\n"
        "inputs = keras.Input(shape=(8, 8, 3))\n"
        "x = augment(inputs)\n" + PADDING + "x = base(x)\n"
        "model = keras.Model(inputs, x)\n"
    )
    narrowed = narrow(source)
    assert narrowed is not None and conversion.convert_narrowed(narrowed) is None
    result = conversion.convert_source(source)
    assert result == whole_file(source)
    assert [site.skip_codes for site in result.sites] == [("S2F117",)]


def test_a_first_layer_variable_read_far_below_keeps_its_input_arguments():
    """Every read of the layer variable is kept, so the narrowed file decides."""
    source = (
        "import keras\n\nfirst = keras.layers.Dense(8, input_shape=(4,))\n"
        "model = keras.Sequential([first, keras.layers.Dense(1)])\n"
        + PADDING
        + "print(first.get_config())\n"
    )
    result, narrowed = same_both_ways(source)
    assert "print(first.get_config())" in narrowed and "helper_0" not in narrowed
    assert "Dense(8, input_shape=(4,))" in result.code
    assert [d.code for d in result.sites[0].diagnostics] == ["S2F206", "S2F207"]


def test_a_use_after_the_story_ends_is_left_out():
    source = (
        KERAS_MODEL
        + "\ndef grow(m):\n    m.add(keras.layers.Dense(1))\n"
        + PADDING
        + "model = build_other()\ngrow(model)\nmodel(X)\n"
    )
    result, narrowed = same_both_ways(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert "grow(model)" not in narrowed and "def grow" not in narrowed


def test_a_use_in_a_function_counts_wherever_it_is():
    source = (
        "import keras\n\ndef first():\n    return model.layers[0]\n"
        + PADDING
        + "model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
        + "model = build_other()\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F106",)]


def test_a_copy_is_read_in_any_order():
    source = (
        "import keras\n\nfirst = other.layers[0]\n"
        + PADDING
        + "model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
        + "other = model\n"
    )
    same_both_ways(source)


def test_a_model_read_back_into_the_same_name_is_followed_as_a_copy():
    source = (
        KERAS_MODEL
        + 'model.save("m.keras")\nmodel = build_other()\nmodel.fit(X)\n'
        + PADDING
        + 'model = keras.models.load_model("m.keras")\nfirst = model.layers[0]\n'
    )
    narrowed = narrow(source).source
    assert "model.fit(X)" not in narrowed and "model.layers[0]" in narrowed
    # The copy under the site's own name is followed, and its read shifts too;
    # a blanked statement binds that name, so the whole file decides it.
    result = conversion.convert_source(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert "first = model.layers[1]\n" in result.code
    assert result.code == whole_file(source).code


def test_a_base_model_bound_through_an_alias_of_keras_is_resolved():
    source = (
        "import tensorflow as tf\n\nkeras = tf.keras\n"
        + PADDING
        + "base = keras.applications.MobileNetV2(input_shape=(96, 96, 3))\n"
        + "model = tf.keras.Sequential([base, tf.keras.layers.Dense(1)])\n"
    )
    result, narrowed = same_both_ways(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert "keras = tf.keras" in narrowed and "base = keras.applications" in narrowed


def test_a_story_ended_by_a_loop_over_the_name_is_read_to_its_end():
    source = (
        KERAS_MODEL
        + "for model in [build_other()]:\n    pass\n"
        + PADDING
        + "model.summary()\nmodel.add(keras.layers.Dense(1))\n"
    )
    same_both_ways(source)


def test_a_harmless_function_the_model_is_passed_to_is_left_out():
    source = (
        KERAS_MODEL
        + "\ndef plot(m, images=None):\n    return m.predict(images)\n"
        + PADDING
        + "plot(model)\n"
    )
    result, narrowed = same_both_ways(source)
    assert [site.status for site in result.sites] == ["converted"]
    assert "def plot" not in narrowed and "plot(model)" in narrowed


def test_only_the_last_definition_of_a_function_counts():
    grows = "\ndef grow(m):\n    m.add(keras.layers.Dense(1))\n"
    shows = "\ndef grow(m):\n    return m.summary()\n"
    for first, last, codes in ((shows, grows, ("S2F105",)), (grows, shows, ())):
        source = KERAS_MODEL + first + PADDING + last + "\ngrow(model)\n"
        result, _ = same_both_ways(source)
        assert [site.skip_codes for site in result.sites] == [codes]


def test_an_earlier_definition_kept_for_itself_keeps_the_last_one_too():
    source = (
        KERAS_MODEL
        + "\ndef grow(m):\n    m.add(keras.layers.Dense(1))\n    return model.layers\n"
        + PADDING
        + "\ndef grow(m):\n    return m.summary()\n\ngrow(model)\n"
    )
    result, narrowed = same_both_ways(source)
    assert narrowed.count("def grow") == 2


def test_only_imports_that_may_bind_keras_names_are_kept_past_the_import_block():
    source = (
        "import os\nimport keras\n\nx = 1\nimport json\nfrom keras import layers\n"
        + PADDING
        + "from tensorflow.keras import Model\n"
        + "model = keras.Sequential([layers.Dense(2, input_shape=(3,))])\n"
    )
    result, narrowed = same_both_ways(source)
    assert "import os\nimport keras\n" in narrowed  # the import block stays whole
    assert "import json" not in narrowed
    assert "from keras import layers" in narrowed and "import Model" in narrowed


@pytest.mark.parametrize("case", CASES[:20], ids=[case.name for case in CASES[:20]])
def test_the_code_of_a_module_is_written_the_same_from_statements_already_written(case):
    import libcst as cst

    module = cst.parse_module(case.source + "# a last comment\n")
    for count in range(len(module.body) + 1):
        tail = module.body[len(module.body) - count :]
        written = {id(s): (s, module.code_for_node(s)) for s in tail}
        assert module_code(module, written) == module.code


def test_a_model_on_an_attribute_called_on_a_tensor_is_looked_up_everywhere():
    # As in TensorFlow's video classification tutorial: the model a layer
    # holds is called on `x`, which the module binds to a layer's output.
    source = (
        "import keras\nfrom keras import layers\n\n"
        "class Block(layers.Layer):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.seq = keras.Sequential([layers.Dense(2, input_shape=(3,))])\n\n"
        "    def call(self, inputs):\n"
        "        return self.seq(x)\n"
        + PADDING
        + "x = keras.Input(shape=(3,))\nx = layers.Dense(3)(x)\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F117",)]


def test_a_tensor_the_model_is_called_on_is_followed_back_through_its_bindings():
    # Whether `x` is symbolic (S2F117) is read from `h`'s binding, far away.
    source = (
        KERAS_MODEL
        + "h = keras.Input(shape=(3,))\n"
        + PADDING
        + "x = keras.layers.Dense(3)(h)\n"
        + PADDING
        + "y = model(x)\n"
        + "\ndef scale(x):\n    x = x * 2\n    return x\n"
    )
    result, narrowed = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F117",)]
    assert "keras.Input(shape=(3,))" in narrowed and "def scale" not in narrowed


def test_comments_around_blanked_statements_become_part_of_the_placeholder():
    source = (
        "import keras\n\nx = 1\n\n# about y\n\ny = 2\n# between\n"
        + PADDING
        + "\n# before the model\nmodel = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
    )
    narrowed = narrow(source)
    assert "# about y" not in narrowed.source and "# between" not in narrowed.source
    assert "# before the model" not in narrowed.source
    same_both_ways(source)


@pytest.mark.parametrize(
    "source",
    [
        # A removed import takes its comments with it.
        "import keras\n\nx = 1\n"
        + PADDING
        + "\n# the class\nfrom keras.models import Sequential\n"
        + "model = Sequential([keras.layers.Dense(2, input_shape=(3,))])\n",
        # The first statement past the import block gets a blank line if it has none.
        "from keras.models import Sequential\nfrom keras import layers\n"
        "\n# first\nx = 1\n"
        + PADDING
        + "model = Sequential([layers.Dense(2, input_shape=(3,))])\n",
        # The footer is not searched for the names of imports.
        "from keras.models import Sequential as S\nfrom keras import layers\n\nx = 1\n"
        + PADDING
        + "model = S([layers.Dense(2, input_shape=(3,))])\n"
        + "y = 2\n# S is gone\n",
    ],
    ids=["removed-import", "first-after-imports", "footer"],
)
def test_comments_the_import_edits_read_stay_where_they_are(source):
    same_both_ways(source)


def test_a_loop_keeps_only_its_statements_that_matter_and_its_clauses():
    source = (
        KERAS_MODEL
        + "for epoch in range(3):\n"
        + "    print(epoch)\n"
        + "    for step in range(4):\n"
        + "        batch = load(step)\n"
        + "        with tape() as t:\n"
        + "            y = model(batch)\n"
        + "            loss = y.sum()\n"
        + "        t.gradient(loss)\n"
        + "    else:\n"
        + "        print('done')\n"
        + PADDING
    )
    _, narrowed = same_both_ways(source)
    assert "for step in range(4):" in narrowed and "y = model(batch)" in narrowed
    assert "print(epoch)" not in narrowed and "loss = y.sum()" not in narrowed


@pytest.mark.parametrize(
    "statement",
    [
        # The planner reads what the body does with each layer.
        "for layer in model.layers:\n    keep = [layer]\n    x = 1\n",
        # `elif` is the else-block's `if`, on the clause's line.
        "if a:\n    x = 1\nelif b:\n    y = model(x)\nelse:\n    z = 2\n",
        # A block on its clause's line.
        "for x in data: y = model(x)\n",
        "try:\n    y = model(x)\nexcept ValueError as error:\n    print(error)\n"
        "else:\n    z = 1\nfinally:\n    w = 2\n",
        "with scope() as s:\n    other = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])\n"
        "    other.summary()\n",
    ],
    ids=["layers-loop", "elif", "one-line", "try", "site-inside"],
)
def test_compound_statements_convert_as_the_whole_file_does(statement):
    same_both_ways(KERAS_MODEL + PADDING + statement + PADDING)


def test_a_guarded_import_first_does_not_hide_where_the_import_block_ends():
    source = (
        "try:\n    import keras\nexcept ImportError:\n    keras = None\n"
        "import os\n\n# about x\nx = 1\n"
        + PADDING
        + "model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
    )
    same_both_ways(source)


def test_a_first_layer_variable_used_far_away_keeps_its_input_arguments():
    # As in handson-ml3's chapter 13: `standardization.adapt(...)` between
    # the layer and the model keeps input_shape= on the call (S2F207).
    source = (
        "import keras\n\nnorm = keras.layers.Normalization(input_shape=[28, 28])\n"
        + PADDING
        + "norm.adapt(images)\n"
        + PADDING
        + "model = keras.Sequential([norm, keras.layers.Dense(10)])\n"
    )
    result = conversion.convert_source(source)
    assert result.code == whole_file(source).code
    assert "S2F207" in [d.code for d in result.sites[0].diagnostics]


def test_a_use_before_the_first_build_of_a_model_without_input_is_kept():
    # As in fchollet's deep-learning-with-python notebooks: summary() runs
    # before fit() builds the model (S2F112), far from both.
    source = (
        "import keras\n\nmodel = keras.Sequential()\n"
        "model.add(keras.layers.Embedding(1000, 8, input_length=20))\n"
        "model.add(keras.layers.Flatten())\n"
        + PADDING
        + "model.summary()\n"
        + PADDING
        + "x_train = np.zeros((4, 20))\nmodel.fit(x_train, y)\n"
    )
    result, narrowed = same_both_ways(source)
    assert "model.summary()" in narrowed
    assert [site.skip_codes for site in result.sites] == [("S2F112",)]


def test_data_from_a_function_of_the_file_keeps_what_its_body_reads():
    source = (
        "import keras\nimport numpy as np\n\nrows = 100\n"
        + PADDING
        + "def make_data():\n    return np.zeros((rows, 4))\n\n"
        + "model = keras.Sequential([keras.layers.Dense(2)])\n"
        + "x_train = make_data()\nmodel.fit(x_train, y)\n"
    )
    result, narrowed = same_both_ways(source)
    assert "rows = 100" in narrowed and "def helper_0" not in narrowed
    assert [site.status for site in result.sites] == ["converted"]


def test_past_the_first_build_only_reads_of_the_shapes_stay_for_the_input_step():
    source = (
        "import keras\nimport numpy as np\n\n"
        "model = keras.Sequential([keras.layers.Dense(2)])\n"
        "x_train = np.zeros((8, 4))\nmodel.fit(x_train, y)\n"
        + PADDING
        + "model.summary()\nprint(model.output_shape)\n"
    )
    result, narrowed = same_both_ways(source)
    assert "model.summary()" not in narrowed and "model.output_shape" in narrowed
    assert [site.status for site in result.sites] == ["converted"]


def test_data_kept_before_it_is_known_to_be_data_is_followed_back_too():
    # `x = np.zeros((n, 4))` is kept first for the first model's input_shape,
    # then found to be the second model's data: `n` is read for its rows.
    source = (
        "import keras\nimport numpy as np\n\nn = 100\n"
        + PADDING
        + "x = np.zeros((n, 4))\n"
        + "model0 = keras.Sequential([keras.layers.Dense(2, input_shape=x.shape[1:])])\n"
        + PADDING
        + "model = keras.Sequential([keras.layers.Dense(2)])\nmodel.fit(x, y)\n"
    )
    result, narrowed = same_both_ways(source)
    assert "n = 100" in narrowed
    assert [site.status for site in result.sites] == ["converted", "converted"]


def _built_on_its_data_after(use: str) -> str:
    return (
        "import keras\nimport numpy as np\n\nx = np.ones((64, 3))\n"
        "model = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])\n"
        + PADDING
        + f"model.compile(loss='mse')\n{use}\nmodel.fit(x, np.zeros((64, 1)))\n"
    )


def test_a_use_before_the_first_build_of_a_model_built_on_its_data_is_kept():
    # The lines of the unbuilt summary go to code: the site stays, narrowed or whole.
    result, narrowed = same_both_ways(
        _built_on_its_data_after("model.summary(print_fn=print)")
    )
    assert [site.skip_codes for site in result.sites] == [("S2F101",)]
    assert "model.summary(print_fn=print)" in narrowed


def test_a_summary_before_the_first_build_is_kept_to_be_noted():
    result, narrowed = same_both_ways(_built_on_its_data_after("model.summary()"))
    (site,) = result.sites
    assert "S2F212" in [d.code for d in site.diagnostics if d.kind == "note"]
    assert "model.summary()" in narrowed


def test_every_call_of_a_function_using_the_model_is_kept():
    """A function is dormant only when every call of it is seen."""
    source = (
        "import keras\nimport numpy as np\n\n"
        "def predict(x):\n    return model(x)\n\n"
        "model = keras.Sequential([keras.layers.Dense(2)])\n"
        + PADDING
        + "model.fit(np.zeros((4, 3)), np.zeros((4, 2)))\n"
        + PADDING.replace("helper_", "other_")
        + "predict(np.zeros((1, 3)))\n"
    )
    result, narrowed = same_both_ways(source)
    assert "predict(np.zeros((1, 3)))" in narrowed and "helper_0" not in narrowed


def test_a_function_returning_a_model_keeps_every_read_of_its_name():
    source = (
        "import keras\n\n"
        "def build():\n    model = keras.Sequential()\n"
        "    model.add(keras.layers.Dense(2))\n    return model\n"
        + PADDING
        + "tuner = make_tuner(build)\n"
    )
    result, narrowed = same_both_ways(source)
    assert "make_tuner(build)" in narrowed and "helper_0" not in narrowed
    assert result.sites[0].status == "skipped"


def test_a_copy_only_read_in_blanked_code_is_followed_the_narrow_way():
    source = (
        KERAS_MODEL
        + "clone = keras.models.clone_model(model)\n"
        + PADDING
        + "clone.set_weights(model.get_weights())\n"
        + PADDING
        + "first = clone.layers[0]\n"
    )
    assert "first = clone.layers[1]\n" in same_both_ways(source)[0].code


def test_a_copy_bound_again_in_blanked_code_needs_the_whole_file():
    source = (
        KERAS_MODEL
        + "clone = keras.models.clone_model(model)\n"
        + PADDING
        + "def unrelated():\n    clone = 3\n    return clone\n"
        + PADDING
        + "first = clone.layers[0]\n"
    )
    narrowed = narrow(source)
    assert narrowed is not None and narrowed.may_bind_elided("clone")
    assert conversion.convert_narrowed(narrowed) is None


HELPER_PADDING = (
    "\n\ndef helper(a, b):\n    c = a + b\n    d = c * 2\n    e = d - 1\n"
    "    f = e / 3\n    g = f ** 2\n    return g\n\n\n"
)


def test_a_name_in_a_statement_sharing_its_line_is_a_name_of_the_file():
    source = (
        "import keras\nimport numpy as np\n\ninputs = np.zeros((4, 3)); n = 4\n"
        + HELPER_PADDING
        + "model = keras.Sequential()\n"
        + "model.add(keras.layers.Dense(2, input_shape=(3,)))\n"
        + "model.add(keras.layers.Dense(1))\n"
        + "total = inputs.sum(); m = 1\n"
    )
    narrowed = narrow(source)
    assert narrowed is not None and narrowed.has_name("inputs")
    assert "inputs_1 = keras.Input(shape=(3,))" in same_both_ways(source)[0].code


def test_a_name_in_a_decorator_is_a_name_of_the_file():
    source = (
        "from helpers import *\nimport keras\n\n"
        + "model = keras.Sequential()\n"
        + "model.add(keras.layers.Dense(2, input_shape=(3,)))\n"
        + "model.add(keras.layers.Dense(1))\n\n\n@inputs.register"
        + HELPER_PADDING
        + "def other(a):\n    return a + 1\n"
    )
    narrowed = narrow(source)
    assert narrowed is not None and narrowed.has_name("inputs")
    assert "inputs_1 = keras.Input(shape=(3,))" in same_both_ways(source)[0].code


def test_the_statements_scikit_learn_data_comes_from_are_kept():
    # Notebooks import where they first need a name: the imports, the Bunch,
    # the split and the scaler all decide the data's shape.
    source = (
        "import keras\n"
        + PADDING
        + "from sklearn.datasets import load_iris\n"
        + "from sklearn.model_selection import train_test_split\n"
        + "from sklearn.preprocessing import StandardScaler\n"
        + PADDING
        + "iris = load_iris()\n"
        + PADDING
        + "X_train, X_test, y_train, y_test = train_test_split(iris.data, iris.target)\n"
        + "scaler = StandardScaler()\n"
        + PADDING
        + "X_train = scaler.fit_transform(X_train)\n"
        + "model = keras.Sequential([keras.layers.Dense(3)])\n"
        + "model.fit(X_train, y_train)\n"
    )
    result, narrowed = same_both_ways(source)
    assert "scaler = StandardScaler()" in narrowed
    assert [site.status for site in result.sites] == ["converted"]


def test_a_bunch_a_blanked_statement_may_change_is_read_in_the_whole_file():
    source = (
        "import keras\nfrom sklearn.datasets import load_iris\n\niris = load_iris()\n"
        + PADDING
        + "iris.data = iris.data[:, :2]\n"
        + PADDING
        + "model = keras.Sequential([keras.layers.Dense(3)])\n"
        + "model.fit(iris.data, iris.target)\n"
    )
    result = conversion.convert_source(source)
    assert result.code == whole_file(source).code
    assert [site.skip_codes for site in result.sites] == [("S2F101",)]


def test_every_use_of_a_layer_handed_to_a_model_without_input_is_kept():
    # As in handson-ml3's chapter 13: the layer is read again after the
    # first build, far below. Those reads are kept for named_layer_reads
    # to judge, rather than sending the whole file through.
    source = (
        "import keras\nimport numpy as np\n\nnorm = keras.layers.Normalization()\n"
        "model = keras.Sequential([norm, keras.layers.Dense(1)])\n"
        "x_train = np.zeros((8, 4))\nmodel.fit(x_train, y)\n"
        + PADDING
        + "scaled = norm(x_train)\n"
        + PADDING
        + "dataset = dataset.map(lambda x: norm(x))\n"
    )
    result, narrowed = same_both_ways(source)
    assert "scaled = norm(x_train)" in narrowed and "lambda x: norm(x)" in narrowed
    # Both run after the first build: the layer is built there in both.
    assert [site.status for site in result.sites] == ["converted"]


def test_a_function_far_above_that_makes_a_model_of_the_one_handed_to_it_is_kept():
    source = (
        "import keras\n\n"
        "def with_head(base):\n"
        "    inputs = keras.Input(shape=(3,))\n"
        "    return keras.Model(inputs, base(inputs))\n"
        + PADDING
        + "model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
        + PADDING
        + "full = with_head(model)\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F117",)]


def test_a_caller_far_below_that_adds_to_a_returned_model_is_kept():
    source = (
        "import keras\n\n"
        "def base():\n"
        "    return keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
        + PADDING
        + "def for_training():\n"
        "    return base()\n"
        + PADDING
        + "model = for_training()\n"
        + PADDING
        + "model.add(keras.layers.Dense(1))\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F103",)]


def test_a_class_far_above_that_the_model_is_handed_to_is_read_whole():
    source = (
        "import keras\n\n"
        "class Trainer:\n"
        "    def __init__(self, model):\n"
        "        self.model = model\n\n"
        "    def first(self):\n"
        "        return self.model.layers[0]\n"
        + PADDING
        + "model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
        + PADDING
        + "trainer = Trainer(model)\n"
    )
    result = conversion.convert_source(source)
    assert result.code == whole_file(source).code
    assert [site.skip_codes for site in result.sites] == [("S2F105",)]


def test_a_checkpoint_far_below_that_tracks_a_returned_model_is_kept():
    source = (
        "import tensorflow as tf\n\n"
        "def make():\n"
        "    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])\n"
        "    return model\n"
        + PADDING
        + "generator = make()\n"
        + PADDING
        + "checkpoint = tf.train.Checkpoint(generator=generator)\n"
    )
    result, _ = same_both_ways(source)
    assert [site.skip_codes for site in result.sites] == [("S2F106",)]


def test_a_callback_far_above_that_filters_the_model_layers_is_seen():
    source = (
        "import keras\n\n"
        "class Grads(keras.callbacks.Callback):\n"
        "    def on_train_begin(self, logs=None):\n"
        "        self.hidden = [l for l in self.model.layers if 'hidden' in l.name]\n"
        + PADDING
        + "model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])\n"
        + PADDING
        + "model.fit(x, y, callbacks=[Grads()])\n"
    )
    result = conversion.convert_source(source)
    assert result.code == whole_file(source).code
    assert [site.skip_codes for site in result.sites] == [("S2F106",)]
