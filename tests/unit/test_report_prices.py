"""The report's cost section says where each quoted price came from (the quote's `origin` per
price and its `priceSources`), in HTML and Markdown, SIMULATED where the prices or the run are;
and a results.json that would break its schema is refused with the fields named."""

from __future__ import annotations

from typing import Any

import pytest

from localrun.pipeline import BUCKET
from localrun.simulated_bedrock import SimulatedBedrock
from report import render
from report.logic import build_report
from report.results import Results
from shared.errors import ReportWriteFailed
from shared.price_list import ListedPrice, PriceListReading
from shared.prices import PriceOverrides
from tests.unit.report_run import make_quote, make_step, put, report_files, write_run


def _listed(version: str) -> PriceListReading:
    price = ListedPrice(
        usd=0.000035,
        usage_type="USE1-NovaMicro-input-tokens",
        unit="1K tokens",
        sku="SKU1",
        publication_date="2026-11-01T00:00:00Z",
        version=version,
        effective_date="2026-11-01",
    )
    return PriceListReading(region="us-east-1", prices={("amazon.nova-micro-v1:0", "input"): price})


def _report(s3: Any, listed: PriceListReading | None, simulated: bool) -> tuple[dict[str, Any], str, str]:
    write_run(s3)
    step = make_step()
    # Nova Micro: the PT price an override, base input from the Price List (when given), the rest
    # from the dated table.
    quote = make_quote(PriceOverrides(ptPerModelUnitHourUsd=21.5), listed)
    run = step.state.run.model_copy(update={"costQuote": quote, "simulated": simulated})
    step = step.model_copy(update={"state": step.state.model_copy(update={"run": run})})
    build_report(step, s3)
    return report_files(s3)


def _origin_rows(markdown: str) -> dict[str, str]:
    section = markdown.split("Where each quoted price came from", 1)[1].split("## Configuration", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    return {cells[0].strip(): cells[2].strip() for cells in rows[1:]}


def test_each_quoted_price_says_where_it_came_from(aws: SimulatedBedrock, s3: Any) -> None:
    results, markdown, page = _report(s3, _listed("20261101000000"), simulated=False)
    origins = _origin_rows(markdown)
    assert origins["ptPerModelUnitHourUsd"] == "override"
    assert origins["baseInputPer1kTokensUsd"].startswith("AWS Price List, published 2026-11-01")
    table_read = results["cost"]["estimate"]["priceTableRead"]
    assert origins["judgeInputPer1kTokensUsd"].startswith(f"dated price table, read {table_read}: https://")
    # every price of the quote, once, each with the origin the quote recorded
    quoted = {p["name"]: p["origin"] for part in results["cost"]["estimate"]["parts"] for p in part["prices"]}
    assert set(origins) == set(quoted)
    assert not any("SIMULATED" in text for text in origins.values())
    caption = (
        "1 price(s) read from the AWS Price List; the run's copy of them: s3://bucket/runs/run-1/data/prices.json."
    )
    assert caption in markdown and caption.replace("'", "&#39;") in page
    assert origins["baseInputPer1kTokensUsd"] and "| baseInputPer1kTokensUsd | $0.000035 |" in markdown
    # the same rows on the page
    assert "Where each quoted price came from</h3>" in page
    assert "<td>override</td>" in page and "AWS Price List, published 2026-11-01" in page


def test_prices_of_a_simulated_run_are_labelled_simulated(aws: SimulatedBedrock, s3: Any) -> None:
    _, markdown, page = _report(s3, _listed("SIMULATED-20261101"), simulated=True)
    origins = _origin_rows(markdown)
    assert all(text.startswith(("SIMULATED ", "not priced: ")) for text in origins.values()), origins
    assert "### Where each quoted price came from (SIMULATED)" in markdown
    assert "1 price(s) read from the SIMULATED Price List" in markdown
    assert "Where each quoted price came from (SIMULATED)</h3>" in page
    assert "SIMULATED AWS Price List, published 2026-11-01" in page


def test_a_quote_without_the_price_list_says_the_table_was_used(aws: SimulatedBedrock, s3: Any) -> None:
    _, markdown, _ = _report(s3, None, simulated=False)
    assert "The AWS Price List was not used (not queried): the dated table and overrides apply." in markdown
    origins = _origin_rows(markdown)
    assert origins["ptPerModelUnitHourUsd"] == "override"
    assert origins["trainingPer1kTokensUsd"].startswith("not priced: Amazon Nova Micro")  # a reason, not a source
    others = [text for name, text in origins.items() if name not in ("ptPerModelUnitHourUsd",)]
    assert all(text.startswith(("dated price table, read ", "not priced: ")) for text in others), origins


def test_a_results_document_that_breaks_its_schema_is_refused_with_the_fields_named(
    aws: SimulatedBedrock, s3: Any
) -> None:
    write_run(s3)
    # a leakage document without its method and threshold (not what PreprocessDataset writes)
    put(s3, "runs/run-1/data/manifest.json", {"leakage": {"allowLeakage": False, "removed": [], "kept": []}})
    with pytest.raises(ReportWriteFailed, match=r"leakage\.method: Field required.*runs/run-1/eval/"):
        build_report(make_step(), s3)
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="runs/run-1/report/").get("KeyCount", 0) == 0


def test_a_written_results_json_reads_back_as_the_same_typed_results(aws: SimulatedBedrock, s3: Any) -> None:
    results, markdown, _ = _report(s3, None, simulated=False)
    typed = Results.model_validate(results)
    assert typed.document() == results
    assert typed.summary.tuned.meanScore == results["summary"]["fine-tuned"]["meanScore"]
    assert render.markdown(typed).split("generated")[0] == markdown.split("generated")[0]
