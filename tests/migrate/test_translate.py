"""Reading pandas bodies with ast: every construct of the published pages, and refusals."""

from __future__ import annotations

from datetime import date

import pytest

from collect.migrate.pages import last_update, tables
from collect.migrate.translate import Untranslatable, pricing_model, translate_body

COST = ("df['Cost per 1M inferences'] = ((1.0e6 / df['Throughput (inference/sec)']) * "
        "(df['RI-Effective hourly rate'] / 3.6e3 )).map('${:,.3f}'.format)")


def body(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_read_merge_cost_columns_sort_round() -> None:
    spec = translate_body(body(
        "df = pd.read_csv('throughput_data_encoder.csv')",
        "df_prices = pd.read_csv('prices.csv')",
        "df = pd.merge(df,df_prices,on='Inst. Type')",
        COST,
        "cols_to_show = ['Model', 'Inst. Type', 'Throughput (inference/sec)', "
        "'Cost per 1M inferences']",
        "df = df[cols_to_show].sort_values(['Model', 'Cost per 1M inferences'])",
        "df['Throughput (inference/sec)'] = df['Throughput (inference/sec)'].round(2)"
        ".astype('float',copy=True)",
    ))
    assert spec.frame.prices == "prices.csv" and spec.rate_column == "RI-Effective hourly rate"
    assert spec.spec("inf2/t.csv") == {
        "data": "inf2/t.csv", "pricing": "ri-effective",
        "throughput": "Throughput (inference/sec)", "unit": "inferences",
        "columns": ["Model", "Inst. Type", "Throughput (inference/sec)",
                    "Cost per 1M inferences"],
        "sort": ["Model", "Cost per 1M inferences"],
        "formats": {"Cost per 1M inferences": "${:,.3f}", "Throughput (inference/sec)": "round2"},
    }


def test_query_groupby_head_int_and_formula_written_otherwise() -> None:
    spec = translate_body(body(
        "df = pd.read_csv('t.csv')",
        "p = pd.read_csv('p.csv')",
        "df = pd.merge(df,p,on='Inst. Type').query('`Application`==\"CV\" and `Batch Size` > 1')",
        "df['Cost per 1M images'] = (df['On-Demand hourly rate'] * 1e6 / 3600 / df['T (/sec)'])"
        ".map('${:,.2f}'.format)",
        "df = df[['Model', 'T (/sec)']].sort_values(['Model', 'T (/sec)'], "
        "ascending=[True, False]).groupby('Model').head(2)",
        "ints = ['T (/sec)']",
        "df[ints] = df[ints].round(0).astype('int')",
    )).spec("x.csv")
    assert spec["pricing"] == "on-demand" and spec["unit"] == "images"
    assert spec["throughput"] == "T (/sec)"
    assert spec["filter"] == ["Application == CV", "Batch Size > 1"]
    assert spec["sort"] == ["Model", "-T (/sec)"]
    assert spec["top"] == {"n": 2, "per": ["Model"]}
    assert spec["formats"] == {"Cost per 1M images": "${:,.2f}", "T (/sec)": "round0"}


@pytest.mark.parametrize(("lines", "line", "words"), [
    (["df = pd.read_csv('t.csv')", "df = df.apply(len, axis=1)"], 2, ".apply(...)"),
    (["df = pd.read_csv('t.csv')", "print(df)"], 2, "single assignment"),
    (["df = pd.read_csv('t.csv')", "p = pd.read_csv('p.csv')",
      "df = pd.merge(df, p, on='Inst. Type', how='left')"], 3, "not an inner join"),
    (["df = pd.read_csv('t.csv')", "p = pd.read_csv('p.csv')", "df = pd.merge(df,p,on='I')",
      "df['Cost per 1M x'] = (df['T'] * df['RI-Effective hourly rate']).map('{:.2f}'.format)"],
     4, "cost formula other than"),
    (["df = pd.read_csv('t.csv')", "p = pd.read_csv('p.csv')", "df = pd.merge(df,p,on='I')",
      "df['Cost per 1M x'] = (1e6 / df['T'] * df['Hourly'] / 3600).map('{:.2f}'.format)"],
     4, "pricing model of the price column 'Hourly'"),
    (["df = pd.read_csv('t.csv')", "df['T'] = df['T'].astype(int)"], 2, "other than .round"),
    (["df = pd.read_csv('t.csv')", "df = df.query('`A` == 1 or `B` == 2')"], 2, "joined by 'and'"),
    (["name = 't.csv'", "df = pd.read_csv(name)"], 1, "not a pandas frame"),
    (["df = pd.read_csv(f'{x}.csv')"], 1, "not a literal text"),
])
def test_refusals_name_line_and_construct(lines: list[str], line: int, words: str) -> None:
    with pytest.raises(Untranslatable) as caught:
        translate_body(body(*lines))
    assert caught.value.line == line
    assert words in caught.value.message


def test_pricing_model_from_column_name() -> None:
    assert pricing_model("RI-Effective hourly rate") == "ri-effective"
    assert pricing_model("On-Demand hourly rate") == "on-demand"
    assert pricing_model("Spot price") == "spot"
    assert pricing_model("hourly rate") is None


def test_last_update_line() -> None:
    assert last_update("*Last update: Feb 26th, 2026*") == date(2026, 2, 26)
    assert last_update("**Last update: February 19th, 2026**") == date(2026, 2, 19)
    assert last_update("*Last update:  May 20th, 2025*") == date(2025, 5, 20)
    assert last_update("no date here") is None


def test_table_bodies_and_their_lines() -> None:
    page = [".. df-table::", "   :header-rows: 1", "", "   df = pd.read_csv('a.csv')", "",
            "after"]
    [found] = tables(page)
    assert found.body_line == 4 and found.body == "df = pd.read_csv('a.csv')\n"
