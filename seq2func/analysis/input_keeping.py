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

from .watched_names import INPUT_ARGUMENTS, STATED_INPUT
from .facts import Facts
from .names import words
from .texts import UnitTexts

_BUILTINS = frozenset(dir(builtins))
_MODEL_MAKERS = frozenset({"Model", "Functional", "Input"})
# What the input step passes over looking for a model's first build, and what
# it reads past it (planning/build_calls.py: `HARMLESS`; first_build.py:
# `_SHAPE_READS`). It reads a `summary()` it passes over (unbuilt_summary.py).
_DISPLAYS = frozenset({"summary"})
_BEFORE_FIRST_BUILD = frozenset({"compile", "add"}) | _DISPLAYS
_SHAPE_READS = frozenset(
    {"input_shape", "output_shape", "inputs", "outputs", "input", "output"}
)


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
    _data_done: set[str]
    layer_variables: set[str]
    unstated_layers: set[str]
    _layer_variables_done: set[str]
    model_sources: set[str]
    _models_done: set[str]
    built_from: set[str]
    _needs: dict[str, bool]
    _binders: dict[str, list[int]]
    _first_uses: dict[tuple[int, str], int | None]
    _limits: dict[str, int]
    _definitions_of: dict[str, list[int]]
    _holders_done: set[str]
    seeds: set[int]
    target_names: set[str]
    facts: Callable[[int], Facts]
    _module_binds: Callable[[int], frozenset[str]]

    def _constructors_of_kept_classes(self) -> list[int]:
        return [
            index
            for index in sorted(self.constructors)
            if not self.kept[index] and self.kept[self.parents[index]]  # type: ignore[index]
        ]

    def _holder_calls(self) -> list[int]:
        """Every unit spelling the name of a kept module-level `def` that builds
        or uses a model: such a function is dormant only when every call of
        it is seen (planning/dormant_functions.py), and a model it returns
        is built by its callers (planning/returned_model.py)."""
        found: list[int] = []
        for name, indexes in self._definitions_of.items():
            if name in self._holders_done or not any(
                self.kept[i]
                and (
                    i in self.seeds or not self.facts(i).deferred.isdisjoint(self.story)
                )
                for i in indexes
            ):
                continue
            self._holders_done.add(name)
            found += [i for i in self.text.units_with(name) if not self.kept[i]]
        return found

    def _layer_uses(self) -> list[int]:
        """Every unit that may use a name a model is built from, bound to a call
        with input arguments: the input step keeps them on the call if the
        name is used anywhere else, and says where (S2F207). Every unit that
        spells a name handed to a model that may take its input from its
        data: a read of that layer before the first build keeps the site
        (planning/named_layer_reads.py), and one narrowing blanked would
        send the whole file through."""
        found: list[int] = []
        for name in self.layer_variables - self._layer_variables_done:
            self._layer_variables_done.add(name)
            units = self.text.units_with(name)
            if name in self.unstated_layers:
                found += [i for i in units if not self.kept[i]]
            elif any(
                not self.words[i].isdisjoint(INPUT_ARGUMENTS)
                and self.text.may_store(i, name)
                and name in self.facts(i).input_calls
                for i in units
            ):
                found += [
                    i for i in units if not self.kept[i] and name in self.facts(i).every
                ]
        return sorted(set(found))

    def _unstated_layers_of(self, index: int, facts: Facts) -> set[str]:
        """The names a unit making a model that may leave its input to its data
        lists as layers (`Sequential([norm, ...])`). A model listed is left
        to the story's rules: its uses are its own site's."""
        if "Sequential" in self.words[index] and self.words[index].isdisjoint(
            STATED_INPUT
        ):
            return (facts.listed & facts.reads) - self.target_names
        return set()

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
                (
                    name in self.story
                    and self.needs_data_at(index, name, facts)
                    and self.may_build_first(index, name, facts)
                )
                if method
                else name in self.targets
            ):
                new |= words(list(data)) & facts.reads
        # A function the data comes from is read for the value it returns
        # (analysis/data_functions.py): what its body reads is data too.
        if self._module_binds(index) & self.data:
            new |= facts.reads
        new -= _BUILTINS
        self.data |= new
        self.bindings |= new

    def _follow_kept_data(self) -> None:
        """`_follow_data` for kept units binding a name only later known to be data."""
        for name in self.data - self._data_done:
            self._data_done.add(name)
            for index in self.text.units_with(name):
                if self.kept[index]:
                    self._follow_data(index, self.facts(index))

    def _makes_a_model(self, index: int) -> bool:
        """A unit that may make a model a site is built from whole, or takes the
        layers of: its input is read from that model's Input (planning/first_model.py,
        planning/layers_from_model.py), back through the names the unit reads."""
        return not self.words[index].isdisjoint(
            _MODEL_MAKERS
        ) and not self._module_binds(index).isdisjoint(self.model_sources)

    def _models_made(self) -> None:
        """`_makes_a_model` for units kept before their name was known to be one."""
        for name in self.model_sources - self._models_done:
            self._models_done.add(name)
            for index in self.text.units_with(name):
                if self.kept[index] and self._makes_a_model(index):
                    facts = self.facts(index)
                    self.bindings |= facts.reads
                    self.built_from |= facts.attributes

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
        if name in facts.deferred and (
            index <= self._deferred_limit(name) or self.reads_shapes(index, name)
        ):
            return True
        binder = self._binder(index, name)
        return binder is not None and self._leaves_input(binder, name)

    def _deferred_limit(self, name: str) -> int:
        """The last unit a use in a function matters up to: the first build of the
        last model of the name that needs one (the input step asks whether a
        function using the model is defined before it), or past the end."""
        found = self._limits.get(name)
        if found is None:
            found = -1
            for binder in self._binders_of(name):
                if self._leaves_input(binder, name):
                    first = self._first_use(binder, name)
                    found = max(found, len(self.words) if first is None else first)
            self._limits[name] = found
        return found

    def _binder(self, index: int, name: str) -> int | None:
        """The last unit up to `index` that may bind the name and spells Sequential."""
        binders = self._binders_of(name)
        last = bisect.bisect_right(binders, index)
        return binders[last - 1] if last else None

    def _binders_of(self, name: str) -> list[int]:
        binders = self._binders.get(name)
        if binders is None:
            binders = self._binders[name] = [
                i
                for i in self.text.units_with(name)
                if "Sequential" in self.words[i] and self.text.may_store(i, name)
            ]
        return binders

    def may_build_first(self, index: int, name: str, facts: Facts) -> bool:
        """Whether the unit may hold the first use of its binder's model but
        `compile` (`_first_use`): the use the input step reads as its first
        build, or as what stops it looking for one (planning/first_build.py);
        the uses before it only compile it, or print its `summary()`, which
        the input step reads too. A unit that also uses the name in a
        function is passed over there, so it may be that use too."""
        binder = self._binder(index, name)
        if binder is None:
            return False
        first = self._first_use(binder, name)
        if index == first:
            return True
        before_first = index > binder and (first is None or index < first)
        return before_first and (
            name in facts.deferred
            or not _DISPLAYS.isdisjoint(self.text.uses(index).get(name, ()))
        )

    def _first_use(self, binder: int, name: str) -> int | None:
        """The first unit after `binder` that uses the name outside functions
        other than to `compile` it or `add` to it: its first build, or what
        stops the input step looking for one. None when the text cannot tell."""
        key = (binder, name)
        if key not in self._first_uses:
            self._first_uses[key] = None
            for index in self.text.units_with(name):
                if index <= binder:
                    continue
                followers = self.text.uses(index).get(name)
                if not followers or followers <= _BEFORE_FIRST_BUILD:
                    continue
                facts = self.facts(index)
                if name in facts.mentions and name not in facts.deferred:
                    self._first_uses[key] = index
                    break
        return self._first_uses[key]

    def reads_shapes(self, index: int, name: str) -> bool:
        """Whether the text may read the model's input or output shapes."""
        return not _SHAPE_READS.isdisjoint(self.text.uses(index).get(name, ()))

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
