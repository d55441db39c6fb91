"""The true expected number of incidents per cell, week and problem type, and what makes it up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from simulator.calendar import day_table
from simulator.drivers import DAILY, DRIVERS, WEEKLY_TARGET
from simulator.layout import Layout
from simulator.randomness import stream

PLACE_KERNEL_M = {"market": 300, "night_market": 280, "school": 280, "hospital": 280, "mall": 300,
                  "old_neighbourhood": 400, "urban_village": 450, "transit_hub": 300, "park": 350}
SITE_KERNEL_M = 200.0         # trucks, dust and muck around an active construction site
SITE_VIOLATION_KERNEL_M = 350.0  # sheds and extensions spring up around new development
SPOT_KERNEL_M = 150.0
PLACE_CORE_M, PLACE_CORE_SHARE = 60.0, 0.5
CELL_EFFECT_SIGMA = 0.45      # static cell-level heterogeneity only a cell's own history reveals
DRIFT_SIGMA, DRIFT_RHO, DRIFT_BLOCK_M = 0.15, 0.85, 1000.0  # slow neighbourhood-level drift
STREET_GAMMA, POP_GAMMA, ROAD_BOOST, URBAN_KNEE = 0.35, 0.35, 0.5, 0.02


@dataclass
class Episode:
    """A hidden emerging hotspot: ramps up, holds, fades (new stall spot, parking pressure from road works)."""

    kind: str
    pos: int
    start: int   # week index in the reference window (may be negative: began before)
    ramp: int
    plateau: int
    fade: int
    amp: float

    def activity(self, weeks: np.ndarray) -> np.ndarray:
        t = weeks - self.start
        up = np.clip((t + 1) / self.ramp, 0, 1)
        down = np.clip(1 - (t - self.ramp - self.plateau) / self.fade, 0, 1)
        return np.where(t < 0, 0.0, np.minimum(up, down)) * self.amp


def _kernel(layout: Layout, x: np.ndarray, y: np.ndarray, sigma_m: float, strength: np.ndarray,
            core_m: float = 0.0, core_share: float = 0.0) -> sparse.csr_matrix:
    """Rows: places; columns: cells; each row a truncated Gaussian around the place summing to its strength.

    With core_share > 0 a tight core of width core_m holds that share: trade crowds right at the gate.
    """
    spec = layout.spec
    r = int(np.ceil(3 * sigma_m / spec.cell_m))
    offs = np.arange(-r, r + 1)
    dc, dr = np.meshgrid(offs, offs)
    dc, dr = dc.ravel(), dr.ravel()
    rows, cols, vals = [], [], []
    for i, (px, py) in enumerate(zip(x, y, strict=False)):
        c0, r0 = spec.cell_index(np.array([px]), np.array([py]))
        cc, rr = c0[0] + dc, r0[0] + dr
        ok = (cc >= 0) & (cc < spec.ncols) & (rr >= 0) & (rr < spec.nrows)
        cc, rr = cc[ok], rr[ok]
        pos = layout.raster[rr, cc]
        keep = pos >= 0
        cx = spec.x0 + (cc[keep] + 0.5) * spec.cell_m
        cy = spec.y0 + (rr[keep] + 0.5) * spec.cell_m
        d2 = (cx - px) ** 2 + (cy - py) ** 2
        w = np.exp(-d2 / (2 * sigma_m**2))
        w = w / max(w.sum(), 1e-12)
        if core_share > 0:
            core = np.exp(-d2 / (2 * core_m**2))
            w = (1 - core_share) * w + core_share * core / max(core.sum(), 1e-12)
        if w.sum() == 0:
            continue
        rows.append(np.full(keep.sum(), i))
        cols.append(pos[keep])
        vals.append(w / w.sum() * strength[i])
    if not rows:
        return sparse.csr_matrix((len(x), layout.n_cells))
    return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(len(x), layout.n_cells))


def _validity(places: pd.DataFrame, week_starts: list[dt.date]) -> np.ndarray:
    """Share of each week's days on which each place exists (weeks x places)."""
    ws = pd.to_datetime(pd.Series(week_starts)).to_numpy()[:, None]
    vf = places["valid_from"].fillna(pd.Timestamp("1900-01-01")).to_numpy()[None, :]
    vt = places["valid_to"].fillna(pd.Timestamp("2200-01-01")).to_numpy()[None, :]
    day = np.timedelta64(1, "D")
    lo = np.maximum(ws, vf)
    hi = np.minimum(ws + 7 * day, vt)
    return np.clip((hi - lo) / day, 0, 7) / 7.0


class IntensityModel:
    """Expected incidents per cell-week-type over a reference window ending on the simulation's last day."""

    def __init__(self, layout: Layout, end_date: dt.date, n_weeks: int, seed: int, scale: float):
        self.layout, self.seed, self.scale = layout, seed, scale
        self.n_ref = max(n_weeks, 52)
        self.ref_start = end_date - dt.timedelta(days=7 * self.n_ref - 1)
        self.week_starts = [self.ref_start + dt.timedelta(days=7 * i) for i in range(self.n_ref)]
        self.days = day_table(self.ref_start, 7 * self.n_ref)
        self._fields_static = self._static_fields()
        self._place_kernels, self._place_activity = self._place_fields()
        self.episodes = self._episodes()
        self._daily = {k: f(self.days) for k, f in DAILY.items()}
        last_year = self.days.index >= len(self.days) - 364
        self._daily_norm = {k: max(v[last_year].mean(), 1e-9) for k, v in self._daily.items()}
        self._field_norm = self._field_norms()
        self._cell_effect = self._cell_effects()
        self._drift = self._drifts()
        self._norm = {t: 1.0 for t in DRIVERS}
        totals = {t: np.array([self.components(t, w).sum() for w in range(self.n_ref - 52, self.n_ref)]).mean()
                  for t in DRIVERS}
        self._norm = {t: WEEKLY_TARGET[t] * scale / totals[t] for t in DRIVERS}

    # ----- spatial fields
    def _static_fields(self) -> dict[str, np.ndarray]:
        pop = self.layout.population
        built_up = pop / (pop + URBAN_KNEE)  # open country around the towns sees little
        street = pop**STREET_GAMMA * built_up * (1 + ROAD_BOOST * self.layout.road)
        population = pop**POP_GAMMA * built_up
        return {"street": street / street.sum(), "population": population / population.sum(),
                "built_up": built_up / built_up.sum()}

    def _place_fields(self) -> tuple[dict[str, sparse.csr_matrix], dict[str, np.ndarray]]:
        places = self.layout.places
        kernels, activity = {}, {}
        wk = np.arange(self.n_ref)
        for kind, sigma in PLACE_KERNEL_M.items():
            p = places[places["kind"] == kind]
            kernels[kind] = _kernel(self.layout, p["x"].to_numpy(), p["y"].to_numpy(), sigma, p["strength"].to_numpy(),
                                    PLACE_CORE_M, PLACE_CORE_SHARE)
            activity[kind] = _validity(p, self.week_starts)
        z = places[places["kind"] == "construction_zone"].reset_index(drop=True)
        zx, zy, zs = z["x"].to_numpy(), z["y"].to_numpy(), z["strength"].to_numpy()
        kernels["construction_active"] = _kernel(self.layout, zx, zy, SITE_KERNEL_M, zs)
        activity["construction_active"] = _validity(z, self.week_starts)
        kernels["construction_violation"] = _kernel(self.layout, zx, zy, SITE_VIOLATION_KERNEL_M, zs)
        rng = stream(self.seed, "zone_lag")
        act = np.zeros((self.n_ref, len(z)))
        ref0 = pd.Timestamp(self.ref_start)
        for i, row in z.iterrows():
            start = (row["valid_from"] - ref0).days / 7.0 + rng.uniform(4, 9)  # sheds follow the trucks
            stop = (row["valid_to"] - ref0).days / 7.0 + 8
            up = np.clip((wk - start) / 6.0, 0, 1)
            down = np.clip(1 - (wk - stop) / 6.0, 0, 1)
            act[:, i] = np.minimum(up, down)
        activity["construction_violation"] = act
        self.zone_violation_activity = act
        return kernels, activity

    def _episodes(self) -> list[Episode]:
        rng = stream(self.seed, "episodes")
        pop, cover = self.layout.population, self.layout.camera_cover
        urban = np.flatnonzero(pop > 0.1)
        covered = np.flatnonzero((pop > 0.1) & (cover >= 0))
        out = []
        for kind, per_year, camera_share in (("stall_spots", 50, 0.7), ("parking_spots", 20, 0.0)):
            n = int(round(per_year * self.n_ref / 52)) + 4
            for _ in range(n):
                pool = covered if (rng.random() < camera_share and len(covered)) else urban
                w = pop[pool] ** 1.2
                pos = int(rng.choice(pool, p=w / w.sum()))
                out.append(Episode(kind, pos, int(rng.integers(-20, self.n_ref - 2)), int(rng.integers(2, 5)),
                                   int(rng.integers(4, 15)), int(rng.integers(2, 6)), float(rng.lognormal(0, 0.5))))
        return out

    def episode_activity(self, kind: str) -> tuple[list[Episode], np.ndarray]:
        eps = [e for e in self.episodes if e.kind == kind]
        wk = np.arange(self.n_ref)
        return eps, np.stack([e.activity(wk) for e in eps], axis=1) if eps else np.zeros((self.n_ref, 0))

    def _spot_kernel(self, kind: str) -> sparse.csr_matrix:
        eps = [e for e in self.episodes if e.kind == kind]
        x = self.layout.grid["x"].to_numpy()[[e.pos for e in eps]]
        y = self.layout.grid["y"].to_numpy()[[e.pos for e in eps]]
        return _kernel(self.layout, x, y, SPOT_KERNEL_M, np.ones(len(eps)))

    def field(self, name: str, w: int) -> np.ndarray:
        """A spatial field in week w, normalised to sum about 1 over the last year."""
        if name in self._fields_static:
            return self._fields_static[name]
        if name in ("stall_spots", "parking_spots"):
            if name not in self._place_kernels:
                self._place_kernels[name] = self._spot_kernel(name)
                self._place_activity[name] = self.episode_activity(name)[1]
        k, a = self._place_kernels[name], self._place_activity[name]
        return np.asarray(a[w] @ k).ravel() / self._field_norm.get(name, 1.0)

    def _field_norms(self) -> dict[str, float]:
        norms = {}
        for name in list(self._place_activity) + ["stall_spots", "parking_spots"]:
            self._field_norm = {}
            tot = [self.field(name, w).sum() for w in range(self.n_ref - 52, self.n_ref)]
            norms[name] = max(float(np.mean(tot)), 1e-9)
        return norms

    # ----- heterogeneity
    def _cell_effects(self) -> dict[str, np.ndarray]:
        rng = stream(self.seed, "cell_effect")
        shared = rng.standard_normal(self.layout.n_cells)
        out = {}
        for t in DRIVERS:
            z = np.sqrt(0.5) * shared + np.sqrt(0.5) * rng.standard_normal(self.layout.n_cells)
            out[t] = np.exp(CELL_EFFECT_SIGMA * z - CELL_EFFECT_SIGMA**2 / 2)
        return out

    def _drifts(self) -> dict[str, np.ndarray]:
        g = self.layout.grid
        b = int(round(DRIFT_BLOCK_M / self.layout.spec.cell_m))
        block = (g["row"].to_numpy() // b) * 10_000 + g["col"].to_numpy() // b
        self.block, inv = np.unique(block, return_inverse=True)[0], np.unique(block, return_inverse=True)[1]
        nb = len(self.block)
        rng = stream(self.seed, "drift")
        out = {}
        innov = DRIFT_SIGMA * np.sqrt(1 - DRIFT_RHO**2)
        for t in DRIVERS:
            z = np.empty((self.n_ref, nb))
            z[0] = DRIFT_SIGMA * rng.standard_normal(nb)
            for w in range(1, self.n_ref):
                z[w] = DRIFT_RHO * z[w - 1] + innov * rng.standard_normal(nb)
            out[t] = np.exp(z - DRIFT_SIGMA**2 / 2)[:, inv]
        self.cell_block = inv
        return out

    # ----- the truth
    def week_days(self, w: int) -> slice:
        return slice(7 * w, 7 * w + 7)

    def components(self, t: str, w: int) -> np.ndarray:
        """Expected incidents of type t in week w per driver and cell (drivers x cells)."""
        mult = self._norm[t] * self._cell_effect[t] * self._drift[t][w]
        out = np.empty((len(DRIVERS[t]), self.layout.n_cells))
        for j, (_, field, share, daily, _, _) in enumerate(DRIVERS[t]):
            tw = self._daily[daily][self.week_days(w)].mean() / self._daily_norm[daily]
            out[j] = share * tw * self.field(field, w) * mult
        return out

    def expected(self, t: str, w: int) -> np.ndarray:
        return self.components(t, w).sum(axis=0)

    def daily_weights(self, t: str, w: int) -> np.ndarray:
        """Relative weight of each day of week w per driver (drivers x 7)."""
        return np.stack([self._daily[d][self.week_days(w)] + 1e-9 for _, _, _, d, _, _ in DRIVERS[t]])
