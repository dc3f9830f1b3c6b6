"""What if: scenarios before they happen (today's fleet plus changes, answered by the optimizer, never
acted on). This module is the capability's public surface."""

from scheduler.whatif.scenarios import (
    RUNNER,
    STATES,
    check,
    compare,
    create,
    drill_note_words,
    evaluate_in,
    headline,
    in_words,
    listing,
    load,
    may_create,
    reason_words,
    resume_all,
    run,
    visible_to,
)

__all__ = ["RUNNER", "STATES", "check", "compare", "create", "drill_note_words", "evaluate_in", "headline", "in_words", "listing",
           "load", "may_create", "reason_words", "resume_all", "run", "visible_to"]
