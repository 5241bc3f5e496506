"""The pathway file format as pydantic models.

Every model forbids unknown keys, so a typo in a pathway file is an error rather than
silently ignored content. Ids are stable, human-readable slugs: completions refer to them,
so an author may reword an item freely but must never reuse or rename its id.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ItemId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=48),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Points = Annotated[int, Field(ge=0, le=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Priority(enum.StrEnum):
    CRITICAL = "critical"
    IMPORTANT = "important"
    NICE_TO_HAVE = "nice-to-have"


class ItemKind(enum.StrEnum):
    """What sort of checkable item: decides its default points and whether it has a deadline."""

    ACTION = "action"  # an action-plan item: this week / this month / next 90 days
    TASK = "task"  # a roadmap phase task: due when its phase ends
    SKILL = "skill"  # a skill to learn: a longer goal, no deadline, not part of on-track status


class Horizon(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "90d"

    @property
    def days(self) -> int:
        return {Horizon.WEEK: 7, Horizon.MONTH: 30, Horizon.QUARTER: 90}[self]

    @property
    def label(self) -> str:
        """What the horizon is: counted from the learner's start, never from today."""
        return {
            Horizon.WEEK: "First week",
            Horizon.MONTH: "First month",
            Horizon.QUARTER: "First 90 days",
        }[self]


DEFAULT_POINTS: dict[ItemKind, int] = {ItemKind.ACTION: 10, ItemKind.TASK: 20, ItemKind.SKILL: 30}


class TransferableSkill(_Strict):
    id: ItemId
    name: ShortText
    description: Text


class Note(_Strict):
    """A dated fact the source predates, shown marked as not from the source.

    The seed's own text is kept verbatim; a note sits beside it (e.g. a dataset since removed).
    """

    text: Text
    as_of: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}$")]


class _Linked(_Strict):
    """Links between checkable items (see pathways/README.md, "Linked work").

    `covers`: this item includes the work of those; completing it settles them.
    `overlaps`: shares work with those; none of them is late while another's deadline holds.
    `same`: the same piece of work named again elsewhere in the source: shown as this one
        line with this one deadline; checking any of them off settles all of them.
    `steps`: action-plan items that are this work's starter steps, in order: each is shown
        (with its own, earlier deadline) in place of this line until it is done.
    `after`: this work starts when those are due (the source's declared order).
    """

    covers: list[ItemId] = Field(default_factory=list)
    overlaps: list[ItemId] = Field(default_factory=list)
    same: list[ItemId] = Field(default_factory=list)
    steps: list[ItemId] = Field(default_factory=list)
    after: list[ItemId] = Field(default_factory=list)
    note: Note | None = None


class SkillToLearn(_Linked):
    id: ItemId
    name: ShortText
    priority: Priority
    weeks: int = Field(gt=0, le=104)
    how_to_learn: Text
    points: Points | None = None
    # Phase ids whose work practises this skill: its study window starts with the first.
    phases: list[ItemId] = Field(default_factory=list)
    # The items the skill is learned by doing: it is never a line of its own, is done when
    # they all are, and its how-to-learn is theirs.
    parts: list[ItemId] = Field(default_factory=list)


class Task(_Linked):
    id: ItemId
    text: Text
    points: Points | None = None
    # Effort in the phases' written weeks (stretched by the pace); default: the whole phase.
    weeks: int | None = Field(default=None, gt=0, le=104)
    # A skill whose how-to-learn says how to do this task.
    how_from: ItemId | None = None


class Resource(_Strict):
    title: ShortText
    url: ShortText | None = None
    # The items of its phase this resource is for: what a focus line names as "how".
    serves: list[ItemId] = Field(default_factory=list)
    note: Note | None = None


class Phase(_Strict):
    id: ItemId
    title: ShortText
    weeks: int = Field(gt=0, le=104)
    focus: Text | None = None
    tasks: list[Task] = Field(min_length=1)
    resources: list[Resource] = Field(default_factory=list)


class Section(_Strict):
    """A titled list of items with an optional introduction line."""

    intro: Text | None = None


class TransferableSkills(Section):
    items: list[TransferableSkill] = Field(min_length=1)


class SkillsToLearn(Section):
    items: list[SkillToLearn] = Field(default_factory=list)


class Roadmap(Section):
    phases: list[Phase] = Field(min_length=1)


class ActionPlan(Section):
    this_week: list[Task] = Field(default_factory=list)
    this_month: list[Task] = Field(default_factory=list)
    next_90_days: list[Task] = Field(default_factory=list)

    def by_horizon(self) -> dict[Horizon, list[Task]]:
        return {
            Horizon.WEEK: self.this_week,
            Horizon.MONTH: self.this_month,
            Horizon.QUARTER: self.next_90_days,
        }


class RealityCheck(Section):
    love: list[Text] = Field(default_factory=list)
    miss: list[Text] = Field(default_factory=list)
    challenges: list[Text] = Field(default_factory=list)


class FaqEntry(_Strict):
    question: Text
    answer: Text


class Closing(_Strict):
    title: ShortText
    text: Text


class StatedTimeline(_Strict):
    """The length the pathway itself promises, in months: one bound or a range (9-12)."""

    min_months: int = Field(gt=0, le=60)
    max_months: int | None = Field(default=None, gt=0, le=60)


class Pathway(_Strict):
    id: ItemId
    title: ShortText
    # Used where the full title is too long: embed titles, button labels, notifications.
    short_title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None
    from_role: ShortText
    to_role: ShortText
    difficulty: ShortText
    timeline: ShortText
    timeline_months: StatedTimeline | None = None
    salary_change: ShortText | None = None
    demand: Text | None = None
    overview: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
    ]
    transferable_skills: TransferableSkills
    skills_to_learn: SkillsToLearn = Field(default_factory=SkillsToLearn)
    roadmap: Roadmap
    action_plan: ActionPlan = Field(default_factory=ActionPlan)
    reality_check: RealityCheck = Field(default_factory=RealityCheck)
    faq: list[FaqEntry] = Field(default_factory=list)
    closing: Closing | None = None

    def items(self) -> list[CheckableItem]:
        """Every item a learner can check off, in reading order: action plan, phases, skills."""
        return list(self._items)

    @functools.cached_property
    def _items(self) -> tuple[CheckableItem, ...]:
        # Computed once per loaded pathway: the reminder sweep asks for every learner.
        return tuple(_checkable(self))

    def item(self, item_id: str) -> CheckableItem | None:
        return self._by_id.get(item_id)

    @functools.cached_property
    def _by_id(self) -> dict[str, CheckableItem]:
        return {it.id: it for it in self._items}

    @functools.cached_property
    def memo(self) -> dict[object, object]:
        """Values derived from this pathway (timeline layouts), kept as long as it is loaded."""
        return {}

    @property
    def name(self) -> str:
        """The short title where there is one: what titles and labels show."""
        return self.short_title or self.title


@dataclass(frozen=True, slots=True)
class CheckableItem:
    """A flattened view of one checkable item, whatever section it came from."""

    id: str
    kind: ItemKind
    text: str
    points: int
    horizon: Horizon | None = None
    phase_index: int | None = None  # 0-based index into roadmap.phases for tasks
    phase_id: str | None = None
    covers: tuple[str, ...] = ()
    overlaps: tuple[str, ...] = ()
    weeks: int | None = None  # skills: the source's estimate of study time
    priority: Priority | None = None  # skills only
    practice_phases: tuple[int, ...] = ()  # skills: 0-based phases that practise it
    same: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    effort_weeks: int | None = None  # tasks: written weeks of effort, when not the phase
    how_from: str | None = None
    note: Note | None = None
    how: str | None = None  # skills: the source's how-to-learn, whitespace folded


def _checkable(p: Pathway) -> Iterator[CheckableItem]:
    for horizon, tasks in p.action_plan.by_horizon().items():
        for t in tasks:
            pts = t.points if t.points is not None else DEFAULT_POINTS[ItemKind.ACTION]
            yield CheckableItem(
                t.id,
                ItemKind.ACTION,
                t.text,
                pts,
                horizon=horizon,
                covers=tuple(t.covers),
                overlaps=tuple(t.overlaps),
                **_links(t),
                effort_weeks=t.weeks,
                how_from=t.how_from,
            )
    for index, phase in enumerate(p.roadmap.phases):
        for t in phase.tasks:
            pts = t.points if t.points is not None else DEFAULT_POINTS[ItemKind.TASK]
            yield CheckableItem(
                t.id,
                ItemKind.TASK,
                t.text,
                pts,
                phase_index=index,
                phase_id=phase.id,
                covers=tuple(t.covers),
                overlaps=tuple(t.overlaps),
                **_links(t),
                effort_weeks=t.weeks,
                how_from=t.how_from,
            )
    phase_index = {ph.id: i for i, ph in enumerate(p.roadmap.phases)}
    for s in p.skills_to_learn.items:
        pts = s.points if s.points is not None else DEFAULT_POINTS[ItemKind.SKILL]
        yield CheckableItem(
            s.id,
            ItemKind.SKILL,
            f"Learn {s.name}",
            pts,
            covers=tuple(s.covers),
            overlaps=tuple(s.overlaps),
            weeks=s.weeks,
            priority=s.priority,
            practice_phases=tuple(sorted(phase_index[x] for x in s.phases if x in phase_index)),
            **_links(s),
            parts=tuple(s.parts),
            how=" ".join(s.how_to_learn.split()),
        )


def _links(t: _Linked) -> dict[str, Any]:
    return {
        "same": tuple(t.same),
        "steps": tuple(t.steps),
        "after": tuple(t.after),
        "note": t.note,
    }


Loc = tuple[str | int, ...]


def _located_ids(p: Pathway) -> Iterator[tuple[Loc, str]]:
    for i, ts in enumerate(p.transferable_skills.items):
        yield ("transferable_skills", "items", i, "id"), ts.id
    for i, sk in enumerate(p.skills_to_learn.items):
        yield ("skills_to_learn", "items", i, "id"), sk.id
    for i, ph in enumerate(p.roadmap.phases):
        yield ("roadmap", "phases", i, "id"), ph.id
        for j, t in enumerate(ph.tasks):
            yield ("roadmap", "phases", i, "tasks", j, "id"), t.id
    for key in ("this_week", "this_month", "next_90_days"):
        for i, t in enumerate(getattr(p.action_plan, key)):
            yield ("action_plan", key, i, "id"), t.id


def broken_links(p: Pathway) -> list[tuple[Loc, str]]:
    """Links that point nowhere: `covers`/`overlaps` naming no checkable item (or the item
    itself), and skill `phases` naming no phase. Each with its field path, for the loader."""
    items = {it.id for it in p.items()}
    phases = {ph.id for ph in p.roadmap.phases}
    out: list[tuple[Loc, str]] = []

    actions = {it.id for it in p.items() if it.kind is ItemKind.ACTION}
    skills = {it.id for it in p.items() if it.kind is ItemKind.SKILL}
    claimed: dict[str, str] = {}  # item id -> the line whose `same`/`steps`/`parts` names it

    def check(base: Loc, own: str, linked: _Linked) -> None:
        for key in ("covers", "overlaps", "same", "steps", "after"):
            for i, target in enumerate(getattr(linked, key)):
                if target not in items:
                    out.append(
                        ((*base, key, i), f"links to “{target}”, which is no checkable item")
                    )
                elif target == own:
                    out.append(((*base, key, i), "an item cannot link to itself"))
                elif key == "steps" and target not in actions:
                    out.append(((*base, key, i), f"“{target}” is no action-plan item"))
                elif key in ("same", "steps"):
                    if target in claimed:
                        out.append(
                            ((*base, key, i), f"“{target}” is already linked to {claimed[target]}")
                        )
                    claimed[target] = own
        how_from = getattr(linked, "how_from", None)
        if how_from is not None and how_from not in skills:
            out.append(((*base, "how_from"), f"“{how_from}” is no skill id"))

    for key in ("this_week", "this_month", "next_90_days"):
        for i, t in enumerate(getattr(p.action_plan, key)):
            check(("action_plan", key, i), t.id, t)
    for i, ph in enumerate(p.roadmap.phases):
        for j, t in enumerate(ph.tasks):
            check(("roadmap", "phases", i, "tasks", j), t.id, t)
    for i, sk in enumerate(p.skills_to_learn.items):
        check(("skills_to_learn", "items", i), sk.id, sk)
        for j, ph_id in enumerate(sk.phases):
            if ph_id not in phases:
                out.append(
                    (("skills_to_learn", "items", i, "phases", j), f"“{ph_id}” is no phase id")
                )
        for j, part in enumerate(sk.parts):
            if part not in items or part == sk.id:
                out.append(
                    (("skills_to_learn", "items", i, "parts", j), f"“{part}” is no other item")
                )
            elif part in claimed:
                out.append(
                    (
                        ("skills_to_learn", "items", i, "parts", j),
                        f"“{part}” is already linked to {claimed[part]}",
                    )
                )
            else:
                claimed[part] = sk.id
    for i, ph in enumerate(p.roadmap.phases):
        for j, res in enumerate(ph.resources):
            own = {t.id for t in ph.tasks} | actions | skills
            for k, target in enumerate(res.serves):
                if target not in own:
                    out.append(
                        (
                            ("roadmap", "phases", i, "resources", j, "serves", k),
                            f"“{target}” is no task of this phase, action-plan item or skill",
                        )
                    )
    out.extend(_order_problems(p))
    if p.timeline_months is not None:
        tl = p.timeline_months
        if tl.max_months is not None and tl.max_months < tl.min_months:
            out.append((("timeline_months", "max_months"), "must not be less than min_months"))
    return out


def _order_problems(p: Pathway) -> list[tuple[Loc, str]]:
    """`after` must be a real order: no cycles, and nothing after work of a later phase."""
    items = {it.id: it for it in p.items()}
    out: list[tuple[Loc, str]] = []
    state: dict[str, int] = {}

    def visit(iid: str, trail: tuple[str, ...]) -> None:
        if state.get(iid) == 2:
            return
        if state.get(iid) == 1:
            out.append((("roadmap",), f"`after` goes round in a circle: {' → '.join(trail)}"))
            return
        state[iid] = 1
        for dep in items[iid].after if iid in items else ():
            if dep in items:
                visit(dep, (*trail, dep))
        state[iid] = 2

    for iid in items:
        visit(iid, (iid,))
    for it in items.values():
        mine = it.phase_index if it.phase_index is not None else min(it.practice_phases, default=0)
        for dep in it.after:
            other = items.get(dep)
            if other is not None and other.phase_index is not None and other.phase_index > mine:
                out.append(
                    (
                        ("roadmap",),
                        f"“{it.id}” comes after “{dep}”, which belongs to a later phase",
                    )
                )
    return out


def duplicate_ids(p: Pathway) -> list[tuple[Loc, str]]:
    """Where an id repeats one used earlier in the file; empty when every id is unique.

    The loader reports these with the field path and line of the repeat, which is why this
    is not a model validator (those can only point at the whole document).
    """
    seen: set[str] = set()
    dupes: list[tuple[Loc, str]] = []
    for loc, ident in _located_ids(p):
        if ident in seen:
            dupes.append((loc, ident))
        seen.add(ident)
    return dupes
