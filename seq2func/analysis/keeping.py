"""Which units of a file narrowing keeps: what the conversion's checks can read.

A unit is a top-level statement, a header (a class's, or a module-level
compound statement's clauses), or one statement of their blocks. Kept from
the start: the leading import block and any other import that may bind a
Keras name, the module's docstring, every unit naming `Sequential` or
`InputLayer` (a seed: it may hold a site), every unit that calls a
module-level function naming them, or a function that calls one (a seed
too: what it binds may hold the model the function returns, whose uses
`planning/uses/returned.py` judges), and every unit that reads a
model back (`load_model`, `clone_model`, `from_config`...). Keeping a unit
keeps the headers around it. Then, until nothing more is kept, so is every
unit that

- uses a site's target where the site's checks read it (sites.py:
  `_follow_uses`). In a function, a lambda or a class any use may run at any
  time and is read, unless it is `model.attr` for an attribute the checks
  do not watch (`watched_names.WATCHED_ATTRIBUTES`). Elsewhere a use is read only in
  the target's story: from a seed that may bind the name to where the name
  is certainly assigned again (read from the text, which finds fewer such
  ends than there are, never more; `stories.StoryRules`). There `model.fit(...)` and
  `model.trainable = False` are inert unless an `add()` or `build()` of the
  name is still to come in the story: a use of an incomplete model;
- reads a copy of a model where the checks look at copies (sites.py:
  `_check_copies`), in any order: subscripted, a watched attribute, in
  `isinstance`/`type`, cloned, or copied on. A copy is what a name is
  assigned or iterated over holding a story name or a site's attribute
  (`other = model`, `for m in [model]`), or what a unit reading a model back
  binds;
- touches the attribute a site is bound to (`self.model`), or assigns one
  of `self` a unit that builds a model reads (`self.units` of
  `Dense(self.units)`);
- binds, in the module's scope, a name a kept unit resolves: what a name is
  bound to decides its qualified name (`keras = tf.keras`), whether a first
  layer is an `Input` variable bound once, and which function a model is
  passed to. A unit that builds a model (a seed, an `add()`/`build()`...)
  resolves every name it reads (a layer variable, a base model,
  `encoder.layers`); any other use only the functions the target is
  passed to and the classes it is tested against. A resolved name bound
  to a call resolves the function called;
- is what the input step reads (`input_keeping.InputRules`): a kept class's
  `__init__`; every use of a name a model is built from, bound to a call
  with input arguments; the names a model made from an `Input` reads, where
  a site is built from it; for a model with no stated input, its uses up to
  its first build and the data of that build, back through every
  assignment; and what any model is called on, likewise;
- is the last module-level `def` of a function a site's target is passed
  to by name, when it may add to, pop from or read the layers of a model
  (or when another `def` of that name is kept: the planner reads the last);
- stores, in any scope, a name the checks look up by name alone: the words
  of `build()`, name=, trainable= and input_shape= arguments (are they
  rebound between two lines?); or assigns, in any scope, what a site's
  target is called on an `Input` or a layer's output (`model(x)`: is any
  `x = keras.Input(...)` or `x = Dense(2)(y)`?).

Names that are builtins or bound only by imports, `def` and `class` are not
story: what they mean is set where they are bound. Where the text of a unit
(`texts.UnitTexts`) settles a question, the unit is not walked.

Over the size guide by this docstring, the list of what is kept; the rules
of the story and of the input step are in `stories.py` and `input_keeping.py`.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable

from .watched_names import DESERIALIZERS, SEEDS
from .facts import Facts
from .input_keeping import InputRules
from .stories import StoryRules
from .texts import UnitTexts, watched_attribute

_BUILTINS = frozenset(dir(builtins))
# Words an import that may bind a Keras name, or a name the new code may clash
# with, spells (`keras_names.split_family`, `spelling.spell`).
_KERAS_WORDS = frozenset(
    {"keras", "tensorflow", "tf_keras", "Input", "Model", "Sequential", "InputLayer"}
)


class Keeping(InputRules, StoryRules):
    """The units kept so far, and the names that make more of them matter."""

    def __init__(
        self,
        texts: list[str],
        facts_of: Callable[[int], Facts],
        binds_of: Callable[[int], frozenset[str] | None],
        parents: list[int | None],
        definitions: dict[str, list[int]],
        constructors: set[int] = frozenset(),  # type: ignore[assignment]
    ) -> None:
        """`definitions`: the module-level `def`s of each name, in order;
        `constructors`: class-body units defining `__init__`/`__new__`, kept
        with their class."""
        # A unit whose words share none with what matters cannot matter, so
        # only the others are walked.
        self.text = UnitTexts(texts, parents)
        self.words = self.text.words
        self._facts_of, self._binds_of, self.parents = facts_of, binds_of, parents
        self._facts: dict[int, Facts] = {}
        self._definitions_of = definitions
        self.constructors = constructors
        self._binds: dict[int, frozenset[str]] = {}
        self.kept = [False] * len(texts)
        self.always_copying: set[int] = set()  # units whose bound names are story
        self.story: set[str] = set()
        self.story_attributes: set[str] = set()
        self.targets: set[str] = set()  # names and attributes a site may bind
        self.bindings: set[str] = set()
        self.rebinding_anywhere: set[str] = set()
        # Names whose assignments the first build's data comes from (`_follow_data`).
        self.data: set[str] = set()
        self._needs: dict[str, bool] = {}
        self._binders: dict[str, list[int]] = {}
        self._first_uses: dict[tuple[int, str], int | None] = {}
        self._limits: dict[str, int] = {}
        # Names a unit building a model hands over whole (`[first, ...]`).
        self.layer_variables: set[str] = set()
        # Those of them a model that may take its input from its data is made of.
        self.unstated_layers: set[str] = set()
        self._layer_variables_done: set[str] = set()
        # Names a model may be built from whole, or take the layers of.
        self.model_sources: set[str] = set()
        self._models_done: set[str] = set()
        self._data_done: set[str] = set()
        self._holders_done: set[str] = set()
        # What a target is called on (`model(x)`): is any `x` assigned an
        # Input, or a layer's output (sites.py: `_any_assignment`)?
        self.called_with: set[str] = set()
        self.input_names = {"Input"}
        # Functions a target is passed to by name: the last `def` of each, if
        # it may change a model (sites.py: `local_functions`, `_may_change`).
        self.callers: set[str] = set()
        # Attributes of `self` a unit that builds a model reads (`self.units`).
        self.built_from: set[str] = set()
        self.seed_names = set(SEEDS)
        self.deserializers = set(DESERIALIZERS)
        self._stories_of: dict[str, tuple[list[int], list[int]]] = {}
        self.seeds: set[int] = set()
        self.target_names: set[str] = set()  # what seeds bind: a site's story
        self.copy_names: set[str] = set()  # what may hold a copy of a model
        self._definitions: dict[str, bool] = {}

    def facts(self, index: int) -> Facts:
        found = self._facts.get(index)
        if found is None:
            found = self._facts[index] = self._facts_of(index)
        return found

    def keep_imports(self, first: bool, head: int) -> None:
        """Keep the leading import block whole (the import edits work on it), and
        any other import that may bind a Keras name.

        An import is kept for what it binds: code that merely reads an imported
        name changes nothing. Only what may come from Keras (or TensorFlow) can
        have a qualified name a check matches, or spell `Input` and `Model`; an
        import binding a name the checks resolve is kept with that name anyway.
        """
        for index in self.text.units_with("import"):
            facts = self.facts(index)
            if not facts.imports:
                continue
            self.seed_names |= facts.seed_aliases
            self.deserializers |= facts.deserializer_aliases
            self.input_names |= facts.input_aliases
            if index < head or not self.words[index].isdisjoint(_KERAS_WORDS):
                self.kept[index] = True
                self.bindings |= facts.mentions
        if first:
            self.kept[0] = True  # it decides where new imports go

    def seed(self) -> bool:
        """Keep what names Sequential, and what reads a model back; False if nothing names it."""
        seeds: set[int] = set()
        for index in self.text.with_any(self.seed_names):
            if self.facts(index).every & self.seed_names:
                seeds.add(index)
                # A subclass of Sequential is judged on its whole body.
                seeds.update(i for i, p in enumerate(self.parents) if p == index)
        if not seeds:
            return False
        seeds |= self._callers_of_makers(seeds)
        for index in seeds:
            facts = self.facts(index)
            self.targets |= facts.stores | facts.assigned_attributes
            self.story_attributes |= facts.assigned_attributes
        # A model saved and read back comes back Functional: whatever holds it
        # is checked as a copy of the model saved.
        readers = {
            index
            for index in self.text.with_any(self.deserializers)
            if self.facts(index).called & self.deserializers
        }
        self.seeds = seeds
        self.target_names = set().union(*(self._module_binds(i) for i in seeds))
        self.copy_names = set().union(*(self._module_binds(i) for i in readers))
        self.story = self.target_names | self.copy_names
        self.always_copying = seeds | readers
        self._keep(sorted(self.always_copying))
        return True

    def _callers_of_makers(self, seeds: set[int]) -> set[int]:
        """Units that call a module-level function naming Sequential, and the
        callers of a function returning such a call (`return build_model()`),
        and so on: what such a unit binds may hold the model the function
        returns, whose uses the uses step judges (`planning/uses/returned.py`)."""
        makers = {
            name
            for name, units in self._definitions_of.items()
            if any(unit in seeds for unit in units)
        }
        found: set[int] = set()
        while makers:
            new: set[str] = set()
            for index in self.text.with_any(makers):
                if index in seeds or index in found:
                    continue
                if not self.facts(index).called & makers:
                    continue
                found.add(index)
                # Only a function that returns the call hands the model on
                # (`return build_model()`), as planning/uses/returned.py follows.
                text = self.text.texts[index]
                if any(
                    re.search(rf"\breturn\s+{re.escape(maker)}\s*\(", text)
                    for maker in makers
                ):
                    new |= {
                        name
                        for name, units in self._definitions_of.items()
                        if index in units
                    }
            makers = new
        return found

    def grow(self) -> None:
        """Keep every unit that matters to the kept ones, until none is left.

        A unit can come to matter only when a name it has a word for joins
        one of the sets, so each round looks at those units alone.
        """
        checked: list[set[str]] = [set() for _ in self._sets()]
        while True:
            self._copies()
            self._resolve_assigned()
            self._models_made()
            self._follow_kept_data()
            grown: set[str] = set()
            for seen, names in zip(checked, self._sets()):
                grown |= names - seen
                seen |= names
            pending = (
                self._constructors_of_kept_classes()
                + self._layer_uses()
                + self._holder_calls()
                + [
                    index
                    for index in sorted(self.text.with_any(grown))
                    if not self.kept[index] and self._matters(index)
                ]
            )
            if not grown and not pending:
                last = self.last_definitions()
                if not last:
                    return
                pending = last
            self._keep(pending)

    def _sets(self) -> tuple[set[str], ...]:
        return (
            self.story,
            self.story_attributes,
            self.bindings,
            self.rebinding_anywhere,
            self.built_from,
            self.callers,
            self.called_with,
        )

    def _keep(self, indexes: list[int]) -> None:
        for index in indexes:
            # Keeping a statement of a block keeps the clauses around it.
            unit: int | None = index
            while unit is not None and (unit == index or not self.kept[unit]):
                self.kept[unit] = True
                facts = self.facts(unit)
                if self._builds(unit, facts):
                    # The input rules read any name the model is built from
                    # (a layer variable, a base model, `encoder.layers`, data).
                    self.bindings |= facts.reads
                    self.built_from |= facts.self_attributes
                    self.layer_variables |= facts.handed & facts.reads
                    self.unstated_layers |= self._unstated_layers_of(unit, facts)
                    self.model_sources |= self.layer_variables | {
                        name
                        for name, attribute in facts.dotted
                        if attribute == "layers"
                    }
                else:
                    self.bindings |= self._resolved(facts) & facts.reads
                if self._makes_a_model(unit):
                    self.bindings |= facts.reads
                    self.built_from |= facts.attributes
                self.rebinding_anywhere |= facts.reread
                self.called_with.update(
                    name for callee, name in facts.called_on if callee in self.targets
                )
                self._follow_data(unit, facts)
                unit = self.parents[unit]

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
                name in self.story and watched_attribute(attribute)
                for name, attribute in facts.dotted
            )
        )

    def _resolved(self, facts: Facts) -> set[str]:
        """What the checks resolve around a use of a site's target: the functions
        it is passed to (or is in the arguments of), the classes it is tested against.

        Only a target's uses: a copy's are read as text (`.layers`, `isinstance`).
        A function named by itself (`f(model)`) is resolved only for what
        `def f` does to a model (`callers`): its qualified name is its own.
        """
        found: set[str] = set()
        for name, caller in facts.enclosed:
            if name in self.targets:
                if caller[0] == ".":
                    found.add(caller[1:])
                else:
                    self.callers.add(caller)
        for words in facts.tested:
            if not words.isdisjoint(self.targets):
                found |= words
        return found

    def _resolve_assigned(self) -> None:
        """What the planner resolves of a name it resolves, bound to a call: the
        function called (`keras.Input`, `keras.applications.VGG16`)."""
        for index, kept in enumerate(self.kept):
            if kept:
                self.bindings.update(
                    root
                    for name, root in self.facts(index).assigned_calls
                    if name in self.bindings or name in self.rebinding_anywhere
                )

    def _copies(self) -> None:
        """Names that may hold a copy of a story name (or of a site's attribute) are story too."""
        grown = True
        while grown:
            grown = False
            for index, kept in enumerate(self.kept):
                if not kept:
                    continue
                new = {
                    name
                    for held, name in self.facts(index).copies
                    if held in self.story
                    or (held[0] == "." and held[1:] in self.story_attributes)
                }
                if not new <= self.copy_names:
                    self.copy_names |= new
                    self.story |= new
                    grown = True

    def _matters(self, index: int) -> bool:
        """Whether a unit can change what the checks of the kept ones find (the cheap tests first)."""
        words = self.words[index]
        bound = [
            name for name in words & self.bindings if self.text.may_bind(index, name)
        ]
        if bound and not self._module_binds(index).isdisjoint(bound):
            return True
        if any(self._changes_models(index, name) for name in words & self.callers):
            return True
        called_with = [
            name
            for name in words & self.called_with
            if self.text.may_store(index, name)
        ]
        if called_with and any(
            name in called_with and (kind == "()" or kind in self.input_names)
            for name, kind in self.facts(index).call_assigns
        ):
            return True
        stored = any(
            self.text.may_store(index, name) for name in words & self.rebinding_anywhere
        )
        if (
            stored
            or not words.isdisjoint(self.story_attributes)
            or not words.isdisjoint(self.built_from)
        ):
            facts = self.facts(index)
            if (
                not facts.stores.isdisjoint(self.rebinding_anywhere)
                or not facts.attributes.isdisjoint(self.story_attributes)
                or not facts.assigned_attributes.isdisjoint(self.built_from)
            ):
                return True
        for name in (words & self.story) - _BUILTINS:
            if self._definition(name):
                continue
            if name in self.copy_names and self._reads_copy(index, name):
                return True
            if name in self.target_names and self._uses_target(index, name):
                return True
        return False

    def _changes_models(self, index: int, name: str) -> bool:
        """Whether the unit is the last module-level `def name` and may add to,
        pop from or read the layers of a model passed to it."""
        definitions = self._definitions_of.get(name, ())
        return (
            bool(definitions)
            and definitions[-1] == index
            and self.text.changes_models(index)
        )

    def last_definitions(self) -> list[int]:
        """Last `def`s of a name some other `def` of which is kept: the planner
        reads the last one of a name, so the narrowed file must end on the same."""
        return [
            indexes[-1]
            for indexes in self._definitions_of.values()
            if not self.kept[indexes[-1]] and any(self.kept[i] for i in indexes)
        ]

    def _module_binds(self, index: int) -> frozenset[str]:
        found = self._binds.get(index)
        if found is None:
            quick = self._binds_of(index)
            found = self._binds[index] = (
                quick if quick is not None else self.facts(index).binds
            )
        return found

    def _definition(self, name: str) -> bool:
        """Whether outside functions only imports, `def` and `class` bind the name."""
        found = self._definitions.get(name)
        if found is None:
            units = self.text.units_with(name)
            if any(self.text.assigned_first(i) == name for i in units):
                found = False
            else:
                facts = [self.facts(i) for i in units]
                found = any(name in f.defines for f in facts) and not any(
                    name in f.assigns for f in facts
                )
            self._definitions[name] = found
        return found
