"""Which units of a file narrowing keeps: what the conversion's checks can read.

A unit is a top-level statement, a class's header, or one statement of a
top-level class's body. Imports outside functions, the module's docstring,
and every unit naming `Sequential` or `InputLayer` (a seed: it may hold a
site) are kept, and so is every unit that reads a model back
(`load_model`, `clone_model`, `from_config`...). Then, until nothing more
is kept, so is every unit that

- mentions a *story* name other than in an inert use. A site's story is
  every read and write of its target, in functions too, and a copy's
  (`other = model`, `for m in [model]`, a model read back) every read of the
  copy: what may hold a copy of a story name is story too. An inert use is `model.fit(...)`, `model.trainable = False`: an
  attribute the checks do not watch (see `facts.WATCHED_ATTRIBUTES`), with no
  `model.add()`/`model.build()` later in the same story, for a use before
  those is a use of an incomplete model, and no use but `compile` of a
  model that may take its input from its data (`model.summary()` before its
  first `fit` is a use before it is built). A story certainly ends where its
  name is assigned again at module level;
- touches the attribute a site is bound to (`self.model`), or assigns one
  a unit that builds a model reads (`self.units` of `Dense(self.units)`);
- binds, in the module's scope, a name a kept unit resolves: what a name is
  bound to decides its qualified name (`keras = tf.keras`), whether a first
  layer is an `Input` variable bound once, and which function a model is
  passed to. A unit that builds a model (a seed, an `add()`/`build()`...)
  resolves every name it reads; any other use resolves only the functions
  it calls and the classes it tests against: `X_train` in
  `model.fit(X_train)` resolves nothing;
- stores, in any scope, a name the checks look up by name alone: the words
  of `build()`, name=, trainable= and input_shape= arguments (are they
  rebound between two lines?) and what a site's target is called on
  (`model(x)`: is any `x` bound to a `keras.Input`?).

Names that are builtins or bound only by imports, `def` and `class` are not
story: what they mean is set where they are bound.
"""

from __future__ import annotations

import bisect
import builtins
import re
from collections.abc import Callable

from .facts import (
    COMPLETING_ATTRIBUTES,
    DESERIALIZERS,
    FIRST_BUILD_ATTRIBUTES,
    HARMLESS_BEFORE_BUILD,
    SEEDS,
    WATCHED_ATTRIBUTES,
    Facts,
)

_BUILTINS = frozenset(dir(builtins))
_WORD = re.compile(r"\w+")
_MODEL_MAKERS = frozenset({"Model", "Functional", "Input"})
# Words of a constructor statement that give its model an input (not
# `input_dim`, which on Embedding is the vocabulary size).
_STATED_INPUT = frozenset({"input_shape", "batch_input_shape", "Input", "InputLayer"})


class Keeping:
    """The units kept so far, and the names that make more of them matter."""

    def __init__(
        self,
        texts: list[str],
        facts_of: Callable[[int], Facts],
        binds_of: Callable[[int], frozenset[str] | None],
        parents: list[int | None],
        constructors: set[int] = frozenset(),  # type: ignore[assignment]
    ) -> None:
        # Words are a superset of a unit's identifiers, found at C speed: a
        # unit sharing none with what matters cannot matter, so only the
        # others are walked.
        self.words = [frozenset(_WORD.findall(text)) for text in texts]
        self._units_with: dict[str, list[int]] = {}
        for index, words in enumerate(self.words):
            for word in words:
                self._units_with.setdefault(word, []).append(index)
        self._facts_of, self._binds_of, self.parents = facts_of, binds_of, parents
        # Class-body units defining `__init__`/`__new__`: kept with their class.
        self.constructors = constructors
        self._facts: dict[int, Facts] = {}
        self._binds: dict[int, frozenset[str]] = {}
        self.kept = [False] * len(texts)
        self.always_copying: set[int] = set()  # units whose bound names are story
        self.story: set[str] = set()
        self.story_attributes: set[str] = set()
        self.targets: set[str] = set()  # names and attributes a site may bind
        self.bindings: set[str] = set()
        # Names whose assignments the first build's data comes from (`_follow_data`).
        self.data: set[str] = set()
        self._needs: dict[str, bool] = {}
        self.rebinding_anywhere: set[str] = set()
        self.built_from: set[str] = set()  # attributes a unit that builds a model reads
        self.seed_names = set(SEEDS)
        self.deserializers = set(DESERIALIZERS)
        self._landmarks_of: dict[str, tuple[list[int], list[int]]] = {}
        self._definitions: dict[str, bool] = {}

    def facts(self, index: int) -> Facts:
        found = self._facts.get(index)
        if found is None:
            found = self._facts[index] = self._facts_of(index)
        return found

    def keep_imports(self, first: bool) -> None:
        """Imports are kept for what they bind: code that merely reads an imported name changes nothing."""
        for index in self._units_with.get("import", ()):
            facts = self.facts(index)
            if facts.imports:
                self.kept[index] = True
                self.bindings |= facts.mentions
                self.seed_names |= facts.seed_aliases
                self.deserializers |= facts.deserializer_aliases
        if first:
            self.kept[0] = True  # it decides where new imports go

    def seed(self) -> bool:
        """Keep what names Sequential, and what reads a model back; False if nothing names it."""
        seeds: set[int] = set()
        for index in self._with_any(self.seed_names):
            if self.facts(index).every & self.seed_names:
                seeds.add(index)
                # A subclass of Sequential is judged on its whole body.
                seeds.update(i for i, p in enumerate(self.parents) if p == index)
        if not seeds:
            return False
        for index in seeds:
            facts = self.facts(index)
            self.targets |= facts.stores | facts.assigned_attributes
            self.story_attributes |= facts.assigned_attributes
        # A model saved and read back comes back Functional: whatever holds it
        # is checked as a copy of the model saved.
        readers = {
            index
            for index in self._with_any(self.deserializers)
            if self.facts(index).called & self.deserializers
        }
        self.always_copying = seeds | readers
        self._keep(sorted(self.always_copying))
        return True

    def grow(self) -> None:
        """Keep every unit that matters to the kept ones, until none is left.

        A unit can come to matter only when a name it has a word for joins
        one of the sets, so each round looks at those units alone.
        """
        checked: list[set[str]] = [set() for _ in self._sets()]
        while True:
            self._copies()
            grown: set[str] = set()
            for seen, names in zip(checked, self._sets()):
                grown |= names - seen
                seen |= names
            pending = self._constructors_of_kept_classes() + [
                index
                for index in sorted(self._with_any(grown))
                if not self.kept[index] and self._matters(index)
            ]
            if not grown and not pending:
                return
            self._keep(pending)

    def _constructors_of_kept_classes(self) -> list[int]:
        return [
            index
            for index in sorted(self.constructors)
            if not self.kept[index] and self.kept[self.parents[index]]  # type: ignore[index]
        ]

    def _sets(self) -> tuple[set[str], ...]:
        return (
            self.story,
            self.story_attributes,
            self.bindings,
            self.rebinding_anywhere,
            self.built_from,
        )

    def _with_any(self, names: set[str]) -> set[int]:
        found: set[int] = set()
        for name in names:
            found.update(self._units_with.get(name, ()))
        return found

    def _keep(self, indexes: list[int]) -> None:
        for index in indexes:
            # Keeping a statement of a class keeps the class's header.
            for unit in (index, self.parents[index]):
                if unit is None or (self.kept[unit] and unit != index):
                    continue
                self.kept[unit] = True
                facts = self.facts(unit)
                if self._builds(unit, facts) or self._makes_a_model(unit):
                    self.bindings |= facts.reads
                    self.built_from |= facts.attributes
                else:
                    self.bindings |= self._resolved(facts) & facts.reads
                self.rebinding_anywhere |= facts.reread
                self.rebinding_anywhere.update(
                    name for callee, name in facts.called_on if callee in self.targets
                )
                self._follow_data(unit, facts)

    def _follow_data(self, index: int, facts: Facts) -> None:
        """The data a model is first built on, back through every assignment it comes from.

        `model.fit(x)` or `model(x)` gives a model with no input the shape of
        `x`; the input step reads it from `x`'s assignment, and from the
        assignments that one reads (`x = raw.reshape(...) / 255`).
        """
        builds_on = any(
            name in self.story
            and attribute in FIRST_BUILD_ATTRIBUTES
            and self._needs_data(name)
            for name, attribute in facts.dotted
        ) or any(
            callee in self.targets and self._needs_data(callee)
            for callee, _ in facts.called_on
        )
        if builds_on or not self._module_binds(index).isdisjoint(self.data):
            new = facts.reads - _BUILTINS
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
        leaves it to the data; a name reused for several models needs it if
        one of them does. An `add()` model's input is in a later statement,
        so its bare constructor counts as stating none.
        """
        found = self._needs.get(name)
        if found is None:
            found = self._needs[name] = any(
                "Sequential" in self.words[index]
                and self.words[index].isdisjoint(_STATED_INPUT)
                for index in self._units_with.get(name, ())
            )
        return found

    def _built_on_data_at(self, index: int, name: str) -> bool:
        """Whether the model `name` holds at unit `index` may take its input from
        its data: the last constructor bound to it before decides, where known."""
        before = [
            unit
            for unit in self._units_with.get(name, ())
            if unit <= index
            and "Sequential" in self.words[unit]
            and name in self._module_binds(unit)
        ]
        if not before:
            return self._needs_data(name)
        return self.words[before[-1]].isdisjoint(_STATED_INPUT)

    def _builds(self, index: int, facts: Facts) -> bool:
        """Whether the unit may give a model its layers or input, or hold one on an attribute.

        Then every name it reads may be one the checks resolve (a layer
        variable bound once, a base model); any other use of a model has
        them resolve only the functions it is passed to and the classes it
        is tested against.
        """
        return (
            index in self.always_copying
            or not facts.attributes.isdisjoint(self.story_attributes)
            or any(
                name in self.story and _watched(attribute)
                for name, attribute in facts.dotted
            )
        )

    def _resolved(self, facts: Facts) -> set[str]:
        """What the checks resolve around a use of a site's target: the functions
        it is passed to (or is in the arguments of), the classes it is tested against.

        Only a target's uses: a copy's are read as text (`.layers`, `isinstance`).
        """
        found = {caller for name, caller in facts.enclosed if name in self.targets}
        for words in facts.tested:
            if not words.isdisjoint(self.targets):
                found |= words
        return found

    def _copies(self) -> None:
        """Names that may hold a copy of a story name (or of a site's attribute) are story too.

        What a unit reading a model back binds is: the model read back is
        checked as a copy of the one saved.
        """
        grown = True
        while grown:
            grown = False
            for index, kept in enumerate(self.kept):
                if not kept:
                    continue
                facts = self.facts(index)
                if index in self.always_copying:
                    new = self._module_binds(index)
                else:
                    new = {
                        name
                        for held, name in facts.copies
                        if held in self.story
                        or (held[0] == "." and held[1:] in self.story_attributes)
                    }
                if not new <= self.story:
                    self.story |= new
                    grown = True

    def _matters(self, index: int) -> bool:
        """Whether a unit can change what the checks of the kept ones find (the cheap tests first)."""
        words = self.words[index]
        if not words.isdisjoint(self.bindings) and not self._module_binds(
            index
        ).isdisjoint(self.bindings):
            return True
        touches = (
            self.rebinding_anywhere,
            self.story_attributes,
            self.built_from,
            self.story,
        )
        if all(words.isdisjoint(names) for names in touches):
            return False
        facts = self.facts(index)
        if not facts.stores.isdisjoint(self.rebinding_anywhere):
            return True
        if not facts.attributes.isdisjoint(self.story_attributes):
            return True
        if not facts.assigned_attributes.isdisjoint(self.built_from):
            return True
        story = (facts.mentions & self.story) - _BUILTINS
        return any(
            not self._definition(name) and not self._inert(index, name)
            for name in story
        )

    def _module_binds(self, index: int) -> frozenset[str]:
        found = self._binds.get(index)
        if found is None:
            quick = self._binds_of(index)
            found = self._binds[index] = (
                quick if quick is not None else self.facts(index).binds
            )
        return found

    def _inert(self, index: int, name: str) -> bool:
        """Whether the unit uses `name` only as `name.attr` for an unwatched attribute,
        with no `name.add()`/`name.build()` later in the same story."""
        facts = self.facts(index)
        if name in facts.plain or any(
            _watched(attribute)
            # A model built on its data: its first build, and any use before it
            # (`summary()` prints the unbuilt model), decide its input.
            or (
                attribute not in HARMLESS_BEFORE_BUILD
                and self._built_on_data_at(index, name)
            )
            for used, attribute in facts.dotted
            if used == name
        ):
            return False
        completing, ends = self._landmarks(name)
        later = bisect.bisect_right(completing, index)
        if later == len(completing):
            return True
        end = bisect.bisect_right(ends, index)
        return end < len(ends) and ends[end] < completing[later]

    def _landmarks(self, name: str) -> tuple[list[int], list[int]]:
        """The units that complete a model of that name, and those where its story ends, in order."""
        found = self._landmarks_of.get(name)
        if found is None:
            completing, ends = [], []
            for index in self._units_with.get(name, ()):
                facts = self.facts(index)
                if any(
                    used == name and attribute in COMPLETING_ATTRIBUTES
                    for used, attribute in facts.dotted
                ):
                    completing.append(index)
                elif name in facts.certain_stores:
                    ends.append(index)
            found = self._landmarks_of[name] = (completing, ends)
        return found

    def _definition(self, name: str) -> bool:
        """Whether outside functions only imports, `def` and `class` bind the name."""
        found = self._definitions.get(name)
        if found is None:
            units = [self.facts(i) for i in self._units_with.get(name, ())]
            found = self._definitions[name] = any(
                name in f.defines for f in units
            ) and not any(name in f.assigns for f in units)
        return found


def _watched(attribute: str) -> bool:
    return attribute in WATCHED_ATTRIBUTES or attribute.startswith("_")
