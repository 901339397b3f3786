"""The table of diagnostic codes: one entry per code, its message and its hint.

Codes never change meaning once published. S2F0xx are file-level problems,
S2F1xx say why a site was left unchanged, S2F2xx are notes on a converted
site, S2F3xx come from verification (`diagnostic_table_verification`, which
uses the same `Code`). `diagnostics` names each code and builds diagnostics
from both tables; the README test holds the README's table to them. The
conversion codes stay one table, longer than the package's ~400-line guide:
split by range, a code would have to be looked for in three places.
"""

from __future__ import annotations

from dataclasses import dataclass

from .results import DiagnosticKind


@dataclass(frozen=True)
class Code:
    code: str
    kind: DiagnosticKind
    title: str
    message: (
        str  # str.format template; {model} names the model, {detail} adds specifics
    )
    hint: str


CONVERSION_TABLE = [
    # File level.
    Code(
        "S2F001",
        "skip",
        "syntax-error",
        "cannot parse: {detail}",
        "Fix the syntax error (Python 2 code must be ported to Python 3 first).",
    ),
    Code(
        "S2F002",
        "skip",
        "undecodable",
        "cannot decode: {detail}",
        "Save the file as UTF-8 or declare its encoding in a coding cookie.",
    ),
    Code(
        "S2F003",
        "skip",
        "binary-file",
        "not a text file: {detail}",
        "Exclude the file with --exclude.",
    ),
    Code(
        "S2F004",
        "skip",
        "unreadable",
        "cannot read: {detail}",
        "Check that the file exists and is readable.",
    ),
    Code(
        "S2F005",
        "skip",
        "invalid-notebook",
        "not a valid notebook: {detail}",
        "Open and re-save the notebook in Jupyter, or exclude it.",
    ),
    # Skipped sites.
    Code(
        "S2F101",
        "skip",
        "no-input",
        "{model} has no input shape that can be known before it runs{detail}",
        "Add keras.Input(shape=...) as the first layer, pass input_shape= to the "
        "first layer, or call model.build((None, ...)) after the last add().",
    ),
    Code(
        "S2F102",
        "skip",
        "layers-not-visible",
        "{model} is built from layers the converter cannot see{detail}",
        "Write the layers out as a list literal or as add() calls.",
    ),
    Code(
        "S2F103",
        "skip",
        "changed-after-complete",
        "{model} is changed after it is built{detail}",
        "Move every add()/pop() before the model is first used.",
    ),
    Code(
        "S2F104",
        "skip",
        "used-before-complete",
        "{model} is used before its last layer is added{detail}",
        "Move the use after the last add(), or convert the model by hand.",
    ),
    Code(
        "S2F105",
        "skip",
        "escapes",
        "{model} is handed to code that may change it{detail}",
        "Build the whole model before handing it on, or convert it by hand.",
    ),
    Code(
        "S2F106",
        "skip",
        "sequential-semantics",
        "{model} is used in a way whose meaning changes in a Functional model{detail}",
        "A Functional model lists its InputLayer first in .layers; "
        "index the layers by name (get_layer(name)) instead.",
    ),
    Code(
        "S2F107",
        "skip",
        "nested",
        "Sequential is used as a layer inside another model{detail}; kept as a sub-model",
        "Nothing to do: a Sequential sub-model works inside a Functional model.",
    ),
    Code(
        "S2F108",
        "skip",
        "unbound",
        "Sequential model is not bound to a single name or attribute{detail}",
        "Assign the model to a variable (model = keras.Sequential(...)) or return it.",
    ),
    Code(
        "S2F109",
        "skip",
        "ambiguous-arguments",
        "{model} has arguments whose meaning cannot be preserved{detail}",
        "Pass Sequential(layers, name=..., trainable=...) by keyword, "
        "and layer arguments without ** unpacking.",
    ),
    Code(
        "S2F110",
        "skip",
        "subclass",
        "class {model} subclasses Sequential and is not converted",
        "Subclasses may rely on add()/pop(); convert them by hand.",
    ),
    Code(
        "S2F111",
        "skip",
        "opaque-first-layer",
        "{model}: the input of the first layer cannot be read from the code{detail}",
        "Add keras.Input(shape=...) as the first layer so the input is explicit.",
    ),
    Code(
        "S2F112",
        "skip",
        "keras2-input-length",
        "{model}: Embedding(input_length=...) no longer sets the model input in Keras 3{detail}",
        "Add keras.Input(shape=(input_length,)) as the first layer.",
    ),
    Code(
        "S2F113",
        "skip",
        "unknown-dtype",
        "{model}: the input dtype cannot be known from the code{detail}",
        "Give the first layer a literal dtype=, or add keras.Input(..., dtype=...).",
    ),
    Code(
        "S2F114",
        "skip",
        "name-conflict",
        "{model}: cannot spell {detail} without shadowing a name the file uses",
        "Import keras as a module (import keras) so keras.Input/keras.Model can be used.",
    ),
    Code(
        "S2F115",
        "skip",
        "misplaced-input",
        "{model} has an Input or InputLayer that is not its first element{detail}",
        "Put the Input first, or remove it.",
    ),
    Code(
        "S2F116",
        "skip",
        "nested-model-order",
        "{model}: a layer in its list is a model that makes its own Input{detail}",
        "Keras creates the Sequential's Input after every layer; put keras.Input(...) first in the list.",
    ),
    Code(
        "S2F117",
        "skip",
        "used-as-layer",
        "{model} is used as a layer of another model{detail}",
        "Converting it would turn that model's Sequential layer into a Functional one; "
        "convert the outer model's code by hand if you want both.",
    ),
    Code(
        "S2F118",
        "skip",
        "varying-traced-input",
        "{model} was built with different inputs in the traced runs{detail}",
        "A traced input is never hard-coded to one of several seen: add keras.Input(shape=...) "
        "with None where the dimensions vary, or trace only the runs that matter "
        "(seq2func trace --traces PATH).",
    ),
    Code(
        "S2F119",
        "skip",
        "stale-trace",
        "{model} has no input shape that can be known before it runs, and its trace is out of date{detail}",
        "Trace the program again (seq2func trace -- COMMAND), then convert.",
    ),
    Code(
        "S2F120",
        "skip",
        "traced-input-not-convertible",
        "{model}: the traced input cannot be written as one keras.Input{detail}",
        "Convert this model by hand, with one keras.Input per input.",
    ),
    Code(
        "S2F121",
        "skip",
        "repeated-layer",
        "{model} holds the same layer object more than once{detail}",
        "Sequential.layers lists the layer at each place; a Functional model lists it "
        "once, so model.layers and summary() would change. Applying one layer twice "
        "is written by hand in Functional code.",
    ),
    Code(
        "S2F122",
        "skip",
        "build-time-draws",
        "{model}: a layer draws a random seed when the model is built{detail}",
        "Keras seeds such a weight when the layer is built; the converted code builds "
        "each layer before the next is made, so the draws would come in another order "
        "and the initial weights differ. Make the initializer in __init__.",
    ),
    Code(
        "S2F125",
        "skip",
        "sequential-name-shift",
        "{model}: a Sequential made before its last add() would take its automatic "
        "name in the converted code{detail}",
        "Keras names Sequentials as they are made, and the converted code makes none "
        "where Sequential() was; give that Sequential a name=, or make it first.",
    ),
    Code(
        "S2F126",
        "skip",
        "unparsed-cell",
        "{model} is in a notebook cell that does not parse{detail}",
        "IPython runs none of a cell that does not parse; fix the cell and run "
        "seq2func again.",
    ),
    Code(
        "S2F199",
        "skip",
        "internal-error",
        "{model}: the rewrite did not produce valid code{detail}; left unchanged",
        "This is a bug in seq2func; please report it with the file.",
    ),
    # Notes on converted sites.
    Code(
        "S2F201",
        "note",
        "ignored-input-shape-removed",
        "{model}: {detail} was ignored by Keras and is removed",
        "Only the first layer's input_shape/input_dim sets a Sequential model's input.",
    ),
    Code(
        "S2F202",
        "note",
        "legacy-argument-migrated",
        "{model}: Keras 2 argument {detail}",
        "Keras 3 rejects this argument on layers; keras.Input expresses it.",
    ),
    Code(
        "S2F203",
        "note",
        "layers-index-shifted",
        "{model}: {detail} shifted by one for the InputLayer",
        "A Functional model lists its InputLayer at .layers[0].",
    ),
    Code(
        "S2F204",
        "note",
        "build-folded",
        "{model}: {detail} folded into keras.Input",
        "The Functional model is built when it is created; no build() is needed.",
    ),
    Code(
        "S2F205",
        "note",
        "isinstance-rewritten",
        "{model}: {detail} rewritten to test for keras.Model",
        "The converted model is a Functional keras.Model, not a Sequential.",
    ),
    Code(
        "S2F206",
        "note",
        "input-made-explicit",
        "{model}: {detail} becomes an explicit keras.Input",
        "The Input layer now shows in summary() as the model's first row.",
    ),
    Code(
        "S2F207",
        "note",
        "input-shape-kept",
        "{model}: {detail}",
        "A layer object keeps its input_shape/input_dim; another Sequential it is added to "
        "first takes its input from them. The Functional model ignores them.",
    ),
    Code(
        "S2F208",
        "note",
        "input-from-trace",
        "{model}: {detail}",
        "The input was recorded by seq2func trace; trace again if the data fed to the model changes.",
    ),
    Code(
        "S2F210",
        "note",
        "input-from-first-build",
        "{model}: {detail}",
        "Keras built the model on this data the first time it ran; the converted model "
        "has that input from the start. Write keras.Input(shape=...) yourself if the "
        "data can change shape.",
    ),
    Code(
        "S2F211",
        "note",
        "batch-dimension-dropped",
        "{model}: {detail}",
        "Keras 3 keeps the size of the first batch a model is built on as its input's "
        "batch dimension; keras.Input(shape=...) leaves it open, so any batch size fits.",
    ),
    Code(
        "S2F212",
        "note",
        "summary-of-unbuilt",
        "{model}: {detail} ran before the first build and printed the model unbuilt"
        " (every shape ?, 0 parameters); it now prints the converted model's shapes"
        " and parameter counts",
        "Keras 3 builds a Sequential without an input only when it first runs on "
        "data; the converted model has its input from the start, so summary() can "
        "describe it.",
    ),
    Code(
        "S2F215",
        "note",
        "build-repeated-removed",
        "{model}: {detail} only repeats the input the model already has and is removed",
        "Keras raises on build() with another shape; a Functional model has its input "
        "from the start.",
    ),
    Code(
        "S2F216",
        "note",
        "input-kept-in-config",
        "{model}: {detail} stays on the layer, whose config records it",
        "Keras 2 layers (as batch_input_shape) and custom layers without a get_config() "
        "of their own record input_shape in get_config(); the Functional model ignores it.",
    ),
    Code(
        "S2F220",
        "note",
        "output-shape-from-tensor",
        "{model}: {detail} reads the shape of the running tensor",
        "Between add() calls the model's output is the last layer's output; "
        "tuple(x.shape) gives the same tuple on Keras 2 and 3.",
    ),
    Code(
        "S2F221",
        "note",
        "weightless-inner-converted",
        "{model}: {detail}, and owns no weights: converted all the same",
        "A model without weights has nothing under its class's key in a Keras 3 "
        "weight file, so the outer model's weights still load.",
    ),
    Code(
        "S2F222",
        "note",
        "layers-from-model",
        "{model}: {detail}",
        "The layers stay the other model's own objects, weights included, as they were.",
    ),
    Code(
        "S2F223",
        "note",
        "summary-so-far",
        "{model}: {detail} ran between the add() calls; a Functional model over the"
        " layers added so far prints them now",
        "The same layers, output shapes and parameter counts, with the InputLayer "
        "row and a new model's name; that model's automatic name takes a number, so "
        "the converted model's own name ends in _1 unless the Sequential had a name=.",
    ),
    Code(
        "S2F224",
        "note",
        "build-repeated-kept",
        "{model}: {detail} repeats the input the model already has; it stays, and"
        " changes nothing",
        "build() with the model's own batch shape changes nothing on a Sequential or "
        "a Functional model; it is left in the caller, whose name may hold other "
        "models too.",
    ),
    Code(
        "S2F225",
        "note",
        "unparsed-cells-left",
        "{model}: converted with {detail} left as written: IPython runs none of a"
        " cell that does not parse",
        "The names such a cell mentions are taken as read and rebound there; what "
        "it says once it parses may still change the model, so run seq2func again "
        "after fixing it.",
    ),
]
