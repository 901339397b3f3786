"""Source readers in the worker see the text that runs, not the file on disk.

Keras 2 compiles a layer's `call` with autograph, which reads its source with
`inspect.getsource`. The converted side runs under the user's file name but
with other lines (and an earlier site's conversion moves everything below
it), so reading the file on disk found another function there: tf-keras'
saved_model_test verified two sites as "error" ("unexpected keyword argument
'training'") that were equivalent.
"""

from __future__ import annotations

import inspect
import textwrap

from seq2func.verify.worker_probe import _run_probe


def test_a_function_the_probe_defines_reads_as_the_probe_has_it(tmp_path):
    on_disk = tmp_path / "model.py"
    on_disk.write_text(
        textwrap.dedent("""\
            def helper(self):
                return 0


            def call(self, inputs, training=False):
                return inputs
            """),
        encoding="utf-8",
    )
    converted = textwrap.dedent("""\
        def call(self, inputs, training=False):
            return inputs
        """)
    namespace: dict = {}
    _run_probe(converted, str(on_disk), namespace, [], None)
    assert inspect.getsource(namespace["call"]) == converted
