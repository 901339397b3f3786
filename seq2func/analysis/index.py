"""`TreeIndex`: one module's parents, positions, scopes and qualified names, asked by node.

Built once per file from one run of LibCST's codegen and one `ScopeVisitor`
pass (`analysis.metadata`). It answers questions about the tree and decides
nothing: planning asks it, and only planning decides. Over the size guide:
one class of many small lookups, each asked by node.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import CodeRange, ExpressionContext

from . import keras_names, metadata, scope_metadata
from .nodes import DEFERRED, inside, lazy_value
from .reduced import reduced_module

if TYPE_CHECKING:
    from .traces import SiteTraces

_WORD = re.compile(r"\w+")
# Text, not names: these set a global dtype policy, which decides every
# implicit InputLayer's dtype, wherever in the file they are.
_MIXED_PRECISION_HINTS = ("mixed_precision", "set_global_policy", "set_dtype_policy")


class WholeFileNeeded(Exception):
    """A check needs statements narrowing blanked out: convert the whole file instead."""


class TreeIndex:
    """Facts about one parsed module, looked up by node."""

    def __init__(
        self,
        module: cst.Module,
        path: str | None = None,
        source: str | None = None,
        elided_text: str = "",
        traces: SiteTraces | None = None,
        may_bind_elided: Callable[[str], bool] | None = None,
        may_read_elided_between: Callable[[str, int, int], bool] | None = None,
    ) -> None:
        self.module = module
        self.path = path
        # What runs of the program recorded about its sites (`seq2func trace`).
        self.traces = traces
        source = source if source is not None else module.code
        # The lines that hold a comment sign, for `comments_in`; lines as
        # LibCST counts them (not at a form feed, as str.splitlines would).
        self._hash_lines = frozenset(
            number
            for number, line in enumerate(re.split(r"\r\n?|\n", source), start=1)
            if "#" in line
        )
        walked = metadata.walk(module)
        self.parents: dict[cst.CSTNode, cst.CSTNode] = walked.parents
        self._children = walked.children
        self.names: dict[str, list[cst.Name]] = walked.names
        self.attributes: dict[str, list[cst.Attribute]] = walked.attributes
        self.candidates: list[cst.CSTNode] = walked.candidates
        self.imports = walked.imports
        self.statement_code = walked.statement_code
        # Some statements stand blanked in `module` (`analysis.narrowing`).
        self.narrowed = bool(elided_text)
        self._elided_text = elided_text
        self._elided_words: frozenset[str] | None = None
        self._may_bind_elided = may_bind_elided
        self._may_read_elided_between = may_read_elided_between
        # A policy set anywhere in the file counts, even blanked out of `module`.
        self.mixed_precision = any(
            hint in source or hint in elided_text for hint in _MIXED_PRECISION_HINTS
        )
        # Code written for Keras 2 says so in its imports (`tf_keras`,
        # `keras.engine`, `tensorflow.python.keras`) or by setting
        # TF_USE_LEGACY_KERAS ("legacy_env"); planning/keras2.py decides.
        self.keras2_markers = keras_names.keras2_markers(self.imports, source)
        self.keras2_pinned = bool(self.keras2_markers)
        self.local_functions = {
            s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)
        }
        self.local_classes = {
            s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)
        }
        # Positions come from the walk of the whole module, whose nodes the
        # reduced one shares.
        reduced, analysed = reduced_module(module, source, walked)
        self.positions = walked.positions
        self.scopes = scope_metadata.scopes(reduced or module, walked)
        # The units that have scopes; empty when the whole module was analysed.
        self.analysed = analysed
        self._names_read: dict[cst.CSTNode, frozenset[str]] = {}
        self._qualified: dict[cst.CSTNode, frozenset[str]] = {}
        # Answers that depend on the tree alone, kept by the modules that work
        # them out (by their own key): each site asks them again of a name.
        self.memo: dict[tuple[str, cst.CSTNode], object] = {}
        if reduced is not None:
            self.candidates = [c for c in self.candidates if self._unit(c) in analysed]

    def release(self) -> None:
        """Let the tree go with the last reference to it, not at the collector's
        next pass (`scope_metadata.release`); the index answers nothing after."""
        scope_metadata.release(self.scopes)
        self.scopes = {}
        self.memo.clear()

    def may_be_bound_elided(self, name: str) -> bool:
        """Whether a statement narrowing blanked out may bind `name`, in any scope."""
        if not self.narrowed:
            return False
        if self._may_bind_elided is None:
            return self.may_be_elided(name)
        return self._may_bind_elided(name)

    def may_define_elided(self, name: str) -> bool:
        """Whether a statement narrowing blanked out may be `def name`."""
        return self.narrowed and (
            re.search(rf"\bdef\s+{re.escape(name)}\b", self._elided_text) is not None
        )

    def elided_text_matches(self, pattern: re.Pattern[str]) -> bool:
        """Whether the text narrowing blanked out matches `pattern`."""
        return self.narrowed and pattern.search(self._elided_text) is not None

    def may_define_class_elided(self, name: str) -> bool:
        """Whether a statement narrowing blanked out may be `class name`."""
        return self.narrowed and (
            re.search(rf"\bclass\s+{re.escape(name)}\b", self._elided_text) is not None
        )

    def may_be_elided_between(self, name: str, first: int, last: int) -> bool:
        """Whether a statement narrowing blanked out may mention `name` and run
        between lines `first` and `last` of the module's flow
        (`Narrowed.may_read_elided_between`); without it, as `may_be_elided`."""
        if not self.may_be_elided(name):
            return False
        if self._may_read_elided_between is None:
            return True
        return self._may_read_elided_between(name, first, last)

    def may_be_elided(self, name: str) -> bool:
        """Whether a statement narrowing blanked out may mention `name`: its
        blanked lines spell the word (in code, a string or a trailing comment)."""
        if self._elided_words is None:
            # A blanked comment line is no statement's code.
            code = (
                line
                for line in self._elided_text.splitlines()
                if not line.lstrip().startswith("#")
            )
            self._elided_words = frozenset(_WORD.findall("\n".join(code)))
        return name in self._elided_words

    # ------------------------------------------------------------ nodes
    def code(self, node: cst.CSTNode) -> str:
        """The node's source text."""
        return self.module.code_for_node(node)

    def pos(self, node: cst.CSTNode) -> CodeRange:
        """Where the node is in the file (the module spans everything)."""
        if node is self.module:
            return CodeRange((1, 0), (10**9, 0))
        return self.positions[node]

    def line(self, node: cst.CSTNode) -> int:
        return self.pos(node).start.line

    def known(self, node: cst.CSTNode) -> bool:
        """Whether the node has metadata (it sits in a statement that was analysed)."""
        return not self.analysed or self._unit(node) in self.analysed

    def qualified(self, node: cst.CSTNode) -> set[str]:
        """The qualified names a name or attribute may refer to."""
        # Only names: LibCST also names a call by its callee, and
        # `Sequential(...)(x)` calls a model, it does not build one.
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return set()
        # The scopes do not change once built, and planning asks of the same
        # callee again and again: each node's answer is worked out once.
        found = self._qualified.get(node)
        if found is None:
            found = self._qualified[node] = self._qualified_names(node)
        return set(found)

    def sole_qualified(self, node: cst.CSTNode) -> set[str]:
        """The one qualified name every binding of the name gives it, else none.

        `qualified` answers for every binding in the scope at once: after
        `from numpy import ones` and a `def ones(...)`, or an import in an
        `if`, it lists both. A reading of data takes the shape a function
        returns only when the name cannot be bound to another one.
        """
        found = self.qualified(node)
        return found if len(found) == 1 else set()

    def _qualified_names(self, node: cst.CSTNode) -> frozenset[str]:
        scope = lazy_value(self.scopes.get(node))
        if scope is None:
            return frozenset()
        try:
            return frozenset(q.name for q in scope.get_qualified_names_for(node))
        except Exception:  # nodes the scope cannot name (subscripts, calls)
            return frozenset()

    def context(self, node: cst.CSTNode) -> ExpressionContext:
        """STORE for an assignment target, DEL for `del`, LOAD otherwise."""
        child, parent = node, self.parents.get(node)
        while isinstance(
            parent, (cst.Tuple, cst.List, cst.Element, cst.StarredElement)
        ):
            child, parent = parent, self.parents.get(parent)
        if isinstance(parent, cst.AssignTarget) and parent.target is child:
            return ExpressionContext.STORE
        if (
            isinstance(parent, (cst.AnnAssign, cst.AugAssign))
            and parent.target is child
        ):
            return ExpressionContext.STORE
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.target is child:
            return ExpressionContext.STORE
        if isinstance(parent, cst.AsName) and parent.name is child:
            return ExpressionContext.STORE
        if isinstance(parent, cst.NamedExpr) and parent.target is child:
            return ExpressionContext.STORE
        if isinstance(parent, cst.Del):
            return ExpressionContext.DEL
        return ExpressionContext.LOAD

    # ------------------------------------------------------------ the tree
    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def ancestors_below(
        self, node: cst.CSTNode, root: cst.CSTNode
    ) -> Iterator[cst.CSTNode]:
        """The ancestors of `node` up to, not including, `root`."""
        for a in self.ancestors(node):
            if a is root:
                return
            yield a

    def until_statement(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """The ancestors of `node` inside its statement."""
        for a in self.ancestors(node):
            if isinstance(a, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                return
            yield a

    def enclosing_small(self, node: cst.CSTNode) -> cst.BaseSmallStatement | None:
        """The simple statement holding `node`, None for a compound statement's header."""
        for a in self.ancestors(node):
            if isinstance(a, cst.BaseSmallStatement):
                return a
            if isinstance(a, cst.BaseCompoundStatement):
                return None
        return None

    def through_subscripts(
        self, node: cst.CSTNode
    ) -> tuple[cst.CSTNode, cst.CSTNode | None]:
        """`node[i][j]` as a whole, and what holds it: an item of a list is read the same way."""
        current, parent = node, self.parents.get(node)
        while isinstance(parent, cst.Subscript) and parent.value is current:
            current, parent = parent, self.parents.get(parent)
        return current, parent

    def top_level(self, node: cst.CSTNode) -> cst.CSTNode:
        """The module-level statement that holds `node`."""
        while True:
            parent = self.parents.get(node)
            if parent is None or parent is self.module:
                return node
            node = parent

    def top_statement(self, node: cst.CSTNode, block: cst.CSTNode) -> cst.CSTNode:
        """The statement of `block` that holds `node`."""
        previous = node
        for a in self.ancestors(node):
            if a is block:
                return previous
            previous = a
        raise AssertionError("node is not inside the block")

    def names_read(self, node: cst.CSTNode) -> frozenset[str]:
        """The names `node` spells as names, not as an attribute's (`b` of `a.b`)."""
        found = self._names_read.get(node)
        if found is None:
            found = self._names_read[node] = frozenset(
                n.value
                for n in self.walk(node)
                if isinstance(n, cst.Name)
                and not (
                    isinstance(self.parent(n), cst.Attribute)
                    and self.parent(n).attr is n  # type: ignore[attr-defined]
                )
            )
        return found

    def walk(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """`node` and its descendants in source order."""
        children = self._children
        stack = [node]
        while stack:
            current = stack.pop()
            yield current
            below = children.get(current)
            if (
                below is None
                and current not in self.parents
                and current is not self.module
            ):
                below = list(current.children)  # a node made after the walk
            if below:
                stack.extend(reversed(below))

    def comments_in(
        self, node: cst.CSTNode, exclude: list[cst.CSTNode]
    ) -> list[tuple[int, str]]:
        """(line, text) of the comments inside `node` but outside the `exclude` nodes."""
        # Its parentheses are its own, outside its syntactic position.
        lpar, rpar = getattr(node, "lpar", None), getattr(node, "rpar", None)
        first = self.pos(lpar[0] if lpar else node).start.line
        last = self.pos(rpar[-1] if rpar else node).end.line
        if not any(line in self._hash_lines for line in range(first, last + 1)):
            return []  # no line of it holds a "#": no comment, nothing to walk
        excluded = [self.pos(e) for e in exclude]
        found = []
        for sub in self.walk(node):
            if isinstance(sub, cst.Comment):
                where = self.pos(sub).start
                if any(inside(where, r) for r in excluded):
                    continue
                found.append((where.line, sub.value))
        return found

    # ------------------------------------------------------------ scopes
    def _unit(self, node: cst.CSTNode) -> cst.CSTNode:
        """The unit holding `node`: a top-level statement, or a statement of a top-level class."""
        chain = [node]
        while True:
            parent = self.parents.get(node)
            if parent is None or parent is self.module:
                break
            chain.append(parent)
            node = parent
        if (
            len(chain) >= 3
            and isinstance(chain[-1], cst.ClassDef)
            and chain[-1] not in self.analysed
        ):
            return chain[-3]
        return chain[-1]

    def scope_name(self, node: cst.CSTNode) -> str:
        """`<module>`, or the dotted names of the enclosing functions and classes."""
        names = [
            a.name.value
            for a in self.ancestors(node)
            if isinstance(a, (cst.FunctionDef, cst.ClassDef))
        ]
        return ".".join(reversed(names)) or "<module>"

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        """The function whose body runs `node`: none inside a class body or a lambda."""
        for a in self.ancestors(node):
            if isinstance(a, cst.FunctionDef):
                return a
            if isinstance(a, (cst.ClassDef, cst.Lambda)):
                return None
        return None

    def scope_root(self, node: cst.CSTNode) -> cst.CSTNode:
        return self.enclosing_function(node) or self.module

    def is_deferred_below(self, node: cst.CSTNode, root: cst.CSTNode) -> bool:
        """Whether `node` sits in a function, lambda or class inside `root`: it runs later."""
        return any(isinstance(a, DEFERRED) for a in self.ancestors_below(node, root))

    def variable_names(self) -> frozenset[str]:
        """Names used as variables (not `obj.attr`, not `f(key=...)`): what a new name could shadow."""
        found = set()
        for value, nodes in self.names.items():
            for node in nodes:
                parent = self.parents.get(node)
                if isinstance(parent, cst.Attribute) and parent.attr is node:
                    continue
                if isinstance(parent, cst.Arg) and parent.keyword is node:
                    continue
                found.add(value)
                break
        return frozenset(found)

    def same_binding(self, node: cst.Name, name: str, site_scope) -> bool:
        """False when a nested function binds its own `name` (a parameter or a local)."""
        scope = lazy_value(self.scopes.get(node))
        if scope is None or site_scope is None or scope is site_scope:
            return True
        try:
            assignments = scope[name]
        except Exception:
            return True
        return not any(a.scope is scope for a in assignments)

    def reads_binding(self, read: cst.Name, binding: cst.Name) -> bool:
        """Whether `read` may read the value `binding` assigns (not a same-named local elsewhere)."""
        scope = lazy_value(self.scopes.get(read))
        if scope is None:
            return True  # unknown: assume it does
        try:
            assignments = scope[read.value]
        except Exception:
            return True
        return any(getattr(a, "node", None) is binding for a in assignments)

    def single_assignment(self, expr: cst.BaseExpression) -> cst.Call | None:
        """The call a name is bound to, when the scope binds it exactly once."""
        value = self.single_value(expr)
        return value if isinstance(value, cst.Call) else None

    def single_value(self, expr: cst.BaseExpression) -> cst.BaseExpression | None:
        """The value a name is bound to by `name = value`, when the scope binds it exactly once."""
        found = self._assignments(expr)
        if found is None:
            return None
        scope, assignments = found
        # Only the reference's own scope: a global may be rebound anywhere.
        if len(assignments) != 1 or assignments[0].scope is not scope:
            return None
        assign = self.parent(assignments[0].node)
        if isinstance(assign, cst.AssignTarget):
            assign = self.parent(assign)
        if isinstance(assign, cst.Assign):
            return assign.value
        return None

    def _assignments(self, expr: cst.BaseExpression) -> tuple[object, list] | None:
        """The scope a name is read in, and what that scope says binds it."""
        if not isinstance(expr, cst.Name):
            return None
        scope = lazy_value(self.scopes.get(expr))
        if scope is None:
            return None
        try:
            return scope, list(scope[expr.value])
        except Exception:  # names the scope cannot resolve
            return None

    def single_class(self, expr: cst.BaseExpression) -> cst.ClassDef | None:
        """The class a name refers to, when its scope binds the name once, by that class."""
        found = self._assignments(expr)
        if found is None or len(found[1]) != 1:
            return None
        node = getattr(found[1][0], "node", None)
        return node if isinstance(node, cst.ClassDef) else None

    def rebound_between(
        self,
        expression: cst.CSTNode,
        start_node: cst.CSTNode,
        end_node: cst.CSTNode,
    ) -> str | None:
        """A name `expression` reads that is assigned between the two nodes, if any."""
        used = {n.value for n in self.walk(expression) if isinstance(n, cst.Name)}
        if not used:
            return None
        start = self.pos(start_node).start
        end = self.pos(end_node).end
        root = self.pos(self.scope_root(start_node))
        for name in used:
            for node in self.names.get(name, []):
                if not self.known(node):
                    continue
                where = self.pos(node).start
                if not inside(where, root):
                    continue
                if (
                    (start.line, start.column)
                    <= (where.line, where.column)
                    < (
                        end.line,
                        end.column,
                    )
                ):
                    if self.context(node) == ExpressionContext.STORE:
                        return node.value
        return None
