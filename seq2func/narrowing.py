"""Narrowing a file to the statements a conversion can read or change.

Most of a large file has nothing to do with its models. LibCST's parse and
metadata cost grows with every statement, while Python's own parser is an
order of magnitude cheaper, so `narrow` reads the file with `ast`, keeps the
top-level statements the conversion may depend on, and stands one string
literal spanning the same lines in for each of the rest (a few nodes for LibCST
however long the statement). Lines and columns stay where they were, so every
position the conversion reports holds for the real file. `Narrowed.splice`
puts the blanked statements back around the converted code, and refuses
(returns None) whenever the conversion touched a blanked line, in which case
the caller converts the whole file instead.

A statement is kept when it
- imports outside a function, or is the statement that ends the leading import block
  (where new imports go), or is the first statement of the file;
- mentions `Sequential`, `InputLayer` or a mixed-precision policy, or a name
  an import binds to one of those;
- mentions a module-level name a kept statement mentions (its uses and its
  rebindings may change what a rewrite means), binds a builtin name a kept
  statement reads, or reads an attribute a kept statement assigns
  (`self.model`).
The last rule is applied until nothing more is kept. Names local to a
function are resolved the way Python does, so `model` as a parameter
elsewhere does not keep an unrelated function.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
from dataclasses import dataclass

# Text that makes a statement matter by itself.
_SEEDS = ("Sequential", "InputLayer", "mixed_precision", "set_global_policy", "set_dtype_policy")
_SEED_IMPORTS = ("Sequential", "InputLayer")
_BUILTINS = frozenset(dir(builtins))
_WORD = re.compile(r"\w+")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
# Below this many blanked lines the saving does not pay for the bookkeeping.
_WORTH_IT = 8


@dataclass(frozen=True)
class Narrowed:
    """A file with the statements that cannot matter blanked out, line for line."""

    source: str
    original_lines: tuple[str, ...]
    lines: tuple[str, ...]
    elided: frozenset[int]  # 0-based indexes of blanked lines
    names: frozenset[str]  # every identifier of the whole file, blanked statements included

    def splice(self, converted: str) -> str | None:
        """The whole file with the conversion's edits, or None if they touched a blanked line."""
        out = _LINE.findall(converted)
        matcher = difflib.SequenceMatcher(None, self.lines, out, autojunk=False)
        pieces: list[str] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                pieces.extend(self.original_lines[i1:i2])
                continue
            if any(i in self.elided for i in range(i1, i2)):
                return None
            if tag == "insert" and self._inside_elided(i1):
                return None
            pieces.extend(out[j1:j2])
        return "".join(pieces)

    def _inside_elided(self, index: int) -> bool:
        """An insertion between two blanked lines lands inside a blanked statement."""
        return index - 1 in self.elided and index in self.elided


def narrow(source: str) -> Narrowed | None:
    """The file with its irrelevant statements blanked, or None to convert it whole."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None  # the whole-file path reports the error the way LibCST sees it
    lines = _LINE.findall(source)
    groups = _line_groups(tree.body)
    if len(groups) < 3:
        return None
    spans = [_span(group) for group in groups]
    texts = ["".join(lines[start:end]) for start, end in spans]
    # Words are a superset of a statement's identifiers, found at C speed: a
    # statement sharing none with what is kept cannot matter, so only the
    # others are walked.
    words = [frozenset(_WORD.findall(text)) for text in texts]
    facts: dict[int, _Facts] = {}

    def facts_of(index: int) -> _Facts:
        if index not in facts:
            facts[index] = _Facts.of(groups[index])
        return facts[index]

    keep = [False] * len(groups)
    seed_names = set(_SEED_IMPORTS)
    for index, text in enumerate(texts):
        if "import" in words[index] and facts_of(index).imports:
            keep[index] = True
            seed_names.update(facts_of(index).seed_aliases)
    _keep_import_block_end(groups, keep)
    keep[0] = True  # a placeholder must never become the module's docstring

    mentioned: set[str] = set()
    assigned_attributes: set[str] = set()
    pending = [
        index
        for index, text in enumerate(texts)
        if any(seed in text for seed in _SEEDS) or words[index] & seed_names
    ]
    while pending:
        for index in pending:
            keep[index] = True
            mentioned |= facts_of(index).mentions
            assigned_attributes |= facts_of(index).assigned_attributes
        wanted = mentioned | assigned_attributes
        pending = [
            index
            for index in range(len(groups))
            if not keep[index]
            and not words[index].isdisjoint(wanted)
            and facts_of(index).matters(mentioned, assigned_attributes)
        ]

    elided: set[int] = set()
    narrowed = list(lines)
    for index, (start, end) in enumerate(spans):
        if keep[index]:
            continue
        elided.update(range(start, end))
        for offset, line in enumerate(range(start, end)):
            text = f'"""~seq2func~{index}' if offset == 0 else f"~{index}~{offset}"
            if line == end - 1:
                text += '"""'
            narrowed[line] = text + _ending(lines[line])
    if len(elided) < _WORTH_IT:
        return None
    return Narrowed(
        source="".join(narrowed),
        original_lines=tuple(lines),
        lines=tuple(narrowed),
        elided=frozenset(elided),
        names=frozenset(_identifiers(tree)),
    )


def _ending(line: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if line.endswith(ending):
            return ending
    return ""


def _line_groups(statements: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Statements that share a line (`a = 1; b = 2`) stand or fall together."""
    groups: list[list[ast.stmt]] = []
    for statement in statements:
        if groups and groups[-1][-1].end_lineno >= statement.lineno:
            groups[-1].append(statement)
        else:
            groups.append([statement])
    return groups


def _span(group: list[ast.stmt]) -> tuple[int, int]:
    """0-based [start, end) lines of a group, decorators included."""
    first = group[0]
    start = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", ()))])
    return start - 1, max(s.end_lineno or s.lineno for s in group)


def _is_docstring(group: list[ast.stmt]) -> bool:
    first = group[0]
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)


def _keep_import_block_end(groups: list[list[ast.stmt]], keep: list[bool]) -> None:
    """Keep the first statement after the leading imports: new imports go just before it."""
    seen_import = False
    for index, group in enumerate(groups):
        if all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in group):
            seen_import = True
            continue
        if index == 0 and _is_docstring(group):
            continue
        if seen_import or index > 0:
            keep[index] = True
            return


@dataclass(frozen=True)
class _Facts:
    """What one top-level statement mentions at module level."""

    mentions: frozenset[str]  # module-level names it reads or binds (builtins included)
    binds: frozenset[str]  # module-level names it binds
    attributes: frozenset[str]  # attribute names it reads or writes, at any depth
    assigned_attributes: frozenset[str]  # attribute names it assigns (`self.model = ...`)
    imports: bool  # it imports outside any function
    seed_aliases: frozenset[str]  # names its imports bind to Sequential or InputLayer

    @classmethod
    def of(cls, group: list[ast.stmt]) -> _Facts:
        collector = _Collector()
        for statement in group:
            collector.visit(statement)
        return cls(
            mentions=frozenset(collector.mentions),
            binds=frozenset(collector.binds),
            attributes=frozenset(collector.attributes),
            assigned_attributes=frozenset(collector.assigned_attributes),
            imports=collector.imports,
            seed_aliases=frozenset(collector.seed_aliases),
        )

    def matters(self, mentioned: set[str], assigned_attributes: set[str]) -> bool:
        shared = self.mentions & mentioned
        if shared - _BUILTINS or shared & self.binds:
            return True
        return bool(self.attributes & assigned_attributes)


class _Collector(ast.NodeVisitor):
    """Module-level names of one statement, with Python's rules for function scopes.

    Errs towards "module level": a name it cannot prove local counts as a
    mention, which keeps more statements, never fewer.
    """

    def __init__(self) -> None:
        self.mentions: set[str] = set()
        self.binds: set[str] = set()
        self.attributes: set[str] = set()
        self.assigned_attributes: set[str] = set()
        self.imports = False
        self.seed_aliases: set[str] = set()
        self._locals: list[frozenset[str]] = []  # one set per enclosing function
        self._methods: set[ast.stmt] = set()

    def _name(self, name: str, binding: bool) -> None:
        if any(name in scope for scope in self._locals):
            return
        self.mentions.add(name)
        if binding and not self._locals:
            self.binds.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        self._name(node.id, not isinstance(node.ctx, ast.Load))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.attributes.add(node.attr)
        if not isinstance(node.ctx, ast.Load):
            self.assigned_attributes.add(node.attr)
        self.visit(node.value)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            self.mentions.add(name)
            self.binds.add(name)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        # A function's own imports bind nothing the rest of the file sees.
        self.imports = self.imports or not self._locals
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            if bound != "*":
                self._name(bound, True)
            if alias.name.rsplit(".", 1)[-1] in _SEED_IMPORTS:
                self.seed_aliases.add(bound)

    visit_Import = _import
    visit_ImportFrom = _import

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        arguments = node.args
        for default in [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]:
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            if node not in self._methods:
                self._name(node.name, True)
            for decorator in node.decorator_list:
                self.visit(decorator)
            for annotation in _annotations(node):
                self.visit(annotation)
        self._locals.append(frozenset(_function_locals(node)))
        for statement in node.body if isinstance(node.body, list) else [node.body]:
            self.visit(statement)
        self._locals.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function
    visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if node not in self._methods:
            self._name(node.name, True)
        # A method's name lives in the class, not the module: `build` in two
        # classes links nothing. Other class attributes still count, to err
        # towards keeping.
        self._methods.update(
            s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        )
        self.generic_visit(node)


def _annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    arguments = node.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    found = [a.annotation for a in every if a.annotation is not None]
    return found + ([node.returns] if node.returns is not None else [])


def _function_locals(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """Parameters and the names the function's own body binds, less `global`/`nonlocal` ones."""
    arguments = node.args
    found = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    found |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    declared: set[str] = set()
    stack: list[ast.AST] = list(node.body) if isinstance(node.body, list) else [node.body]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name) and not isinstance(current.ctx, ast.Load):
            found.add(current.id)
        elif isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(current.name)
            # Their decorators and defaults run here; their bodies are another scope.
            stack.extend(getattr(current, "decorator_list", ()))
            continue
        elif isinstance(current, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue  # another scope; a name it binds there stays a mention here
        elif isinstance(current, (ast.Import, ast.ImportFrom)):
            found |= {alias.asname or alias.name.split(".")[0] for alias in current.names}
        elif isinstance(current, ast.ExceptHandler) and current.name:
            found.add(current.name)
        elif isinstance(current, (ast.Global, ast.Nonlocal)):
            declared.update(current.names)
        stack.extend(ast.iter_child_nodes(current))
    return found - declared


def _identifiers(tree: ast.AST) -> set[str]:
    """Every identifier of the file, as LibCST's Name nodes would list them."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.keyword) and node.arg:
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.update(node.name.split("."))
            if node.asname:
                found.add(node.asname)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(node.module.split("."))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.add(node.rest)
        elif isinstance(node, ast.MatchClass):
            found.update(node.kwd_attrs)
    return found
