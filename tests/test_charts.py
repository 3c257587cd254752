"""clinic/charts.py: pure, accessible, escaped."""

from __future__ import annotations

from xml.etree import ElementTree

from clinic.charts import Band, LineChart, Reference, Series, chart_with_table, line_chart_svg

CHART = LineChart(
    title="Pain <now>",
    desc="Three answers & a band",
    x_label="Days",
    y_label="Pain",
    x_range=(0, 90),
    y_range=(0, 10),
    series=(Series(name="Pain", points=((0, 8), (42, 5), (90, 2))),),
    band=Band(low=0, high=5.6, label="Meaningful improvement"),
    reference=Reference(value=8, label="Baseline 8"),
    x_ticks=(0, 42, 90),
    y_ticks=(0, 5, 10),
)


def test_the_svg_is_well_formed_and_labelled_by_its_title_and_description():
    svg = line_chart_svg(CHART, chart_id="c1")
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{ns}title").text == "Pain <now>"
    assert root.find(f"{ns}desc").text == "Three answers & a band"
    assert len(root.findall(f"{ns}circle")) == 3
    assert root.find(f"{ns}rect") is not None
    assert root.find(f"{ns}line") is not None


def test_the_table_beside_it_holds_the_same_figures_escaped():
    html = chart_with_table(
        CHART, chart_id="c2", headers=["When", "Score"], rows=[["Baseline", 8], ["<b>", 5]]
    )
    assert "&lt;b&gt;" in html
    assert '<th scope="row">Baseline</th><td>8</td>' in html
    assert "<caption>Pain &lt;now&gt;</caption>" in html


def test_a_single_point_and_a_flat_range_do_not_divide_by_zero():
    chart = LineChart(
        title="t",
        desc="d",
        x_label="x",
        y_label="y",
        x_range=(0, 0),
        y_range=(3, 3),
        series=(Series(name="s", points=((0, 3),)),),
    )
    assert "<circle" in line_chart_svg(chart, chart_id="c3")
