"""What narrowing keeps for the input step's rules (planning/first_build.py,
first_model.py, custom_layers.py, first_layer_variable.py).

`InputRules` is a part of `keeping.Keeping`, kept apart to keep each module
short: the statements the input of a model is read from when its code does
not state it beside its layers.
"""

from __future__ import annotations

import bisect
import builtins
from collections.abc import Callable

from .collector import INPUT_ARGUMENTS, STATED_INPUT
from .facts import Facts
from .texts import UnitTexts

_BUILTINS = frozenset(dir(builtins))
_MODEL_MAKERS = frozenset({"Model", "Functional", "Input"})


class InputRules:
    """The input step's part of `keeping.Keeping` (its attributes are set there)."""

    text: UnitTexts
    words: list[frozenset[str]]
    kept: list[bool]
    parents: list[int | None]
    constructors: set[int]
    story: set[str]
    targets: set[str]
    bindings: set[str]
    data: set[str]
    layer_variables: set[str]
    _layer_variables_done: set[str]
    _needs: dict[str, bool]
    _binders: dict[str, list[int]]
    facts: Callable[[int], Facts]
    _module_binds: Callable[[int], frozenset[str]]

    def _constructors_of_kept_classes(self) -> list[int]:
        return [
            index
            for index in sorted(self.constructors)
            if not self.kept[index] and self.kept[self.parents[index]]  # type: ignore[index]
        ]

    def _layer_uses(self) -> list[int]:
        """Every unit that may use a name a model is built from, bound to a call
        with input arguments: the input step keeps them on the call if the
        name is used anywhere else, and says where (S2F207)."""
        found: list[int] = []
        for name in self.layer_variables - self._layer_variables_done:
            self._layer_variables_done.add(name)
            units = self.text.units_with(name)
            if any(
                not self.words[i].isdisjoint(INPUT_ARGUMENTS)
                and self.text.may_store(i, name)
                and name in self.facts(i).input_calls
                for i in units
            ):
                found += [
                    i for i in units if not self.kept[i] and name in self.facts(i).every
                ]
        return sorted(set(found))

    def _follow_data(self, index: int, facts: Facts) -> None:
        """The data a model is first built on, back through every assignment it comes from.

        `model.fit(x)` or `model(x)` gives a model with no input the shape of
        `x`; the input step reads it from `x`'s assignment, and from the
        assignments that one reads (`x = raw.reshape(...) / 255`). What any
        model is called on is followed so too: whether `x` holds a symbolic
        tensor (S2F117) is read back through every binding that may reach it
        (analysis/symbolic.py).
        """
        new: set[str] = set()
        for name, method, data in facts.built_on:
            if (
                (name in self.story and self.needs_data_at(index, name, facts))
                if method
                else name in self.targets
            ):
                new |= data & facts.reads
        bound = self._module_binds(index) & self.data
        # A function or class the data comes from is kept for its name, but
        # its body is never read for a shape (analysis/data_shapes.py).
        if bound and not bound <= facts.defines - facts.assigns:
            new |= facts.reads
        new -= _BUILTINS
        self.data |= new
        self.bindings |= new

    def _makes_a_model(self, index: int) -> bool:
        """A unit binding a name the checks resolve to a model it makes from an Input:
        a first element's input is read from that model's (planning/first_model.py)."""
        return not self.words[index].isdisjoint(
            _MODEL_MAKERS
        ) and not self._module_binds(index).isdisjoint(self.bindings)

    def _needs_data(self, name: str) -> bool:
        """Whether a model bound to `name` may take its input from the data it is built on.

        Only a constructor that states no input, anywhere in its statement,
        leaves it to the data, unless the first `add()` of the name after it
        (before the name is certainly bound again) states one, or a
        `build()` with arguments comes first; a name reused for several
        models needs it if one of them does.
        """
        found = self._needs.get(name)
        if found is None:
            found = self._needs[name] = any(
                self._leaves_input(index, name) for index in self.text.units_with(name)
            )
        return found

    def needs_data_at(self, index: int, name: str, facts: Facts) -> bool:
        """Whether the model `name` holds at the unit may take its input from its data.

        Outside functions, that is the model of the last unit before it that
        may bind the name and spells Sequential; code that may run at any
        time may see any model of the name (`_needs_data`).
        """
        if not self._needs_data(name):
            return False
        if name in facts.deferred:
            return True
        binders = self._binders.get(name)
        if binders is None:
            binders = self._binders[name] = [
                i
                for i in self.text.units_with(name)
                if "Sequential" in self.words[i] and self.text.may_store(i, name)
            ]
        last = bisect.bisect_right(binders, index)
        return last > 0 and self._leaves_input(binders[last - 1], name)

    def _leaves_input(self, index: int, name: str) -> bool:
        """Whether a unit spelling Sequential and the name states no input for it."""
        return (
            "Sequential" in self.words[index]
            and self.words[index].isdisjoint(STATED_INPUT)
            and not self._first_completion_states(index, name)
        )

    def _first_completion_states(self, index: int, name: str) -> bool:
        """Whether the first unit from `index` on that completes the name, within
        its story, starts with an `add()` or `build()` that states an input."""
        completing, ends = self.text.landmarks(name)
        later = bisect.bisect_left(completing, index)
        if later == len(completing):
            return False
        end = bisect.bisect_right(ends, index)
        if end < len(ends) and ends[end] < completing[later]:
            return False
        first = self.facts(completing[later]).first_completions
        return (name, True) in first
