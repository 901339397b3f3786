"""The analysis's node metadata is exactly what LibCST's own providers and `children` give."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    MetadataWrapper,
    PositionProvider,
    ScopeProvider,
)

from seq2func.analysis import metadata, scope_metadata
from seq2func.analysis.narrowing import narrow

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "fixtures").glob("*/*.py")) + sorted(
    (ROOT / "seq2func").glob("**/*.py")
)
MODULES = [
    pytest.param(path, id=str(path.relative_to(ROOT)))
    for path in SOURCES
    if path.parent.name != "bad_input"
]


def parse(path: Path) -> cst.Module:
    return cst.parse_module(path.read_text(encoding="utf-8"))


def walked(found: dict) -> dict:
    """LibCST's values for the nodes the walk records (whitespace leaves are not)."""
    return {n: v for n, v in found.items() if type(n) not in metadata.UNWALKED}


def children_walk(module: cst.Module):
    """Parents and source-ordered lookups, the slow way: `children` on every node."""
    parents, names, attributes, candidates, imports = {}, {}, {}, [], []
    stack = [module]
    while stack:
        node = stack.pop()
        for child in node.children:
            if type(child) not in metadata.UNWALKED:
                parents[child] = node
        stack.extend(reversed(node.children))
        if isinstance(node, cst.Name):
            names.setdefault(node.value, []).append(node)
        elif isinstance(node, cst.Attribute):
            attributes.setdefault(node.attr.value, []).append(node)
        elif isinstance(node, (cst.Call, cst.ClassDef)):
            candidates.append(node)
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            imports.append(node)
    return parents, names, attributes, candidates, imports


def _descendants(walked, node):
    yield node
    for child in walked.children.get(node, []):
        yield from _descendants(walked, child)


@pytest.mark.parametrize("path", MODULES)
def test_positions_are_those_of_libcsts_position_provider(path):
    module = parse(path)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    found = metadata.walk(module).positions
    assert dict(found) == walked(expected)


@pytest.mark.parametrize("path", MODULES)
def test_parents_and_lookups_are_those_children_give_in_source_order(path):
    module = parse(path)
    walked = metadata.walk(module)
    parents, names, attributes, candidates, imports = children_walk(module)
    assert walked.parents == parents
    assert walked.names == names
    assert walked.attributes == attributes
    assert walked.candidates == candidates
    assert walked.imports == imports


@pytest.mark.parametrize("path", MODULES)
def test_scopes_are_those_of_libcsts_scope_provider(path):
    module = parse(path)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    found = scope_metadata.scopes(module, metadata.walk(module))
    # String annotations are parsed afresh by each run: only the module's own nodes
    # compare, less the module and its string-only statements, which bind and read
    # nothing and are passed by.
    # Whitespace, comments and punctuation are passed by too: no name is in them.
    walked = metadata.walk(module)
    strings = [s for s in module.body if scope_metadata._only_a_string(s)]
    passed_by = {n for s in strings for n in _descendants(walked, s)}
    passed_by |= {
        below
        for node in walked.parents
        if type(node) in scope_metadata.FORMATTING
        for below in _descendants(walked, node)
    }
    in_module = set(walked.parents) - passed_by
    assert found.keys() & in_module == expected.keys() & in_module
    # Scope objects are made afresh by each run too: compare what they hold.
    for node, scope in expected.items():
        if node not in in_module:
            continue
        other = found[node]
        assert type(other) is type(scope)
        if scope is not None:
            assert sorted(scope._assignments) == sorted(other._assignments)
            assert {a.node for a in scope.accesses} == {a.node for a in other.accesses}


@pytest.mark.parametrize("path", MODULES)
def test_whitespace_and_punctuation_the_scope_pass_passes_by_hold_no_name(path):
    walked = metadata.walk(parse(path))
    held = {
        type(below)
        for node in walked.parents
        if type(node) in scope_metadata.FORMATTING
        for below in _descendants(walked, node)
    }
    assert held <= scope_metadata.FORMATTING


@pytest.mark.parametrize("path", MODULES)
def test_stored_names_are_those_libcst_gives_a_store_context(path):
    module = parse(path)
    contexts = MetadataWrapper(module, unsafe_skip_copy=True).resolve(
        ExpressionContextProvider
    )
    expected = {
        n
        for n, c in contexts.items()
        if isinstance(n, cst.Name) and c is ExpressionContext.STORE
    }
    assert scope_metadata.stored_names(metadata.walk(module)) == expected


def test_stored_names_cover_every_kind_of_target():
    module = cst.parse_module(
        "import a.b as c\n"
        "x, [y, *z] = w\n"
        "p.q = r[s] = t\n"
        "u: int = v\n"
        "k += 1\n"
        "for i, j in e: pass\n"
        "[m for n in o if (l := n)]\n"
        "with f() as (g, h): pass\n"
        "try: pass\nexcept E as err: pass\n"
        "del dd, ee.ff\n"
        "@deco\nclass C(Base, metaclass=M):\n    def f(self, a: A = d, *args, **kw) -> R: pass\n"
        "lam = lambda lp=ld: lp\n"
    )
    stored = {n.value for n in scope_metadata.stored_names(metadata.walk(module))}
    assert stored == {
        "c",
        "x",
        "y",
        "z",
        "u",
        "k",
        "i",
        "j",
        "n",
        "l",
        "g",
        "h",
        "err",
        "C",
        "f",
        "self",
        "a",
        "args",
        "kw",
        "lam",
        "lp",
    }


# The cases narrowing leaves something out of (the others are analysed whole).
NARROWED = [
    pytest.param(narrowed, id=path.stem)
    for path in sorted((ROOT / "fixtures" / "cases").glob("*.py"))
    if (narrowed := narrow(path.read_text(encoding="utf-8"))) is not None
]


@pytest.mark.parametrize("narrowed", NARROWED)
def test_narrowed_modules_get_the_same_positions_and_parents(narrowed):
    module = cst.parse_module(narrowed.source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    walk = metadata.walk(module)
    assert dict(walk.positions) == walked(expected)
    assert walk.parents == children_walk(module)[0]


@pytest.mark.parametrize(
    "source",
    [
        "import keras\n\n# a comment\nx = 1  # after\n\n\ndef f():\n    return 2\n\n# footer\n",
        "#!/usr/bin/env python\n'''doc'''\nif x:\n    y = 1\n    # in the block\nz = 2",
        "a = 1\r\nb = [\r\n    2,\r\n]\r\n",
        "",
    ],
)
def test_the_walk_writes_each_statement_as_code_for_node_does(source):
    module = cst.parse_module(source)
    walked = metadata.walk(module)
    for statement in module.body:
        code = walked.statement_code(statement)
        assert code is None or code == module.code_for_node(statement)
    if module.has_trailing_newline:
        assert all(walked.statement_code(s) is not None for s in module.body)


@pytest.mark.parametrize("path", MODULES)
def test_the_walk_writes_every_statement_of_a_file_as_code_for_node_does(path):
    module = parse(path)
    walked = metadata.walk(module)
    for statement in module.body:
        code = walked.statement_code(statement)
        assert code is None or code == module.code_for_node(statement)
