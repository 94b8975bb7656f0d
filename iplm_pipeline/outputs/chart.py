"""`iplm chart`: one province's kabupaten/kota scores as a slide-size PNG (matplotlib, Agg backend).

Bars are the regency IPLM coloured by category, with the category band boundaries as dashed lines
and the province's pooled value (computed from the summed inputs, not the mean of the bars) as a
solid, labelled line. With `element='uplm3'` the bars are that UPLM (0-1 scale; above 1 only under
an uncapped method) and the line is the province's pooled UPLM. Sized for a 16:9 slide
(13.33 x 7.5 in at 150 dpi) with fonts that stay readable when projected.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from iplm_pipeline.errors import IplmError  # noqa: E402
from iplm_pipeline.outputs import UPLM, YearOutputs, category_colour, id_number, missing  # noqa: E402
from iplm_pipeline.regions import Region  # noqa: E402

SIZE_INCHES, DPI = (13.33, 7.5), 150
ELEMENT_COLOUR = "#9DC3E6"  # light, so the dark province line stands out


def build_chart(data: YearOutputs, province: Region, out: Path, element: str | None = None) -> Path:
    if element is not None and element not in UPLM:
        raise IplmError(f"--element '{element}': expected one of {', '.join(UPLM)}.")
    rows = data.province(province)
    pooled = rows.iloc[0]
    measure = element or "iplm"
    regencies = rows[rows["level"] == "regency"]
    shown = regencies[regencies[measure].notna()].sort_values(measure, ascending=False)
    left_out = regencies.loc[regencies[measure].isna(), "short_name"].tolist()
    if shown.empty:
        raise IplmError(f"No kabupaten/kota of {province.name} has a {measure} value for {data.year}.")
    values = shown[measure].astype(float).tolist()

    plt.rcParams.update({"font.size": 14, "axes.titlesize": 20, "axes.labelsize": 16})
    fig, ax = plt.subplots(figsize=SIZE_INCHES, dpi=DPI)
    try:
        if element is None:
            colours = ["#" + category_colour(None if missing(c) else c) for c in shown["category"]]
        else:
            colours = [ELEMENT_COLOUR] * len(shown)
        bars = ax.bar(range(len(shown)), values, color=colours, edgecolor="#555555", linewidth=0.6, zorder=2)
        labels = [id_number(v, 2 if element is None else 3) for v in values]
        texts = ax.bar_label(bars, labels=labels, padding=2, fontsize=10 if len(shown) > 15 else 12,
                             rotation=90 if len(shown) > 25 else 0)
        for text in texts:  # keep a value readable where the province line crosses it
            text.set_bbox({"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85})
            text.set_zorder(4)
        top = max(100.0, max(values)) if element is None else max(1.0, max(values))
        ax.set_ylim(0, top * 1.08)
        ax.set_xlim(-0.6, len(shown) - 0.4)
        ax.set_xticks(range(len(shown)), shown["short_name"].tolist(), rotation=45, ha="right",
                      fontsize=12 if len(shown) <= 25 else 10)
        handles = []
        banded = element is None and not missing(pooled["method_cap"])
        if element is None and not banded:
            ax.set_ylabel("Skor IPLM (tanpa batas atas)")
            title = f"IPLM {data.year} per kabupaten/kota, {province.name}"
        elif element is None:
            for band in data.bands.itertuples():
                if band.lower > 0:
                    ax.axhline(band.lower, color="#7F7F7F", linestyle="--", linewidth=1.2, zorder=1)
                    ax.text(len(shown) - 0.45, band.lower, f" {id_number(band.lower, 0)}", va="center", ha="left",
                            fontsize=12, color="#555555")
            handles = [Patch(facecolor="#" + category_colour(b.category), edgecolor="#555555", label=b.category)
                       for b in data.bands.itertuples()]
            ax.set_ylabel("Skor IPLM (0–100)")
            title = f"IPLM {data.year} per kabupaten/kota, {province.name}"
        else:
            name = data.elements.loc[data.elements["uplm"] == int(element[4:]), "name"]
            label = name.iloc[0] if not name.empty else element.upper()
            ax.set_ylabel(f"{element.upper()} (rasio terhadap standar)")
            title = f"{element.upper()} {label} {data.year}, {province.name}"
        pooled_value = pooled[measure]
        if not missing(pooled_value):
            text = (f"{province.short_name} (dihitung dari jumlah data): "
                    f"{id_number(pooled_value, 2 if element is None else 3)}")
            line = ax.axhline(float(pooled_value), color="#1F3864", linewidth=2.5, zorder=3, label=text)
            handles.append(line)
        ax.legend(handles=handles, loc="upper right", fontsize=12, ncol=3 if element is None else 1,
                  framealpha=0.95)
        ax.set_title(title, loc="left", pad=14)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#E0E0E0", zorder=0)
        note = f"Metode {pooled['method_id']} ({pooled['method_status']}); sumber: marts IPLM (iplm_regency, " \
               f"iplm_province)."
        if element is None and not banded:
            note += " Metode tanpa batas atas: skor tidak pada skala 0-100, sehingga tanpa kategori."
        if left_out:
            named = ", ".join(left_out[:5]) + (f" dan {len(left_out) - 5} lainnya" if len(left_out) > 5 else "")
            note += f" Tanpa nilai (data masukan tidak lengkap): {named}."
        fig.text(0.01, 0.01, note, fontsize=10, color="#555555")
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=DPI)
    finally:
        plt.close(fig)
    return out
