"""The UK gazetteer: resolves what people write ("leeds", "the North West") to places.

Loaded lazily from ``recruitbot/data/uk_places.csv`` (header
``name,kind,county,region,nation,aliases``; aliases are ``;``-separated) and cached per path.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_PLACES_CSV = Path(__file__).resolve().parent / "data" / "uk_places.csv"

KINDS = ("town", "city", "county", "region", "nation")
AREA_KINDS = ("county", "region", "nation")

# When one written name fits several places, the most specific wins: widening can still
# reach the larger area, while the reverse would hide the town's own vacancies.
_KIND_PREFERENCE = {"city": 0, "town": 1, "county": 2, "region": 3, "nation": 4}

# Words people put around a place name in chat ("in the North West", "near Leeds").
_LEADING_WORDS = ("in", "near", "around", "round", "nr", "at", "the")

_APOSTROPHES = re.compile(r"['\u2019`]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Feeds write "Town, County" or "Town (County)"; the later parts disambiguate the first.
_PART_SEPARATORS = re.compile(r"[,/(|)]")


@dataclass(frozen=True)
class Place:
    """A place and the larger areas that contain it (a county's ``county`` is itself)."""

    name: str
    kind: str
    county: str | None
    region: str | None
    nation: str | None
    aliases: tuple[str, ...] = ()


class GazetteerError(Exception):
    """The gazetteer file is missing or malformed."""


def normalise_place_text(text: str) -> str:
    """Lower-case ``text`` with punctuation folded to single spaces ("King's Lynn" -> "kings lynn")."""
    text = _APOSTROPHES.sub("", text.lower().replace("&", " and "))
    return _NON_WORD.sub(" ", text).strip()


def _strip_leading_words(key: str) -> str:
    words = key.split()
    while len(words) > 1 and words[0] in _LEADING_WORDS:
        words = words[1:]
    return " ".join(words)


def _optional(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _place_from_row(row: dict[str, str], line: int) -> Place:
    name = (row.get("name") or "").strip()
    kind = (row.get("kind") or "").strip().lower()
    if not name:
        raise GazetteerError(f"line {line}: empty name")
    if kind not in KINDS:
        raise GazetteerError(f"line {line}: kind {kind!r} is not one of {', '.join(KINDS)}")
    county = _optional(row.get("county"))
    region = _optional(row.get("region"))
    nation = _optional(row.get("nation"))
    # An area contains itself, so filtering "county = Kent" also finds vacancies placed in Kent.
    if kind == "county":
        county = county or name
    elif kind == "region":
        region = region or name
    elif kind == "nation":
        nation = nation or name
    aliases = tuple(a.strip() for a in (row.get("aliases") or "").split(";") if a.strip())
    return Place(name, kind, county, region, nation, aliases)


def read_places(path: Path) -> list[Place]:
    """Read every place in the CSV at ``path``, in file order.

    Raises:
        GazetteerError: the file cannot be read or a row is malformed.
    """
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return [_place_from_row(row, line) for line, row in enumerate(csv.DictReader(handle), 2)]
    except OSError as exc:
        raise GazetteerError(f"cannot read the gazetteer {path}: {exc.strerror}") from exc


class Gazetteer:
    """Looks up UK places by name or alias, ignoring case and punctuation."""

    def __init__(self, places: list[Place]) -> None:
        """Index ``places``, adding the counties, regions and nations they name but lack rows for."""
        self._places = [*places, *_missing_areas(places)]
        self._areas = {
            (p.kind, normalise_place_text(p.name)): p for p in reversed(self._places) if p.kind in AREA_KINDS
        }
        self._by_key: dict[str, Place] = {}
        ranks: dict[str, tuple[int, int, int]] = {}
        for position, place in enumerate(self._places):
            for is_alias, written in [(0, place.name), *((1, alias) for alias in place.aliases)]:
                key = normalise_place_text(written)
                # On a clash the exact name beats an alias, then the smaller area, then file order.
                rank = (is_alias, _KIND_PREFERENCE[place.kind], position)
                if key and (key not in ranks or rank < ranks[key]):
                    ranks[key] = rank
                    self._by_key[key] = place

    @classmethod
    def from_csv(cls, path: Path) -> Gazetteer:
        """Build a gazetteer from a CSV file (see the module docstring for its columns)."""
        return cls(read_places(path))

    def resolve(self, text: str | None) -> Place | None:
        """The place ``text`` names, or None.

        Accepts chat phrasing ("in the north west"), aliases, and feed phrasing with a
        hint after a comma ("Newport, Isle of Wight"), where the hint picks between places.
        """
        if not text:
            return None
        whole = self._lookup(text)
        if whole is not None:
            return whole
        parts = [part for part in _PART_SEPARATORS.split(text) if part.strip()]
        if len(parts) < 2:
            return None
        head, hinted = parts[0], [place for place in map(self._lookup, parts[1:]) if place is not None]
        areas = [place for place in hinted if place.kind in AREA_KINDS]
        if areas:
            # The smallest area named decides; when the head is not a place in it, the area
            # itself is a truer answer than a namesake elsewhere.
            area = min(areas, key=lambda place: _KIND_PREFERENCE[place.kind])
            return self._lookup_within(head, area) or area
        return self._lookup(head) or next(iter(hinted), None)

    def _lookup(self, text: str) -> Place | None:
        key = normalise_place_text(text)
        return self._by_key.get(key) or self._by_key.get(_strip_leading_words(key))

    def _lookup_within(self, text: str, area: Place) -> Place | None:
        key = _strip_leading_words(normalise_place_text(text))
        candidates = [
            place
            for place in self._places
            if key in map(normalise_place_text, (place.name, *place.aliases)) and _is_within(place, area)
        ]
        return min(candidates, key=lambda place: _KIND_PREFERENCE[place.kind], default=None)

    def widening_steps(self, place: Place) -> list[Place]:
        """The ever larger areas around ``place``: town -> county -> region -> nation.

        An area named like the step before it (London the city, London the region) is skipped.
        """
        larger = AREA_KINDS[AREA_KINDS.index(place.kind) + 1 :] if place.kind in AREA_KINDS else AREA_KINDS
        steps: list[Place] = []
        seen = {normalise_place_text(place.name)}
        for kind in larger:
            name = getattr(place, kind)
            if name and normalise_place_text(name) not in seen:
                seen.add(normalise_place_text(name))
                steps.append(self._areas[(kind, normalise_place_text(name))])
        return steps

    def all_names(self) -> list[str]:
        """Every place name and alias, in file order without repeats (for the NLU's EntityRuler)."""
        names: dict[str, None] = {}
        for place in self._places:
            for name in (place.name, *place.aliases):
                names.setdefault(name, None)
        return list(names)


def _is_within(place: Place, area: Place) -> bool:
    value = getattr(place, area.kind)
    return value is not None and normalise_place_text(value) == normalise_place_text(area.name)


def _missing_areas(places: list[Place]) -> list[Place]:
    """Areas that rows name (a town's county, say) without a row of their own."""
    known = {(p.kind, normalise_place_text(p.name)) for p in places}
    missing: dict[tuple[str, str], Place] = {}
    for place in places:
        for kind in AREA_KINDS:
            name = getattr(place, kind)
            key = (kind, normalise_place_text(name or ""))
            if name and key not in known and key not in missing:
                missing[key] = Place(
                    name=name,
                    kind=kind,
                    county=name if kind == "county" else None,
                    region=place.region if kind != "nation" else None,
                    nation=place.nation,
                )
    return list(missing.values())


@lru_cache(maxsize=4)
def load_gazetteer(path: Path = DEFAULT_PLACES_CSV) -> Gazetteer:
    """The gazetteer in ``path``, read on first use and cached for the process."""
    return Gazetteer.from_csv(path)
