"""Jupyter notebooks: convert the code cells, leave every other byte as it was.

The code cells are joined, in order, into one Python source with a marker
comment between cells, so a model built across cells (constructor in one,
`add` calls in the next) is one site, converted when nothing in between
uses it. Each cell is read as IPython reads it: dedented by the indentation
of its first line, and with `%magic`, `%%cell magic`, `!shell` (continued
with a backslash) and `obj?` recognised only where a logical line starts;
those are masked as placeholder statements while converting. Cells whose
cell magic runs another language (`%%bash`, `%%html`, ...) are left alone.
Only the sources of changed cells change, and in them only the rewritten
lines: every other line is written back as it was. The JSON is written back
with the file's own indentation, key order and escaping, and when that
cannot reproduce the file byte for byte the notebook is left unchanged.
"""

from .cells import CodeCell, JoinedSource, Mask, join_cells, notebook_sources
from .converting import (
    NotebookResult,
    convert_notebook,
    notebook_diff,
    notebook_traces,
)

__all__ = [
    "CodeCell",
    "JoinedSource",
    "Mask",
    "NotebookResult",
    "convert_notebook",
    "join_cells",
    "notebook_diff",
    "notebook_sources",
    "notebook_traces",
]
