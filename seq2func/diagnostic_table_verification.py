"""Verification's diagnostic codes (S2F3xx): one entry per code, its message and its hint.

`diagnostics` reads it after `diagnostic_table.CONVERSION_TABLE`; it is kept
apart because verification is its own room. Codes never change meaning once
published.
"""

from __future__ import annotations

from .diagnostic_table import Code

VERIFICATION_TABLE = [
    Code(
        "S2F301",
        "skip",
        "original-fails",
        "{model}: the original code does not run on the installed Keras{detail}",
        "Only the converted side could be checked. Code written for Keras 2 is "
        "verified on Keras 2 with --keras 2 (needs tf-keras).",
    ),
    Code(
        "S2F302",
        "skip",
        "unreachable",
        "{model}: cannot be reached without running the program{detail}",
        "Pass values with --bind NAME=VALUE, or give the function defaults.",
    ),
    Code(
        "S2F303",
        "note",
        "weights-neutralised",
        "{model}: pretrained weights not downloaded{detail}",
        "Structure, not pretrained values, is compared.",
    ),
    Code(
        "S2F304",
        "skip",
        "timeout",
        "{model}: verification timed out{detail}",
        "Raise the timeout, or verify a smaller configuration with --bind.",
    ),
    Code(
        "S2F305",
        "skip",
        "worker-crashed",
        "{model}: the verification worker died{detail}",
        "The model code crashed the interpreter or ran out of memory.",
    ),
    Code(
        "S2F306",
        "skip",
        "not-equivalent",
        "{model}: the converted model differs{detail}",
        "Keep the original; please report the difference.",
    ),
    Code(
        "S2F307",
        "skip",
        "unproven-kept",
        "{model}: left unchanged because verification did not prove the rewrite{detail}",
        "See the verification result for this site; --write-unverified writes it anyway.",
    ),
    Code(
        "S2F308",
        "skip",
        "unusable-sample",
        "{model}: the original model gives no outputs that can be compared{detail}",
        "Give the Input a full shape, or fix what makes the outputs NaN, Inf or "
        "empty: such outputs prove nothing either way.",
    ),
    Code(
        "S2F309",
        "skip",
        "nondeterministic",
        "{model}: the model's outputs change from run to run{detail}",
        "Remove randomness that the Keras seed does not govern from the model's "
        "inference (Python's clock, unseeded generators), or compare by hand.",
    ),
    Code(
        "S2F310",
        "note",
        "import-skipped",
        "{model}: skipped an import that failed{detail}",
        "Nothing to do: the model's code never reads what the import binds.",
    ),
    Code(
        "S2F311",
        "note",
        "verified-on-keras-2",
        "{model}: verified on Keras 2 (tf-keras){detail}",
        "Both sides ran on Keras 2, as the code was written for it; --keras 3 "
        "verifies on Keras 3 instead.",
    ),
    Code(
        "S2F312",
        "skip",
        "missing-module",
        "{model}: the model's code needs a module that is not installed{detail}",
        "Install the module where seq2func runs (pip install ...) and verify again.",
    ),
    Code(
        "S2F313",
        "skip",
        "needs-data",
        "{model}: the model's code needs data that verification does not load{detail}",
        "Verification downloads nothing and runs in an empty folder: write the shape "
        "the model takes from its data into the code, or pass it to a function "
        "with --bind NAME=VALUE.",
    ),
    Code(
        "S2F314",
        "note",
        "data-stand-in",
        "{model}: verified with a stand-in for data that verification does not load"
        "{detail}",
        "The model reads only the data's shape: both sides were built from zeros of "
        "the shape given, so the rewrite is proven for that shape, not the real "
        "data's. Verify where the data is to prove it for that shape.",
    ),
    Code(
        "S2F315",
        "note",
        "first-build-not-run",
        "{model}: the original was built on the input the converter read from its "
        "first build, which verification could not run{detail}",
        "The input's batch shape and dtype were not seen from the data itself: "
        "the rewrite is proven for the input the converter read. Verify where the "
        "data is to compare the original's own first build.",
    ),
    Code(
        "S2F316",
        "note",
        "dataset-stand-in",
        "{model}: verified on zeros in place of a Keras dataset, which verification "
        "does not download{detail}",
        "The arrays have the shapes and dtypes Keras documents for the dataset, the "
        "ones the converter read the input from; their values are zeros, and the "
        "outputs are compared on verification's own sample as for every site.",
    ),
]
