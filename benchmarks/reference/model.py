"""Reference model: the engine's monthly rules written the way most Mesa models are written.

One ``ReferenceSettler`` (a ``mesa.Agent``) per settler holds its traits as plain attributes;
each month the model activates the agents in random order once per mechanism, in the engine's
order (``model.agents.shuffle_do(phase)``), and every agent updates **its own** attributes with
scalar random draws (``self.random`` for uniforms and normals, ``self.model.rng`` for Poisson
counts). Settler-settler ties are ``Tie`` objects held in a set by both ends. Nothing here is
vectorized: it is written for reading, as the executable specification of the mechanisms in
``sim/mechanisms/`` (same parameters, ``sim.params.Parameters``; same constants; same
indicator definitions as ``sim/indicators.py`` for the group "all").

Where settlers interact, the engine's timing is kept explicit:

* job referrals count contacts employed **at the start of the month** (``was_employed``);
* classmates at Hanawon meet once the whole month's class has arrived;
* outreach targeting uses the share of flagged settlers before anyone is contacted, and
  counselling places are allocated by the model after everyone has asked (finite capacity).

The initial population is ``sim.population.build`` (the same draws as the engine for a seed),
copied into per-agent attributes.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np

from sim import inputs, population
from sim.clock import Clock, parse_year_month
from sim.mechanisms.arrival import FULL_HOUSING_SUBSIDY_MILLION_KRW, hanawon_months
from sim.mechanisms.exits import ISOLATED_TIES
from sim.mechanisms.labour import CARE_MAX_AGE, OLDER_AGE, RECENT_MONTHS
from sim.mechanisms.money import PENSION_AGE, SINGLE_CARER_MAX_AGE
from sim.params import MILLION_KRW, MONTHS_PER_YEAR, Parameters
from sim.state import (
    ABROAD,
    COLUMNS,
    DAY_LABOUR,
    DIED,
    EMPLOYED,
    HANAWON,
    IN_SK,
    INACTIVE,
    LEFT,
    NO_JOB,
    PENDING,
    PRIVATE_RENTAL,
    PUBLIC_RENTAL,
    REGULAR,
    RETURNED_NORTH,
    TEMPORARY,
    TRAINING,
    UNEMPLOYED,
    UNKNOWN,
)

SURVEY_MIN_AGE = 15
PAST_YEAR = 12
PHASES = ("arrive", "work", "spend", "socialise", "feel", "seek_support", "exit")
HEADLINE = ("employment_rate", "unemployment_rate", "mean_monthly_wage", "major_depression",
            "life_satisfaction", "no_one_to_ask_when_sick")
INDICATORS = HEADLINE + (
    "labour_force_participation", "regular_job_share", "day_labour_share", "discrimination_past_year",
    "livelihood_benefit_recipients", "ptsd", "suicidal_impulse_past_year", "mean_loneliness",
    "mean_south_korean_ties", "mean_settler_ties", "counselling_coverage", "mean_trust", "money_stress",
    "population_in_south_korea", "deaths")


def clip01(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


class Tie:
    """An undirected tie between two settlers, started by ``a`` (who rolls its decay each month)."""

    __slots__ = ("a", "b")

    def __init__(self, a: ReferenceSettler, b: ReferenceSettler) -> None:
        self.a, self.b = a, b

    def other(self, me: ReferenceSettler) -> ReferenceSettler:
        return self.b if self.a is me else self.a


class ReferenceSettler(mesa.Agent):
    """One settler; attributes are the engine's columns (``sim.state.COLUMNS``) as Python scalars."""

    def __init__(self, model: ReferenceModel, traits: dict[str, Any]) -> None:
        super().__init__(model)
        self.__dict__.update(traits)
        self.ties: set[Tie] = set()
        self.was_employed = False

    # ---------------------------------------------------------------- helpers
    @property
    def p(self) -> Parameters:
        return self.model.p

    def age_years(self, t: int) -> int:
        return (t - self.birth_month) // 12

    def present(self) -> bool:
        return self.status == IN_SK

    def settled(self) -> bool:
        return self.status == IN_SK and self.labour != HANAWON

    def support_ties(self) -> int:
        """Settler ties + South Korean ties + a mentor + a household member."""
        return len(self.ties) + self.sk_ties + (self.mentor_left > 0) + (not self.lives_alone)

    def add_tie(self, other: ReferenceSettler) -> None:
        if other is not self:
            tie = Tie(self, other)
            self.ties.add(tie)
            other.ties.add(tie)

    def leave(self, status: int, t: int) -> None:
        self.status = status
        self.exit_month = t
        self.labour = INACTIVE
        self.job_type = NO_JOB
        self.wage = 0.0
        self.counselling_left = 0

    # ---------------------------------------------------------------- arrival and Hanawon
    def arrive(self) -> None:
        p, t, rnd = self.p, self.model.t, self.random
        if self.status == PENDING and self.arrival_month <= t:
            hw = hanawon_months(p)
            exit_month = t + hw
            self.status, self.labour = IN_SK, HANAWON
            grant = p.cash_grant_million_krw * MILLION_KRW
            self.grant_left = grant
            self.grant_instalment = grant * (1 - p.cash_grant_upfront_share) / p.cash_grant_instalment_months
            self.incentive_per_month = p.employment_incentive_million_krw_per_year * MILLION_KRW / MONTHS_PER_YEAR
            self.incentive_until = exit_month + int(p.employment_incentive_years) * MONTHS_PER_YEAR
            self.incentive_min_tenure = int(p.employment_incentive_min_tenure_months)
            self.savings_match_max = p.matched_savings_max_million_krw_per_month * MILLION_KRW
            self.savings_until = exit_month + int(p.matched_savings_years) * MONTHS_PER_YEAR
            self.protection_until = exit_month + round(p.protection_period_years * MONTHS_PER_YEAR)
            self.medical_until = exit_month + int(p.medical_cover_months)
            self.stipend = p.training_stipend_million_krw_per_month * MILLION_KRW
            self.training_offered = rnd.random() < p.vocational_training_coverage
            self.mentor_left = int(p.mentorship_months) + hw if rnd.random() < p.mentorship_coverage else 0
            if rnd.random() < p.dialect_course_coverage:
                self.dialect = min(1.0, self.dialect + p.dialect_course_gain)
            subsidy_share = min(1.0, p.housing_subsidy_million_krw / FULL_HOUSING_SUBSIDY_MILLION_KRW)
            self.housing = PUBLIC_RENTAL if subsidy_share >= 0.5 else PRIVATE_RENTAL
            self.rent = p.rent_private_10k_krw - (p.rent_private_10k_krw - p.rent_public_10k_krw) * subsidy_share
            self.depression = clip01(rnd.gauss(p.depression_base, p.symptom_sd))
            trauma_mean = inputs.arrival_profile()["trauma"]["mean"]
            self.ptsd = clip01(rnd.gauss(p.ptsd_initial_mean * self.trauma / trauma_mean, p.symptom_sd))
            self.depression_ever = self.depression > p.depression_threshold or rnd.random() < p.depression_lifetime_at_arrival
            self.ptsd_ever = self.ptsd > p.ptsd_threshold or rnd.random() < p.ptsd_lifetime_at_arrival
            self.model.new_class.append(self)
        elif self.status == IN_SK and self.labour == HANAWON and t - self.arrival_month >= hanawon_months(p):
            self.labour = INACTIVE  # leaves Hanawon: upfront grant, Hana Center registration
            upfront = self.grant_left * p.cash_grant_upfront_share
            self.cash += upfront
            self.grant_left -= upfront
            self.hana_registered = rnd.random() < p.hana_registration

    def meet_classmates(self, classmates: list[ReferenceSettler]) -> None:
        """Start Poisson(hanawon_peer_ties / 2) ties with random classmates (a draw of oneself is lost)."""
        for _ in range(int(self.model.rng.poisson(self.p.hanawon_peer_ties / 2))):
            self.add_tie(self.random.choice(classmates))

    # ---------------------------------------------------------------- labour market
    def work(self) -> None:
        p, t, rnd = self.p, self.model.t, self.random
        age = self.age_years(t)
        if not (self.settled() and age >= p.school_leaving_age):
            return
        depressed = self.depression > p.depression_threshold
        stress = self.money_stress

        if self.labour == TRAINING:  # a month of training done
            self.training_left -= 1
            if self.training_left <= 0:
                if rnd.random() < p.certificate_completion:
                    self.credentials = True
                self.labour = UNEMPLOYED

        if self.training_offered and self.labour in (INACTIVE, UNEMPLOYED):  # the offer is taken or lost
            self.training_offered = False
            stipend_cover = min(1.0, self.stipend / p.living_cost_10k_krw)
            if rnd.random() < p.training_uptake_base * (1 - stress * (1 - stipend_cover)):
                self.labour = TRAINING
                self.training_left = int(p.training_months)

        # participation
        entry = p.lf_entry_rate * (1 + (p.urgency_entry_multiplier - 1) * stress)
        if depressed:
            entry *= 1 - p.depression_search_penalty
        exit_rate = p.lf_exit_rate
        if self.female and self.children > 0 and age < CARE_MAX_AGE:
            exit_rate *= p.care_exit_multiplier
        if self.health_limit:
            exit_rate *= p.health_exit_multiplier
        if age >= OLDER_AGE:
            exit_rate *= p.older_exit_multiplier
        if depressed:
            exit_rate *= p.depression_separation_multiplier
        u = rnd.random()
        lost_job = False
        if self.labour == INACTIVE and u < entry:
            self.labour = UNEMPLOYED
        elif self.labour in (UNEMPLOYED, EMPLOYED) and u < min(exit_rate, 1.0):
            lost_job = self.labour == EMPLOYED
            self.labour = INACTIVE

        # employed: separation, or a month more of tenure and wage growth
        separated = False
        if self.labour == EMPLOYED:
            sep = {REGULAR: p.separation_regular, TEMPORARY: p.separation_temporary,
                   DAY_LABOUR: p.separation_day}.get(self.job_type, 0.0)
            if depressed:
                sep *= p.depression_separation_multiplier
            if (self.tenure >= self.incentive_min_tenure and t < self.incentive_until
                    and self.incentive_per_month > 0):
                sep *= p.incentive_retention_multiplier
            if rnd.random() < sep:
                separated = lost_job = True
                self.labour = UNEMPLOYED
            else:
                self.tenure += 1
                self.wage *= math.exp(p.tenure_wage_growth)
        if lost_job:
            self.job_type, self.wage, self.tenure = NO_JOB, 0.0, 0

        # job search (a job lost this month is searched for from next month)
        if self.labour == UNEMPLOYED and not separated:
            employed_contacts = sum(tie.other(self).was_employed for tie in self.ties)
            contacts = min(employed_contacts + self.sk_ties, p.referral_contacts_cap)
            rate = (p.job_offer_rate * (1 + p.dialect_offer_effect * self.dialect)
                    * (1 + p.referral_per_contact * contacts)
                    * (p.mentor_referral_multiplier if self.mentor_left > 0 else 1.0)
                    * (1 + p.employer_subsidy_offer_elasticity * p.employer_wage_subsidy_share))
            if t - self.last_discrimination < RECENT_MONTHS:
                rate *= 1 - p.discrimination_offer_penalty
            if depressed:
                rate *= 1 - p.depression_search_penalty
            if rnd.random() < 1 - math.exp(-rate):  # an offer
                regular_share = min(1.0, p.regular_offer_share + p.credential_regular_bonus * self.credentials)
                if rnd.random() < regular_share:
                    offer, accept = REGULAR, 1.0
                else:
                    offer = DAY_LABOUR if rnd.random() < p.day_offer_share else TEMPORARY
                    accept = min(1.0, p.accept_nonregular_base + p.accept_nonregular_urgency * stress)
                if rnd.random() < accept:
                    self.labour, self.job_type, self.tenure = EMPLOYED, offer, 0
                    self.wage = self.starting_wage(offer)

        # discrimination, dialect learning
        disc = p.discrimination_rate * (1 - self.dialect) * (1 - p.anti_discrimination_effort)
        if self.labour == EMPLOYED:
            disc *= p.workplace_discrimination_multiplier
        if rnd.random() < disc:
            self.last_discrimination = t
        self.dialect += p.dialect_learning_rate * (1 - self.dialect)

    def starting_wage(self, job_type: int) -> float:
        p = self.p
        general = inputs.general_wage(self.model.clock.year, p.wage_growth_per_year)
        ratio = {REGULAR: p.wage_ratio_regular, TEMPORARY: p.wage_ratio_temporary}.get(job_type, p.wage_ratio_day)
        log_premium = (self.productivity + p.credential_wage_premium * self.credentials
                       + p.dialect_wage_premium * self.dialect - p.female_wage_gap * self.female)
        return general * ratio * math.exp(log_premium)

    # ---------------------------------------------------------------- money
    def spend(self) -> None:
        p, t = self.p, self.model.t
        if not (self.settled() and self.age_years(t) >= p.school_leaving_age):
            return
        employed = self.labour == EMPLOYED
        wage = self.wage if employed else 0.0
        instalment = min(self.grant_instalment, self.grant_left)
        self.grant_left -= instalment
        incentive = (self.incentive_per_month if employed and self.tenure >= self.incentive_min_tenure
                     and t < self.incentive_until else 0.0)
        stipend = self.stipend if self.labour == TRAINING else 0.0
        saved = min(self.savings_match_max, p.savings_rate_of_wage * wage) if employed and t < self.savings_until else 0.0
        self.savings += 2 * saved  # matched 1:1, paid out when the account ends
        released = 0.0
        if t == self.savings_until and self.savings > 0:
            released, self.savings = self.savings, 0.0

        age = self.age_years(t)
        standard = p.livelihood_standard_10k_krw * (1 + p.benefit_child_weight * self.children)
        not_expected_to_work = (self.health_limit or age >= PENSION_AGE
                                or (self.lone_parent and age < SINGLE_CARER_MAX_AGE))
        grace = t - self.arrival_month < p.benefit_grace_months + hanawon_months(p)
        eligible = wage < standard and (not_expected_to_work or grace)
        self.benefit = eligible and (self.benefit or self.random.random() < p.benefit_takeup)
        benefit = standard - wage if self.benefit else 0.0

        income = wage + instalment + incentive + stipend + benefit + released
        costs = p.living_cost_10k_krw + p.child_cost_10k_krw * self.children + self.rent
        if self.health_limit and t >= self.medical_until:
            costs += p.health_cost_10k_krw
        cash = self.cash + income - costs - saved
        if cash < 0:  # a shortfall is borrowed
            self.debt -= cash
            cash = 0.0
        repay = min(self.debt, p.debt_repayment_share * cash)
        self.cash = cash - repay
        self.debt -= repay
        self.income = income
        self.money_stress = clip01(1 - (self.cash - self.debt) / (p.stress_buffer_months * costs))

    # ---------------------------------------------------------------- ties
    def socialise(self) -> None:
        p, rnd = self.p, self.random
        for tie in [tie for tie in self.ties if tie.a is self]:  # the ties I started: kept or lost
            if not (self.present() and tie.b.present()) or rnd.random() < p.settler_tie_decay:
                self.ties.discard(tie)
                tie.b.ties.discard(tie)
        if self.settled():
            targets = self.model.settled_now
            if len(targets) > 1:
                for _ in range(int(self.model.rng.poisson(p.settler_tie_formation))):
                    self.add_tie(rnd.choice(targets))
            gain = ((p.sk_tie_formation_other + p.sk_tie_formation_work * (self.labour == EMPLOYED)
                     + p.mentor_tie_gain * (self.mentor_left > 0)) * (1 - p.dialect_tie_barrier * (1 - self.dialect)))
            lost = rnd.binomialvariate(self.sk_ties, p.sk_tie_decay) if self.sk_ties > 0 else 0
            self.sk_ties += int(self.model.rng.poisson(gain)) - lost
        if self.mentor_left > 0:
            self.mentor_left -= 1

    # ---------------------------------------------------------------- mental health
    def feel(self) -> None:
        p, t, rnd = self.p, self.model.t, self.random
        if not self.present():
            return
        treated = self.counselling_left > 0
        course = max(1.0, p.counselling_course_months)
        ptsd = self.ptsd * (1 - p.ptsd_recovery_rate)
        if treated:
            ptsd -= p.treatment_ptsd_smd * p.symptom_sd / course
        self.ptsd = clip01(ptsd)
        lonely_target = 1 / (1 + self.support_ties() / p.loneliness_half_ties)
        self.loneliness += p.loneliness_adjust_rate * (lonely_target - self.loneliness)
        recent_disc = t - self.last_discrimination < RECENT_MONTHS
        target = (p.depression_base + p.depression_from_money * self.money_stress
                  + p.depression_from_unemployment * (self.labour == UNEMPLOYED)
                  + p.depression_from_loneliness * self.loneliness
                  + p.depression_from_discrimination * recent_disc + p.depression_from_ptsd * self.ptsd)
        dep = self.depression + p.depression_adjust_rate * (target - self.depression) + rnd.gauss(0.0, p.depression_noise_sd)
        if treated:
            dep -= p.treatment_depression_smd * p.symptom_sd / course
        self.depression = clip01(dep)
        self.depression_ever = self.depression_ever or self.depression > p.depression_threshold
        self.ptsd_ever = self.ptsd_ever or self.ptsd > p.ptsd_threshold
        logit = (p.ideation_base_logit + p.ideation_depression_logit * self.depression
                 + p.ideation_trauma_logit * self.trauma + p.ideation_discrimination_logit * recent_disc)
        if rnd.random() < 1 / (1 + math.exp(-logit)):
            self.last_ideation = t
        index = (p.satisfaction_base - p.satisfaction_depression * self.depression
                 - p.satisfaction_money * self.money_stress + p.satisfaction_employment * (self.labour == EMPLOYED)
                 - p.satisfaction_discrimination * recent_disc + self.satisfaction_propensity)
        self.satisfied = index > 0

    # ---------------------------------------------------------------- support
    def in_need(self) -> bool:
        return self.depression > self.p.depression_threshold or self.ptsd > self.p.ptsd_threshold

    def protected(self) -> bool:
        return self.model.t < self.protection_until

    def flagged(self) -> bool:
        return self.protected() and (self.in_need() or self.loneliness > self.p.outreach_loneliness_flag
                                     or self.labour == UNEMPLOYED)

    def seek_support(self) -> None:
        p, t, rnd, m = self.p, self.model.t, self.random, self.model
        if not self.settled():
            return
        weight = 1 - p.outreach_targeting
        if m.flagged_share > 0:
            weight += p.outreach_targeting * self.flagged() / m.flagged_share
        weight *= self.protected()
        contacted = rnd.random() < min(1.0, p.outreach_contacts_per_year / MONTHS_PER_YEAR * weight)
        monitoring = contacted and rnd.random() < p.outreach_surveillance_share
        supportive = contacted and not monitoring
        if supportive:
            self.trust += p.trust_gain_support * (1 - self.trust)
        if monitoring:
            self.trust *= 1 - p.trust_loss_surveillance
        if self.last_discrimination == t:
            self.trust *= 1 - p.trust_loss_discrimination
        if contacted:
            self.last_contact = t
        if self.in_need() and self.counselling_left == 0:
            asks = self.hana_registered and rnd.random() < (p.help_seeking_base * (self.trust / p.trust_initial)
                                                            * (1 - self.loneliness))
            referred = supportive and rnd.random() < p.referral_on_contact
            if asks or referred:
                m.counselling_queue.append(self)

    # ---------------------------------------------------------------- exits
    def exit(self) -> None:
        p, t, rnd = self.p, self.model.t, self.random
        if self.status == ABROAD:
            if rnd.random() < p.abroad_confirmed_rate:
                self.status = LEFT
            return
        if self.status == UNKNOWN and rnd.random() < p.regain_contact_rate:
            self.status = IN_SK
        if self.status not in (IN_SK, UNKNOWN):
            return
        annual = min(1.0, p.mortality_scale * p.gompertz_a * math.exp(p.gompertz_b * (t - self.birth_month) / 12))
        suicide = self.last_ideation == t and rnd.random() < p.suicide_rate_ideation
        if suicide or rnd.random() < 1 - (1 - annual) ** (1 / 12):
            isolated = (self.support_ties() <= ISOLATED_TIES and self.lives_alone) or self.status == UNKNOWN
            self.death_unclaimed = rnd.random() < (p.unclaimed_isolated if isolated else p.unclaimed_connected)
            self.suicide = suicide
            self.leave(DIED, t)
            return
        if self.settled():
            x = p.emigration_dissatisfied_multiplier if not self.satisfied else 1.0
            p_emigrate, p_return = p.emigration_rate * x, p.return_north_rate * x
            p_lose = p.lose_contact_rate * (1 + (p.lose_contact_distrust_multiplier - 1) * (1 - self.trust))
            u = rnd.random()
            if u < p_emigrate:
                self.leave(ABROAD, t)
            elif u < p_emigrate + p_return:
                self.leave(RETURNED_NORTH, t)
            elif u < p_emigrate + p_return + p_lose:
                self.status = UNKNOWN


class ReferenceModel(mesa.Model):
    """Per-agent Mesa model of the same rules as ``ResettlementModel`` (group "all" indicators only).

    Parameters are those of ``ResettlementModel`` (``n_settlers``, ``mode``, ``start``, ``months``,
    ``represents``, ``female_share``, ``rng`` and any declared parameter); no policy schedule.
    ``record[name]`` lists the indicator's value at the end of each month after the start.
    """

    def __init__(self, *, n_settlers: int = 1000, mode: str = "cohort", start: str = "2024-01", months: int = 60,
                 represents: float | None = None, female_share: float | None = None, rng: Any = None,
                 **parameters: float) -> None:
        super().__init__(rng=rng)
        self.p = Parameters(**parameters)
        year, month = parse_year_month(start)
        self.months = int(months)
        state, self.layout = population.build(mode, int(n_settlers), year, month, self.months, represents,
                                              female_share, self.p, self.rng)
        self.scale = self.layout.represents / max(1, state.n)
        columns = {name: getattr(state, name).tolist() for name in COLUMNS}
        for i in range(state.n):
            ReferenceSettler(self, {name: values[i] for name, values in columns.items()})
        self.t = 0
        self.clock = Clock(0, self.layout.origin_year, self.layout.origin_month)
        self.record: dict[str, list[float]] = {name: [] for name in INDICATORS}
        self.new_class: list[ReferenceSettler] = []
        self.settled_now: list[ReferenceSettler] = []
        self.counselling_queue: list[ReferenceSettler] = []
        self.flagged_share = 0.0
        for _ in range(self.layout.record_from):  # warm-up (population mode)
            self.month_of_rules()
        self.running = self.months > 0

    def step(self) -> None:
        """One month: the rules, then the indicators."""
        if self.t - self.layout.record_from >= self.months:
            self.running = False
            return
        self.month_of_rules()
        for name, value in self.indicators(self.t - 1).items():
            self.record[name].append(value)
        self.running = self.t - self.layout.record_from < self.months

    def month_of_rules(self) -> None:
        agents = self.agents
        self.clock = Clock(self.t, self.layout.origin_year, self.layout.origin_month)
        for a in agents:
            a.was_employed = a.labour == EMPLOYED
        self.new_class = []
        agents.shuffle_do("arrive")
        if len(self.new_class) > 1:
            for a in self.random.sample(self.new_class, len(self.new_class)):
                a.meet_classmates(self.new_class)
        agents.shuffle_do("work")
        agents.shuffle_do("spend")
        self.settled_now = [a for a in agents if a.settled()]
        agents.shuffle_do("socialise")
        agents.shuffle_do("feel")
        for a in agents:  # a month of counselling done
            if a.counselling_left > 0:
                a.counselling_left -= 1
        settled = [a for a in agents if a.settled()]
        protected = [a for a in settled if a.protected()]
        self.flagged_share = sum(a.flagged() for a in protected) / len(protected) if protected else 0.0
        self.counselling_queue = []
        agents.shuffle_do("seek_support")
        self.allocate_counselling(settled)
        agents.shuffle_do("exit")
        self.t += 1

    def allocate_counselling(self, settled: list[ReferenceSettler]) -> None:
        """Free places (capacity per 1,000 settled, stochastic rounding) go to a random subset of those asking."""
        p = self.p
        slots = p.counselling_slots_per_1000 * len(settled) / 1000 - sum(a.counselling_left > 0 for a in settled)
        slots = math.floor(slots + self.random.random()) if slots > 0 else 0
        queue = self.counselling_queue
        for a in (queue if len(queue) <= slots else self.random.sample(queue, slots)):
            a.counselling_left = int(p.counselling_course_months)

    def indicators(self, t: int) -> dict[str, float]:
        """The indicators of ``INDICATORS`` for the group "all", defined as in ``sim.indicators``."""
        p = self.p
        survey = [a for a in self.agents if a.settled() and t - a.birth_month >= SURVEY_MIN_AGE * 12]
        employed = [a for a in survey if a.labour == EMPLOYED]
        unemployed = sum(a.labour == UNEMPLOYED for a in survey)
        settled = [a for a in self.agents if a.settled()]
        in_need = [a for a in survey if a.in_need()]

        def share(count: float, den: float) -> float:
            return 100 * count / den if den else math.nan

        def mean(values: list[float]) -> float:
            return sum(values) / len(values) if values else math.nan

        n = len(survey)
        return {
            "employment_rate": share(len(employed), n),
            "unemployment_rate": share(unemployed, len(employed) + unemployed),
            "mean_monthly_wage": mean([a.wage for a in employed]),
            "major_depression": share(sum(a.depression > p.depression_threshold for a in survey), n),
            "life_satisfaction": share(sum(a.satisfied for a in survey), n),
            "no_one_to_ask_when_sick": share(sum(a.support_ties() == 0 for a in survey), n),
            "labour_force_participation": share(len(employed) + unemployed, n),
            "regular_job_share": share(sum(a.job_type == REGULAR for a in employed), len(employed)),
            "day_labour_share": share(sum(a.job_type == DAY_LABOUR for a in employed), len(employed)),
            "discrimination_past_year": share(sum(t - a.last_discrimination < PAST_YEAR for a in survey), n),
            "livelihood_benefit_recipients": share(sum(a.benefit for a in settled), len(settled)),
            "ptsd": share(sum(a.ptsd > p.ptsd_threshold for a in survey), n),
            "suicidal_impulse_past_year": share(sum(t - a.last_ideation < PAST_YEAR for a in survey), n),
            "mean_loneliness": mean([a.loneliness for a in survey]),
            "mean_south_korean_ties": mean([a.sk_ties for a in survey]),
            "mean_settler_ties": mean([len(a.ties) for a in survey]),
            "counselling_coverage": share(sum(a.counselling_left > 0 for a in in_need), len(in_need)),
            "mean_trust": mean([a.trust for a in survey]),
            "money_stress": mean([a.money_stress for a in survey]),
            "population_in_south_korea": self.scale * sum(a.status == IN_SK for a in self.agents),
            "deaths": self.scale * sum(a.status == DIED and a.exit_month > t - PAST_YEAR for a in self.agents),
        }

    def indicator(self, name: str) -> np.ndarray:
        """Monthly series of one indicator (group "all"), shape (months,)."""
        return np.asarray(self.record[name], dtype=float)
