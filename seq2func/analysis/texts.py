"""What the text of each unit of a file says, read without a parser.

The words of a unit are a superset of its identifiers, found at C speed, and
what follows each name in its text (`.attr`, `(`, `[`, or something else) is
a superset of how the unit uses it. `keeping.Keeping` asks these first, and
walks a unit only where the text cannot settle a question.
"""

from __future__ import annotations

import re
from functools import cached_property

from .watched_names import (
    COMPLETING_ATTRIBUTES,
    SELF_MODEL_LAYERS_TEXT,
    WATCHED_ATTRIBUTES,
)

_WORD = re.compile(r"\w+")


class UnitTexts:
    """The units' texts, their words, and which units spell each word."""

    def __init__(self, texts: list[str], parents: list[int | None]) -> None:
        self.texts, self.parents = texts, parents
        self.words = [frozenset(_WORD.findall(text)) for text in texts]
        self._units_with: dict[str, list[int]] = {}
        for index, words in enumerate(self.words):
            for word in words:
                self._units_with.setdefault(word, []).append(index)
        self._uses_of: dict[int, dict[str, set[str | None]]] = {}
        self._landmarks_of: dict[str, tuple[list[int], list[int]]] = {}

    @cached_property
    def reads_callback_layers(self) -> bool:
        """Whether any unit reads `self.model.layers`, as a callback of the file may."""
        return any(SELF_MODEL_LAYERS_TEXT.search(text) for text in self.texts)

    def units_with(self, word: str) -> list[int]:
        """The units that spell the word, in order."""
        return self._units_with.get(word, [])

    def with_any(self, names: set[str]) -> set[int]:
        found: set[int] = set()
        for name in names:
            found.update(self._units_with.get(name, ()))
        return found

    def changes_models(self, index: int) -> bool:
        """Whether the text may add to, pop from or read the layers of a model,
        or make a model it may nest one in."""
        return _CHANGES_MODELS.search(self.texts[index]) is not None

    def dotted_only(self, index: int, name: str) -> bool:
        """Whether the unit's text writes the name only as `name.attr`, attr
        unwatched (`x.name` is another object's attribute)."""
        return all(
            follower is not None
            and follower not in "(["
            and not watched_attribute(follower)
            for follower in self.uses(index).get(name, ())
        )

    def may_bind(self, index: int, name: str) -> bool:
        """Whether the text may bind the name in any way (`may_store`, an import,
        `def name`, `class name`)."""
        return (
            "import" in self.words[index]
            or self.may_store(index, name)
            or name in _DEFINES.findall(self.texts[index])
        )

    def may_store(self, index: int, name: str) -> bool:
        """Whether the text may store to the name: it is written other than as
        `name.attr`, `name(...)` or `name[...]` somewhere."""
        return None in self.uses(index).get(name, ())

    def uses(self, index: int) -> dict[str, set[str | None]]:
        """What follows each name in the unit's text: an attribute, "(", "[",
        or None for anything else (a strict superset of what the walk finds)."""
        found = self._uses_of.get(index)
        if found is None:
            found = self._uses_of[index] = {}
            for match in _USE.finditer(self.texts[index]):
                follower = match.group(2) or match.group(3)
                found.setdefault(match.group(1), set()).add(follower)
        return found

    def landmarks(self, name: str) -> tuple[list[int], list[int]]:
        """The units that may complete a model of that name, and units where its
        story certainly ends (it is assigned at the start of a top-level
        statement), in order. Read from the text: more of the first and fewer
        of the second than there are keep more, never less."""
        found = self._landmarks_of.get(name)
        if found is None:
            completing, ends = [], []
            for index in self._units_with.get(name, ()):
                if not COMPLETING_ATTRIBUTES.isdisjoint(self.uses(index).get(name, ())):
                    completing.append(index)
                elif self.assigned_first(index) == name:
                    ends.append(index)
            found = self._landmarks_of[name] = (completing, ends)
        return found

    def assigned_first(self, index: int) -> str | None:
        """The name a top-level unit starts by assigning (`name = ...`), if any."""
        if self.parents[index] is not None:
            return None
        match = _ASSIGNED.match(self.texts[index])
        return match.group(1) if match else None


# A name not read as another's attribute, and what follows it: `.attr`, "(" or "[".
_USE = re.compile(r"(?<![\w.])(\w+)(?:\s*(?:\.\s*(\w+)|([(\[])))?")
_ASSIGNED = re.compile(r"(\w+)\s*=(?!=)")
_DEFINES = re.compile(r"\b(?:def|class)\s+(\w+)")
# What `planning/uses/mutation.py` looks for in a function a model is passed
# to: `may_change` (add, pop, layers) and `makes_a_model`.
_CHANGES_MODELS = re.compile(
    r"\.\s*(?:add|pop|_?layers)\b"
    r"|(?<!\w)(?:Sequential|Model|Functional|Input|InputLayer)\s*\("
)


def watched_attribute(attribute: str) -> bool:
    return attribute in WATCHED_ATTRIBUTES or attribute.startswith("_")
