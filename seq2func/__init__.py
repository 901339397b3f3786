"""seq2func: rewrite Keras Sequential models as Functional-API code, and prove it.

Converting never imports TensorFlow or Keras; only verification does, and it
is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .results import ConversionError, ConversionResult, Diagnostic, Site

if TYPE_CHECKING:  # pragma: no cover
    from .convert import convert_source
    from .verify import VerificationReport

__version__ = "0.1.0"

__all__ = [
    "ConversionError",
    "ConversionResult",
    "Diagnostic",
    "Site",
    "VerificationReport",
    "convert_source",
    "verify_sources",
    "__version__",
]


def verify_sources(
    original: str, converted: str, path: str | None = None, **options: Any
):
    """Build every model both sources build and compare them (imports the framework)."""
    from .verify import verify_sources as _verify_sources

    return _verify_sources(original, converted, path=path, **options)


def __getattr__(name: str) -> Any:
    # LibCST takes a noticeable share of a short run to import: only converting needs it.
    if name == "convert_source":
        from .convert import convert_source

        return convert_source
    if name == "VerificationReport":
        from .verify import VerificationReport

        return VerificationReport
    raise AttributeError(f"module 'seq2func' has no attribute {name!r}")
