"""The `bft` command (Typer + Rich). `bft --help` lists the commands; each has examples.

Exit codes: 0 success; 1 the run failed, timed out or was stopped; 2 bad input (refused before
anything was uploaded); 3 no credentials, Region or stack; 4 no such run; 5 still running (`watch --once`).
"""

from __future__ import annotations

import json
import sys
import time
import webbrowser
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.live import Live
from rich.table import Table

from . import compare as comparing
from . import dryrun, render, resources
from . import prices as run_prices
from . import runs as run_rows
from .backend import DIRECT_PREFIX, AwsBackend, Backend, Execution, execution_name
from .errors import CliError, Exit
from .inputs import build_input
from .local import LocalBackend, state_dir
from .progress import snapshot
from .simulation import quote_lines

app = typer.Typer(
    name="bft",
    help="Drive, watch and compare Bedrock fine-tuning runs: against the deployed stack, or with --local "
    "against the local simulation (SIMULATED; no AWS account). Exit codes: 0 ok, 1 run failed, 2 bad input, "
    "3 no credentials or stack, 4 no such run, 5 still running.\n\n"
    "Examples:\n\n  bft --local start dataset/rawdata/training.json --watch\n\n  bft runs --limit 5\n\n"
    "  bft compare RUN_A RUN_B",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


@dataclass
class Options:
    local: bool
    state_dir: Path | None
    stack: str | None
    profile: str | None
    region: str | None
    json: bool

    def backend(self) -> Backend:
        if self.local:
            return LocalBackend(state_dir(self.state_dir))
        return AwsBackend(self.stack, self.profile, self.region)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _options(ctx: typer.Context) -> Options:
    options: Options = ctx.obj
    return options


def _emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n")


@app.callback()
def main_options(
    ctx: typer.Context,
    local: Annotated[
        bool, typer.Option("--local", help="Use the local simulation (SIMULATED) instead of AWS.")
    ] = False,
    state_dir_: Annotated[
        Path | None,
        typer.Option(
            "--state-dir",
            help="Where --local keeps its account between commands (default .bft-local, or $BFT_LOCAL_DIR).",
        ),
    ] = None,
    stack: Annotated[
        str | None, typer.Option(help="CloudFormation stack name (default BedrockFineTuningPipelineStack).")
    ] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile, as with the AWS CLI.")] = None,
    region: Annotated[str | None, typer.Option(help="AWS Region, as with the AWS CLI.")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")] = False,
) -> None:
    ctx.obj = Options(local, state_dir_, stack, profile, region, json_)


def _files(data: Path, validation: Path | None, evaluation: Path | None) -> dict[str, Path | None]:
    for path in (data, validation, evaluation):
        if path is not None and not path.is_file():
            raise CliError(f"{path}: no such file", Exit.BAD_INPUT)
    return {"trainingDataUri": data, "validationDataUri": validation, "evalDataUri": evaluation}


# ------------------------------------------------------------------------------------------ quote
@app.command()
def quote(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(help="Raw training QA file (.json array or .jsonl).")],
    validation: Annotated[Path | None, typer.Option(help="Raw validation QA file.")] = None,
    eval_: Annotated[Path | None, typer.Option("--eval", help="Evaluation questions with reference answers.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Execution-input key=value (repeatable), e.g. hyperParameters.epochCount=5."),
    ] = None,
    input_: Annotated[
        Path | None, typer.Option("--input", help="Execution-input JSON file; --set values apply on top.")
    ] = None,
) -> None:
    """Check the data and quote the run's cost with the pipeline's own code, locally; nothing is uploaded.

    Example: bft quote dataset/rawdata/training.json --eval dataset/rawdata/eval.json --set hyperParameters.epochCount=4
    """
    opts = _options(ctx)
    files = _files(data, validation, eval_)
    execution_input = build_input(input_, set_ or [])
    environment: dict[str, str] = {}
    pricing: Any = None
    region = opts.region or "us-east-1"
    if opts.local:
        simulated = True
        # The local account's own moto and simulated Price List: the prices a local run reads.
        with LocalBackend(state_dir(opts.state_dir), persist=False) as local:
            result = dryrun.check(files, execution_input, local.region, s3=local.s3, pricing=local.pricing)
    else:
        simulated = False
        try:
            with AwsBackend(opts.stack, opts.profile, opts.region) as backend:
                region = backend.region
                import boto3

                session = boto3.Session(profile_name=opts.profile, region_name=backend.region)
                environment = dryrun.stack_environment(backend.sfn, session.client("lambda"), backend.state_machine_arn)
                pricing = backend.pricing  # the Price List the run reads, read ahead of the dry run
        except (CliError, BotoCoreError, ClientError) as error:  # no stack, or no right to read its function
            if not opts.json:
                _console().print(f"note: {error} - quoting with the price table's figures for {region}")
        result = dryrun.check(files, execution_input, region, environment, pricing=pricing)
    if opts.json:
        _emit_json(
            {
                "simulated": simulated,
                "quote": result.quote,
                "warnings": result.warnings,
                "counts": result.manifest.get("counts"),
            }
        )
        return
    console = _console()
    counts = result.manifest.get("counts") or {}
    console.print(
        f"Data accepted: {counts.get('training')} training, {counts.get('validation')} validation, "
        f"{counts.get('evaluation')} evaluation questions"
    )
    for warning in result.warnings:
        console.print(f"  warning: {warning}")
    console.print("\n".join(quote_lines(result.quote, simulated=simulated)))


# ------------------------------------------------------------------------------------------ start
@app.command()
def start(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(help="Raw training QA file (.json array or .jsonl).")],
    validation: Annotated[Path | None, typer.Option(help="Raw validation QA file.")] = None,
    eval_: Annotated[Path | None, typer.Option("--eval", help="Evaluation questions with reference answers.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Execution-input key=value (repeatable).")] = None,
    input_: Annotated[
        Path | None, typer.Option("--input", help="Execution-input JSON file; --set values apply on top.")
    ] = None,
    watch_: Annotated[bool, typer.Option("--watch", help="Follow the run until it ends.")] = False,
) -> None:
    """Check the data, upload it and start a run; print the run id and the console URL.

    Examples:

      bft start data.json --eval eval.json --set evaluation.hosting=provisioned --set hyperParameters.epochCount=5

      bft --local start dataset/rawdata/training.json --watch
    """
    opts = _options(ctx)
    files = _files(data, validation, eval_)
    execution_input = build_input(input_, set_ or [])
    console = _console()
    with opts.backend() as backend:
        # Refused here, before anything is uploaded, with the pipeline's own messages.
        dryrun.check(
            files,
            execution_input,
            backend.region,
            s3=backend.s3 if backend.simulated else None,
            pricing=backend.pricing,
        )
        name = execution_name(data)
        prefix = f"{DIRECT_PREFIX}{name}/"
        for field, path in files.items():
            if path is not None:
                execution_input[field] = backend.upload(f"{prefix}{path.name}", path.read_bytes())
        arn = backend.start(execution_input, name)
        execution = Execution(arn, name, "RUNNING", datetime.now(UTC))
        if not opts.json:
            label = " (SIMULATED)" if backend.simulated else ""
            console.print(f"Started run {execution.run_id}{label}")
            console.print(f"  Execution: {arn}")
            console.print(f"  Console: {backend.console_url(arn)}")
        if watch_:
            code = _watch(backend, arn, opts, console)
        else:
            code = Exit.OK
            if opts.json:
                _emit_json(
                    {
                        "runId": execution.run_id,
                        "executionArn": arn,
                        "consoleUrl": backend.console_url(arn),
                        "simulated": backend.simulated,
                    }
                )
    if backend.simulated and not watch_ and not opts.json:
        console.print("  (local runs end before the command returns; `bft --local watch RUN` shows the result)")
    raise typer.Exit(int(code))


# ------------------------------------------------------------------------------------------ watch
def _outcome(status: str) -> Exit:
    return Exit.OK if status == "SUCCEEDED" else Exit.RUN_FAILED


def _watch(backend: Backend, arn: str, opts: Options, console: Console, once: bool = False) -> Exit:
    interval = 0.3 if backend.simulated else 15.0
    failures = 0
    live = (
        None
        if (opts.json or once or not console.is_terminal)
        else Live(console=console, refresh_per_second=4, transient=False)
    )
    last_step = None
    try:
        if live:
            live.start()
        while True:
            try:
                execution = backend.describe(arn)
                snap = snapshot(backend, execution)
                failures = 0
            except (BotoCoreError, ClientError) as error:  # a dropped connection: keep trying
                failures += 1
                console.print(f"connection problem ({error}); retrying in {interval:.0f} s")
                backend.sleep(min(300.0, interval * failures))
                continue
            if live:
                live.update(render.snapshot_view(snap))
            elif not opts.json and snap.step != last_step:
                console.print(f"  [{render.duration(snap.elapsedSeconds)}] {snap.step}")
                last_step = snap.step
            if execution.ended or once:
                break
            backend.sleep(interval)
    finally:
        if live:
            live.stop()
    if opts.json:
        _emit_json(snap.as_dict())
    else:
        for line in render.final_lines(snap):
            console.print(line)
    if not execution.ended:
        return Exit.RUNNING
    return _outcome(execution.status)


@app.command()
def watch(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, execution name or execution ARN.")],
    once: Annotated[bool, typer.Option(help="Print where the run is now and return (exit 5 while it runs).")] = False,
) -> None:
    """Follow a run live: step, elapsed time, training job and its losses, hosting, answering and
    judging progress, cost against the quote; ends with the verdict. Safe to stop and run again.

    Example: bft watch training-261206-180000-ab12
    """
    opts = _options(ctx)
    console = _console()
    with opts.backend() as backend:
        execution = backend.find(run)
        code = _watch(backend, execution.arn, opts, console, once)
    raise typer.Exit(int(code))


# ------------------------------------------------------------------------------------------ runs
@app.command()
def runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Show at most this many runs.")] = 20,
) -> None:
    """List runs, newest first, with their verdict, judge-score difference, cost and what they left.

    Example: bft --local runs --limit 5
    """
    opts = _options(ctx)
    with opts.backend() as backend:
        left = resources.find(backend.bedrock, run_prices.reader(backend.read_json))
        rows = [run_rows.row(backend, e, left) for e in backend.list_executions(limit=limit)]
        simulated = backend.simulated
    if opts.json:
        _emit_json({"simulated": simulated, "runs": rows})
        return
    _console().print(render.runs_table(rows, simulated))


# ------------------------------------------------------------------------------------------ report
@app.command()
def report(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, execution name or execution ARN.")],
    out: Annotated[Path, typer.Option(help="Directory to write the report to.")] = Path("bft-reports"),
    open_: Annotated[bool, typer.Option("--open", help="Open index.html in the browser.")] = False,
) -> None:
    """Download a run's report (index.html, report.md, results.json).

    Example: bft report RUN --open
    """
    opts = _options(ctx)
    with opts.backend() as backend:
        execution = backend.find(run)
        prefix = f"runs/{execution.run_id}/report/"
        target = out / execution.run_id
        written = []
        for page in backend.s3.get_paginator("list_objects_v2").paginate(Bucket=backend.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                path = target / item["Key"][len(prefix) :]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(backend.s3.get_object(Bucket=backend.bucket, Key=item["Key"])["Body"].read())
                written.append(str(path))
    if not written:
        raise CliError(f"run {execution.run_id} has no report (status {execution.status})", Exit.NOT_FOUND)
    index = target / "index.html"
    if opts.json:
        _emit_json({"runId": execution.run_id, "files": written, "index": str(index)})
    else:
        _console().print(f"Report of {execution.run_id}: {index}" + (" (SIMULATED)" if backend.simulated else ""))
    if open_:
        webbrowser.open(index.resolve().as_uri())


# ------------------------------------------------------------------------------------------ compare
@app.command()
def compare(
    ctx: typer.Context,
    runs_: Annotated[list[str], typer.Argument(metavar="RUN RUN [RUN...]", help="Two or more runs.")],
) -> None:
    """Runs side by side: what differed (data hashes and sizes, base model, hyperparameters, system
    prompt) and every metric with its interval; for two runs on the same evaluation set, a paired
    comparison per question (second run's fine-tuned model minus the first's).

    Example: bft --local compare RUN_A RUN_B
    """
    opts = _options(ctx)
    if len(runs_) < 2:
        raise CliError("compare needs at least two runs", Exit.BAD_INPUT)
    with opts.backend() as backend:
        loaded = []
        for run in runs_:
            execution = backend.find(run)
            res = run_rows.results(backend, execution.run_id)
            if res is None:
                raise CliError(
                    f"run {execution.run_id} has no results.json (status {execution.status})", Exit.NOT_FOUND
                )
            loaded.append((execution.run_id, res, run_rows.manifest(backend, execution.run_id) or {}))
        simulated = backend.simulated
    ids = [run_id for run_id, _, _ in loaded]
    settings = [comparing.settings_of(res, man) for _, res, man in loaded]
    document: dict[str, Any] = {
        "simulated": simulated,
        "runs": ids,
        "differences": comparing.differences(settings),
        "metrics": {run_id: comparing.metrics(res) for run_id, res, _ in loaded},
        "paired": comparing.paired_runs(loaded[0][1], loaded[1][1]) if len(loaded) == 2 else None,
    }
    if opts.json:
        _emit_json(document)
        return
    console = _console()
    label = " (SIMULATED)" if simulated else ""
    diff = Table(title=f"What differed{label}")
    diff.add_column("Setting")
    for run_id in ids:
        diff.add_column(run_id, overflow="fold")
    for key, values in document["differences"].items():
        if key == "dataSha256":  # the first 12 hex digits tell files apart; --json has them whole
            values = [{name: str(digest)[:12] for name, digest in (v or {}).items()} for v in values]
        diff.add_row(key, *[json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v for v in values])
    if not document["differences"]:
        diff.add_row("(nothing)", *["same" for _ in ids])
    console.print(diff)
    table = Table(title=f"Metrics (fine-tuned minus base within each run; 95% CI){label}")
    table.add_column("Metric")
    for run_id in ids:
        table.add_column(run_id, overflow="fold")
    for key in (
        "fineTunedMeanScore",
        "baseMeanScore",
        "judgeScore",
        "rougeL",
        "semanticSimilarity",
        "outputTokens",
        "verdict",
        "costUsd",
    ):
        cells = []
        for run_id in ids:
            value = document["metrics"][run_id].get(key)
            cells.append(render.interval(value) if isinstance(value, dict) else ("-" if value is None else str(value)))
        table.add_row(key, *cells)
    console.print(table)
    pairs = document["paired"]
    if pairs:
        table = Table(
            title=f"Per question, {ids[1]} minus {ids[0]} "
            f"(fine-tuned models, {pairs['questions']} shared questions){label}"
        )
        for column in ("Metric", "Mean difference [95% CI]", "Better/same/worse", "p (sign test)"):
            table.add_column(column)
        for key, _ in comparing.METRICS:
            if key in pairs:
                p = pairs[key]
                table.add_row(
                    key,
                    render.interval(p),
                    f"{p['wins']}/{p['ties']}/{p['losses']}",
                    "-" if p["pValue"] is None else f"{p['pValue']:.3f}",
                )
        console.print(table)
    elif len(ids) == 2:
        console.print("The two runs share no evaluation question: no paired comparison.")


# ------------------------------------------------------------------------------------------ stop
@app.command()
def stop(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, execution name or execution ARN.")],
    timeout: Annotated[int, typer.Option(help="Seconds to wait for paid resources to be gone.")] = 1800,
) -> None:
    """Stop a run; the sweeper deletes what it bought; wait until nothing paid is left, and say so.

    Example: bft stop RUN
    """
    opts = _options(ctx)
    console = _console()
    with opts.backend() as backend:
        execution = backend.find(run)
        if execution.ended:
            message = f"run {execution.run_id} already ended ({execution.status})"
        else:
            backend.stop(execution.arn, "stopped with bft stop")
            backend.after_stop(backend.describe(execution.arn))
            message = f"run {execution.run_id} stopped"
        deadline = time.monotonic() + timeout
        left = [r for r in resources.find(backend.bedrock) if r.run_id == execution.run_id and r.kind != "custom-model"]
        while left and execution.status != "SUCCEEDED" and time.monotonic() < deadline:
            backend.sleep(1 if backend.simulated else 30)
            left = [
                r for r in resources.find(backend.bedrock) if r.run_id == execution.run_id and r.kind != "custom-model"
            ]
    paid_left = [r.as_dict() for r in left]
    if opts.json:
        _emit_json({"runId": execution.run_id, "message": message, "paidHostingLeft": paid_left})
    else:
        console.print(message)
        if paid_left and execution.status != "SUCCEEDED":
            console.print(
                f"still there after {timeout} s: {[r['name'] for r in paid_left]} (check the sweeper; `bft cleanup`)"
            )
        elif paid_left:
            console.print(f"kept on purpose by the successful run: {[r['name'] for r in paid_left]}")
        else:
            console.print("nothing paid is left for this run (no throughput, deployment or running job)")
    raise typer.Exit(int(Exit.RUN_FAILED if paid_left and execution.status != "SUCCEEDED" else Exit.OK))


# ------------------------------------------------------------------------------------------ cleanup
def _age(text: str) -> timedelta:
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        raise CliError(f"--older-than {text!r}: expected a number and d, h or m, e.g. 30d", Exit.BAD_INPUT)
    return timedelta(**{units[text[-1]]: int(text[:-1])})


@app.command()
def cleanup(
    ctx: typer.Context,
    older_than: Annotated[str | None, typer.Option(help="Only resources older than this, e.g. 30d, 12h.")] = None,
    keep_latest: Annotated[int, typer.Option(help="Keep the resources of the N newest runs.")] = 0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List only; delete nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Delete without asking.")] = False,
) -> None:
    """List everything the pipeline created that still costs money (throughputs, running jobs,
    deployments, custom models) and delete it on confirmation. Only resources the pipeline tagged.

    Examples: bft cleanup --dry-run ; bft cleanup --older-than 30d --keep-latest 2 --yes
    """
    opts = _options(ctx)
    console = _console()
    with opts.backend() as backend:
        found = resources.find(backend.bedrock, run_prices.reader(backend.read_json), backend.cloudwatch)
        chosen = found
        if older_than:
            cutoff = datetime.now(UTC) - _age(older_than)
            chosen = [r for r in chosen if r.created is not None and r.created < cutoff]
        if keep_latest:
            newest = sorted(
                {r.run_id for r in found if r.run_id},
                key=lambda run: max(r.created or datetime.min.replace(tzinfo=UTC) for r in found if r.run_id == run),
                reverse=True,
            )[:keep_latest]
            chosen = [r for r in chosen if r.run_id not in newest]
        priced = [r.monthly_usd for r in chosen if r.monthly_usd is not None]
        label = " (SIMULATED)" if backend.simulated else ""
        if not opts.json:
            console.print(render.resources_table(chosen, f"Pipeline resources that still cost money{label}"))
            unpriced = sum(1 for r in chosen if r.monthly_usd is None)
            console.print(
                f"Monthly while kept: ${sum(priced):,.2f}" + (f" + {unpriced} not priced" if unpriced else "")
            )
        deleted: list[str] = []
        failed: list[str] = []
        if chosen and not dry_run:
            if not yes and not opts.json:
                yes = typer.confirm(f"Delete these {len(chosen)} resource(s)?", default=False)
            if yes:
                for r in chosen:
                    try:
                        resources.delete(backend.bedrock, r)
                        deleted.append(r.name)
                    except ClientError as error:
                        failed.append(f"{r.name}: {error.response['Error']['Message']}")
    if opts.json:
        _emit_json(
            {
                "simulated": backend.simulated,
                "dryRun": dry_run,
                "resources": [r.as_dict() for r in chosen],
                "deleted": deleted,
                "failed": failed,
            }
        )
    else:
        if dry_run:
            console.print("--dry-run: nothing deleted")
        for name in deleted:
            console.print(f"deleted {name}")
        for text in failed:
            console.print(f"could not delete {text}")
    raise typer.Exit(int(Exit.RUN_FAILED if failed else Exit.OK))


def main() -> None:
    """Console-script entry point: CliError becomes its message and exit code."""
    try:
        app()
    except CliError as error:
        Console(stderr=True, highlight=False).print(f"error: {error}")
        sys.exit(int(error.code))
