"""The console's forms for tasks, challenges, badges and leaderboards: what each form
sends, and how it becomes the programme file's entry (and an entry its form's values).

An edit starts from the entry as the file has it, so what a form does not show (a
task's weekday window, a cap on points, a third language's name) is kept. Empty fields
leave the entry without that key. What the values mean is checked where every programme
is checked, when the version is published: a form only shapes text into the file's
types, and says which field it could not read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from jifen.domain.errors import InvalidInput

SHORT = 200  # a name, an id, a list of categories
LONG = 2000  # a description, a condition
#: the caps a task's form sets: the most times a member may do it per period
CAP_PERIODS = ("day", "week", "month", "lifetime")
PRIZE_ROWS = 3  # empty prize rows a new board's form shows
MAX_PRIZE_ROWS = 20
LANGS = (("zh", "zh-CN"), ("en", "en"))


def _printable(text: str) -> str:
    """Words a person typed: no NUL or other control character (a new line excepted)."""
    if any((ord(c) < 32 and c not in "\r\n\t") or c == "\x7f" for c in text):
        raise ValueError("holds a control character")
    return text


Printable = AfterValidator(_printable)
Short = Annotated[str, Field(max_length=SHORT), Printable]
Long = Annotated[str, Field(max_length=LONG), Printable]
Named = Annotated[str, Field(max_length=64), Printable]  # an activity, a counter, a badge
Moment = Annotated[str, Field(max_length=20), Printable]  # a datetime-local input's value
Ranks = Annotated[str, Field(max_length=9), Printable]
Number = Annotated[str, Field(max_length=12, pattern=r"^\s*\d*\s*$")]  # empty, or digits


class EntryForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    csrf: str
    base: int = Field(ge=0, le=10**9)  # the version the form was made from
    new: bool = False  # a new entry: refused if its id is taken
    id: str = Field(pattern=r"^\s*[a-z0-9][a-z0-9_-]{0,63}\s*$")
    name_zh: Short = ""
    name_en: Short = ""


class TaskForm(EntryForm):
    kind: Literal["share", "review", "check_in", "survey", "visit"]
    how_zh: Long = ""
    how_en: Long = ""
    points: Number
    proof: Literal["moderated", "webhook", "automatic"]
    sources: Long = ""  # a list, separated by commas
    cap_day: Number = ""
    cap_week: Number = ""
    cap_month: Number = ""
    cap_lifetime: Number = ""
    starts: Moment = ""
    ends: Moment = ""
    when: Long = ""


class ChallengeForm(EntryForm):
    how_zh: Long = ""
    how_en: Long = ""
    counts: Literal["orders", "spend", "units", "products", "activities"]
    goal: str = Field(max_length=20, pattern=r"^\s*\d{1,12}(\.\d{1,4})?\s*$")
    activity: Named = ""
    categories: Long = ""  # a list, separated by commas
    skus: Long = ""  # a list, separated by commas
    tags: Long = ""  # a list, separated by commas
    when: Long = ""
    who: Long = ""
    in_a_row: Literal["", "day", "week", "month"] = ""
    grace: Number = ""
    period: Literal["", "week", "month", "year"] = ""
    starts: Moment = ""
    ends: Moment = ""
    points: Number = ""
    badge: Named = ""
    after_done: Literal["keep", "reverse"] = "keep"


class BadgeForm(EntryForm):
    description_zh: Long = ""
    description_en: Long = ""
    image: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}\.svg$")


class BoardForm(EntryForm):
    description_zh: Long = ""
    description_en: Long = ""
    metric: Literal["points", "challenges", "counter"]
    counter: Named = ""
    period: Literal["week", "month"]
    scope: Literal["programme", "store", "city"]
    size: Number
    prize_ranks: list[Ranks] = Field([], max_length=MAX_PRIZE_ROWS)
    prize_points: list[Number] = Field([], max_length=MAX_PRIZE_ROWS)


# -- a form into the file's entry ----------------------------------------------------------


def task_entry(form: TaskForm, old: dict[str, Any] | None) -> dict[str, Any]:
    e = _start(form, old)
    e["kind"] = form.kind.strip()
    _words(e, "how", form.how_zh, form.how_en)
    e["points"] = _whole(form.points, "points", required=True)
    e["proof"] = form.proof.strip()
    _set(e, "sources", _list(form.sources))
    caps = [c for c in e.get("caps") or [] if not _form_cap(c)]
    for per in CAP_PERIODS:
        most = _whole(getattr(form, f"cap_{per}"), f"cap_{per}")
        if most is not None:
            kept: dict[str, Any] = next(
                (c for c in e.get("caps") or [] if _is(c, per) and "max_points" in c), {}
            )
            caps.append({**kept, "per": per, "max_times": most})
        else:  # a cap on points alone, which the form does not show, stays
            caps += [
                {k: v for k, v in c.items() if k != "max_times"}
                for c in e.get("caps") or []
                if _is(c, per) and "max_points" in c
            ]
    _set(e, "caps", caps)
    window = dict(e.get("window") or {})
    _set(window, "starts", _moment(form.starts, "starts", window.get("starts")))
    _set(window, "ends", _moment(form.ends, "ends", window.get("ends")))
    _set(e, "window", window)
    _set(e, "when", form.when.strip())
    return e


def challenge_entry(form: ChallengeForm, old: dict[str, Any] | None) -> dict[str, Any]:
    e = _start(form, old)
    _words(e, "how", form.how_zh, form.how_en)
    e["counts"] = form.counts.strip()
    goal = form.goal.strip()
    if not goal:
        raise InvalidInput("give the challenge a goal", field="goal")
    e["goal"] = goal if e["counts"] == "spend" else _whole(goal, "goal", required=True)
    _set(e, "activity", form.activity.strip() if e["counts"] == "activities" else "")
    match = dict(e.get("match") or {})
    for key in ("categories", "skus", "tags"):
        _set(match, key, _list(getattr(form, key)))
    _set(e, "match", match)
    _set(e, "when", form.when.strip())
    _set(e, "who", form.who.strip())
    _set(e, "in_a_row", form.in_a_row.strip())
    grace = _whole(form.grace, "grace") if e.get("in_a_row") else None
    _set(e, "grace", grace or None)
    _set(e, "period", form.period.strip())
    _set(e, "starts", _moment(form.starts, "starts", e.get("starts")))
    _set(e, "ends", _moment(form.ends, "ends", e.get("ends")))
    _set(e, "points", _whole(form.points, "points") or None)
    _set(e, "badge", form.badge.strip())
    after = form.after_done.strip()
    _set(e, "after_done", after if after and after != "keep" else "")
    return e


def badge_entry(form: BadgeForm, old: dict[str, Any] | None) -> dict[str, Any]:
    e = _start(form, old)
    _words(e, "description", form.description_zh, form.description_en)
    e["image"] = form.image.strip()
    return e


def board_entry(form: BoardForm, old: dict[str, Any] | None) -> dict[str, Any]:
    e = _start(form, old)
    _words(e, "description", form.description_zh, form.description_en)
    if old is None:  # what a board counts, when and among whom is set once: changed,
        # its running period's scores would mix two counts, or freeze early
        e["metric"] = form.metric.strip()
        _set(e, "counter", form.counter.strip() if e["metric"] == "counter" else "")
        e["period"] = form.period.strip()
        e["scope"] = form.scope.strip()
    e["size"] = _whole(form.size, "size", required=True)
    prizes = []
    for n, (sent, points) in enumerate(zip(form.prize_ranks, form.prize_points, strict=False)):
        ranks, amount = sent.strip(), _whole(points, f"prize_points.{n}")
        if not ranks and amount is None:
            continue
        if not ranks or amount is None:
            raise InvalidInput("a prize needs its ranks and its points", field=f"prize_{n}")
        prizes.append({"ranks": ranks, "points": amount})
    _set(e, "prizes", prizes)
    return e


# -- an entry into its form's values ------------------------------------------------------


def form_values(part: str, entry: dict[str, Any] | None) -> dict[str, Any]:
    """What a form shows for ``entry`` (None: a new one, with the usual choices)."""
    e = entry or {}
    out: dict[str, Any] = {"id": e.get("id", "")}
    for short, lang in LANGS:
        for key in ("name", "how", "description"):
            out[f"{key}_{short}"] = (e.get(key) or {}).get(lang, "")
    if part == "tasks":
        caps = e.get("caps") or []
        window = e.get("window") or {}
        out |= {
            "kind": e.get("kind", "share"),
            "points": e.get("points", ""),
            "proof": e.get("proof", "moderated"),
            "sources": ", ".join(e.get("sources") or []),
            "starts": _shown_moment(window.get("starts")),
            "ends": _shown_moment(window.get("ends")),
            "when": e.get("when") or "",
            **{
                f"cap_{per}": next(
                    (c.get("max_times", "") for c in caps if _is(c, per) and "max_times" in c), ""
                )
                for per in CAP_PERIODS
            },
        }
    elif part == "challenges":
        match = e.get("match") or {}
        out |= {
            "counts": e.get("counts", "orders"),
            "goal": e.get("goal", ""),
            "activity": e.get("activity") or "",
            **{k: ", ".join(match.get(k) or []) for k in ("categories", "skus", "tags")},
            "when": e.get("when") or "",
            "who": e.get("who") or "",
            "in_a_row": e.get("in_a_row") or "",
            "grace": e.get("grace") or "",
            "period": e.get("period") or "",
            "starts": _shown_moment(e.get("starts")),
            "ends": _shown_moment(e.get("ends")),
            "points": e.get("points") or "",
            "badge": e.get("badge") or "",
            "after_done": e.get("after_done") or "keep",
        }
    elif part == "badges":
        out["image"] = e.get("image", "badge.svg")
    else:
        prizes = list(e.get("prizes") or [])[:MAX_PRIZE_ROWS]
        prizes += [{}] * min(max(PRIZE_ROWS - len(prizes), 1), MAX_PRIZE_ROWS - len(prizes))
        out |= {
            "metric": e.get("metric", "points"),
            "counter": e.get("counter") or "",
            "period": e.get("period", "month"),
            "scope": e.get("scope", "programme"),
            "size": e.get("size", 10),
            "prizes": [(p.get("ranks", ""), p.get("points", "")) for p in prizes],
        }
    return out


# -- the pieces ----------------------------------------------------------------------------


def _start(form: EntryForm, old: dict[str, Any] | None) -> dict[str, Any]:
    e = dict(old or {})
    e["id"] = form.id.strip()
    _words(e, "name", form.name_zh, form.name_en)
    if "name" not in e:
        raise InvalidInput("give it a name, in Chinese or English", field="name_zh")
    return e


def _words(e: dict[str, Any], key: str, zh: str, en: str) -> None:
    words = dict(e.get(key) or {})
    for (_, lang), text in zip(LANGS, (zh, en), strict=True):
        _set(words, lang, text.strip())
    _set(e, key, words)


def _set(e: dict[str, Any], key: str, value: Any) -> None:
    """``e[key] = value``, or no ``key`` for an empty value."""
    if value is None or value in ("", [], {}):
        e.pop(key, None)
    else:
        e[key] = value


def _whole(text: Any, field: str, *, required: bool = False) -> int | None:
    raw = str(text).strip()
    if not raw:
        if required:
            raise InvalidInput(f"{field}: give a whole number", field=field)
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        raise InvalidInput(f"{field}: give a whole number such as 50", field=field)
    return int(raw)


def _list(text: str) -> list[str]:
    """``"vegetables, fresh fruit"`` (commas or Chinese commas between): the items, each
    as written (a space is part of an item, as in ``new arrival``)."""
    return [w.strip() for w in text.replace("，", ",").split(",") if w.strip()]


def _moment(text: str, field: str, old: Any = None) -> Any:
    """The moment a datetime-local input sent; the file's own value when the input still
    shows it (the input has no seconds and no offset: writing it back would lose them)."""
    raw = text.strip()
    if not raw:
        return None
    if old is not None and raw == _shown_moment(old):
        return old
    try:
        return datetime.fromisoformat(raw)  # a datetime-local input: 2026-12-01T09:30
    except ValueError:
        raise InvalidInput(f"{field}: give a date and time", field=field) from None


def _shown_moment(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00"
    return str(value or "")


def _is(cap: Any, per: str) -> bool:
    return isinstance(cap, dict) and cap.get("per") == per


def _form_cap(cap: Any) -> bool:
    """A cap the form shows (and so rewrites): per one of its periods."""
    return isinstance(cap, dict) and cap.get("per") in CAP_PERIODS
