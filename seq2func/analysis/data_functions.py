"""The value a function of the same file returns, for `x = vectorize(raw)`.

Tutorials often make their data with a helper of their own:

    def vectorize_sequences(sequences, dimension=10000):
        results = np.zeros((len(sequences), dimension))
        for i, sequence in enumerate(sequences):
            results[i, sequence] = 1.0
        return results

    x_train = vectorize_sequences(train_data)

`data_shapes` reads the shape of `x_train` as the shape of what the function
returns, with each parameter read as the argument the call gives it (or its
default). It does so only where the call surely runs that one function and
that one `return`:

- the name called is bound once in its scope, by a `def` with no decorator,
  not `async`, that does not `yield`;
- the function has exactly one `return`, the last statement of its body, so
  every call that returns at all returns that value (a call that raises
  never reaches the model);
- each parameter is bound by the call (by position or keyword) or has a
  default, and no argument is unpacked (`*args`, `**kwargs`).

Inside the function, names are followed as anywhere else (`analysis.reaching`):
a parameter assigned again in the body is read from that assignment, one
that is not is the call's argument, read where the call is. A call unpacked
into several names, `(x, y), _ = load()`, gives each the element of the
returned tuple at its place, when the `return` writes the tuple out
(`returned_part`). Anything else raises `Unknown` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .index import TreeIndex
from .nodes import lazy_value
from .reaching import Unknown


@dataclass(frozen=True)
class Returned:
    """What a call of a same-file function returns, and its parameters' values."""

    function: cst.FunctionDef
    value: cst.BaseExpression
    # Each parameter's `Param` node, by identity, and the expression it is bound to.
    arguments: dict[int, cst.BaseExpression]


def returned(index: TreeIndex, call: cst.Call) -> Returned:
    """The value `call` returns when it calls a function of this file; raises `Unknown`."""
    function = _function(index, call)
    value = _single_return(index, function)
    return Returned(function, value, _bind(index, function, call))


def returned_part(
    index: TreeIndex, found: Returned, path: tuple[int, ...]
) -> cst.BaseExpression:
    """The element at `path` of the tuple the function returns; raises `Unknown`.

    `return (x_train, y_train), (x_test, y_test)` unpacked by
    `(a, b), (c, d) = load()`: the returned value must spell the tuples out
    (a literal tuple or list at each level, nothing starred), so each target
    takes the element written at its place.
    """
    value = found.value
    for position in path:
        if not isinstance(value, (cst.Tuple, cst.List)) or any(
            isinstance(e, cst.StarredElement) for e in value.elements
        ):
            name = found.function.name.value
            raise Unknown(f"`{name}` does not return a tuple written out")
        if position >= len(value.elements):
            raise Unknown(f"`{found.function.name.value}` returns fewer values")
        value = value.elements[position].value
    return value


def parameter_value(
    index: TreeIndex, name: cst.Name, arguments: dict[int, cst.BaseExpression]
) -> cst.BaseExpression | None:
    """The argument `name` reads when it is a parameter the body never rebinds."""
    scope = lazy_value(index.scopes.get(name))
    if scope is None:
        return None
    try:
        assignments = list(scope[name.value])
    except Exception:
        return None
    if len(assignments) != 1:
        return None
    node = getattr(assignments[0], "node", None)
    return arguments.get(id(node)) if node is not None else None


def _function(index: TreeIndex, call: cst.Call) -> cst.FunctionDef:
    name = call.func
    label = index.code(name)
    if not isinstance(name, cst.Name):
        raise Unknown(f"`{label}(...)` is not a shape the code states")
    scope = lazy_value(index.scopes.get(name))
    try:
        assignments = list(scope[name.value]) if scope is not None else []
    except Exception:
        assignments = []
    nodes = [getattr(a, "node", None) for a in assignments]
    if len(nodes) != 1 or not isinstance(nodes[0], cst.FunctionDef):
        raise Unknown(f"`{label}(...)` is not a shape the code states")
    function = nodes[0]
    if function.decorators or function.asynchronous is not None:
        raise Unknown(f"`{label}` is decorated or async")
    return function


def _single_return(index: TreeIndex, function: cst.FunctionDef) -> cst.BaseExpression:
    label = function.name.value
    returns = []
    for node in _own_nodes(function):
        if isinstance(node, (cst.Yield, cst.Await)):
            raise Unknown(f"`{label}` is a generator or a coroutine")
        if isinstance(node, cst.Return):
            returns.append(node)
    body = function.body
    last = body.body[-1] if isinstance(body, cst.IndentedBlock) else None
    if (
        len(returns) != 1
        or not isinstance(last, cst.SimpleStatementLine)
        or last.body[-1] is not returns[0]
        or returns[0].value is None
    ):
        raise Unknown(f"`{label}` does not end in its one `return`")
    return returns[0].value


def _own_nodes(function: cst.FunctionDef) -> list[cst.CSTNode]:
    """The nodes of the function's body, not of the functions and classes inside it."""
    found: list[cst.CSTNode] = []
    pending: list[cst.CSTNode] = [function.body]
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        pending.extend(node.children)
    return found


def _bind(
    index: TreeIndex, function: cst.FunctionDef, call: cst.Call
) -> dict[int, cst.BaseExpression]:
    """Each parameter's value at this call: its argument, else its default."""
    label = function.name.value
    parameters = function.params
    if any(arg.star for arg in call.args):
        raise Unknown(f"`{index.code(call)}` unpacks its arguments")
    if isinstance(parameters.star_arg, cst.Param) or parameters.star_kwarg is not None:
        raise Unknown(f"`{label}` takes `*args` or `**kwargs`")
    positional = [*parameters.posonly_params, *parameters.params]
    keywords = {
        p.name.value: p for p in [*parameters.params, *parameters.kwonly_params]
    }
    values: dict[int, cst.BaseExpression] = {}
    given = [a for a in call.args if a.keyword is None]
    if len(given) > len(positional):
        raise Unknown(f"`{index.code(call)}` passes too many arguments")
    for param, arg in zip(positional, given):
        values[id(param)] = arg.value
    for arg in call.args:
        if arg.keyword is None:
            continue
        param = keywords.get(arg.keyword.value)
        if param is None or id(param) in values:
            raise Unknown(f"`{index.code(call)}` does not match `{label}`")
        values[id(param)] = arg.value
    for param in [*positional, *parameters.kwonly_params]:
        if id(param) not in values:
            if param.default is None:
                raise Unknown(f"`{index.code(call)}` leaves `{param.name.value}` out")
            values[id(param)] = param.default
    return values
