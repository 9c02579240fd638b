"""Codes of the categorical state columns, and definitions shared by every module.

Mechanisms compare columns with these names (``s.status[i] == IN_SK``) so that the code reads
like the ODD. Definitions here are facts of the surveys or of the calendar, not assumptions:
assumptions are declared parameters.
"""

from __future__ import annotations

# status: where the settler is
PENDING, IN_SK, ABROAD, LEFT, RETURNED_NORTH, UNKNOWN, DIED = range(7)
STATUS_NAMES = ("pending", "in_south_korea", "abroad_unconfirmed", "left_confirmed",
                "returned_north", "whereabouts_unknown", "died")

# labour: activity in the month
PRE_ARRIVAL, HANAWON, INACTIVE, UNEMPLOYED, EMPLOYED, TRAINING = range(6)
LABOUR_NAMES = ("pre_arrival", "hanawon", "inactive", "unemployed", "employed", "training")

# job type (when employed)
NO_JOB, REGULAR, TEMPORARY, DAY_LABOUR = range(4)
JOB_NAMES = ("none", "regular", "temporary", "day_labour")

# education and occupation in the North (categories of arrival_profile.csv, in its order)
PRIMARY_OR_LESS, SECONDARY, TERTIARY = range(3)
EDUCATION_NAMES = ("primary_or_less", "secondary", "tertiary")
(NK_UNEMPLOYED_OR_DEPENDENT, NK_WORKER, NK_SERVICE, NK_SOLDIER, NK_ADMINISTRATIVE, NK_PROFESSIONAL,
 NK_ARTS_OR_SPORTS) = range(7)
NORTH_OCCUPATION_NAMES = ("unemployed_or_dependent", "worker", "service", "soldier", "administrative",
                          "professional", "arts_or_sports")

NEVER = -(10**6)  # a month index long before any run
RESERVED = 10**6  # arrival month of a row kept free for a birth or a relative who joins later (far beyond any run)
NO_ROW = -1  # a row index that refers to no one

# relation to the household's head
HEAD, PARTNER, CHILD, PARENT = range(4)
RELATION_NAMES = ("head", "partner", "child", "parent")

MONTHS_PER_YEAR = 12
SECONDS_PER_MINUTE = 60
PAST_YEAR_MONTHS = 12  # definition: "in the past year" / "recent", as the surveys ask (12 months)
SURVEY_MIN_AGE = 15  # definition: the settlement surveys cover settlers aged 15 and over
MINOR_AGE = 18  # definition: a child, as the settlement surveys count them ("children under 18")
MILLION_KRW = 100.0  # 10k-KRW units per million KRW (a unit conversion)
