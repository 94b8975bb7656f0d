"""Synthetic library registrations: a roster of libraries per province that persists across
years, and the clean yearly snapshot of it that the export files are made from.

Every library row is SYNTHETIC. The shape imitates the real census: most libraries are
school libraries, then public ones (many village libraries), few higher-education ones and
some special libraries; collections, visits and members are heavy-tailed (a few large
provincial/regency libraries); most optional fields are left empty (40-70 % per field).

A library's latent values are its values at `REF_YEAR`; other years drift from them (growth
of collections and members, noise on visits and participation, a few fields that start or
stop being reported). So the snapshot of `REF_YEAR` is the roster itself, which lets the
sample builder fit a regency's rows to real published totals (`fit_totals`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iplm_pipeline.synth.region_table import Province, Regency

REF_YEAR = 2024

TYPES = ("Sekolah", "Umum", "Perguruan Tinggi", "Khusus")
TYPE_SHARES = (0.70, 0.24, 0.015, 0.045)
TYPE_LETTER = {"Umum": "U", "Sekolah": "S", "Perguruan Tinggi": "P", "Khusus": "K"}

SNP_YES = ("Ya", "Y", "ya", "YA")
SNP_NO = ("Tidak", "T", "tidak", "TIDAK")
_SPELLING_P = (0.7, 0.15, 0.1, 0.05)

# Numeric fields of an export; None-valued cells are "not reported" (NaN here).
COUNT_FIELDS = ("titles", "copies", "librarians", "technicians", "members", "participation")
NUMERIC_FIELDS = (*COUNT_FIELDS, "visits")

# Parameters by library category, indexed 0-7: sekolah, desa/kelurahan, TBM, kecamatan,
# kab/kota, provinsi, perguruan tinggi, khusus. (median, sigma) of lognormals, Poisson means,
# probabilities; the big libraries (kab/kota, provinsi, perguruan tinggi) nearly always report.
_COPIES = ((900, 0.9), (350, 1.0), (500, 1.1), (1500, 0.9), (40000, 0.6), (180000, 0.4),
           (12000, 1.0), (700, 1.1))
_VISITS = ((6, 0.9), (2, 1.0), (3, 1.0), (4, 0.9), (80, 0.6), (400, 0.4), (60, 0.8), (3, 1.0))
_MEMBERS = ((250, 1.1), (60, 1.2), (80, 1.2), (150, 1.1), (8000, 0.7), (40000, 0.5),
            (4000, 0.9), (100, 1.2))
_PARTICIPATION = ((15, 1.2), (10, 1.2), (15, 1.2), (20, 1.1), (600, 0.7), (3000, 0.5),
                  (100, 1.0), (10, 1.2))
_LIBRARIANS = np.array([0.15, 0.05, 0.1, 0.2, 4, 20, 4, 0.3])
_TECHNICIANS = np.array([0.3, 0.2, 0.3, 0.4, 5, 25, 4, 0.3])
_SNP_YES_P = np.array([0.08, 0.05, 0.05, 0.1, 0.5, 0.9, 0.4, 0.08])
_BIG = np.array([False, False, False, False, True, True, True, False])
_REPORT_P = {"titles": 0.45, "copies": 0.6, "librarians": 0.5, "technicians": 0.35,
             "visits": 0.5, "snp": 0.4, "members": 0.45, "participation": 0.3}

_SUBTYPES = {
    "Sekolah": (("SD/MI", "SMP/MTs", "SMA/SMK/MA", "SLB"), (0.55, 0.25, 0.17, 0.03)),
    "Umum": (("Desa/Kelurahan", "Komunitas/TBM", "Kecamatan"), (0.62, 0.28, 0.10)),
    "Perguruan Tinggi": (("Universitas", "Sekolah Tinggi", "Politeknik", "Institut", "Akademi"),
                         (0.3, 0.3, 0.15, 0.1, 0.15)),
    "Khusus": (("Instansi Pemerintah", "Rumah Ibadah", "Rumah Sakit", "Lembaga Pemasyarakatan"),
               (0.5, 0.3, 0.1, 0.1)),
}
_SCHOOL_PREFIX = {
    "SD/MI": ("SD Negeri", "SD Inpres", "SD Katolik", "SD Kristen", "MI Negeri", "MI"),
    "SMP/MTs": ("SMP Negeri", "SMP Katolik", "SMP Kristen", "MTs Negeri", "MTs"),
    "SMA/SMK/MA": ("SMA Negeri", "SMK Negeri", "SMA Katolik", "SMK", "MA Negeri"),
    "SLB": ("SLB Negeri", "SLB"),
}
_SYLLABLES = ("ba", "be", "bo", "da", "de", "do", "ka", "ke", "ko", "la", "le", "lo", "ma",
              "me", "mo", "na", "ne", "no", "ra", "re", "ro", "sa", "se", "so", "ta", "te", "to",
              "wa", "wo", "ja", "ju", "ru", "ti", "ri", "li", "ni", "si", "su", "tu", "mu", "oe",
              "ng", "wu", "pu", "pa", "ga", "gi")
_DIRECTIONS = ("Barat", "Timur", "Utara", "Selatan", "Tengah")
_NICE = ("Cahaya", "Pelangi", "Harapan", "Cerdas", "Mentari", "Bintang", "Sinar", "Lentera",
         "Pelita", "Tunas", "Mekar", "Jendela Dunia", "Kasih", "Sejahtera", "Maju", "Bahagia",
         "Nusa", "Literasi", "Ilmu", "Bina Insani")
_STUDY = ("Keguruan dan Ilmu Pendidikan", "Ilmu Kesehatan", "Teknologi", "Ekonomi",
          "Agama Islam", "Teologi", "Pertanian")
_OFFICES = ("Kesehatan", "Pertanian", "Pendidikan", "Sosial", "Perhubungan")


def _place_names(rng: np.random.Generator, n: int) -> list[str]:
    """Made-up Indonesian-sounding place names from syllables; a real name is a coincidence."""
    lengths = rng.integers(2, 4, n)
    picks = rng.integers(len(_SYLLABLES), size=(n, 3))
    names = ["".join(_SYLLABLES[j] for j in p[:k]).capitalize() for p, k in zip(picks, lengths, strict=True)]
    suffix = rng.random(n) < 0.25
    directions = rng.integers(len(_DIRECTIONS), size=n)
    return [f"{nm} {_DIRECTIONS[d]}" if s else nm for nm, s, d in zip(names, suffix, directions, strict=True)]


def regency_text(regency: Regency, style: int) -> str:
    """The registration system's spelling of a regency: `Kab. Sabu Raijua`, `KOTA KUPANG`, ..."""
    if style == 2:
        return regency.name  # "Kabupaten Sabu Raijua", "Kota Kupang"
    text = f"Kab. {regency.short_name}" if regency.type == "Kabupaten" else regency.short_name
    return text.upper() if style == 1 else text


def random_type_counts(n: int, rng: np.random.Generator) -> dict[str, int]:
    return dict(zip(TYPES, (int(c) for c in rng.multinomial(n, TYPE_SHARES)), strict=True))


def _capital(province: Province) -> Regency:
    kota = [r for r in province.regencies if r.type == "Kota"]
    return kota[0] if kota else province.regencies[0]


def _choice(rng: np.random.Generator, options, n: int, p=None) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def _regency_roster(province: Province, regency: Regency, counts: dict[str, int],
                    newcomers: dict[str, int], is_capital: bool, text_style: int,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One regency's roster columns (one DataFrame per province is built from them)."""
    types = np.array([t for t in TYPES for _ in range(counts.get(t, 0) + newcomers.get(t, 0))],
                     dtype=object)
    n = len(types)
    first_year = np.empty(n, dtype=np.int64)
    subtypes = np.empty(n, dtype=object)
    for t in TYPES:
        idx = np.flatnonzero(types == t)
        established = counts.get(t, 0)
        first_year[idx[:established]] = rng.choice(
            [2016, 2018, 2020, 2021, 2022, 2023, 2024], size=established,
            p=[0.25, 0.25, 0.2, 0.16, 0.05, 0.05, 0.04])
        first_year[idx[established:]] = REF_YEAR + 1
        options, p = _SUBTYPES[t]
        subtypes[idx] = _choice(rng, options, len(idx), p)
        if t == "Umum" and established:
            # every regency has its own public library; the province library sits in the capital
            for k, subtype in enumerate(("Kabupaten/Kota", "Provinsi")[:1 + is_capital]):
                if k < established:
                    subtypes[idx[k]] = subtype
                    first_year[idx[k]] = 2016
    category = np.select(
        [types == "Sekolah", subtypes == "Desa/Kelurahan", subtypes == "Komunitas/TBM",
         subtypes == "Kecamatan", subtypes == "Kabupaten/Kota", subtypes == "Provinsi",
         types == "Perguruan Tinggi"],
        [0, 1, 2, 3, 4, 5, 6], default=7)

    n_districts = int(rng.integers(3, 10) if regency.type == "Kota" else rng.integers(6, 25))
    districts = np.asarray(_place_names(rng, n_districts), dtype=object)
    district_no = rng.integers(n_districts, size=n)
    letters = [TYPE_LETTER[t] for t in types]
    npp = [f"{regency.npp_prefix}{d + 1:03d}{ltr}{serial:07d}"
           for d, ltr, serial in zip(district_no, letters, range(1, n + 1), strict=True)]

    def lognormal(table) -> np.ndarray:
        med = np.array([m for m, _ in table])[category]
        sig = np.array([s for _, s in table])[category]
        return rng.lognormal(np.log(med), sig)

    visit_step = rng.choice([1.0, 0.5, 0.25], size=n, p=[0.82, 0.15, 0.03])
    roster = {
        "regency": np.full(n, regency.kemendagri_code, dtype=object),
        "npp": np.array(npp, dtype=object),
        "name": np.array(_names(province, regency, category, subtypes, districts[district_no],
                                rng), dtype=object),
        "type": types,
        "subtype": subtypes,
        "province": np.full(n, province.short_name, dtype=object),
        "regency_text": np.full(n, regency_text(regency, text_style), dtype=object),
        "district": districts[district_no],
        "first_year": first_year,
        "copies": np.round(lognormal(_COPIES)),
        "title_ratio": rng.uniform(0.15, 0.6, n),
        "librarians": rng.poisson(_LIBRARIANS[category]).astype(float),
        "technicians": rng.poisson(_TECHNICIANS[category]).astype(float),
        "visits": np.round(lognormal(_VISITS) / visit_step) * visit_step,
        "visit_step": visit_step,
        "members": np.round(lognormal(_MEMBERS)),
        "participation": np.round(lognormal(_PARTICIPATION)),
        "snp_yes": rng.random(n) < _SNP_YES_P[category],
        "snp_word": rng.choice(4, size=n, p=_SPELLING_P),
        "g_copies": rng.uniform(1.0, 1.15, n),
        "g_members": rng.uniform(1.0, 1.2, n),
        # presentation, fixed per library so that a re-submitted row renders the same way
        "group_digits": rng.random(n) < 0.08,
        "date_u": rng.random(n),
    }
    for field, p in _REPORT_P.items():
        roster[f"rep_{field}"] = _BIG[category] | (rng.random(n) < p)
    return roster


def _names(province: Province, regency: Regency, category: np.ndarray, subtypes: np.ndarray,
           districts: np.ndarray, rng: np.random.Generator) -> list[str]:
    n = len(category)
    places = _place_names(rng, n)
    nice = _choice(rng, _NICE, n)
    numbers = rng.integers(1, 60, n)
    pick = rng.random(n)
    study = _choice(rng, _STUDY, n)
    office = _choice(rng, _OFFICES, n)
    bare = regency.bare_name
    names = []
    for i in range(n):
        c, sub = category[i], subtypes[i]
        if c == 0:
            prefixes = _SCHOOL_PREFIX[sub]
            prefix = prefixes[int(pick[i] * len(prefixes))]
            tail = f"{numbers[i]} {bare}" if "Negeri" in prefix or "Inpres" in prefix else places[i]
            names.append(f"Perpustakaan {prefix} {tail}")
        elif c == 1:
            unit = "Kelurahan" if regency.type == "Kota" else "Desa"
            names.append(f"Perpustakaan {unit} {places[i]}")
        elif c == 2:
            if pick[i] < 0.02:
                # names that test CSV quoting and Windows-1252 encoding
                names.append(("Perpustakaan Café Baca {}", 'Taman Bacaan Masyarakat "{}"',
                              "Rumah Baca {}, " + districts[i],
                              "Pojok Baca {}; Ceria")[int(pick[i] * 200) % 4].format(nice[i]))
            else:
                kind = ("Taman Bacaan Masyarakat", "TBM", "Rumah Baca", "Pojok Baca")
                names.append(f"{kind[int(pick[i] * 4)]} {nice[i]}")
        elif c == 3:
            names.append(f"Perpustakaan Kecamatan {districts[i]}")
        elif c == 4:
            names.append(f"Dinas Perpustakaan dan Kearsipan {regency.name}")
        elif c == 5:
            names.append(f"Dinas Perpustakaan dan Kearsipan Daerah {province.name}")
        elif c == 6:
            names.append({"Universitas": f"Perpustakaan Universitas {places[i]}",
                          "Sekolah Tinggi": f"Perpustakaan Sekolah Tinggi {study[i]} {places[i]}",
                          "Politeknik": f"UPT Perpustakaan Politeknik Negeri {bare}",
                          "Institut": f"Perpustakaan Institut {study[i]} {places[i]}",
                          "Akademi": f"Perpustakaan Akademi {study[i]} {bare}"}[sub])
        else:
            names.append({"Instansi Pemerintah": f"Perpustakaan Dinas {office[i]} {regency.name}",
                          "Rumah Ibadah": f"Perpustakaan {('Masjid', 'Gereja', 'Pura')[int(pick[i] * 3)]} {nice[i]}",
                          "Rumah Sakit": f"Perpustakaan RSUD {bare}",
                          "Lembaga Pemasyarakatan": f"Perpustakaan Lapas Kelas IIB {bare}"}[sub])
    return names


def synth_roster(province: Province, type_counts: dict[str, dict[str, int]],
                 rng: np.random.Generator, newcomer_share: float = 0.0) -> pd.DataFrame:
    """Every library of the province: `type_counts[kemendagri_code]` libraries exist in
    REF_YEAR (registered 2016-2024); `newcomer_share` more register in REF_YEAR + 1.
    NPP serials are unique per regency, so NPPs are unique and stable across years."""
    capital = _capital(province)
    text_style = int(rng.integers(3))
    chunks = []
    for regency in province.regencies:
        counts = type_counts.get(regency.kemendagri_code, {})
        total = sum(counts.values())
        extra = rng.binomial(total, newcomer_share) if newcomer_share else 0
        newcomers = random_type_counts(int(extra), rng) if extra else {}
        chunks.append(_regency_roster(province, regency, counts, newcomers,
                                      regency is capital, text_style, rng))
    return pd.DataFrame({column: np.concatenate([c[column] for c in chunks])
                         for column in chunks[0]})


def snapshot(roster: pd.DataFrame, year: int, rng: np.random.Generator) -> pd.DataFrame:
    """The clean export rows of `year`: one per library registered by then, as reported."""
    live = roster[roster["first_year"] <= year].reset_index(drop=True)
    n = len(live)
    t = year - REF_YEAR
    drift = float(t != 0)  # REF_YEAR is the roster itself, untouched

    copies = np.round(live["copies"] * live["g_copies"] ** t)
    titles = np.where(copies > 0, np.maximum(1, np.round(copies * live["title_ratio"])), 0)
    step = live["visit_step"].to_numpy()
    visits = np.round(live["visits"] * np.exp(rng.normal(0, 0.2, n) * drift) / step) * step
    staff_change = rng.choice([-1, 0, 1], size=(2, n), p=[0.06, 0.88, 0.06]) * drift
    values = {
        "titles": titles,
        "copies": copies,
        "librarians": np.maximum(0, live["librarians"] + staff_change[0]),
        "technicians": np.maximum(0, live["technicians"] + staff_change[1]),
        "visits": visits,
        "members": np.round(live["members"] * live["g_members"] ** t),
        "participation": np.round(live["participation"] * np.exp(rng.normal(0, 0.25, n) * drift)),
    }
    flips = (rng.random((len(_REPORT_P) + 1, n)) < 0.04) & bool(drift)
    clean = live[["regency", "npp", "name", "type", "subtype", "province", "regency_text",
                  "district", "group_digits", "date_u"]].copy()
    for k, field in enumerate(NUMERIC_FIELDS):
        reported = live[f"rep_{field}"].to_numpy() ^ flips[k]
        clean[field] = np.where(reported, values[field], np.nan)
    snp_reported = live["rep_snp"].to_numpy() ^ flips[len(NUMERIC_FIELDS)]
    snp_yes = live["snp_yes"].to_numpy() ^ flips[-1]
    words = live["snp_word"].to_numpy()
    clean["snp"] = [(SNP_YES[w] if y else SNP_NO[w]) if r else ""
                    for r, y, w in zip(snp_reported, snp_yes, words, strict=True)]
    days = rng.integers(0, 335, n)
    clean["updated"] = np.datetime64(f"{year}-01-01") + days.astype("timedelta64[D]")
    return clean


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to `weights` that sum exactly to `total` (largest remainder)."""
    weights = np.asarray(weights, dtype=float) + 1e-9
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def fit_totals(roster: pd.DataFrame, regency_code: str, totals: dict[str, float]) -> None:
    """Rescale the REF_YEAR values of one regency's libraries in place so that their sums are
    exactly `totals` (keys C, T, V, S, A, M, as in METHODOLOGY.md), keeping which fields
    each library reports and the relative sizes of the libraries."""
    rows = np.flatnonzero((roster["regency"] == regency_code).to_numpy()
                          & (roster["first_year"] <= REF_YEAR).to_numpy())

    def reporters(field: str) -> np.ndarray:
        reported = rows[roster.loc[rows, f"rep_{field}"].to_numpy()]
        if len(reported) == 0:
            reported = rows[:1]
            roster.loc[reported, f"rep_{field}"] = True
        return reported

    for symbol, field in (("C", "copies"), ("A", "participation"), ("M", "members")):
        idx = reporters(field)
        roster.loc[idx, field] = allocate(int(totals[symbol]),
                                           roster.loc[idx, field].to_numpy()).astype(float)
    # V: an average per day, fitted in half visits so that decimals (`12,5`) appear
    idx = reporters("visits")
    halves = allocate(int(round(totals["V"] * 2)), roster.loc[idx, "visits"].to_numpy())
    roster.loc[idx, "visits"] = halves / 2
    roster.loc[idx, "visit_step"] = 0.5
    # T = librarians + technicians, spread over both columns of the reporting libraries
    lib, tech = reporters("librarians"), reporters("technicians")
    weights = np.concatenate([roster.loc[lib, "librarians"], roster.loc[tech, "technicians"]])
    staff = allocate(int(totals["T"]), weights).astype(float)
    roster.loc[lib, "librarians"] = staff[:len(lib)]
    roster.loc[tech, "technicians"] = staff[len(lib):]
    # S: exactly S libraries answer yes; the largest ones, which are the ones guided first
    order = rows[np.argsort(-roster.loc[rows, "copies"].to_numpy(), kind="stable")]
    yes = order[:int(totals["S"])]
    roster.loc[rows, "snp_yes"] = False
    roster.loc[yes, "snp_yes"] = True
    roster.loc[yes, "rep_snp"] = True


def library_inputs(rows: pd.DataFrame) -> dict[str, dict[str, float]]:
    """L, C, T, V, S, A, M per regency (Kemendagri code) of kept export rows: empty counts as
    0, S counts `Ya`/`Y` in any case."""
    snp_yes = rows["snp"].str.strip().str.upper().isin(["YA", "Y"])
    frame = rows.assign(staff=rows["librarians"].fillna(0) + rows["technicians"].fillna(0),
                        snp_yes=snp_yes.astype(int))
    grouped = frame.groupby("regency")
    sums = grouped[["copies", "staff", "visits", "snp_yes", "participation", "members"]].sum()
    counts = grouped.size()
    return {code: {"L": float(counts[code]), "C": float(sums.at[code, "copies"]),
                   "T": float(sums.at[code, "staff"]), "V": float(sums.at[code, "visits"]),
                   "S": float(sums.at[code, "snp_yes"]), "A": float(sums.at[code, "participation"]),
                   "M": float(sums.at[code, "members"])}
            for code in counts.index}
