"""The arguments a parameterized test method is called with: its first case.

A test runner calls `test_x(self, dist_type)` once per case of its
decorator, never without one, so the probe calls it as the runner first
does. Read from the source, never run:

- absl: `@parameterized.parameters(...)`, `@parameterized.named_parameters(...)`
  (cases as tuples, the name first for named ones, or as dicts with
  `testcase_name`), `@parameterized.product(a=[...], b=[...])`, and Keras's
  own `named_parameters(named_product(a=[...]))`;
- pytest: `@pytest.mark.parametrize("a, b", [(1, 2), ...])`.

Only literal values that travel to the worker unchanged (JSON keeps no
tuples) are used; a case with any other value is not one the probe can make,
and the function stays unreachable unless `--bind` gives the value.

The probe leaves these decorators out (`without_case_decorators`): absl's
replace the method by one per case, named after it, and the probe calls the
method itself with the case's values, as each generated one does.
"""

from __future__ import annotations

import ast
import json

_ABSL = ("parameters", "named_parameters", "product")
_NO_CASE = object()


def first_case(function: ast.FunctionDef, parameters: list[str]) -> dict:
    """The first case's values by parameter name (`parameters` in call order,
    `self` left out); empty when no decorator gives a usable case."""
    for decorator in function.decorator_list:
        if not isinstance(decorator, ast.Call):
            continue
        kind = _kind(decorator.func)
        if kind is None:
            continue
        case = _case(kind, decorator, parameters)
        if case is not _NO_CASE and all(_travels(v) for v in case.values()):
            return case
    return {}


def without_case_decorators(code: str, function: ast.FunctionDef) -> str:
    """The probe's code with the function's parameterizing decorators blanked
    (the probe keeps the source's line numbers, so the function's are its own)."""
    lines = code.split("\n")
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and _kind(decorator.func) is not None:
            for number in range(decorator.lineno, (decorator.end_lineno or 0) + 1):
                if number <= len(lines):
                    lines[number - 1] = ""
    return "\n".join(lines)


def _kind(func: ast.expr) -> str | None:
    text = ast.unparse(func)
    head, _, last = text.rpartition(".")
    if head.endswith("parameterized") and last in _ABSL:
        return last
    if text.endswith("mark.parametrize"):
        return "parametrize"
    return None


def _case(kind: str, call: ast.Call, parameters: list[str]):
    try:
        if kind == "product":
            return {k.arg: _first(k.value) for k in call.keywords if k.arg}
        if kind == "parametrize":
            return _pytest_case(call)
        if not call.args or call.keywords:
            return _NO_CASE
        first = call.args[0]
        if (
            kind == "named_parameters"
            and isinstance(first, ast.Call)
            and ast.unparse(first.func).endswith("named_product")
            and not first.args
        ):
            return {k.arg: _first(k.value) for k in first.keywords if k.arg}
        value = ast.literal_eval(first)
    except (ValueError, TypeError, SyntaxError, IndexError, RecursionError):
        return _NO_CASE
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "testcase_name"}
    if kind == "named_parameters":
        if not isinstance(value, (tuple, list)) or len(value) < 1:
            return _NO_CASE
        value = tuple(value)[1:]
    elif not isinstance(value, (tuple, list)):
        value = (value,)  # `@parameterized.parameters(1, 2)`: one argument each
    if len(value) > len(parameters):
        return _NO_CASE
    return dict(zip(parameters, value))


def _first(node: ast.expr):
    values = ast.literal_eval(node)
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError("not a list of values")
    return values[0]


def _pytest_case(call: ast.Call):
    names, cases = call.args[:2]
    names = ast.literal_eval(names)
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    first = ast.literal_eval(cases)[0]
    if len(names) == 1:
        return {names[0]: first}
    if not isinstance(first, (tuple, list)) or len(first) != len(names):
        return _NO_CASE
    return dict(zip(names, first))


def _travels(value) -> bool:
    """Whether the value reaches the worker as itself (JSON turns tuples into lists)."""
    try:
        back = json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return False
    return _same(value, back)


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b
