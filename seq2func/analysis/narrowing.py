"""Narrowing a file to the statements a conversion can read or change.

Most of a large file has nothing to do with its models. LibCST's parse and
metadata cost grows with every statement, while Python's own parser is an
order of magnitude cheaper, so `narrow` reads the file with `ast`, keeps the
statements the conversion may depend on (top-level ones, and the statements of
a top-level class one by one), and stands one string literal spanning the same
lines in for each of the rest (a few nodes for LibCST however long the
statement). Lines and columns stay where they were, so every position the
conversion reports holds for the real file. `Narrowed.splice`
puts the blanked statements back around the converted code, and refuses
(returns None) whenever the conversion touched a blanked line, in which case
the caller converts the whole file instead.

Each blanked statement becomes exactly one placeholder statement, so the
module keeps its shape: the leading import block ends where it ended, and new
imports land where they would have. A statement is kept when it
- imports outside a function, or is the module's docstring;
- names `Sequential` or `InputLayer` in its code (not in a string or a
  comment), or a name an import binds to one of those;
- binds a module-level name a kept statement mentions; or reads one that is
  neither a builtin nor bound only by imports, `def` and `class` (a model, a
  setting: reading may mutate it); or touches an attribute a kept statement assigns
  (`self.model`), or assigns one it touches. Keeping a statement of a class
  keeps the class's header, and keeping the header keeps the class's
  `__init__`/`__new__` (a custom first layer is judged on what it does with
  its arguments: planning/custom_layers.py).
The last rule is applied until nothing more is kept. Names local to a
function are resolved the way Python does, so `model` as a parameter
elsewhere does not keep an unrelated function.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

# Names that make a statement matter by themselves.
_SEEDS = frozenset({"Sequential", "InputLayer"})
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
    mentions_sequential: (
        bool  # False: no statement names Sequential or InputLayer, so no site exists
    )
    tree: ast.Module = field(repr=False, compare=False)

    @cached_property
    def names(self) -> frozenset[str]:
        """Every variable name of the whole file, blanked statements included (read when a rewrite needs one)."""
        return frozenset(_identifiers(self.tree))

    @property
    def elided_text(self) -> str:
        """The blanked lines as the file has them, for checks that search text."""
        return "".join(
            line
            for index, line in enumerate(self.original_lines)
            if index in self.elided
        )

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


@dataclass(frozen=True)
class _Unit:
    """What is kept or blanked as a whole: a top-level statement, a class's header, or one
    statement of a top-level class's body."""

    statements: tuple[ast.stmt, ...]
    start: int  # 0-based first line
    end: int  # 0-based line after the last (for a header, the line its body starts on)
    header_of: ast.ClassDef | None = None  # set for a class header
    parent: int | None = None  # the header unit of a class-body statement
    class_end: int = 0  # for a header, the line after the class's last

    def facts(self) -> _Facts:
        if self.header_of is not None:
            return _Facts.of_header(self.header_of)
        return _Facts.of(self.statements, in_class=self.parent is not None)


def narrow(source: str) -> Narrowed | None:
    """The file with its irrelevant statements blanked, or None to convert it whole."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None  # the whole-file path reports the error the way LibCST sees it
    lines = _LINE.findall(source)
    groups = _line_groups(tree.body)
    if len(groups) < 3 and not any(isinstance(g[0], ast.ClassDef) for g in groups):
        return None
    units = _units(groups)
    texts = ["".join(lines[unit.start : unit.end]) for unit in units]
    # Words are a superset of a unit's identifiers, found at C speed: a unit
    # sharing none with what is kept cannot matter, so only the others are walked.
    words = [frozenset(_WORD.findall(text)) for text in texts]
    facts: dict[int, _Facts] = {}

    def facts_of(index: int) -> _Facts:
        if index not in facts:
            facts[index] = units[index].facts()
        return facts[index]

    keep = [False] * len(units)
    # Names whose rebinding matters to what is kept, and (a subset) names
    # whose every use matters. An import is kept for what it binds: code that
    # merely reads an imported name changes nothing.
    rebinding: set[str] = set()
    mentioned: set[str] = set()
    attributes: set[str] = set()
    assigned_attributes: set[str] = set()
    seed_names = set(_SEEDS)
    for index in range(len(units)):
        if "import" in words[index] and facts_of(index).imports:
            keep[index] = True
            rebinding |= facts_of(index).mentions
            seed_names.update(facts_of(index).seed_aliases)
    if _is_docstring(groups[0]):
        keep[0] = True  # it decides where new imports go
    definitions = _definition_names(tree, words)

    pending: list[int] = []
    for index in range(len(units)):
        if words[index] & seed_names and facts_of(index).every & seed_names:
            pending.append(index)
            if units[index].header_of is not None:
                # A subclass of Sequential is judged on its whole body.
                pending.extend(
                    i for i, unit in enumerate(units) if unit.parent == index
                )
    mentions_sequential = bool(pending)
    while pending:
        for index in pending:
            for unit in (index, units[index].parent):
                if unit is None or (keep[unit] and unit != index):
                    continue
                keep[unit] = True
                mentioned |= facts_of(unit).mentions
                attributes |= facts_of(unit).attributes
                assigned_attributes |= facts_of(unit).assigned_attributes
        rebinding |= mentioned
        wanted = rebinding | attributes
        pending = [
            index
            for index in range(len(units))
            if not keep[index]
            and (
                (
                    not words[index].isdisjoint(wanted)
                    and facts_of(index).matters(
                        rebinding,
                        mentioned,
                        attributes,
                        assigned_attributes,
                        definitions,
                    )
                )
                or _constructs(units[index], keep)
            )
        ]

    elided: set[int] = set()
    narrowed = list(lines)

    def blank(index: int, start: int, end: int, indent: str) -> None:
        elided.update(range(start, end))
        for line in range(start, end):
            if index == 0:
                # First in the file a string would be the module's docstring,
                # which moves where imports go: an Ellipsis it is.
                text = "(..." if line == start else ""
                text += ")" if line == end - 1 else ""
                text += f"  # ~seq2func~{index}~{line - start}"
            else:
                text = (
                    f'{indent}"""~seq2func~{index}'
                    if line == start
                    else f"~{index}~{line - start}"
                )
                if line == end - 1:
                    text += '"""'
            narrowed[line] = text + _ending(lines[line])

    for index, unit in enumerate(units):
        if keep[index]:
            continue
        if unit.header_of is not None:
            blank(index, unit.start, unit.class_end, "")  # nothing of the class is kept
        elif unit.parent is None:
            blank(index, unit.start, unit.end, "")
        elif keep[unit.parent]:
            first = lines[unit.start]
            blank(
                index, unit.start, unit.end, first[: len(first) - len(first.lstrip())]
            )
    if len(elided) < _WORTH_IT:
        return None
    return Narrowed(
        source="".join(narrowed),
        original_lines=tuple(lines),
        lines=tuple(narrowed),
        elided=frozenset(elided),
        mentions_sequential=mentions_sequential,
        tree=tree,
    )


def _units(groups: list[list[ast.stmt]]) -> list[_Unit]:
    """The units of the file, in order.

    A top-level class is a header unit followed by one unit per statement of its
    body; a class not kept at all is blanked as one unit, its header's.
    """
    units: list[_Unit] = []
    for group in groups:
        start, end = _span(group)
        head = group[0]
        body_groups = (
            _line_groups(head.body)
            if len(group) == 1 and isinstance(head, ast.ClassDef)
            else []
        )
        if not body_groups or _span(body_groups[0])[0] < head.lineno:
            units.append(_Unit(tuple(group), start, end))
            continue
        header = len(units)
        units.append(
            _Unit(
                tuple(group),
                start,
                _span(body_groups[0])[0],
                header_of=head,
                class_end=end,
            )
        )
        for body in body_groups:
            body_start, body_end = _span(body)
            units.append(_Unit(tuple(body), body_start, body_end, parent=header))
    return units


def _constructs(unit: _Unit, keep: list[bool]) -> bool:
    """`__init__`/`__new__` of a kept class: what its arguments reach is read from it."""
    if unit.parent is None or not keep[unit.parent]:
        return False
    for statement in unit.statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if statement.name in ("__init__", "__new__"):
                return True
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = (
                statement.targets
                if isinstance(statement, ast.Assign)
                else [statement.target]
            )
            if any(
                isinstance(t, ast.Name) and t.id in ("__init__", "__new__")
                for t in targets
            ):
                return True
    return False


def _definition_names(tree: ast.Module, words: list[frozenset[str]]) -> frozenset[str]:
    """Module-level names that only imports, `def` and `class` bind.

    Reading one elsewhere changes nothing a conversion decides: what the name
    means is set where it is bound, and those statements are kept when a kept
    statement uses the name. A name also assigned (`model = ...`) is not one.
    """
    defined: set[str] = set()
    other: set[str] = set()
    every_global = any("global" in w for w in words)
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update(
                alias.asname or alias.name.split(".")[0] for alias in node.names
            )
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
            stack.extend(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                stack.extend(node.bases)
                stack.extend(
                    node.body
                )  # errs towards "assigned": class attributes count
            elif every_global:
                stack.extend(n for n in ast.walk(node) if isinstance(n, ast.Global))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            other.add(node.id)
        elif (
            isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar))
            and node.name
        ):
            other.add(node.name)
        elif isinstance(node, ast.Global):
            other.update(node.names)
        stack.extend(ast.iter_child_nodes(node))
    return frozenset(defined - other)


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
    start = min(
        [first.lineno, *(d.lineno for d in getattr(first, "decorator_list", ()))]
    )
    return start - 1, max(s.end_lineno or s.lineno for s in group)


def _is_docstring(group: list[ast.stmt]) -> bool:
    first = group[0]
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


@dataclass(frozen=True)
class _Facts:
    """What one top-level statement mentions at module level."""

    mentions: frozenset[str]  # module-level names it reads or binds (builtins included)
    binds: frozenset[str]  # module-level names it binds
    attributes: frozenset[str]  # attribute names it reads or writes, at any depth
    assigned_attributes: frozenset[
        str
    ]  # attribute names it assigns (`self.model = ...`)
    every: frozenset[str]  # every name and attribute it mentions, in any scope
    imports: bool  # it imports outside any function
    seed_aliases: frozenset[str]  # names its imports bind to Sequential or InputLayer

    @classmethod
    def of(cls, statements: Sequence[ast.stmt], in_class: bool = False) -> _Facts:
        collector = _Collector()
        for statement in statements:
            if in_class and isinstance(
                statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            ):
                collector.members.add(statement)
            collector.visit(statement)
        return cls._from(collector)

    @classmethod
    def of_header(cls, node: ast.ClassDef) -> _Facts:
        collector = _Collector()
        collector._name(node.name, True)
        for part in [*node.decorator_list, *node.bases, *node.keywords]:
            collector.visit(part)
        return cls._from(collector)

    @classmethod
    def _from(cls, collector: _Collector) -> _Facts:
        return cls(
            mentions=frozenset(collector.mentions),
            binds=frozenset(collector.binds),
            attributes=frozenset(collector.attributes),
            assigned_attributes=frozenset(collector.assigned_attributes),
            every=frozenset(collector.every),
            imports=collector.imports,
            seed_aliases=frozenset(collector.seed_aliases),
        )

    def matters(
        self,
        rebinding: set[str],
        mentioned: set[str],
        attributes: set[str],
        assigned_attributes: set[str],
        definitions: frozenset[str],
    ) -> bool:
        """Whether a unit can change what the kept ones mean.

        It does when it binds a name they use, reads a name of theirs that is
        neither a builtin nor a definition (a model, a setting: reading may
        mutate it), touches an attribute they assign, or assigns an attribute
        they touch.
        """
        if (
            not self.binds.isdisjoint(rebinding)
            or (self.mentions & mentioned) - _BUILTINS - definitions
        ):
            return True
        return not self.attributes.isdisjoint(
            assigned_attributes
        ) or not self.assigned_attributes.isdisjoint(attributes)


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
        self.every: set[str] = set()  # every name and attribute, in any scope
        self._locals: list[frozenset[str]] = []  # one set per enclosing function
        self.members: set[ast.stmt] = set()  # definitions whose names belong to a class

    def _name(self, name: str, binding: bool) -> None:
        self.every.add(name)
        if any(name in scope for scope in self._locals):
            return
        self.mentions.add(name)
        if binding and not self._locals:
            self.binds.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        self._name(node.id, not isinstance(node.ctx, ast.Load))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.every.add(node.attr)
        self.attributes.add(node.attr)
        if not isinstance(node.ctx, ast.Load):
            self.assigned_attributes.add(node.attr)
        self.visit(node.value)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._name(node.name, True)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self._name(node.name, True)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._name(node.name, True)

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
            if alias.name.rsplit(".", 1)[-1] in _SEEDS:
                self.seed_aliases.add(bound)

    visit_Import = _import
    visit_ImportFrom = _import

    def _function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    ) -> None:
        arguments = node.args
        for default in [
            *arguments.defaults,
            *(d for d in arguments.kw_defaults if d is not None),
        ]:
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            if node not in self.members:
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
        if node not in self.members:
            self._name(node.name, True)
        # A method's name lives in the class, not the module: `build` in two
        # classes links nothing. Other class attributes still count, to err
        # towards keeping.
        self.members.update(
            s
            for s in node.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        )
        self.generic_visit(node)


def _annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    arguments = node.args
    every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    found = [a.annotation for a in every if a.annotation is not None]
    return found + ([node.returns] if node.returns is not None else [])


def _function_locals(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
) -> set[str]:
    """Parameters and the names the function's own body binds, less `global`/`nonlocal` ones."""
    arguments = node.args
    found = {
        a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    }
    found |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    declared: set[str] = set()
    stack: list[ast.AST] = (
        list(node.body) if isinstance(node.body, list) else [node.body]
    )
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name) and not isinstance(current.ctx, ast.Load):
            found.add(current.id)
        elif isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(current.name)
            # Their decorators and defaults run here; their bodies are another scope.
            stack.extend(getattr(current, "decorator_list", ()))
            continue
        elif isinstance(
            current,
            (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp),
        ):
            continue  # another scope; a name it binds there stays a mention here
        elif isinstance(current, (ast.Import, ast.ImportFrom)):
            found |= {
                alias.asname or alias.name.split(".")[0] for alias in current.names
            }
        elif isinstance(current, ast.ExceptHandler) and current.name:
            found.add(current.name)
        elif isinstance(current, (ast.Global, ast.Nonlocal)):
            declared.update(current.names)
        stack.extend(ast.iter_child_nodes(current))
    return found - declared


def _identifiers(tree: ast.AST) -> set[str]:
    """Every name the file binds or reads as a variable (not `obj.attr` or `f(key=...)`):
    what a new variable could shadow. Module paths count too, to stay clear of them."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.arg):
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
    return found
