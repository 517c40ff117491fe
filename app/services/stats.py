"""Per-phase figures of a journey, read from rollups only, so cost does not grow with data."""

from sqlalchemy import exists, func, select

from app.extensions import db
from app.models import Brand, ConversionRollup, Phase
from app.models.survey import EMOTIONS
from app.numbers import money, plural, whole_percent
from app.pipeline import nps
from app.services import journeys, map_rollup

# Fewer NPS answers than this are too uncertain to rank a phase on or colour its score; the
# same threshold as the trend's change test (one number, kept in app/pipeline/nps.py).
MIN_ANSWERS = nps.MIN_ANSWERS

# Filters that pick answers, not customers: conversion ignores them, so under one a phase's
# value at stake is the selection's part of the phase's (the parts of a filter add up).
PART_FILTERS = ("channel", "touchpoint", "locale")


def _sums(model, conditions) -> dict[int, dict[str, float]]:
    columns = [
        func.coalesce(func.sum(getattr(model, name)), 0).label(name) for name in model.COUNTERS
    ]
    rows = db.session.execute(
        select(model.phase_id, *columns).where(*conditions).group_by(model.phase_id)
    )
    return {row.phase_id: row._asdict() for row in rows}


def _mean(total: float, n: float) -> dict:
    """The API's mean to three decimals, and `unrounded` (not in the API's output) for what
    shows it with fewer: rounding 1.4545… to 1.455 first would show 1.46, not 1.45. To nine
    decimals, which only drops the noise of summing floats (0.88 − 0.65 is 0.22999…)."""
    return {
        "mean": round(total / n, 3) if n else None,
        "n": int(n),
        "unrounded": round(total / n, 9) if n else None,
    }


def is_part(filters: dict) -> bool:
    return any(filters.get(name) is not None for name in PART_FILTERS)


def whole_answers(brand, phase_ids: list[int], filters: dict, persona_id) -> dict[int, int]:
    """NPS answers per phase under the period and persona only: what a selection of answers
    (a channel, touchpoint or language) is a part of."""
    rest = {key: value for key, value in filters.items() if key not in PART_FILTERS}
    table = map_rollup.source_for(rest)
    answered = func.coalesce(func.sum(table.promoters + table.passives + table.detractors), 0)
    rows = db.session.execute(
        select(table.phase_id, answered.label("n"))
        .where(*map_rollup.conditions(table, brand, phase_ids, rest, persona_id))
        .group_by(table.phase_id)
    )
    return {row.phase_id: int(row.n) for row in rows}


def measured_phases(brand, phase_ids: list[int], conversion: dict) -> set[int]:
    """Phases some customer has reached, ever (not only in this selection). A phase reached
    in the selection is; for the others one index probe each, not a count of customers.
    The probe reads the conversion rollup, not customer_phase: an erasure deletes a customer's
    reaches but keeps her counts, and a phase only she reached must stay measured."""
    found = {pid for pid in phase_ids if conversion.get(pid, {}).get("reached")}
    rest = [pid for pid in phase_ids if pid not in found]
    if rest:
        reached = exists().where(
            ConversionRollup.brand_id == brand.id,
            ConversionRollup.phase_id == Phase.id,
            ConversionRollup.reached > 0,
        )
        found |= set(db.session.scalars(select(Phase.id).where(Phase.id.in_(rest), reached)))
    return found


def journey_figures(brand, journey, answers, conversion, filters, persona_id, locale) -> list:
    """Every phase's figures, ranked: the one assembly of the API, the map and the CSV.

    Conversion runs along the funnel: the phases in it, in position order. A phase nobody has
    reached yet (new) has no conversion of its own, and the phase before it goes on to any
    later one; a phase with no measured phase after it has none either. A phase outside the
    funnel (service, returns) has none at all, and is no "next phase" of any.
    """
    phases = journey.phases
    phase_ids = [phase.id for phase in phases]
    funnel = [phase.id for phase in phases if phase.in_funnel]
    measured = measured_phases(brand, phase_ids, conversion)
    whole = whole_answers(brand, phase_ids, filters, persona_id) if is_part(filters) else None
    figures = []
    for phase in phases:
        later = funnel[funnel.index(phase.id) + 1 :] if phase.in_funnel else []
        figures.append(
            phase_figures(
                phase,
                answers.get(phase.id, {}),
                conversion.get(phase.id, {}),
                locale,
                last=phase.in_funnel and phase.id == funnel[-1],
                measured=phase.id in measured,
                onward=any(phase_id in measured for phase_id in later),
                whole=None if whole is None else whole.get(phase.id, 0),
            )
        )
    rank_priorities(figures)
    return figures


def phase_figures(
    phase,
    answers: dict,
    conversion: dict,
    locale: str,
    last: bool,
    measured: bool = True,
    onward: bool = True,
    whole: int | None = None,
) -> dict:
    """The figures of one phase. No conversion rate for the last phase of the funnel (no next
    one), nor for one no later phase of which anybody has reached yet (nowhere measured to go
    on to), nor for a phase outside the funnel (`phase.in_funnel` false).
    `whole`: the phase's NPS answers the selection is part of (None: this is the whole)."""
    counts = nps.NpsCounts(
        int(answers.get("promoters", 0)),
        int(answers.get("passives", 0)),
        int(answers.get("detractors", 0)),
    )
    reached = int(conversion.get("reached", 0))
    converted = int(conversion.get("converted", 0))
    reached_value = float(conversion.get("reached_value", 0))
    converted_value = float(conversion.get("converted_value", 0))
    outside = not phase.in_funnel
    ends = outside or last or not onward
    n_nps = counts.promoters + counts.passives + counts.detractors
    went_on = converted / reached if reached and not ends else None
    value_went_on = converted_value / reached_value if reached_value and not ends else None
    return {
        "phase": phase.key,
        "name": phase.display_name(locale),
        "position": phase.position,
        "in_funnel": phase.in_funnel,
        "n": int(answers.get("responses", 0)),
        "nps": nps.summary(counts),
        "csat": _mean(answers.get("csat_sum", 0), answers.get("csat_n", 0)),
        "ces": _mean(answers.get("ces_sum", 0), answers.get("ces_n", 0)),
        "sentiment": {
            **_mean(answers.get("sentiment_sum", 0), answers.get("sentiment_n", 0)),
            **{label: int(answers.get(label, 0)) for label in ("positive", "neutral", "negative")},
        },
        "emotions": {emotion: int(answers.get(f"emotion_{emotion}", 0)) for emotion in EMOTIONS},
        "conversion": {
            "reached": reached,
            "converted": converted,
            "to_next": None if went_on is None else round(went_on, 4),
            "reached_value": round(reached_value, 2),
            "value_weighted": None if value_went_on is None else round(value_went_on, 4),
            "mean_days_to_next": round(conversion["dwell_hours_sum"] / converted / 24, 1)
            if converted
            else None,
            "measured": measured,
            # Not in the API's output: what the dashboard shows in whole percents, rounded
            # once (17 of 103 is 16.50…%: 17%, where the API's 0.165 would read 16%).
            "unrounded": {"to_next": went_on, "value_weighted": value_went_on},
        },
        "hypothesis": phase.hypothesis or {},
        # Unrounded, for the value at stake (not in the API's output, which shows the rounded).
        "stake_basis": {
            "drop": None if went_on is None else 1 - went_on,
            "went_on": went_on,
            "reached_value": reached_value,
            "last": last,
            "ends": ends,
            "outside": outside,
            "measured": measured,
            "answers": n_nps if whole is None else whole,
            "part": whole is not None,
        },
    }


def stake(basis: dict, detractors: int) -> float | None:
    """drop-off × value of those who reached the phase × detractors ÷ the phase's NPS answers
    (all of them, under a channel, touchpoint or language filter: a part), unrounded.

    None for the last phase, or one with no measured phase after it: with nowhere to go on to
    nobody can drop off, so nothing is at stake (weighing it as if every customer were lost
    ranked it above real drop-offs). A phase nobody reached has no drop-off and no value, so 0.

    A phase outside the funnel has no drop-off to weigh: its stake is the value of those who
    reached it × detractors ÷ its NPS answers. Only customers with a problem reach a service
    phase, and a detractor there is one whose problem was not solved: their value is what the
    brand stands to lose (docs/dashboard.md, "Phases outside the funnel").
    """
    if basis.get("outside"):
        if not basis["answers"]:
            return 0.0
        return basis["reached_value"] * detractors / basis["answers"]
    if basis["ends"]:
        return None
    if basis["drop"] is None or not basis["answers"]:
        return 0.0
    return basis["drop"] * basis["reached_value"] * detractors / basis["answers"]


def too_few_answers(n: int) -> bool:
    """Fewer NPS answers than MIN_ANSWERS: shown greyed, never ranked."""
    return n < MIN_ANSWERS


def rank_priorities(figures: list[dict]) -> None:
    """Value at stake = drop-off × value of the customers who reached the phase × detractor share
    (under a channel, touchpoint or language filter, the selection's detractors ÷ all answers).

    Ranked: phases with something at stake and at least MIN_ANSWERS NPS answers. The last phase
    (or one with no measured phase after it) has nowhere to lose customers to, so it has no value
    at stake and no rank; a new phase nobody reached yet has no drop-off, so nothing at stake.
    A phase outside the funnel has no drop-off: its value at stake is the value of the
    customers who reached it × its detractor share (`stake`), ranked among the others.
    """
    for figure in figures:
        basis, score = figure["stake_basis"], figure["nps"]
        drop, value, n = basis["drop"], basis["reached_value"], score["n"]
        at_stake = stake(basis, score["detractors"])
        parts = []
        if basis.get("outside"):
            parts.append("outside the funnel")
        if drop is not None:
            # The complement of the "went on" the map shows, so the two add up to 100 %.
            parts.append(f"{100 - whole_percent(basis['went_on'])}% drop-off")
        parts.append(
            f"{money(value)} of customer value reached it"
            if basis.get("outside")
            else f"{money(value)} of customer value"
        )
        if basis["part"]:
            whole, detractors = basis["answers"], score["detractors"]
            share = f"{detractors / whole if whole else 0.0:.0%}"
            parts.append(
                f"{plural(detractors, 'detractor')} here of the phase's "
                f"{plural(whole, 'answer')} ({share})"
            )
        else:
            parts.append(f"{score['detractors'] / n if n else 0.0:.0%} detractors")
        if not basis["measured"]:
            reason = "new, not measured yet: no journey events yet"
            if basis.get("outside"):
                reason = f"outside the funnel, {reason}"
        elif basis["last"]:
            reason = f"last phase: no next phase to lose customers to ({', '.join(parts)})"
        elif at_stake is None:
            reason = f"no later phase measured yet: nowhere to go on to ({', '.join(parts)})"
        elif n == 0:
            # Not "too few": none may ever come, when the phase's survey asks no NPS question.
            reason = "no NPS answers: the rank weighs detractors, which an NPS question finds"
        elif too_few_answers(n):
            reason = f"too few answers (n={n}) to rank ({', '.join(parts)})"
        else:
            reason = ", ".join(parts)
        figure["priority"] = {
            "rank": None,
            "value_at_stake": None if at_stake is None else round(at_stake, 2),
            "reason": f"{figure['name']}: {reason}",
        }
    ranked = sorted(
        (
            f
            for f in figures
            if (f["priority"]["value_at_stake"] or 0) > 0 and not too_few_answers(f["nps"]["n"])
        ),
        key=lambda f: -f["priority"]["value_at_stake"],
    )
    for rank, figure in enumerate(ranked, start=1):
        figure["priority"]["rank"] = rank


def journey_stats(brand: Brand, journey_id: int, filters: dict, locale: str | None = None) -> dict:
    journey = journeys.get_journey(brand, journey_id)
    persona = journeys.persona_by_key(brand, filters.get("persona"))
    journeys.check_touchpoint(brand, filters.get("touchpoint"))
    persona_id = persona.id if persona else None
    phase_ids = [phase.id for phase in journey.phases]
    # The journey map's table for the same filters, so the map and this API agree and an
    # unfiltered read scans the narrow rollup, not the one that grows with channel and locale.
    table = map_rollup.source_for(filters)
    answers = _sums(table, map_rollup.conditions(table, brand, phase_ids, filters, persona_id))
    conversion = _sums(
        ConversionRollup,
        map_rollup.conditions(ConversionRollup, brand, phase_ids, filters, persona_id),
    )
    locale = locale or brand.default_locale
    figures = journey_figures(brand, journey, answers, conversion, filters, persona_id, locale)
    shown = {("from" if key == "from_" else key): str(value) for key, value in filters.items()}
    return {"journey_id": journey.id, "filters": shown, "phases": figures}
