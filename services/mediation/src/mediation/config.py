"""Mediation settings (env prefix ``MEDIATION_``).

Everything a locality may tune is here rather than in code: the assignment weights (with a
version recorded on every decision), the complexity thresholds, the subsidy table (以案定补),
the statutory clock per source, and the scheduler's rhythm.
"""

from decimal import Decimal
from typing import Annotated

from fastapi import Depends
from onewindow_kit.dependencies import settings_dependency
from onewindow_kit.settings import ServiceSettings
from pydantic import BaseModel, Field, model_validator
from pydantic_settings import SettingsConfigDict

OUTCOMES = ("agreed", "terminated", "withdrawn", "expired", "declined")
COMPLEXITIES = ("simple", "standard", "complex")


class AssignmentWeights(BaseModel):
    """How much each score component counts. Change ``version`` whenever a weight changes:
    every stored explanation names the version it was decided with."""

    version: str = "2026-11-v1"
    speciality_category: float = Field(default=3.0, ge=0)  # share of the case's claim categories the mediator covers
    speciality_industry: float = Field(default=1.0, ge=0)  # the employer's industry is one of the mediator's
    language: float = Field(default=1.5, ge=0)  # share of the parties' languages/dialects the mediator speaks
    load: float = Field(default=2.0, ge=0)  # free capacity (1 − open ÷ capacity)
    fairness: float = Field(default=2.5, ge=0)  # fewer recent cases, and fewer recent cases of this complexity


class ComplexityRules(BaseModel):
    """How a case is graded simple / standard / complex (drives fairness and the subsidy)."""

    complex_amount: Decimal = Decimal("100000")  # total claimed at or above: complex
    simple_amount: Decimal = Decimal("20000")  # below, with one claim and a green grade: simple
    complex_workers: int = 10  # collective disputes are complex


def _default_subsidies() -> dict[str, dict[str, Decimal]]:
    return {
        "agreed": {"simple": Decimal("300"), "standard": Decimal("500"), "complex": Decimal("1000")},
        "terminated": {"simple": Decimal("100"), "standard": Decimal("150"), "complex": Decimal("300")},
        "withdrawn": {"simple": Decimal("50"), "standard": Decimal("80"), "complex": Decimal("150")},
        "expired": {"simple": Decimal("0"), "standard": Decimal("0"), "complex": Decimal("0")},
        "declined": {"simple": Decimal("0"), "standard": Decimal("0"), "complex": Decimal("0")},
    }


class SubsidyTable(BaseModel):
    """以案定补: what a closed proceeding earns its mediator, by outcome and complexity (yuan)."""

    version: str = "2026-v1"
    amounts: dict[str, dict[str, Decimal]] = Field(default_factory=_default_subsidies)

    @model_validator(mode="after")
    def _complete(self) -> "SubsidyTable":
        for outcome in OUTCOMES:
            row = self.amounts.get(outcome)
            if row is None or any(c not in row for c in COMPLEXITIES):
                raise ValueError(f"subsidy table needs an amount for every complexity of outcome {outcome!r}")
        return self

    def amount(self, outcome: str, complexity: str) -> Decimal:
        return self.amounts[outcome][complexity]


class MediationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIATION_", extra="ignore", env_nested_delimiter="__")

    service_name: str = "mediation"
    database_url: str = "sqlite+aiosqlite:///var/db/mediation.sqlite3"

    # The statutory clock of each source (codes of onewindow_domain.clocks); a partner's deadline wins.
    source_rules: dict[str, str] = Field(
        default_factory=lambda: {
            "window": "mediation_15d",
            "court_pre_filing": "court_referral_30d",
            "court_in_litigation": "in_litigation_referral_15d",
            "arbitration_pre_filing": "mediation_15d",
        }
    )
    assignment_weights: AssignmentWeights = Field(default_factory=AssignmentWeights)
    fairness_window_days: int = 30
    deadline_risk_days: int = 3  # a reassigned proceeding with this many days left or fewer is flagged
    complexity: ComplexityRules = Field(default_factory=ComplexityRules)
    subsidies: SubsidyTable = Field(default_factory=SubsidyTable)
    calculator_city: str = "深圳"

    # The background loop: expiry, overdue instalments, session reminders, parked retries.
    scheduler_enabled: bool = True
    scheduler_interval_seconds: float = 60.0
    reminder_hours: int = 24

    # After startup, move the heap built so far (modules, metadata, compiled SQL) out of the cyclic
    # collector's reach (``gc.freeze()``), so the full collections that a 1,000-candidate decision's
    # allocations trigger scan only what requests allocate (decision 0031). None: on, except in the
    # test environment (each test builds an app; frozen apps would never be collected).
    gc_freeze: bool | None = None


# Mediation's settings as a route dependency (``settings: SettingsDep``).
SettingsDep = Annotated[MediationSettings, Depends(settings_dependency(MediationSettings))]
