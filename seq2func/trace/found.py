"""What the trace store says about a site, as the converter and reports read it.

`lookup.TraceIndex` answers with these; `texts` writes them for messages,
reports and `keras.Input(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .describe import Structure

Dimension = int | None


@dataclass(frozen=True)
class TracedLeaf:
    """One input tensor as recorded: what `keras.Input` needs, and what fed it."""

    key: str | int | None  # the dict key or list index; None for a single tensor
    shape: tuple[Dimension, ...]  # without the batch dimension
    dtype: str | None  # the dtype Keras gave the InputLayer; None when it made none
    sparse: bool  # the InputLayer's flags
    ragged: bool
    data_dtypes: tuple[str, ...]  # dtypes of the data the program passed, as seen


@dataclass(frozen=True)
class TraceOrigin:
    """One traced run that built the site: for reports, where the input came from.

    `command` is the traced command line (None for a process that recorded
    without `seq2func trace`); `started` is in seconds since the epoch;
    `path` is the file or notebook as named when traced ('' when not
    known); `calls` are the public calls that built the model there.
    """

    run: str
    command: str | None
    started: float | None
    path: str
    builds: int
    calls: tuple[str, ...]


@dataclass(frozen=True)
class TracedInput:
    """The input a site was built with: every build agrees but for the batch size.

    `batch_sizes` are the distinct batch dimensions seen, in order;
    `first_batch_shapes` each leaf's full shape in the first build (what a
    deferred Keras 3 build keeps, for verification).
    """

    structure: Structure
    leaves: tuple[TracedLeaf, ...]
    batch_sizes: tuple[Dimension, ...]
    first_batch_shapes: tuple[tuple[Dimension, ...], ...]
    builds: int
    runs: int
    calls: tuple[str, ...]
    keras_versions: tuple[str, ...]
    backends: tuple[str, ...]
    origins: tuple[TraceOrigin, ...]

    @property
    def batch_shape(self) -> tuple[Dimension, ...]:
        """The full shape a deferred Keras 3 build keeps (first build, first leaf)."""
        return self.first_batch_shapes[0]

    @property
    def data_dtypes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d for leaf in self.leaves for d in leaf.data_dtypes))


@dataclass(frozen=True)
class SeenInput:
    text: str  # "(None, 784) float32"
    builds: int
    runs: int


@dataclass(frozen=True)
class VaryingInput:
    """Builds of one site differ in more than the batch dimension."""

    seen: tuple[SeenInput, ...]
    builds: int
    runs: int

    @property
    def shapes(self) -> tuple[str, ...]:
        return tuple(s.text for s in self.seen)


@dataclass(frozen=True)
class StaleTrace:
    """No record for this content, but records for earlier content of the same file or cell."""

    path: str
    cell: int | None
    last_traced: float  # seconds since the epoch
    versions: int  # other contents of the unit that were traced
    runs: int


Found = TracedInput | VaryingInput | StaleTrace


@dataclass(frozen=True)
class RecordedSite:
    """A site as the store knows it, for `seq2func traces`."""

    digest: str
    line: int
    column: int
    kind: str  # "file" or "cell"
    path: str  # the file or notebook when traced; '' when not known
    cell: int | None  # the cell's index in the notebook, when known
    models: tuple[str, ...]  # the names Keras gave the models built there
    recorded: TracedInput | VaryingInput


@dataclass(frozen=True)
class InputArguments:
    """What goes between the parentheses of `keras.Input(...)`."""

    text: str  # 'shape=(784,), dtype="float32"'


@dataclass(frozen=True)
class NotConvertible:
    reason: str
