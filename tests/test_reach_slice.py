"""The probe's slice keeps every statement the model's names may come from."""

from __future__ import annotations

import textwrap

from seq2func.verify.reach import probe_for


def test_a_name_a_loop_adds_to_keeps_the_statement_that_made_it():
    source = textwrap.dedent("""\
        import keras

        notes = set()
        for chord in [[1, 2], [3]]:
            notes |= set(chord)
        model = keras.Sequential([keras.layers.Dense(len(notes), input_shape=(2,))])
        """)
    code = probe_for(
        source, scope="<module>", target="model", ordinal=1, form="list", end_line=6
    ).code
    assert "notes = set()" in code


def test_a_binding_in_a_condition_keeps_the_one_before():
    source = textwrap.dedent("""\
        import keras

        width = 3
        if False:
            width = 5
        model = keras.Sequential([keras.layers.Dense(2, input_shape=(width,))])
        """)
    code = probe_for(
        source, scope="<module>", target="model", ordinal=1, form="list", end_line=6
    ).code
    assert "width = 3" in code


def test_a_method_called_on_an_object_the_model_needs_is_kept_a_modules_is_not():
    source = textwrap.dedent("""\
        import numpy as np
        import keras

        np.random.seed(0)
        text = open("corpus.txt").read()
        vectorizer = keras.layers.TextVectorization()
        vectorizer.adapt([text])
        size = vectorizer.vocabulary_size()
        model = keras.Sequential([keras.layers.Embedding(size, 4, input_shape=(8,))])
        """)
    code = probe_for(
        source, scope="<module>", target="model", ordinal=1, form="list", end_line=9
    ).code
    assert "vectorizer.adapt([text])" in code and "corpus.txt" in code
    assert "np.random.seed" not in code


def test_absl_flags_the_model_reads_are_defined_and_parsed_with_their_defaults():
    source = textwrap.dedent("""\
        import keras
        from absl import flags

        flags.DEFINE_integer("s2f_units", 4, "Units.")
        FLAGS = flags.FLAGS


        def build():
            model = keras.Sequential([keras.layers.Dense(FLAGS.s2f_units, input_shape=(3,))])
            return model
        """)
    code = probe_for(
        source, scope="build", target="model", ordinal=1, form="list", end_line=9
    ).code
    lines = code.splitlines()
    assert lines[4 - 1] == 'flags.DEFINE_integer("s2f_units", 4, "Units.")'
    assert lines[5 - 1] == "FLAGS = flags.FLAGS; FLAGS.mark_as_parsed()"
    namespace: dict = {}
    exec(compile("\n".join(lines[1:5]), "probe", "exec"), namespace)
    assert namespace["FLAGS"].s2f_units == 4


def test_a_jobs_flags_are_forgotten_so_the_next_job_defines_them_again():
    from absl import flags as absl_flags

    from seq2func.verify.flags import forget_probe_flags

    define = 'from absl import flags\nflags.DEFINE_integer("s2f_again", 1, "h")\n'
    # The probe's code is no module: absl files its flags under the code that ran it.
    exec(compile(define, "probe", "exec"), {"__name__": "__seq2func_verify__"})
    forget_probe_flags((__name__,))
    exec(compile(define, "probe", "exec"), {"__name__": "__seq2func_verify__"})
    forget_probe_flags((__name__,))
    assert "s2f_again" not in absl_flags.FLAGS


def test_a_with_block_reads_the_names_it_binds_itself_not_earlier_ones():
    # Two converted models in `with strategy.scope():` blocks: the second one's
    # `inputs` is its own, so the first model (and its layer names) stay out.
    source = textwrap.dedent("""\
        import keras

        scope = keras.name_scope("a")
        with scope:
            inputs = keras.Input(shape=(1,))
            outputs = keras.layers.Dense(1)(inputs)
            first = keras.Model(inputs=inputs, outputs=outputs)
        with scope:
            inputs = keras.Input(shape=(1,))
            outputs = keras.layers.Dense(1)(inputs)
            model = keras.Model(inputs=inputs, outputs=outputs)
        """)
    code = probe_for(
        source, scope="<module>", target="model", ordinal=1, form="list", end_line=11
    ).code
    assert "first = keras.Model" not in code
    assert "scope = keras.name_scope" in code


def test_a_with_block_that_reads_a_name_before_binding_it_keeps_the_earlier_binding():
    source = textwrap.dedent("""\
        import keras

        width = 3
        with keras.name_scope("a"):
            layer = keras.layers.Dense(width)
            width = 4
            model = keras.Sequential([layer])
        """)
    code = probe_for(
        source, scope="<module>", target="model", ordinal=1, form="list", end_line=7
    ).code
    assert "width = 3" in code
