"""Where narrowing reads a use of a site's target or of a copy: its story.

`StoryRules` is a part of `keeping.Keeping`, kept apart to keep each module
short. A target's story runs from a unit that may bind it to a Sequential to
where the name is certainly bound again (read from the text, which finds
fewer such ends than there are, never more).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from .facts import Facts
from .texts import UnitTexts, watched_attribute
from .watched_names import CALLBACK_ATTRIBUTES


class StoryRules:
    """The story part of `keeping.Keeping` (its attributes are set there)."""

    text: UnitTexts
    seeds: set[int]
    deserializers: set[str]
    _stories_of: dict[str, tuple[list[int], list[int]]]
    facts: Callable[[int], Facts]
    _needs_data: Callable[[str], bool]
    needs_data_at: Callable[[int, str, Facts], bool]
    may_build_first: Callable[[int, str, Facts], bool]
    reads_shapes: Callable[[int, str], bool]

    def _uses_target(self, index: int, name: str) -> bool:
        """Whether the unit uses a site's target where the checks of the site read it.

        A use in a function (a lambda, a class) may run at any time, and is
        read unless it is an unwatched `name.attr`. Any other use is read only
        within a story: after a unit that may build a model of that name, up
        to where the name is certainly assigned again. There, `name.attr` for
        an unwatched attribute is inert unless the story still has an `add()`
        or `build()` to come: a use of an incomplete model. A model that may
        take its input from the data it is first built on has its first use
        but `compile` read, as if watched: the input step reads it as the
        first build, or says it runs before one (`model.summary()`: S2F112);
        and so are its uses in functions up to there, and reads of its shapes.
        """
        needs_data = self._needs_data(name) and self.needs_data_at(
            index, name, self.facts(index)
        )
        if needs_data and name not in self.facts(index).deferred:
            # Of the other uses, the input step reads only those of its shapes.
            needs_data = self.may_build_first(
                index, name, self.facts(index)
            ) or self.reads_shapes(index, name)
        # `model.fit(..., callbacks=[...])` hands the model to the callbacks.
        callbacks = (
            "callbacks" in self.text.words[index] and self.text.reads_callback_layers
        )
        if needs_data or callbacks or not self.text.dotted_only(index, name):
            facts = self.facts(index)
            if name not in facts.mentions:
                return False  # the word is a local, or in a string
            watched = (
                needs_data
                or name in facts.plain
                or any(
                    used == name
                    and (
                        watched_attribute(attribute)
                        or (callbacks and attribute in CALLBACK_ATTRIBUTES)
                    )
                    for used, attribute in facts.dotted
                )
            )
            if watched and name in facts.deferred:
                return True
            if not self._in_story(index, name):
                return False
            if watched:
                return True
        elif not self._in_story(index, name):
            return False
        return not self._complete(index, name)

    def _reads_copy(self, index: int, name: str) -> bool:
        """Whether the unit reads a copy of a model where the checks look, anywhere.

        A copy's every read counts, in any order: subscripted, a watched
        attribute, in `isinstance`/`type`, cloned, or copied on.
        """
        if self.text.dotted_only(index, name):
            return False
        facts = self.facts(index)
        return (
            name in facts.copy_uses
            or any(
                used == name and watched_attribute(attribute)
                for used, attribute in facts.dotted
            )
            or any(name in words for words in facts.tested)
            or any(
                argument == name and callee in self.deserializers
                for callee, argument in facts.called_on
            )
        )

    def _in_story(self, index: int, name: str) -> bool:
        """Whether the unit comes after a seed that may bind the name, and no later
        than where the name is certainly assigned again."""
        starts, ends = self._stories(name)
        start = bisect.bisect_right(starts, index)
        if start == 0:
            return False
        end = bisect.bisect_left(ends, starts[start - 1] + 1)
        return end == len(ends) or index <= ends[end]

    def _complete(self, index: int, name: str) -> bool:
        """Whether no `add()`/`build()` of the name comes after the unit in its story."""
        completing, ends = self.text.landmarks(name)
        later = bisect.bisect_right(completing, index)
        if later == len(completing):
            return True
        end = bisect.bisect_right(ends, index)
        return end < len(ends) and ends[end] < completing[later]

    def _stories(self, name: str) -> tuple[list[int], list[int]]:
        """The seeds that spell the name, and where its story certainly ends, in order."""
        found = self._stories_of.get(name)
        if found is None:
            starts = sorted(i for i in self.text.units_with(name) if i in self.seeds)
            found = self._stories_of[name] = (starts, self.text.landmarks(name)[1])
        return found
