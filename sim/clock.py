"""Model time: month indices and the calendar."""

from __future__ import annotations

from dataclasses import dataclass

EARLIEST_YEAR, LATEST_YEAR = 1900, 2200  # calendar years a date may name (a typo guard, not a model limit)


@dataclass(frozen=True)
class Clock:
    """The current month.

    month: model month index (0 = first simulated month).
    origin_year, origin_month: calendar year and month (1-12) of model month 0.
    """

    month: int
    origin_year: int
    origin_month: int

    @property
    def year(self) -> float:
        """Calendar time at mid-month, in fractional years (2024.04 = mid-January 2024)."""
        return self.origin_year + (self.origin_month - 1 + self.month + 0.5) / 12

    @property
    def calendar(self) -> tuple[int, int]:
        """(year, month 1-12)."""
        total = self.origin_month - 1 + self.month
        return self.origin_year + total // 12, total % 12 + 1


def parse_year_month(text: str) -> tuple[int, int]:
    """'2024-01' -> (2024, 1). Raises ValueError with the expected form."""
    try:
        year_s, month_s = str(text).split("-")
        year, month = int(year_s), int(month_s)
    except ValueError:
        raise ValueError(f"expected a date as YYYY-MM, got {text!r}") from None
    if not (1 <= month <= 12) or not (EARLIEST_YEAR <= year <= LATEST_YEAR):
        raise ValueError(f"expected a date as YYYY-MM with month 1-12, got {text!r}")
    return year, month


def months_between(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Months from calendar month a to calendar month b."""
    return (b[0] - a[0]) * 12 + (b[1] - a[1])
