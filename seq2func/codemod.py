"""seq2func as a LibCST codemod command, for `python -m libcst.tool codemod`.

    python -m libcst.tool codemod -x seq2func.codemod.ConvertSequentialCommand src/

Skipped sites are reported as the codemod tool's warnings, with their codes.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext, SkipFile, VisitorBasedCodemodCommand

from .convert import convert_source
from .results import ConversionError


class ConvertSequentialCommand(VisitorBasedCodemodCommand):
    DESCRIPTION = (
        "Rewrite Keras Sequential models as Functional-API code with an explicit Input."
    )

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        source = tree.code
        try:
            result = convert_source(source, path=self.context.filename)
        except ConversionError as error:
            raise SkipFile(str(error)) from None
        for diagnostic in result.diagnostics:
            if diagnostic.kind == "skip":
                self.warn(diagnostic.format())
        if not result.changed:
            return tree
        return cst.parse_module(result.code)
